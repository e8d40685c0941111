# Learning to Branch (Guo, Lee & Ulbricht, ICML 2020) on the task clusters of MNIST and Fashion-MNIST
# (configs/_base_/datasets/mnist_fashion_20task.py: mnist_not<i> and fashion_not<i>, 20 tasks told only by
# their ids), sized for 2 CPU cores. The supernet is a tree of conv → BN → ReLU nodes with layers of 1, 2, 4
# and 20 nodes (16, 16, 16 and 8 channels, strides 2, 2, 2, 1: 28×28 → 4×4, the features the heads flatten);
# the last layer holds one leaf per task. What the search should find: the two clusters branching apart.
#   search  - the weights and the parent logits θ train together on per-task batches (one batch of every
#             task per round), θ in a parameter group of its own (Adam, lr 0.01); every child's parent is a
#             Gumbel-softmax sample, τ annealed from 5 to about 0.5;
#   retrain - every child takes its argmax parent, the weights are re-initialised and the fixed tree is
#             trained from scratch, running compiled (shared prefixes once).
_base_ = [
    '../_base_/datasets/mnist_fashion_20task.py',
    '../_base_/default_runtime.py',
]
model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='BaseDataPreprocessor'),
    backbone=dict(type='BranchingBackbone', widths=[1, 2, 4, 20], channels=[16, 16, 16, 8], strides=[2, 2, 2, 1],
                  block='conv', in_channels=1),
    policy=dict(type='LearnToBranchPolicy', temperature=5.0, sampling='soft'),
    balancer=dict(type='StaticBalancer'),
)

_search_iters = 2000  # 100 rounds of one batch of 32 per task
_retrain_iters = 4000
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
    search=dict(params='all', optimizer=dict(type='Adam', lr=1e-3), arch_overrides=dict(lr=0.01, weight_decay=0.0)),
    retrain=dict(optimizer=dict(type='Adam', lr=1e-3)),
)
param_scheduler = dict(search=[], retrain=[])
named_hooks = dict(
    policy_mode=dict(type='PolicyModeHook', modes=dict(search='search')),
    # τ from the policy's 5.0, × 0.89 every 100 iterations (5 rounds): 0.55 in the last 100
    temperature=dict(type='TemperatureScheduleHook', decay=0.89, every=100, stage='search'),
    discretize=dict(type='DiscretizePolicyHook', stage='retrain', discretize_cfg=dict(mode='argmax')),
    # from scratch, as the paper's final networks; keep_searched_weights=True fine-tunes the searched weights
    reinitialize=dict(type='ReinitializeWeightsHook', stage='retrain', keep_searched_weights=False),
    # the tree (parents, chains, probabilities) in <work_dir>/branching_tree/ when re-training begins and at the end
    branching_tree=dict(type='PolicyReportHook', stage='retrain'),
    policy_visualization=dict(type='PolicyVisualizationHook', interval=100),
)
default_hooks = dict(checkpoint=dict(interval=_search_iters + _retrain_iters), logger=dict(interval=100))
test_after_train = True
