# NYUv2 in AdaShare's release layout under data/nyuv2 (docs/datasets.md): seg (40 classes), normal,
# depth; 480×640 images, random 321×321 crops and flips for training, full images for testing.
# Splits and the validation holdout: adashare_release_splits.py.
_base_ = ['./adashare_release_splits.py']

_dataset_type = 'NYUv2Dataset'
_data_root = 'data/nyuv2'
_crop_size = 321

_train_pipeline = [
    dict(type='Albumentations', transforms=[dict(type='RandomCrop', height=_crop_size, width=_crop_size),
                                            dict(type='HorizontalFlip', p=0.5)]),
    dict(type='PackMultiTaskInputs'),
]
_test_pipeline = [dict(type='PackMultiTaskInputs')]
_data = dict(type=_dataset_type, root=_data_root, layout='adashare')
train_dataloader = dict(dataset=dict(_data, pipeline=_train_pipeline))
val_dataloader = dict(dataset=dict(dataset=dict(_data, pipeline=_test_pipeline)))
test_dataloader = dict(dataset=dict(_data, pipeline=_test_pipeline))
_search_dataloaders = dict(train1=dict(dataset=dict(_data, pipeline=_train_pipeline)),
                          train2=dict(dataset=dict(dataset=dict(_data, pipeline=_train_pipeline))))
# Methods that train on one split: `train` less a fixed 10 % held out for validation (the holdout never
# trains), e.g. train_dataloader = dict(dataset={{_base_._holdout_datasets.train}}).
_holdout = dict(_delete_=True, type='HoldoutDataset', fraction=0.1, seed=0)
_holdout_datasets = dict(train=dict(_holdout, part='rest',
                                    dataset=dict(_data, split='train', pipeline=_train_pipeline)),
                        val=dict(_holdout, part='holdout', dataset=dict(_data, split='train', pipeline=_test_pipeline)))

_head_channels = 256
tasks = dict(
    seg=dict(head=dict(type='SegmentationHead', out_channels=40, channels=_head_channels),
             loss=dict(type='CrossEntropyLoss', ignore_index=255),
             metric=dict(type='SegmentationMetric', num_classes=40), weight=1.0),
    normal=dict(head=dict(type='SurfaceNormalHead', channels=_head_channels),
                loss=dict(type='NormalCosineLoss'),
                metric=dict(type='SurfaceNormalMetric'), weight=1.0),
    depth=dict(head=dict(type='DenseRegressionHead', channels=_head_channels),
               loss=dict(type='MaskedL1Loss', invalid_value=0.0),
               metric=dict(type='DepthMetric'), weight=1.0),
)
