# MNIST digits as one classification task, read from data/mnist (override data_root).
_dataset_type = 'MNISTDataset'
_data_root = 'data/mnist'
_pipeline = [dict(type='PackMultiTaskInputs', mean=(0.1307,), std=(0.3081,))]

train_dataloader = dict(
    batch_size=64, num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=_dataset_type, data_root=_data_root, split='train', pipeline=_pipeline))
val_dataloader = dict(
    batch_size=256, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=_dataset_type, data_root=_data_root, split='val', pipeline=_pipeline))
test_dataloader = dict(
    batch_size=256, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=_dataset_type, data_root=_data_root, split='test', pipeline=_pipeline))

tasks = dict(
    digit=dict(head=dict(type='LinearClassificationHead', num_classes=10), label='class',
               loss=dict(type='CrossEntropyLoss'), metric=dict(type='ClassificationMetric'), weight=1.0))
val_evaluator = dict(type='MultiTaskEvaluator')
test_evaluator = val_evaluator
