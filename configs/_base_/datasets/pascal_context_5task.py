# PASCAL-Context, five tasks, in the PASCAL_MT release under data/pascal_context (docs/datasets.md): semantic
# segmentation (21 classes), human parts (7), surface normals, saliency, boundaries. Images are resized to
# 512×512 (as MTI-Net trains and tests them); training adds flips and a random scale in [0.75, 1.25] with a
# rotation in [-20°, 20°] (labels nearest-neighbour, normals rotated with the image). Splits and the
# validation holdout: multitask_release_splits.py. Loss weights 1 / 2 / 10 / 5 / 50 (MTI-Net, InvPT).
_base_ = ['./multitask_release_splits.py', '../tasks/seg.py', '../tasks/normal.py', '../tasks/saliency.py',
          '../tasks/boundary.py']

_data = dict(type='PascalContextDataset', root='data/pascal_context')
_size = 512
_train_pipeline = [
    dict(type='Albumentations', transforms=[
        dict(type='Resize', height=_size, width=_size),
        dict(type='HorizontalFlip', p=0.5),
        dict(type='Affine', scale=(0.75, 1.25), rotate=(-20, 20), p=1.0)]),
    dict(type='PackMultiTaskInputs'),
]
_test_pipeline = [dict(type='Albumentations', transforms=[dict(type='Resize', height=_size, width=_size)]),
                  dict(type='PackMultiTaskInputs')]
_train_data = dict(_data, pipeline=_train_pipeline)
train_dataloader = dict(dataset=dict(dataset=_train_data))
val_dataloader = dict(dataset=dict(dataset=dict(_data, pipeline=_test_pipeline)))
test_dataloader = dict(dataset=dict(_data, pipeline=_test_pipeline))
_search_dataloaders = dict(train1=dict(dataset=dict(dataset=dict(dataset=_train_data))),
                          train2=dict(dataset=dict(dataset=dict(dataset=_train_data))))

# The tasks (configs/_base_/tasks/) in the dataset's order, with their classes, head width and weights.
_head_channels = 256
tasks = dict(
    seg=dict(_base_._seg, head=dict(_base_._seg.head, out_channels=21, channels=_head_channels),
             metric=dict(_base_._seg.metric, num_classes=21), weight=1.0),
    parts=dict(_base_._seg, head=dict(_base_._seg.head, out_channels=7, channels=_head_channels),
               metric=dict(_base_._seg.metric, num_classes=7), weight=2.0),
    normal=dict(_base_._normal, head=dict(_base_._normal.head, channels=_head_channels), weight=10.0),
    sal=dict(_base_._saliency, head=dict(_base_._saliency.head, channels=_head_channels), weight=5.0),
    edge=dict(_base_._boundary, head=dict(_base_._boundary.head, channels=_head_channels),
              metric=dict(_base_._boundary.metric, max_dist=0.0075), weight=50.0),
)
