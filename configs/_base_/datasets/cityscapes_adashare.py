# Cityscapes in AdaShare's release layout under data/cityscapes (docs/datasets.md): seg (19 classes)
# and depth, 256×512 npy arrays, random 224×224 crops and flips for training, full images for testing.
# Splits and the validation holdout: adashare_release_splits.py.
_base_ = ['./adashare_release_splits.py', '../tasks/seg.py', '../tasks/depth.py']

_dataset_type = 'CityscapesDataset'
_data_root = 'data/cityscapes'
_crop_size = 224

_train_pipeline = [
    dict(type='Albumentations', transforms=[dict(type='RandomCrop', height=_crop_size, width=_crop_size),
                                            dict(type='HorizontalFlip', p=0.5)]),
    dict(type='PackMultiTaskInputs'),
]
_test_pipeline = [dict(type='PackMultiTaskInputs')]
_data = dict(type=_dataset_type, root=_data_root, layout='adashare', num_classes=19)
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

# The tasks (configs/_base_/tasks/) in this dataset's order (the order the heads are built in), with its
# classes and head width.
_head_channels = 256
tasks = dict(
    seg=dict(_base_._seg, head=dict(_base_._seg.head, out_channels=19, channels=_head_channels),
             metric=dict(_base_._seg.metric, num_classes=19)),
    depth=dict(_base_._depth, head=dict(_base_._depth.head, channels=_head_channels)),
)
