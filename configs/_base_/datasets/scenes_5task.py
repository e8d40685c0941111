# The embedded procedural "scenes" data: five dense tasks at 64×64, rendered on the fly and cached.
_base_ = ['../tasks/seg.py', '../tasks/depth.py', '../tasks/normal.py', '../tasks/edge.py', '../tasks/keypoint.py']

_dataset_type = 'ScenesDataset'
_num_classes = 9
_resolution = 64

_train_pipeline = [
    dict(type='Albumentations', transforms=[dict(type='HorizontalFlip', p=0.5)]),
    dict(type='PackMultiTaskInputs'),
]
_test_pipeline = [dict(type='PackMultiTaskInputs')]

train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=_dataset_type, split='train', resolution=_resolution, cache_in_memory=True,
                 pipeline=_train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=_dataset_type, split='val', resolution=_resolution, cache_in_memory=True,
                 pipeline=_test_pipeline))
test_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=_dataset_type, split='test', resolution=_resolution, cache_in_memory=True,
                 pipeline=_test_pipeline))

# Tasks are declared once: head, loss, metric and static weight λ_k per task (configs/_base_/tasks/), here
# in this dataset's order (the order the heads are built in), with its classes and head width.
_head_channels = 32
tasks = dict(
    seg=dict(_base_._seg, head=dict(_base_._seg.head, out_channels=_num_classes, channels=_head_channels),
             metric=dict(_base_._seg.metric, num_classes=_num_classes)),
    depth=dict(_base_._depth, head=dict(_base_._depth.head, channels=_head_channels)),
    normal=dict(_base_._normal, head=dict(_base_._normal.head, channels=_head_channels)),
    edge=dict(_base_._edge, head=dict(_base_._edge.head, channels=_head_channels)),
    keypoint=dict(_base_._keypoint, head=dict(_base_._keypoint.head, channels=_head_channels)),
)

val_evaluator = dict(type='MultiTaskEvaluator')
test_evaluator = val_evaluator
