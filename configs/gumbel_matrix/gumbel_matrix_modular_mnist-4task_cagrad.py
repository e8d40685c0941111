# Gumbel-Matrix on 4-MNISTs with CAGrad (Liu et al., NeurIPS 2021) combining the tasks' gradients. Each batch
# holds one task (per-task batches), so a gradient-level balancer accumulates a round, one batch of each of
# the 4 tasks, and combines their gradients once per optimiser step (docs/methods/gumbel_matrix.md).
_base_ = ['./gumbel_matrix_modular_mnist-4task.py']
model = dict(balancer=dict(type='CAGradBalancer'))
optim_wrapper = dict(accumulative_counts=4)
