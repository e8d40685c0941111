# CPU-scale multi-task Omniglot, 'shared bottom', wider and augmented: 4 layers of 7 components at
# 32 channels, augmented training drawings, 24000 iterations (1200 updates per head) with a warm-up and cosine decay;
# about 35 minutes on one core.
_base_ = [
    '../_base_/models/modular_omniglot_small32.py',
    '../_base_/datasets/omniglot_20task_augmented.py',
    '../_base_/schedules/omniglot_cpu_cosine.py',
]
model = dict(policy=dict(type='SharedBottomPolicy'))
