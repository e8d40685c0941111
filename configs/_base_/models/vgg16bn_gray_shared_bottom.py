# A narrow VGG-16 (BN) for 28×28 grey images (output stride 8), every layer shared by every task.
model = dict(
    type='MultiTaskModel',
    data_preprocessor=dict(type='BaseDataPreprocessor'),
    backbone=dict(type='VGG16BN', in_channels=1, width_multiplier=0.125),
    policy=dict(type='SharedBottomPolicy'),
)
