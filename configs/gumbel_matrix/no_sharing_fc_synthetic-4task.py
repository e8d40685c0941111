# 'No sharing' on the synthetic tasks of App. A3: task i uses component i only.
_base_ = [
    '../_base_/models/modular_fc_4x1.py',
    '../_base_/datasets/synthetic_4task.py',
    '../_base_/schedules/synthetic_3k_per_task.py',
]
model = dict(policy=dict(type='FixedMaskPolicy', mask=dict(
    pair1_a=[[1, 0, 0, 0]], pair1_b=[[0, 1, 0, 0]], pair2_a=[[0, 0, 1, 0]], pair2_b=[[0, 0, 0, 1]])))
