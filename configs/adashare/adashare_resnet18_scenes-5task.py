# AdaShare on the embedded scenes data (five dense tasks, 64×64), sized for 2 CPU cores: `make train`.
# The quarter-width dilated ResNet-18, heads, data and single-task references of the scenes
# baselines (configs/baselines/), so Δ_T and parameters compare directly.
_base_ = [
    '../_base_/models/resnet18_shared_bottom.py',
    '../_base_/datasets/scenes_5task.py',
    '../_base_/schedules/adashare_stages.py',
    '../_base_/default_runtime.py',
    '../_base_/references/scenes_5task_resnet18.py',
]
# Δ_T selects the policy on the validation split and is reported on the test split.
val_evaluator = dict(single_task_reference={{_base_._single_task_reference}})
test_evaluator = val_evaluator

# The scenes tasks are Taskonomy's five, so the regularisation weights are the paper's Taskonomy ones.
model = dict(policy=dict(_delete_=True, type='AdaSharePolicy', init='equal', sampling='soft', temperature=5.0,
                         sparsity_weight=0.001, sharing_weight=0.005, regularizer_form='paper'))

# Stage lengths: 100 warm-up, 240 search (12 policy epochs of 10 + 10 iterations), and 1000 re-training
# iterations: the baselines' schedule, so that AdaShare, shared-bottom and single-task compare directly.
_retrain_iters = 1000
_search_loader = dict(batch_size=16, num_workers=0, sampler=dict(type='InfiniteSampler', shuffle=True),
                      collate_fn=dict(type='default_collate'))
_search_data = dict(type='ScenesDataset', resolution=64, cache_in_memory=True,
                    pipeline={{_base_._train_pipeline}})
train_cfg = dict(
    stages=dict(
        warmup=dict(iters=100),
        search=dict(iters=240, val_interval=40,
                    phases=[dict(dataloader='train1', optim_wrapper='weights', iters=10),
                            dict(dataloader='train2', optim_wrapper='arch', iters=10)]),
        retrain=dict(iters=_retrain_iters, val_interval=_retrain_iters)),
    # the two halves of `train`: weights learn on train1, the policy on train2; `val` selects the policy
    dataloaders=dict(train1=dict(_search_loader, dataset=dict(_search_data, split='train1')),
                     train2=dict(_search_loader, dataset=dict(_search_data, split='train2'))))

optim_wrapper = dict(
    warmup=dict(optimizer=dict(lr=2e-3)),
    weights=dict(optimizer=dict(lr=0.01)),
    retrain=dict(optimizer=dict(lr=2e-3, betas=(0.9, 0.999))),
)
# The baselines' schedule (linear warm-up, cosine decay) in the re-training stage; `stage=` counts begin and
# end from the stage's first iteration (the end defaults to the stage's), so other search lengths keep it.
param_scheduler = dict(
    _delete_=True, warmup=[], weights=[], arch=[],
    retrain=[dict(type='LinearLR', start_factor=0.1, stage='retrain', end=100),
             dict(type='CosineAnnealingLR', stage='retrain', begin=100, eta_min=1e-5)])
# The search has 12 policy epochs instead of hundreds: τ falls by 0.75 per epoch (5 → 0.16), as the
# paper's 0.965 per epoch does over its longer search, so that the Gumbel samples end close to 0/1.
# The execute probabilities themselves end between 0.2 and 0.8, not near 0/1 as after the paper's
# search, so a policy sampled from them is mostly noise (docs/methods/adashare.md has the measurements):
# the discrete policy keeps every block whose execute probability is at least 0.5.
named_hooks = dict(temperature=dict(decay=0.75), discretize=dict(discretize_cfg=dict(mode='argmax')))
default_hooks = dict(checkpoint=dict(interval=340))
