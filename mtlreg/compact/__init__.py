"""Compact execution of a discrete sharing policy: only the units tasks use, shared computation once."""
from .model import CompactMultiTaskModel, compile_model, load_compact_model, save_compact_model
from .prefix_tree import build_prefix_tree, needed_nodes
from .sequential import CompactSequentialBackbone, compile_sequential

__all__ = ['CompactMultiTaskModel', 'CompactSequentialBackbone', 'build_prefix_tree', 'compile_model',
           'compile_sequential', 'load_compact_model', 'needed_nodes', 'save_compact_model']
