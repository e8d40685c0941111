# AdaShare's three stages (Sun et al., NeurIPS 2020, Sec. 3.4) as a StagedTrainLoop:
#   warmup  - every block executes; the weights train on `train` (Adam, betas (0.5, 0.999));
#   search  - alternating phases: the weights on `train1` (SGD, momentum 0.9, weight decay 1e-4),
#             then the policy logits on `train2` (Adam lr 0.01, weight decay 5e-4). One cycle of the
#             two phases is a "policy epoch": τ decays and the curriculum releases a block per epoch.
#             The policy that scores best on the validation split is kept;
#   retrain - a discrete policy is sampled (seeded) from the kept policy and fixed, the weights are
#             re-initialised and trained from scratch on `train`.
# Stages, dataloaders and optimisers are dicts keyed by name, so a config changes one value by name,
# e.g. train_cfg = dict(stages=dict(search=dict(iters=300))). Configs add the `train1` / `train2`
# dataloaders and the policy (model.policy).
train_cfg = dict(
    type='StagedTrainLoop',
    stages=dict(
        warmup=dict(iters=4000, phases=[dict(dataloader='train', optim_wrapper='warmup')]),
        search=dict(iters=20000, val_interval=400,
                    phases=[dict(dataloader='train1', optim_wrapper='weights', iters=200),
                            dict(dataloader='train2', optim_wrapper='arch', iters=200)]),
        retrain=dict(iters=20000, val_interval=2000, phases=[dict(dataloader='train', optim_wrapper='retrain')]),
    ),
    dataloaders=dict())

optim_wrapper = dict(
    constructor='ArchitectureOptimWrapperConstructor',
    warmup=dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999), weight_decay=1e-4)),
    weights=dict(optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=1e-4)),
    arch=dict(optimizer=dict(type='Adam', lr=0.01, weight_decay=5e-4)),
    retrain=dict(optimizer=dict(type='Adam', lr=1e-3, betas=(0.5, 0.999), weight_decay=1e-4)),
)
# One list per optimiser wrapper (MMEngine needs an entry for each); begin/end are global iterations.
param_scheduler = dict(warmup=[], weights=[], arch=[], retrain=[])

# Hooks keyed by name (the runner appends them to custom_hooks), so a config changes one value:
# named_hooks = dict(curriculum=dict(speed=3)).
named_hooks = dict(
    policy_mode=dict(type='PolicyModeHook', modes=dict(warmup='warmup', search='search')),
    temperature=dict(type='TemperatureScheduleHook', decay=0.965, every='cycle', stage='search'),  # from policy τ0
    curriculum=dict(type='CurriculumHook', speed=1, every='cycle', stage='search'),
    best_policy=dict(type='BestPolicyHook', stage='search', metric='delta/mean', rule='greater'),
    discretize=dict(type='DiscretizePolicyHook', stage='retrain', discretize_cfg=dict(mode='sample'), seed=0,
                    num_samples=1, use_sample=0),
    reinitialize=dict(type='ReinitializeWeightsHook', stage='retrain', keep_searched_weights=False),
    policy_visualization=dict(type='PolicyVisualizationHook', interval='cycle'),
)
# Evaluate the re-trained model on the test split at the end of `tools/train.py`.
test_after_train = True
