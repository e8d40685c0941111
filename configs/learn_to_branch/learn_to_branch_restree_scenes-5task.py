# Learning to Branch (Guo, Lee & Ulbricht, ICML 2020) on the embedded scenes data (five dense tasks, 64×64),
# sized for 2 CPU cores. The supernet is a tree of ResNet basic blocks: a stride-2 stem, then layers of
# 1, 2, 4 and 5 nodes (16, 32, 64, 64 channels, strides 1, 2, 2, 1: output stride 8, as the baselines'
# dilated ResNet-18 at quarter width); the last layer holds one leaf per task. The scenes heads, losses and
# single-task references, so Δ_T compares with the baselines, AdaShare and the DAG network.
#   search  - the weights and the parent logits θ train together on `train`, θ in a parameter group of
#             its own (Adam, lr 0.01); every child's parent is a Gumbel-softmax sample, τ annealed from 5
#             to about 0.5;
#   retrain - every child takes its argmax parent, the weights are re-initialised and the fixed tree is
#             trained from scratch on the baselines' schedule, running compiled (shared prefixes once).
_base_ = [
    '../_base_/datasets/scenes_5task.py',
    '../_base_/default_runtime.py',
    '../_base_/references/scenes_5task_resnet18.py',
]
model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='BaseDataPreprocessor'),
    backbone=dict(type='BranchingBackbone', widths=[1, 2, 4, 5], channels=[16, 32, 64, 64], strides=[1, 2, 2, 1],
                  block='basic', in_channels=3, stem_channels=16, stem_kernel=3, stem_stride=2),
    policy=dict(type='LearnToBranchPolicy', temperature=5.0, sampling='soft'),
    balancer=dict(type='StaticBalancer'),
)
val_evaluator = dict(single_task_reference={{_base_._single_task_reference}})
test_evaluator = val_evaluator

_search_iters = 300
_retrain_iters = 1000
train_cfg = dict(
    type='StagedTrainLoop',
    stages=dict(
        search=dict(iters=_search_iters, val_interval=_search_iters,
                    phases=[dict(dataloader='train', optim_wrapper='search')]),
        retrain=dict(iters=_retrain_iters, val_interval=_retrain_iters,
                     phases=[dict(dataloader='train', optim_wrapper='retrain')])),
    dataloaders=dict())
optim_wrapper = dict(
    constructor='ArchitectureOptimWrapperConstructor',
    search=dict(params='all', optimizer=dict(type='Adam', lr=2e-3), arch_overrides=dict(lr=0.01, weight_decay=0.0)),
    retrain=dict(optimizer=dict(type='Adam', lr=2e-3)),
)
# The baselines' schedule (linear warm-up, cosine decay) in the re-training stage (begin/end count from its start).
param_scheduler = dict(
    search=[],
    retrain=[dict(type='LinearLR', start_factor=0.1, stage='retrain', end=100),
             dict(type='CosineAnnealingLR', stage='retrain', begin=100, eta_min=1e-5)])
named_hooks = dict(
    policy_mode=dict(type='PolicyModeHook', modes=dict(search='search')),
    # τ from the policy's 5.0, × 0.85 every 20 iterations: 0.51 in the last 20
    temperature=dict(type='TemperatureScheduleHook', decay=0.85, every=20, stage='search'),
    discretize=dict(type='DiscretizePolicyHook', stage='retrain', discretize_cfg=dict(mode='argmax')),
    # from scratch, as the paper's final networks; keep_searched_weights=True fine-tunes the searched weights
    reinitialize=dict(type='ReinitializeWeightsHook', stage='retrain', keep_searched_weights=False),
    # the tree (parents, chains, probabilities) in <work_dir>/branching_tree/ when re-training begins and at the end
    branching_tree=dict(type='PolicyReportHook', stage='retrain'),
    policy_visualization=dict(type='PolicyVisualizationHook', interval=20),
)
default_hooks = dict(checkpoint=dict(interval=_search_iters + _retrain_iters))
test_after_train = True
