"""Helpers for testing mtlreg and its plugins: tiny configs and a runner test case."""
from .runner_test_case import RunnerTestCase
from .tiny_config import tiny_config, tiny_staged_config

__all__ = ['RunnerTestCase', 'tiny_config', 'tiny_staged_config']
