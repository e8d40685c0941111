"""What the tools build on: a trained model from a config and a checkpoint, and its export.

The layer above the engine: it may use every package below it, and nothing below imports it.
"""
from .onnx_export import export_onnx, onnxruntime_outputs
from .trained_model import first_test_input_shape, load_trained_model

__all__ = ['export_onnx', 'first_test_input_shape', 'load_trained_model', 'onnxruntime_outputs']
