"""The TensorBoard backend opens its event file with the first scalar or image, the config text with it."""
import glob

import numpy as np
import pytest
from mmengine.config import Config
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.registry import VISBACKENDS
from mtlreg.visualization import LazyTensorboardVisBackend
from tests.engine.tensorboard_runs import _event_contents, _tiny_tensorboard_cfg


def test_no_event_file_before_a_scalar_or_image(tmp_path):
    backend = VISBACKENDS.build(dict(type='TensorboardVisBackend', save_dir=str(tmp_path)))
    assert type(backend) is LazyTensorboardVisBackend
    backend.add_config(Config(dict(lr=0.5)))
    backend.close()
    assert not glob.glob(str(tmp_path / '*'))
    backend.add_image('picture', np.zeros((4, 4, 3), np.uint8), step=7)
    backend.close()
    (events,) = glob.glob(str(tmp_path / 'events.out.tfevents.*'))
    written = [(v.metadata.plugin_data.plugin_name or v.WhichOneof('value'), v.tag, e.step)
               for e in EventFileLoader(events).Load() for v in e.summary.value]
    assert written[0] == ('text', 'config/text_summary', 0) and ('images', 'picture', 7) in written


@pytest.mark.slow
def test_a_run_that_logs_no_scalar_leaves_no_event_file(tmp_path):
    train_dir, test_dir = tmp_path / 'trained_for_silent_test', tmp_path / 'tested_without_metrics'
    MultiTaskRunner.from_cfg(_tiny_tensorboard_cfg(train_dir, max_iters=1, interval=1)).train()
    cfg = _tiny_tensorboard_cfg(test_dir)
    cfg.load_from, cfg.default_hooks.test_metrics = str(train_dir / 'iter_1.pth'), None
    MultiTaskRunner.from_cfg(cfg).test()
    assert glob.glob(str(test_dir / '*' / 'vis_data' / 'config.py'))  # the run did record its config
    assert not glob.glob(str(test_dir / '**' / 'events.out.tfevents.*'), recursive=True)
    (events,) = glob.glob(str(train_dir / '*' / 'vis_data' / 'events.out.tfevents.*'))
    contents = _event_contents(events)  # a run that logs writes its config with its first scalar
    assert set(contents['scalars']['loss']) == {1} and 'config/text_summary' in contents['text']
