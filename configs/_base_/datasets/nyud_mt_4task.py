# NYUD-v2, four tasks, in the multi-task release under data/nyud (layout 'nyud_mt', docs/datasets.md): semantic
# segmentation (40 classes), depth, surface normals, boundaries. Images at 480×640 (as MTI-Net trains them),
# flips and a random up-scaling by 1 to 1.5 cropped back to 480×640 for training. Splits and the validation
# holdout: multitask_release_splits.py. Loss weights 1 / 1 / 10 / 50 (MTI-Net, InvPT); boundaries matched
# within 0.011 of the diagonal.
_base_ = ['./multitask_release_splits.py', '../tasks/seg.py', '../tasks/depth.py', '../tasks/normal.py',
          '../tasks/boundary.py']

_data = dict(type='NYUv2Dataset', root='data/nyud', layout='nyud_mt')
_train_pipeline = [
    dict(type='Albumentations', transforms=[
        dict(type='Resize', height=480, width=640),
        dict(type='HorizontalFlip', p=0.5),
        dict(type='Affine', scale=(1.0, 1.5), p=1.0)]),
    dict(type='PackMultiTaskInputs'),
]
_test_pipeline = [dict(type='Albumentations', transforms=[dict(type='Resize', height=480, width=640)]),
                  dict(type='PackMultiTaskInputs')]
_train_data = dict(_data, pipeline=_train_pipeline)
train_dataloader = dict(dataset=dict(dataset=_train_data))
val_dataloader = dict(dataset=dict(dataset=dict(_data, pipeline=_test_pipeline)))
test_dataloader = dict(dataset=dict(_data, pipeline=_test_pipeline))
_search_dataloaders = dict(train1=dict(dataset=dict(dataset=dict(dataset=_train_data))),
                          train2=dict(dataset=dict(dataset=dict(dataset=_train_data))))

_head_channels = 256
tasks = dict(
    seg=dict(_base_._seg, head=dict(_base_._seg.head, out_channels=40, channels=_head_channels),
             metric=dict(_base_._seg.metric, num_classes=40), weight=1.0),
    depth=dict(_base_._depth, head=dict(_base_._depth.head, channels=_head_channels), weight=1.0),
    normal=dict(_base_._normal, head=dict(_base_._normal.head, channels=_head_channels), weight=10.0),
    edge=dict(_base_._boundary, head=dict(_base_._boundary.head, channels=_head_channels),
              metric=dict(_base_._boundary.metric, max_dist=0.011), weight=50.0),
)
