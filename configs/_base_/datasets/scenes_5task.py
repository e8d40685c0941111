# The embedded procedural "scenes" data: five dense tasks at 64×64, rendered on the fly and cached.
dataset_type = 'ScenesDataset'
num_classes = 9
resolution = 64

train_pipeline = [
    dict(type='Albumentations', transforms=[dict(type='HorizontalFlip', p=0.5)]),
    dict(type='PackMultiTaskInputs'),
]
test_pipeline = [dict(type='PackMultiTaskInputs')]

train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, split='train', resolution=resolution, cache_in_memory=True,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, split='val', resolution=resolution, cache_in_memory=True,
                 pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, split='test', resolution=resolution, cache_in_memory=True,
                 pipeline=test_pipeline))

# Tasks are declared once: head, loss, metric and static weight λ_k per task.
head_channels = 32
tasks = dict(
    seg=dict(head=dict(type='SegmentationHead', out_channels=num_classes, channels=head_channels),
             loss=dict(type='CrossEntropyLoss', ignore_index=255),
             metric=dict(type='SegmentationMetric', num_classes=num_classes), weight=1.0),
    depth=dict(head=dict(type='DenseRegressionHead', channels=head_channels),
               loss=dict(type='MaskedL1Loss', invalid_value=0.0),
               metric=dict(type='DepthMetric'), weight=1.0),
    normal=dict(head=dict(type='SurfaceNormalHead', channels=head_channels),
                loss=dict(type='NormalCosineLoss'),
                metric=dict(type='SurfaceNormalMetric'), weight=1.0),
    edge=dict(head=dict(type='DenseRegressionHead', channels=head_channels),
              loss=dict(type='MaskedL1Loss'),
              metric=dict(type='DenseRegressionMetric'), weight=1.0),
    keypoint=dict(head=dict(type='DenseRegressionHead', channels=head_channels),
                  loss=dict(type='MaskedL1Loss'),
                  metric=dict(type='DenseRegressionMetric'), weight=1.0),
)

val_evaluator = dict(type='MultiTaskEvaluator')
test_evaluator = val_evaluator
