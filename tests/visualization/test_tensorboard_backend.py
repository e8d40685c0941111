"""The TensorBoard backend opens its event file with the first scalar or image, the config text with it."""
import glob

import numpy as np
from mmengine.config import Config
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

from mtlreg.registry import VISBACKENDS
from mtlreg.visualization import LazyTensorboardVisBackend


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
