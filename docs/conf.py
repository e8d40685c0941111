"""Sphinx configuration: the Markdown pages of docs/ plus a reference generated from the code.

Build with ``make docs``; the test suite builds it too and fails on any warning (a broken link,
a module that does not import, a reference to something that does not exist).
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '_ext'))
sys.path.insert(0, os.path.dirname(HERE))
os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
os.environ.setdefault('HF_HUB_OFFLINE', '1')

project = 'mtlreg'
author = 'mtlreg contributors'
extensions = [
    'myst_parser',
    'sphinx.ext.autodoc',
    'sphinx.ext.napoleon',
    'mtlreg_reference',
]
source_suffix = {'.md': 'markdown', '.rst': 'restructuredtext'}
root_doc = 'index'
exclude_patterns = ['_build']
myst_heading_anchors = 3
myst_enable_extensions = ['dollarmath']
suppress_warnings = []

# API reference
autodoc_member_order = 'bysource'
autodoc_typehints = 'signature'
autodoc_class_signature = 'mixed'
autodoc_default_options = {'show-inheritance': True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# A reference to anything of mtlreg that does not exist is an error; references to other packages
# (torch, MMEngine, numpy, the standard library) are not resolved offline and are not checked.
nitpicky = True
nitpick_ignore_regex = [
    (r'py:.*', r'(?!mtlreg\b).*'),
]

html_theme = 'alabaster'
html_title = 'mtlreg'
html_static_path = []
