default_scope = 'mtlreg'
runner_type = 'MultiTaskRunner'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=500, max_keep_ckpts=2, save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    model_summary=dict(type='ModelSummaryHook'),
)
# A method's hooks (search schedules, stage transitions) go in custom_hooks, set by its schedule.
val_cfg = dict(type='MultiTaskValLoop')
test_cfg = dict(type='TestLoop')

env_cfg = dict(
    cudnn_benchmark=False,
    flush_denormal=True,  # denormal floats as zero on CPUs: runs do not slow down as weights decay
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),  # on GPUs; without CUDA the tools start a gloo group themselves
)

vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends)
log_processor = dict(by_epoch=False, window_size=20)
log_level = 'INFO'

load_from = None
resume = False
randomness = dict(seed=0)
