# Dilated ResNet-18 (output stride 8) at quarter width, every block shared by every task.
model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='BaseDataPreprocessor'),
    backbone=dict(type='DilatedResNet', depth=18, output_stride=8, width_multiplier=0.25),
    policy=dict(type='SharedBottomPolicy'),
    balancer=dict(type='StaticBalancer'),
)
