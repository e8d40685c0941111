"""Tiny versions of the scenes configs for runner tests (32×32, narrow, few iterations).

The shared-bottom baseline, the AdaShare stages and the DAG network's stages.
"""
import os

from mmengine.config import Config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE_CONFIG = os.path.join(REPO, 'configs', 'baselines', 'shared_bottom_resnet18_scenes-5task.py')


def tiny_cfg(work_dir, config=BASE_CONFIG, max_iters=6, interval=3) -> Config:
    cfg = Config.fromfile(config)
    cfg.work_dir = str(work_dir)
    backbone = cfg.model.backbone
    resnet = backbone.expert if 'expert' in backbone else backbone.levels[0].expert if 'levels' in backbone else backbone
    resnet.width_multiplier = 0.125  # an expert mixture's (first level's) experts
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
    return _log_every_iteration(cfg, work_dir, interval)


def _log_every_iteration(cfg, work_dir, checkpoint_interval) -> Config:
    """Checkpoint every ``checkpoint_interval`` iterations (keep all), log every one, local logs only."""
    cfg.default_hooks.checkpoint.interval = checkpoint_interval
    cfg.default_hooks.checkpoint.max_keep_ckpts = -1
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor = dict(by_epoch=False, window_size=1)
    cfg.vis_backends = [dict(type='LocalVisBackend')]
    cfg.visualizer = dict(type='Visualizer', vis_backends=cfg.vis_backends, name=f'vis_{os.path.basename(str(work_dir))}')
    cfg.experiment_name = os.path.basename(str(work_dir))
    return cfg


ADASHARE_CONFIG = os.path.join(REPO, 'configs', 'adashare', 'adashare_resnet18_scenes-5task.py')


def tiny_staged_cfg(work_dir, warmup=2, search=4, retrain=2, checkpoint_interval=1) -> Config:
    """The AdaShare scenes config shrunk: 32×32, narrow, stages of a few iterations, phases of one."""
    cfg = Config.fromfile(ADASHARE_CONFIG)
    cfg.work_dir = str(work_dir)
    backbone = cfg.model.backbone
    resnet = backbone.expert if 'expert' in backbone else backbone.levels[0].expert if 'levels' in backbone else backbone
    resnet.width_multiplier = 0.125  # an expert mixture's (first level's) experts
    for task in cfg.tasks.values():
        task.head.channels = 4
    loaders = [cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader, *cfg.train_cfg.dataloaders.values()]
    for loader in loaders:
        loader.batch_size = 2
        loader.dataset.resolution = 32
        loader.dataset.indices = 4
    stages = cfg.train_cfg.stages
    stages.warmup.iters, stages.search.iters, stages.retrain.iters = warmup, search, retrain
    for phase in stages.search.phases:
        phase.iters = 1
    stages.search.val_interval = 2
    stages.retrain.val_interval = retrain
    cfg.param_scheduler = dict(warmup=[], weights=[], arch=[], retrain=[])
    _log_every_iteration(cfg, work_dir, checkpoint_interval)
    cfg.test_after_train = False
    # four search iterations never release all eight blocks: let every validation compete
    cfg.named_hooks.best_policy.after_full_curriculum = False
    return cfg


DAG_CONFIG = os.path.join(REPO, 'configs', 'dag_network', 'dag_vgg16-m3_scenes-5task.py')


def shrink_heads_and_loaders(cfg) -> None:
    """Heads of 4 channels; every loader: batches of 2 from the first 4 scenes at 32×32."""
    for task in cfg.tasks.values():
        task.head.channels = 4
    for loader in (cfg.train_dataloader, cfg.val_dataloader, cfg.test_dataloader):
        loader.batch_size = 2
        loader.dataset.resolution = 32
        loader.dataset.indices = 4


def tiny_dag_cfg(work_dir, warmup=2, search=3, finetune=2) -> Config:
    cfg = Config.fromfile(DAG_CONFIG)
    cfg.work_dir = str(work_dir)
    cfg.model.backbone.width_multiplier = 0.0625
    shrink_heads_and_loaders(cfg)
    stages = cfg.train_cfg.stages
    stages.warmup.iters, stages.search.iters, stages.finetune.iters = warmup, search, finetune
    stages.search.val_interval = search
    stages.finetune.val_interval = finetune
    cfg.param_scheduler = dict(warmup=[], search=[], finetune=[])
    cfg.test_after_train = False
    return _log_every_iteration(cfg, work_dir, 1)
