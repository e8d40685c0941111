"""mtlreg: multi-task networks that learn what to share."""
from mtlreg.utils.formatter_cache import import_config_formatter

__version__ = '0.1.0'

import_config_formatter()
