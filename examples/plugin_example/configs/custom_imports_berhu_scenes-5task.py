# The same plugin used without installing it: custom_imports imports the package by name.
_base_ = ['./shared_bottom_berhu_geometric_scenes-5task.py']
custom_imports = dict(imports=['mtlreg_plugin_example'], allow_failed_imports=False)
