"""Gradient-level balancers over per-task batches: Gumbel-Matrix's rounds, one task per batch, accumulated."""
import os

import pytest
import torch
from mmengine.config import Config

from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.models.balancers.gradient_balancer import GradientBalancer
from mtlreg.registry import register_all_modules

register_all_modules()

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONFIG = os.path.join(REPO, 'configs', 'gumbel_matrix', 'gumbel_matrix_fc_synthetic-4task.py')


class SumOfGradients(GradientBalancer):
    """The static sum, taken through the gradient path: its step must equal the loss-level one."""

    def forward(self, losses):
        return sum(losses.values())

    def shared_gradients(self, task_gradients):
        self.calls = getattr(self, 'calls', 0) + 1
        self.rounds_tasks = sorted(task_gradients)
        return [sum(grads[i] for grads in task_gradients.values()) for i in range(len(next(iter(task_gradients.values()))))]

    def current_weights(self):
        return {t: 1.0 for t in self.task_names}


def _runner(tmp_path, name, balancer=None, accumulative_counts=4):
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path / name)
    cfg.experiment_name = name
    cfg.train_cfg.max_iters, cfg.train_cfg.val_interval = 8, 8
    cfg.optim_wrapper.accumulative_counts = accumulative_counts  # 4: one step per round of the 4 tasks
    cfg.default_hooks.checkpoint.interval = 8
    cfg.test_after_train = False
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.datasets = {t: dict(d, num_samples=128) for t, d in cfg[key].dataset.datasets.items()}
    cfg.train_dataloader.batch_size = 8
    runner = MultiTaskRunner.from_cfg(cfg)
    if balancer is not None:
        runner.model.balancer = balancer(list(cfg.tasks))
    return runner


@pytest.mark.slow
def test_a_gradient_balancer_over_rounds_of_per_task_batches_steps_as_the_static_sum(tmp_path):
    static = _runner(tmp_path, 'static')
    static.train()
    summed = _runner(tmp_path, 'summed', SumOfGradients)
    summed.train()
    assert summed.model.balancer.calls == 2  # 8 task batches, one combination per round
    assert summed.model.balancer.rounds_tasks == sorted(static.model.task_names)  # every task of the round
    for (name, a), (_, b) in zip(static.model.state_dict().items(), summed.model.state_dict().items()):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5, msg=name)
    moved = [n for n, p in static.model.named_parameters() if p.requires_grad]
    assert moved


@pytest.mark.slow
def test_a_gradient_balancer_without_the_rounds_accumulated_names_the_setting(tmp_path):
    runner = _runner(tmp_path, 'single', SumOfGradients, accumulative_counts=1)
    with pytest.raises(ValueError, match=r'accumulative_counts = the number of tasks \(4\)'):
        runner.train()
