# Synthetic regression tasks of Maziarz et al., App. A1/A3 (the MMoE generator): two pairs of tasks,
# each pair the same up to noise (rho = 1), the pairs unrelated (orthogonal directions).
# Per-task batches: every round draws one batch of every task, in random order.
_base_ = ['./per_task_batches.py']
_synthetic = dict(type='SyntheticRegressionDataset', groups=(0, 0, 1, 1), rho=1.0, dim=128, scale=1.0,
                 num_sines=6, noise_std=0.1, direction_seed=0, seed=0,
                 pipeline=[dict(type='PackMultiTaskInputs', mean=None)])
_task_names = ('pair1_a', 'pair1_b', 'pair2_a', 'pair2_b')


def _datasets(split, num_samples):
    return dict(type='TaskConcatDataset', datasets={
        name: dict(_synthetic, task_index=i, split=split, num_samples=num_samples, label=name)
        for i, name in enumerate(_task_names)})


train_dataloader = dict(batch_size=64, dataset=_datasets('train', 50000))
val_dataloader = dict(batch_size=1000, dataset=_datasets('val', 2000))
test_dataloader = dict(batch_size=1000, dataset=_datasets('test', 5000))
del _datasets

tasks = {name: dict(head=dict(type='IdentityHead'), loss=dict(type='L2Loss'),
                    metric=dict(type='RegressionMetric'), weight=1.0) for name in _task_names}
val_evaluator = dict(average_metrics=['mse'])
test_evaluator = val_evaluator
