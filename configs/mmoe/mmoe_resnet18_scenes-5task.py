# MMoE (Ma et al., KDD 2018): three dilated ResNet-18 experts shared by the five tasks, one softmax gate per
# task on the pooled expert outputs; the data, heads, losses, metrics and schedule of the scenes baselines,
# so one table compares them.
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(backbone=dict(_delete_=True, type='MMoEBackbone', num_experts=3, gate_input='experts',
                           expert=dict(type='DilatedResNet', depth=18, output_stride=8, width_multiplier=0.25)))
