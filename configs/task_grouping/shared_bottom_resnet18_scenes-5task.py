# Task grouping on scenes-5task (Standley et al., 2020): a shared-bottom network (quarter-width dilated
# ResNet-18, an ASPP head per task) for every group of the five tasks, compared under an inference budget.
# CPU scale: 500 iterations per candidate (half the quick schedule), every network at the same width.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']

train_cfg = dict(max_iters=500, val_interval=500)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=500, eta_min=1e-5),
]
default_hooks = dict(checkpoint=dict(interval=250, max_keep_ckpts=1))

task_grouping = dict(
    metric='delta/{task}',  # Δ_Ti (%) against the single-task references: comparable across tasks
    rule='greater',
    max_order=5,
    cost=dict(type='flops', input_shape=(3, 64, 64)),  # a network's FLOPs / a single-task network's
    order_options=dict(),  # e.g. {2: {'model.backbone.width_multiplier': 0.3}} for a width per group size
    esa_fraction=0.2,  # the early-stopping approximation trains 100 of the 500 iterations
    affinity=dict(interval=5, lr=None),  # --method tag: lookahead every 5 iterations at the optimiser's rate
)
