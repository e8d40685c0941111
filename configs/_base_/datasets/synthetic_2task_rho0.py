# Two synthetic regression tasks of Maziarz et al., Sec. II and App. A1, unrelated (rho = 0).
# Per-task batches: every round draws one batch of each task, in random order.
_base_ = ['./per_task_batches.py']
_rho = 0.0
_synthetic = dict(type='SyntheticRegressionDataset', groups=(0, 0), dim=128, scale=1.0, num_sines=6,
                 noise_std=0.1, direction_seed=0, seed=0, pipeline=[dict(type='PackMultiTaskInputs', mean=None)])


def _datasets(split, num_samples):
    return dict(type='TaskConcatDataset', datasets={
        name: dict(_synthetic, task_index=i, rho=_rho, split=split, num_samples=num_samples, label=name)
        for i, name in enumerate(('task1', 'task2'))})


train_dataloader = dict(batch_size=64, dataset=_datasets('train', 50000))
val_dataloader = dict(batch_size=1000, dataset=_datasets('val', 2000))
test_dataloader = dict(batch_size=1000, dataset=_datasets('test', 5000))
del _datasets

tasks = {name: dict(head=dict(type='LinearRegressionHead', num_classes=1), loss=dict(type='L2Loss'),
                    metric=dict(type='RegressionMetric'), weight=1.0) for name in ('task1', 'task2')}
val_evaluator = dict(average_metrics=['mse'])
test_evaluator = val_evaluator
