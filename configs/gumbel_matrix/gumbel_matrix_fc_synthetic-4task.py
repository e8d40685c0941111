# Gumbel-Matrix on the synthetic tasks of Maziarz et al., App. A3: two related pairs should each settle
# on one subset of components, the two subsets different. App. A3 names no temperature schedule: tau
# stays 1 (docs/methods/gumbel_matrix.md).
_base_ = [
    '../_base_/models/modular_fc_4x1.py',
    '../_base_/datasets/synthetic_4task.py',
    '../_base_/schedules/synthetic_3k_per_task.py',
    '../_base_/schedules/gumbel_matrix_hooks.py',
]
model = dict(policy=dict(type='GumbelMatrixPolicy', p_init=0.5, temperature=1.0))
named_hooks = dict(temperature=None)
