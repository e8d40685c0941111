# 'Shared bottom' on the synthetic tasks of App. A3: every task uses every component, so all four tasks
# compute the same function (the paper omits it as hopeless; here as a sanity check).
_base_ = [
    '../_base_/models/modular_fc_4x1.py',
    '../_base_/datasets/synthetic_4task.py',
    '../_base_/schedules/synthetic_3k_per_task.py',
]
model = dict(policy=dict(type='SharedBottomPolicy'))
