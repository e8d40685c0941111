"""A registry that names both modules when two register the same name."""
from mmengine.registry import Registry


class MtlRegistry(Registry):
    """MMEngine ``Registry`` whose duplicate-name error names both modules.

    MMEngine's own message names only the module registered first; a plugin
    author needs to know which of two packages to rename.
    """

    def _register_module(self, module, module_name=None, force=False):
        names = [module_name] if isinstance(module_name, str) else (module_name or [module.__name__])
        if not force:
            for name in names:
                existing = self._module_dict.get(name)
                if existing is not None and existing is not module:
                    raise KeyError(
                        f'{name!r} is already registered in the {self.name!r} registry by '
                        f'{existing.__module__}.{existing.__qualname__}; '
                        f'{module.__module__}.{module.__qualname__} tries to register the same name. '
                        'Rename one of them (register_module(name=...)) or pass force=True.')
                if existing is module:
                    # Re-importing the same module (e.g. a plugin loaded twice) is harmless.
                    force = True
        super()._register_module(module, module_name=module_name, force=force)
