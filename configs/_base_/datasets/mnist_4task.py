# 4-MNISTs (Maziarz et al., Sec. V-A, Table I): two copies of MNIST and two of MNIST rotated 90 degrees
# clockwise. Copies share their images but see them in different orders (each task has its own
# sampling stream). Per-task batches of 16, one batch of every task per round in random order.
_base_ = ['./per_task_batches.py']
_data_root = 'data/mnist'
_pipeline = [dict(type='PackMultiTaskInputs', mean=(0.1307,), std=(0.3081,))]
_copies = dict(mnist_1=0, mnist_2=0, mnist_rot_1=1, mnist_rot_2=1)  # task: clockwise quarter turns


def _datasets(split):
    return dict(type='TaskConcatDataset', datasets={
        task: dict(type='MNISTDataset', data_root=_data_root, split=split, label=task, rotate=turns,
                   pipeline=_pipeline)
        for task, turns in _copies.items()})


train_dataloader = dict(batch_size=16, dataset=_datasets('train'))
val_dataloader = dict(batch_size=500, dataset=_datasets('val'))
test_dataloader = dict(batch_size=500, dataset=_datasets('test'))
del _datasets

tasks = {task: dict(head=dict(type='LinearClassificationHead', num_classes=10, dropout=0.5, flatten_size=3),
                    loss=dict(type='CrossEntropyLoss'), metric=dict(type='ClassificationMetric'), weight=1.0)
         for task in _copies}
val_evaluator = dict(average_metrics=['accuracy'])
test_evaluator = val_evaluator
