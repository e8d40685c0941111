# 'Shared bottom' on multi-task Omniglot (Maziarz et al., Table II): every alphabet uses every component.
_base_ = [
    '../_base_/models/modular_omniglot.py',
    '../_base_/datasets/omniglot_20task.py',
    '../_base_/schedules/omniglot.py',
]
model = dict(policy=dict(type='SharedBottomPolicy'))
