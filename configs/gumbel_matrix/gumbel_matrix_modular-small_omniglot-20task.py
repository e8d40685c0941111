# CPU-scale multi-task Omniglot, Gumbel-Matrix (p_init 0.97): 4 layers of 7 components, 16 channels.
_base_ = [
    '../_base_/models/modular_omniglot_small.py',
    '../_base_/datasets/omniglot_20task.py',
    '../_base_/schedules/omniglot_cpu.py',
    '../_base_/schedules/gumbel_matrix_hooks.py',
]
model = dict(policy=dict(type='GumbelMatrixPolicy', temperature=50.0, p_init=0.97))
