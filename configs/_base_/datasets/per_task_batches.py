# Dataloaders of per-task batches (Maziarz et al., Sec. V): the dataset is a TaskConcatDataset of one
# dataset per task; in training every round draws one batch of every task, in a random order per round;
# evaluation visits every sample once, task by task. A dataset config inherits this and sets the
# datasets, batch sizes, tasks and which metrics to average over the tasks.
train_dataloader = dict(
    batch_size=16, num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    batch_sampler=dict(type='TaskRotationBatchSampler', shuffle_tasks=True),
    collate_fn=dict(type='default_collate'))
val_dataloader = dict(
    batch_size=256, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    batch_sampler=dict(type='TaskRotationBatchSampler', infinite=False, shuffle=False),
    collate_fn=dict(type='default_collate'))
test_dataloader = val_dataloader
val_evaluator = dict(type='MultiTaskEvaluator')
test_evaluator = val_evaluator
