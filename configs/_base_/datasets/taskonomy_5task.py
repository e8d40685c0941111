# Tiny-Taskonomy in AdaShare's release layout under data/taskonomy (docs/datasets.md): seg (17 classes,
# class-balanced by semseg_prior_factor.npy), normal, depth, keypoint, edge; images resized to 256×256,
# random 224×224 crops and flips for training. Splits and the validation holdout:
# adashare_release_splits.py.
_base_ = ['./adashare_release_splits.py', '../tasks/seg.py', '../tasks/normal.py', '../tasks/depth.py',
          '../tasks/keypoint.py', '../tasks/edge.py']

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

# The tasks (configs/_base_/tasks/) in this dataset's order (the order the heads are built in), with its
# classes, class weights and head width.
_head_channels = 256
tasks = dict(
    seg=dict(_base_._seg, head=dict(_base_._seg.head, out_channels=17, channels=_head_channels),
             loss=dict(_base_._seg.loss, class_weight=_data_root + '/semseg_prior_factor.npy'),
             metric=dict(_base_._seg.metric, num_classes=17)),
    normal=dict(_base_._normal, head=dict(_base_._normal.head, channels=_head_channels)),
    depth=dict(_base_._depth, head=dict(_base_._depth.head, channels=_head_channels)),
    keypoint=dict(_base_._keypoint, head=dict(_base_._keypoint.head, channels=_head_channels)),
    edge=dict(_base_._edge, head=dict(_base_._edge.head, channels=_head_channels)),
)
