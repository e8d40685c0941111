# CGC (Tang et al., RecSys 2020): one shared and one task-specific dilated ResNet-18 expert per task, each
# task's softmax gate over its own and the shared expert; the data, heads, losses, metrics and schedule of
# the scenes baselines, so one table compares them.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(backbone=dict(_delete_=True, type='CGCBackbone', num_shared_experts=1, num_task_experts=1,
                           gate_input='experts',
                           expert=dict(type='DilatedResNet', depth=18, output_stride=8, width_multiplier=0.25)))
