# Choi & Im's three stages (CVPR 2023, Sec. 3.2 and App. A) as a StagedTrainLoop:
#   warmup   - A, B, Gamma fixed at 0 (sigma = 0.5) and frozen; the weights train on the task loss (Eq. 7);
#   search   - weights and A, B, Gamma train together on the same batches, with the squeeze loss (Eq. 8);
#              one Adam with two learning rates (Table 9: weights 1e-4, upper-level parameters 0.01);
#   finetune - the flow-based reduction (Alg. 1) fixes a binary sub-network per task, the weights are
#              rewound to their values at the end of the warm-up and trained alone.
# 5k / 15k / 20k iterations (NYU-v2 and Cityscapes, App. A). Stages, optimisers and hooks are dicts keyed by
# name, so a config changes one value: train_cfg = dict(stages=dict(search=dict(iters=3000))).
_base_ = ['../default_runtime.py']
train_cfg = dict(
    type='StagedTrainLoop',
    stages=dict(
        warmup=dict(iters=5000, phases=[dict(dataloader='train', optim_wrapper='warmup')]),
        search=dict(iters=15000, val_interval=1000, phases=[dict(dataloader='train', optim_wrapper='search')]),
        finetune=dict(iters=20000, val_interval=2000, phases=[dict(dataloader='train', optim_wrapper='finetune')]),
    ),
    dataloaders=dict())
optim_wrapper = dict(
    constructor='ArchitectureOptimWrapperConstructor',
    warmup=dict(optimizer=dict(type='Adam', lr=1e-4)),
    search=dict(params='all', optimizer=dict(type='Adam', lr=1e-4), arch_overrides=dict(lr=0.01)),
    finetune=dict(optimizer=dict(type='Adam', lr=1e-4)),
)
param_scheduler = dict(warmup=[], search=[], finetune=[])
named_hooks = dict(
    policy_mode=dict(type='PolicyModeHook', modes=dict(warmup='warmup', search='search')),
    discretize=dict(type='DiscretizePolicyHook', stage='finetune', discretize_cfg=dict(method='flow')),
    rewind=dict(type='RewindWeightsHook', source_stage='warmup', stage='finetune'),
    # the policy's report (DAGPolicy: sub-networks, D/W/S) in <work_dir>/topology/, at the fine-tuning and the end
    topology=dict(type='PolicyReportHook', stage='finetune'),
)
default_hooks = dict(checkpoint=dict(interval=5000), logger=dict(interval=100))
test_after_train = True
