"""Compact execution of a discrete sharing policy: only the units tasks use, shared computation once."""
from .dag import CompactDAGBackbone, compile_dag
from .modular import CompactModularBackbone, compile_modular
from .model import (CompactMultiTaskModel, can_compile, compile_backbone, compile_model, load_compact_model,
                    save_compact_model)
from .prefix_tree import build_prefix_tree, needed_nodes
from .sequential import CompactSequentialBackbone, compile_sequential

__all__ = ['CompactDAGBackbone', 'CompactModularBackbone', 'CompactMultiTaskModel', 'CompactSequentialBackbone',
           'build_prefix_tree', 'can_compile', 'compile_backbone', 'compile_dag', 'compile_model', 'compile_modular',
           'compile_sequential', 'load_compact_model', 'needed_nodes', 'save_compact_model']
