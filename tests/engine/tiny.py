"""A tiny version of the scenes shared-bottom config for runner tests (32×32, narrow, few iterations)."""
import os

from mmengine.config import Config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE_CONFIG = os.path.join(REPO, 'configs', 'baselines', 'shared_bottom_resnet18_scenes-5task.py')


def tiny_cfg(work_dir, config=BASE_CONFIG, max_iters=6, interval=3) -> Config:
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work_dir)
    cfg.model.backbone.width_multiplier = 0.125
    for task in cfg.tasks.values():
        task.head.channels = 4
    for key, n in (('train_dataloader', 16), ('val_dataloader', 8), ('test_dataloader', 8)):
        loader = cfg[key]
        loader.batch_size = 4
        loader.dataset.resolution = 32
        loader.dataset.indices = n
    cfg.train_cfg.max_iters = max_iters
    cfg.train_cfg.val_interval = interval
    cfg.param_scheduler = None
    cfg.default_hooks.checkpoint.interval = interval
    cfg.default_hooks.checkpoint.max_keep_ckpts = -1
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor = dict(by_epoch=False, window_size=1)
    cfg.vis_backends = [dict(type='LocalVisBackend')]
    cfg.visualizer = dict(type='Visualizer', vis_backends=cfg.vis_backends, name=f'vis_{os.path.basename(str(work_dir))}')
    cfg.experiment_name = os.path.basename(str(work_dir))
    return cfg
