# Single-task baseline on NYUD-v2, four tasks: every task has its own dilated ResNet-34.
_base_ = ['./shared_bottom_resnet34_nyud-4task.py']
model = dict(backbone=dict(_delete_=True, type='PerTaskBackbone',
                           backbone=dict(type='DilatedResNet', depth=34, output_stride=8, width_multiplier=1.0,
                                         pretrained=None)))
