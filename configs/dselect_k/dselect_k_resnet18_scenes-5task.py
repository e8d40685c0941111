# DSelect-k (Hazimeh et al., NeurIPS 2021): four dilated ResNet-18 experts shared by the five tasks, each
# task's DSelect-k gate (on the pooled expert outputs) selecting k = 2 of them; the data, heads, losses,
# metrics and schedule of the scenes baselines, so one table compares them. entropy_weight > 0 adds the
# selectors' entropy regulariser (docs/methods/expert_mixtures.md).
_base_ = ['../baselines/shared_bottom_resnet18_scenes-5task.py']
model = dict(backbone=dict(_delete_=True, type='DSelectKBackbone', num_experts=4, k=2, gamma=1.0, entropy_weight=0.0,
                           gate_input='experts',
                           expert=dict(type='DilatedResNet', depth=18, output_stride=8, width_multiplier=0.25)))
