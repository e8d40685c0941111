# CPU-scale multi-task Omniglot, 'shared bottom': 4 layers of 7 components, 16 channels, 16000 iterations.
_base_ = [
    '../_base_/models/modular_omniglot_small.py',
    '../_base_/datasets/omniglot_20task.py',
    '../_base_/schedules/omniglot_cpu.py',
]
model = dict(policy=dict(type='SharedBottomPolicy'))
