# Single-task baseline on PASCAL-Context: every task has its own dilated ResNet-34 (trained side by side, sharing
# nothing); its test metrics are single-task references measured at this schedule.
_base_ = ['./shared_bottom_resnet34_pascal-context-5task.py']
model = dict(backbone=dict(_delete_=True, type='PerTaskBackbone',
                           backbone=dict(type='DilatedResNet', depth=34, output_stride=8, width_multiplier=1.0,
                                         pretrained=None)))
