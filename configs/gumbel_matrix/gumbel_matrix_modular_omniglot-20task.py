# Gumbel-Matrix on multi-task Omniglot (Maziarz et al., Table II): p_init 0.97, no auxiliary penalty.
_base_ = [
    '../_base_/models/modular_omniglot.py',
    '../_base_/datasets/omniglot_20task.py',
    '../_base_/schedules/omniglot.py',
    '../_base_/schedules/gumbel_matrix_hooks.py',
]
model = dict(policy=dict(type='GumbelMatrixPolicy', temperature=50.0, p_init=0.97))
