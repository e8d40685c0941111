# Two classification tasks on different images: MNIST digits and Fashion-MNIST clothes.
# Every batch holds one task's samples; the tasks take turns (TaskRotationBatchSampler).
_base_ = ['./per_task_batches.py']
_mnist_root = 'data/mnist'
_fashion_root = 'data/fashion_mnist'
_pipeline = [dict(type='PackMultiTaskInputs', mean=(0.1307,), std=(0.3081,))]


def _datasets(split):
    return dict(type='TaskConcatDataset', datasets=dict(
        digit=dict(type='MNISTDataset', data_root=_mnist_root, split=split, label='digit', pipeline=_pipeline),
        clothes=dict(type='MNISTDataset', data_root=_fashion_root, split=split, label='clothes', pipeline=_pipeline)))


train_dataloader = dict(batch_size=64, batch_sampler=dict(shuffle_tasks=False), dataset=_datasets('train'))
val_dataloader = dict(batch_size=256, dataset=_datasets('val'))
test_dataloader = dict(batch_size=256, dataset=_datasets('test'))
del _datasets

tasks = dict(
    digit=dict(head=dict(type='LinearClassificationHead', num_classes=10),
               loss=dict(type='CrossEntropyLoss'), metric=dict(type='ClassificationMetric'), weight=1.0),
    clothes=dict(head=dict(type='LinearClassificationHead', num_classes=10),
                 loss=dict(type='CrossEntropyLoss'), metric=dict(type='ClassificationMetric'), weight=1.0))
