"""A tiny run that also writes TensorBoard event files, and what an event file holds."""
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

from tests.engine.tiny import tiny_cfg


def _event_contents(path) -> dict[str, dict[str, list]]:
    """``{plugin: {tag: [step, ...]}}`` of a TensorBoard event file (plugins: scalars, images, text)."""
    contents = {}
    for event in EventFileLoader(path).Load():
        for value in event.summary.value:
            kind = value.metadata.plugin_data.plugin_name or value.WhichOneof('value')
            contents.setdefault(kind, {}).setdefault(value.tag, []).append(event.step)
    return contents


def _tiny_tensorboard_cfg(work_dir, **kwargs):
    cfg = tiny_cfg(work_dir, **kwargs)
    cfg.vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
    cfg.visualizer.vis_backends = cfg.vis_backends
    return cfg
