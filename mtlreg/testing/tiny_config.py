"""Self-contained configs of a tiny multi-task run: two tasks on 16×16 synthetic scenes, a narrow ResNet.

They need no config file and no data on disk (the scenes are rendered in memory), train in about a
second, and exercise what a real run does: validation with Δ_T, checkpoints, logging, and — in the
staged version — AdaShare's warm-up, alternating search and re-training with their hooks.
"""
from __future__ import annotations

import copy
import os.path as osp

from mmengine.config import Config

#: the tasks of the tiny run: a segmentation and a regression task, each with its metric
TASKS = dict(
    seg=dict(head=dict(type='SegmentationHead', channels=4, out_channels=9),
             loss=dict(type='CrossEntropyLoss', ignore_index=255),
             metric=dict(type='SegmentationMetric', num_classes=9)),
    depth=dict(head=dict(type='DenseRegressionHead', channels=4),
               loss=dict(type='MaskedL1Loss', invalid_value=0.0),
               metric=dict(type='DepthMetric')))

#: single-task references of Δ_T for the tiny tasks (any positive numbers make Δ_T defined)
REFERENCE = dict(seg=dict(mIoU=20.0, pixel_acc=60.0), depth=dict(abs_err=0.8, rel_err=0.3))


def _loader(split: str, samples: int, batch_size: int, infinite: bool) -> dict:
    sampler = dict(type='InfiniteSampler', shuffle=True) if infinite else dict(type='DefaultSampler', shuffle=False)
    return dict(batch_size=batch_size, num_workers=0, sampler=sampler, collate_fn=dict(type='default_collate'),
                dataset=dict(type='ScenesDataset', split=split, resolution=16, max_samples=samples, tasks=list(TASKS),
                             cache_in_memory=True, pipeline=[dict(type='PackMultiTaskInputs')]))


def _runtime(work_dir: str, checkpoint_interval: int) -> dict:
    name = osp.basename(osp.normpath(work_dir))
    return dict(
        default_scope='mtlreg', runner_type='MultiTaskRunner', work_dir=work_dir, experiment_name=name,
        randomness=dict(seed=0), log_level='WARNING', env_cfg=dict(dist_cfg=dict(backend='gloo')),
        default_hooks=dict(timer=dict(type='IterTimerHook'), logger=dict(type='LoggerHook', interval=1),
                           param_scheduler=dict(type='ParamSchedulerHook'),
                           checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=checkpoint_interval,
                                           max_keep_ckpts=-1, save_last=True),
                           sampler_seed=dict(type='DistSamplerSeedHook')),
        log_processor=dict(by_epoch=False, window_size=1),
        visualizer=dict(type='Visualizer', name=f'vis_{name}', vis_backends=[dict(type='LocalVisBackend')]),
        val_evaluator=dict(type='MultiTaskEvaluator', single_task_reference=REFERENCE),
        test_evaluator=dict(type='MultiTaskEvaluator', single_task_reference=REFERENCE),
        val_dataloader=_loader('val', 4, 4, infinite=False), test_dataloader=_loader('test', 4, 4, infinite=False),
        val_cfg=dict(type='ValLoop'), test_cfg=dict(type='TestLoop'))


def tiny_config(work_dir: str, iters: int = 4, val_interval: int = 2, policy: dict | None = None,
                balancer: dict | None = None, backbone: dict | None = None, **options) -> Config:
    """A plain (one-stage) run: shared bottom by default; ``options`` are top-level keys to set."""
    cfg = dict(
        _runtime(work_dir, checkpoint_interval=val_interval),
        tasks=copy.deepcopy(TASKS),
        model=dict(type='MultiTaskModel', data_preprocessor=dict(type='BaseDataPreprocessor'),
                   backbone=backbone or dict(type='DilatedResNet', depth=18, output_stride=8, width_multiplier=0.0625),
                   policy=policy or dict(type='SharedBottomPolicy'), balancer=balancer or dict(type='StaticBalancer')),
        train_dataloader=_loader('train', 8, 2, infinite=True),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=val_interval),
        optim_wrapper=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3)))
    cfg.update(options)
    return Config(cfg)


def tiny_staged_config(work_dir: str, warmup: int = 2, search: int = 4, retrain: int = 2, **options) -> Config:
    """AdaShare's three stages in miniature, with the hooks of its shipped config; ``options`` as above."""
    search_loader = dict(_loader('train', 8, 2, infinite=True))
    cfg = tiny_config(work_dir, val_interval=1)
    cfg.merge_from_dict(dict(
        model=dict(policy=dict(type='AdaSharePolicy', temperature=5.0, sharing_weight=0.005, sparsity_weight=0.001)),
        train_cfg=dict(_delete_=True, type='StagedTrainLoop',
                       dataloaders=dict(train1=dict(search_loader, dataset=dict(search_loader['dataset'],
                                                                                   split='train1')),
                                        train2=dict(search_loader, dataset=dict(search_loader['dataset'],
                                                                                   split='train2'))),
                       stages=dict(warmup=dict(iters=warmup, phases=[dict(dataloader='train', optim_wrapper='warmup')]),
                                   search=dict(iters=search, val_interval=2,
                                               phases=[dict(dataloader='train1', optim_wrapper='weights', iters=1),
                                                       dict(dataloader='train2', optim_wrapper='arch', iters=1)]),
                                   retrain=dict(iters=retrain, val_interval=retrain,
                                                phases=[dict(dataloader='train', optim_wrapper='retrain')]))),
        optim_wrapper=dict(_delete_=True, constructor='ArchitectureOptimWrapperConstructor',
                           warmup=dict(optimizer=dict(type='Adam', lr=1e-3)),
                           weights=dict(optimizer=dict(type='SGD', lr=1e-2, momentum=0.9)),
                           arch=dict(optimizer=dict(type='Adam', lr=1e-2)),
                           retrain=dict(optimizer=dict(type='Adam', lr=1e-3))),
        named_hooks=dict(
            policy_mode=dict(type='PolicyModeHook', modes=dict(warmup='warmup', search='search')),
            temperature=dict(type='TemperatureScheduleHook', stage='search', decay=0.75, every='cycle'),
            curriculum=dict(type='CurriculumHook', stage='search', every='cycle', speed=1),
            best_policy=dict(type='BestPolicyHook', stage='search', metric='delta/mean',
                             after_full_curriculum=False),
            discretize=dict(type='DiscretizePolicyHook', stage='retrain', discretize_cfg=dict(mode='argmax')),
            reinitialize=dict(type='ReinitializeWeightsHook', stage='retrain'))))
    cfg.merge_from_dict(options)
    return cfg
