"""Measure the lookahead inter-task affinities of a training while it runs, without changing it."""
from __future__ import annotations

import contextlib
import os.path as osp

import torch
from mmengine.dist import all_reduce, get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.optim import OptimWrapperDict

from mtlreg.engine.runner.random_state import get_random_state, set_random_state
from mtlreg.engine.task_affinity import AffinityAverage, lookahead_affinity
from mtlreg.registry import HOOKS
from mtlreg.utils.atomic_io import write_json_atomic
from .hook_utils import unwrap_model

CHECKPOINT_KEY = 'task_affinity'


@contextlib.contextmanager
def preserved_state(model: torch.nn.Module):
    """Run extra forward passes that leave no trace: the buffers (batch-norm statistics) and every random
    number generator are put back as they were, so the training goes on bit for bit as without them.
    Yields the generators' state, to start every extra pass from."""
    buffers = [(b, b.detach().clone()) for b in model.buffers()]
    state = get_random_state()
    try:
        yield state
    finally:
        with torch.no_grad():
            for buffer, saved in buffers:
                buffer.copy_(saved)
        set_random_state(state)


@HOOKS.register_module()
class TaskAffinityHook(Hook):
    """Task Affinity Grouping's lookahead affinities (Fifty et al., NeurIPS 2021, Eq. 1–2) of any training.

    Every ``interval`` iterations, before the step, on the step's own batch: one forward pass, a
    gradient of every task's loss w.r.t. the model's weights, and per task i a forward pass with the
    shared ones moved (those at least two tasks' losses reach in this step, as the paper: the
    lookahead moves only the shared parameters, under a policy the blocks the tasks share) to
    ``θ_s − lr ∇_{θ_s} L_i`` giving ``Z_{i→j} = 1 − L_j(after) / L_j(before)`` for every task j. The
    extra passes change nothing of the run: parameters, batch-norm statistics, random number
    generators, gradients and the balancer's state are as before (training with and without the hook
    is bitwise identical); the balancer is not called.

    The mean over the measured steps is written to ``<work_dir>/<filename>.json`` (``tasks``,
    ``steps``, ``affinity[i][j]``) and ``.png`` at every checkpoint and at the end, atomically; each
    step's values go to the visualizer (TensorBoard: ``affinity/<i>_to_<j>``); the running mean is
    kept in the checkpoint, so a resumed run continues it. Under DDP each process measures its own
    part of the batch and the matrices are averaged over the processes.

    Steps that train no weights (the policy phase of a search) are not measured.

    Args:
        interval: measure every ``interval`` training iterations (iterations 0, interval, ...).
        lr: the lookahead's learning rate η. Default: the optimiser's current learning rate (its first
            parameter group), a plain gradient step as Eq. 1 with whatever optimiser trains.
        filename: name of the JSON and PNG files in the work dir, without extension.
    """

    priority = 'LOW'  # after the hooks that set the step's state (curriculum, temperature) before it

    #: small arguments that build a working instance (the registry tests run every hook with them)
    example_args = dict(interval=2, lr=1e-3)

    def __init__(self, interval: int = 10, lr: float | None = None, filename: str = 'task_affinity') -> None:
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'TaskAffinityHook.interval: expected a positive integer, got {interval!r}')
        if lr is not None and not float(lr) > 0:
            raise ValueError(f'TaskAffinityHook.lr: expected a positive learning rate or None, got {lr!r}')
        if not filename or osp.basename(filename) != filename:
            raise ValueError(f'TaskAffinityHook.filename: expected a file name without a directory, got {filename!r}')
        self.interval, self.lr, self.filename = interval, lr, filename
        self.average: AffinityAverage | None = None

    @staticmethod
    def _model(runner):
        model = unwrap_model(runner)
        if not hasattr(model, 'task_losses') or not hasattr(model, 'weight_parameters'):
            raise TypeError(f'TaskAffinityHook: the model ({type(model).__name__}) has no task_losses() and '
                            'weight_parameters(); the lookahead needs a MultiTaskModel')
        return model

    def _average(self, runner) -> AffinityAverage:
        if self.average is None:
            self.average = AffinityAverage(self._model(runner).task_names)
        return self.average

    def _lr(self, runner) -> float:
        if self.lr is not None:
            return float(self.lr)
        if isinstance(runner.optim_wrapper, OptimWrapperDict):
            raise ValueError('TaskAffinityHook.lr: the run has several optimisers '
                             f'({sorted(runner.optim_wrapper.keys())}); set the lookahead learning rate explicitly')
        return float(runner.optim_wrapper.optimizer.param_groups[0]['lr'])

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if data_batch is None or runner.iter % self.interval:
            return
        model, average = self._model(runner), self._average(runner)
        parameters = [p for p in model.weight_parameters() if p.requires_grad]  # not the policy's
        if not parameters:
            return  # a step that trains no weights (a policy phase): no lookahead to take
        with preserved_state(model) as random_state:
            data = model.data_preprocessor(data_batch, True)
            present = model.tasks_in_batch(data['data_samples'])
            if present != average.tasks:
                raise ValueError(f'TaskAffinityHook: the batch of iteration {runner.iter} has the tasks {present}, '
                                 f'the lookahead needs every task in every batch ({average.tasks})')

            def losses_at():
                set_random_state(random_state)  # the same dropout and policy samples in every pass
                return model.task_losses(data['inputs'], data['data_samples'])

            affinity = lookahead_affinity(losses_at, parameters, self._lr(runner), average.tasks)
        if get_world_size() > 1:
            device = parameters[0].device if parameters else torch.device('cpu')
            reduced = affinity.to(device)
            all_reduce(reduced, op='mean')
            affinity = reduced.cpu()
        average.add(affinity)
        runner.visualizer.add_scalars(
            {f'affinity/{a}_to_{b}': float(affinity[i, j]) for i, a in enumerate(average.tasks)
             for j, b in enumerate(average.tasks) if i != j}, step=runner.iter)

    def save(self, runner):
        """Write the mean affinities and their picture to the work dir, on the main process; returns the
        picture (an RGB array), or None where nothing was written."""
        if self.average is None or not self.average.count or not is_main_process():
            return
        path = osp.join(runner.work_dir, self.filename)
        write_json_atomic(path + '.json', self.average.as_dict())
        from mtlreg.visualization.affinity_plot import affinity_image
        from mtlreg.visualization.policy_plot import save_png
        picture = affinity_image(self.average.tasks, self.average.mean().numpy(),
                                 title=f'lookahead affinity, mean of {self.average.count} steps')
        save_png(path + '.png', picture)
        return picture

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.average is not None:
            checkpoint[CHECKPOINT_KEY] = self.average.state_dict()
        self.save(runner)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if CHECKPOINT_KEY in checkpoint:
            self._average(runner).load_state_dict(checkpoint[CHECKPOINT_KEY])

    def after_train(self, runner) -> None:
        picture = self.save(runner)
        if picture is not None:
            runner.visualizer.add_image('task_affinity', picture, step=runner.iter)
            mean, tasks = self.average.mean(), self.average.tasks
            rows = '; '.join(f'{a}→{b} {float(mean[i, j]):+.4f}' for i, a in enumerate(tasks)
                             for j, b in enumerate(tasks) if i != j)
            runner.logger.info(f'Task affinity (mean of {self.average.count} steps): {rows}')
