# The embedded procedural "scenes" data: five dense tasks at 64×64, rendered on the fly and cached.
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

# Tasks are declared once: head, loss, metric and static weight λ_k per task.
_head_channels = 32
tasks = dict(
    seg=dict(head=dict(type='SegmentationHead', out_channels=_num_classes, channels=_head_channels),
             loss=dict(type='CrossEntropyLoss', ignore_index=255),
             metric=dict(type='SegmentationMetric', num_classes=_num_classes), weight=1.0),
    depth=dict(head=dict(type='DenseRegressionHead', channels=_head_channels),
               loss=dict(type='MaskedL1Loss', invalid_value=0.0),
               metric=dict(type='DepthMetric'), weight=1.0),
    normal=dict(head=dict(type='SurfaceNormalHead', channels=_head_channels),
                loss=dict(type='NormalCosineLoss'),
                metric=dict(type='SurfaceNormalMetric'), weight=1.0),
    edge=dict(head=dict(type='DenseRegressionHead', channels=_head_channels),
              loss=dict(type='MaskedL1Loss'),
              metric=dict(type='DenseRegressionMetric'), weight=1.0),
    keypoint=dict(head=dict(type='DenseRegressionHead', channels=_head_channels),
                  loss=dict(type='MaskedL1Loss'),
                  metric=dict(type='DenseRegressionMetric'), weight=1.0),
)

val_evaluator = dict(type='MultiTaskEvaluator')
test_evaluator = val_evaluator
