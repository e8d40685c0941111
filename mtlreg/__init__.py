"""mtlreg: multi-task networks that learn what to share."""
__version__ = '0.1.0'
