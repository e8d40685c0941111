# Tiny-Taskonomy in AdaShare's release layout under data/taskonomy (docs/datasets.md): seg (17 classes,
# class-balanced by semseg_prior_factor.npy), normal, depth, keypoint, edge; images resized to 256×256,
# random 224×224 crops and flips for training. Splits and the validation holdout:
# adashare_release_splits.py.
_base_ = ['./adashare_release_splits.py']

_dataset_type = 'TaskonomyDataset'
_data_root = 'data/taskonomy'
_image_size = 256
_crop_size = 224

_train_pipeline = [
    dict(type='Albumentations', transforms=[dict(type='Resize', height=_image_size, width=_image_size),
                                            dict(type='RandomCrop', height=_crop_size, width=_crop_size),
                                            dict(type='HorizontalFlip', p=0.5)]),
    dict(type='PackMultiTaskInputs'),
]
_test_pipeline = [
    dict(type='Albumentations', transforms=[dict(type='Resize', height=_image_size, width=_image_size)]),
    dict(type='PackMultiTaskInputs'),
]
_data = dict(type=_dataset_type, root=_data_root)
train_dataloader = dict(dataset=dict(_data, pipeline=_train_pipeline))
val_dataloader = dict(dataset=dict(dataset=dict(_data, pipeline=_test_pipeline)))
test_dataloader = dict(dataset=dict(_data, pipeline=_test_pipeline))
_search_dataloaders = dict(train1=dict(dataset=dict(_data, pipeline=_train_pipeline)),
                          train2=dict(dataset=dict(dataset=dict(_data, pipeline=_train_pipeline))))

_head_channels = 256
tasks = dict(
    seg=dict(head=dict(type='SegmentationHead', out_channels=17, channels=_head_channels),
             loss=dict(type='CrossEntropyLoss', ignore_index=255,
                       class_weight=_data_root + '/semseg_prior_factor.npy'),
             metric=dict(type='SegmentationMetric', num_classes=17), weight=1.0),
    normal=dict(head=dict(type='SurfaceNormalHead', channels=_head_channels),
                loss=dict(type='NormalCosineLoss'),
                metric=dict(type='SurfaceNormalMetric'), weight=1.0),
    depth=dict(head=dict(type='DenseRegressionHead', channels=_head_channels),
               loss=dict(type='MaskedL1Loss', invalid_value=0.0),
               metric=dict(type='DepthMetric'), weight=1.0),
    keypoint=dict(head=dict(type='DenseRegressionHead', channels=_head_channels),
                  loss=dict(type='MaskedL1Loss'),
                  metric=dict(type='DenseRegressionMetric'), weight=1.0),
    edge=dict(head=dict(type='DenseRegressionHead', channels=_head_channels),
              loss=dict(type='MaskedL1Loss'),
              metric=dict(type='DenseRegressionMetric'), weight=1.0),
)
