# Task clusters (Maziarz et al., Sec. V-C, without the CIFAR-100 cluster): task mnist_not<i> classifies
# every MNIST digit but i (9 classes, it never sees an i), fashion_not<i> likewise for Fashion-MNIST;
# 10 + 10 tasks. The model is told only task ids: the clusters are what it should find.
# Per-task batches, one batch of every task per round in random order.
_base_ = ['./per_task_batches.py']
_mnist_root = 'data/mnist'
_fashion_root = 'data/fashion_mnist'
_pipeline = [dict(type='PackMultiTaskInputs', mean=(0.5,), std=(0.5,))]
_clusters = dict(mnist=_mnist_root, fashion=_fashion_root)


def _datasets(split):
    return dict(type='TaskConcatDataset', datasets={
        f'{name}_not{i}': dict(type='MNISTDataset', data_root=root, split=split, label=f'{name}_not{i}',
                               exclude_class=i, pipeline=_pipeline)
        for name, root in _clusters.items() for i in range(10)})


train_dataloader = dict(batch_size=32, dataset=_datasets('train'))
val_dataloader = dict(batch_size=500, dataset=_datasets('val'))
test_dataloader = dict(batch_size=500, dataset=_datasets('test'))
del _datasets

tasks = {f'{name}_not{i}': dict(head=dict(type='LinearClassificationHead', num_classes=9, flatten_size=4),
                                loss=dict(type='CrossEntropyLoss'), metric=dict(type='ClassificationMetric'))
         for name in _clusters for i in range(10)}
val_evaluator = dict(average_metrics=['accuracy'])
test_evaluator = val_evaluator
