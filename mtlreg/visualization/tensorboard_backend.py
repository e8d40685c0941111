"""A TensorBoard backend that creates its event file with the first scalar or image, never empty."""
from __future__ import annotations

from mmengine.visualization import TensorboardVisBackend as MMEngineTensorboardVisBackend

from mtlreg.registry import VISBACKENDS


@VISBACKENDS.register_module(name=['TensorboardVisBackend', 'LazyTensorboardVisBackend'])
class LazyTensorboardVisBackend(MMEngineTensorboardVisBackend):
    """MMEngine's ``TensorboardVisBackend`` (same arguments), registered in mtlreg under the same name.

    MMEngine opens the event file when the runner records its config, so a run that logs no scalar
    or image (an evaluation that fails, or one whose metrics are not sent to the visualiser) leaves
    an event file holding the config text only. Here the config is kept until the first scalar or
    image arrives and is written with it; a run that logs neither leaves no event file.
    """

    def __init__(self, save_dir: str) -> None:
        super().__init__(save_dir)
        self._config_text = None

    def add_config(self, config, **kwargs) -> None:
        if getattr(self, '_env_initialized', False):
            return super().add_config(config, **kwargs)
        self._config_text = config.pretty_text

    def _init_env(self) -> None:
        super()._init_env()
        if self._config_text is not None:
            self._tensorboard.add_text('config', self._config_text)
            self._config_text = None
