# Gumbel-Matrix task clusters (Maziarz et al., Sec. V-C): budget 0.5 with lambda 1, p_init 0.5, Adam at
# 3e-4 for the weights and 20 x 3e-4 = 0.006 for the allocation logits (as the paper). CPU scale: 6000
# iterations (300 rounds of one batch of 32 per task).
_base_ = [
    '../_base_/models/modular_clusters.py',
    '../_base_/datasets/mnist_fashion_20task.py',
    '../_base_/schedules/gumbel_matrix_hooks.py',
    '../_base_/default_runtime.py',
]
model = dict(policy=dict(type='GumbelMatrixPolicy', temperature=50.0, p_init=0.5, budget=0.5, budget_weight=1.0))
train_cfg = dict(type='MultiTaskIterBasedTrainLoop', max_iters=6000, val_interval=2000)
optim_wrapper = dict(type='OptimWrapper', constructor='ArchitectureParamGroupConstructor',
                     optimizer=dict(type='Adam', lr=3e-4))
test_after_train = True
