"""The multi-task model: backbone + policy + per-task heads and losses + balancer."""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable

import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper
from torch import nn

from mtlreg.registry import BACKBONES, BALANCERS, HEADS, LOSSES, MODELS, POLICIES
from .backbones.task_conditioned import is_task_conditioned
from .compatibility import check_mask_skips, check_policy_for_backbone
from mtlreg.utils.errors import DataError
from mtlreg.utils.rank_mean import mean_over_ranks

#: the keys of one task's declaration in the config's ``tasks`` dict
TASK_KEYS = {
    'head': 'config of the task head (HEADS registry); required',
    'loss': 'config of the task loss (LOSSES registry); required',
    'metric': 'config of the task metric (METRICS registry), evaluated by the MultiTaskEvaluator',
    'weight': "the task's static loss weight (default 1.0; balancers may reweight)",
    'label': "the key of the task's ground truth in a batch (default: the task name)",
}


@MODELS.register_module()
class MultiTaskModel(BaseModel):
    """A backbone, a policy, one head, loss and weight per task, and a balancer.

    The backbone computes every task's features (``task_features``): a gated
    supernet of units (:class:`~mtlreg.models.backbones.base.GatedBackbone`) runs each
    task's path under the policy's gates; a backbone that computes every task's
    features itself (MTAN, cross-stitch, one backbone per task:
    :class:`~mtlreg.models.backbones.task_conditioned.TaskConditionedBackbone`) is built with the
    task names and takes no gates. Every task has its own head and loss; the
    balancer combines the task losses and takes the optimisation step. The model
    never knows which method or backbone it runs: a method is a policy (and
    perhaps hooks and a loop).

    Tasks are declared once, in the config's top-level ``tasks`` dict:
    ``{name: dict(head=..., loss=..., metric=..., weight=1.0, label=name)}``.
    ``label`` names the key of the task's ground truth in a batch (defaults to
    the task name). A batch may carry the labels of every task or of one task
    only (per-task batches); losses are computed for the tasks present.

    Args:
        backbone: config of a :class:`GatedBackbone` or a task-conditioned backbone.
        tasks: the task declarations.
        policy: config of a policy. Defaults to ``SharedBottomPolicy``.
        balancer: config of a balancer. Defaults to ``StaticBalancer``.
        data_preprocessor: MMEngine data preprocessor config.
        init_cfg: MMEngine weight-init config.
    """

    def __init__(self, backbone: dict, tasks: dict[str, dict], policy: dict | None = None,
                 balancer: dict | None = None, data_preprocessor: dict | None = None, init_cfg: dict | None = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        #: run a fixed discrete policy through the compiled compact backbone (``GatedBackbone.compact_executor``)
        self.compact_execution = True
        tasks = validate_tasks(tasks)
        self.task_names = list(tasks)
        self.labels = {t: spec.get('label', t) for t, spec in tasks.items()}
        self.backbone = BACKBONES.build(
            backbone, default_args=dict(task_names=self.task_names) if is_task_conditioned(backbone) else None)
        policy = policy or dict(type='SharedBottomPolicy')
        policy_cls = policy['type'] if isinstance(policy.get('type'), type) else POLICIES.get(policy.get('type'))
        if policy_cls is not None:  # an unknown type: the build below names it
            check_policy_for_backbone(policy_cls, self.backbone)
        self.policy = POLICIES.build(policy, default_args=dict(task_names=self.task_names,
                                                               unit_grid=getattr(self.backbone, 'unit_grid', ())))
        if callable(getattr(self.backbone, 'valid_units', None)):
            self.policy.set_valid_units(self.backbone.valid_units())
        if callable(getattr(self.backbone, 'skippable_units', None)) and self.policy.fixed_structure() is not None:
            check_mask_skips(self.policy.fixed_structure().cpu(), self.backbone, self.task_names)
        self.heads = nn.ModuleDict({
            t: HEADS.build(spec['head'], default_args=dict(in_channels=self.backbone.out_channels))
            for t, spec in tasks.items()})
        self.losses = nn.ModuleDict({t: LOSSES.build(spec['loss']) for t, spec in tasks.items()})
        self.balancer = BALANCERS.build(
            balancer or dict(type='StaticBalancer'),
            default_args=dict(task_names=self.task_names,
                              task_weights={t: spec.get('weight', 1.0) for t, spec in tasks.items()}))

    # ------------------------------------------------------------------ forward
    def extract_features(self, inputs: torch.Tensor, tasks: list[str]) -> dict[str, torch.Tensor]:
        """Backbone features per task (``task_features`` of the backbone, under the policy)."""
        return self.backbone.task_features(inputs, tasks, self.policy, compact=self.compact_execution)

    def task_outputs(self, inputs: torch.Tensor, tasks: list[str] | None = None) -> dict[str, torch.Tensor]:
        """Raw head outputs per task (logits, maps), at the input resolution."""
        tasks = self.task_names if tasks is None else tasks
        return self._head_outputs(self.extract_features(inputs, tasks), tuple(inputs.shape[-2:]))

    def _head_outputs(self, feats: dict[str, torch.Tensor], size: tuple[int, int]) -> dict[str, torch.Tensor]:
        return {t: self.heads[t](f, size) for t, f in feats.items()}

    def forward(self, inputs: torch.Tensor, data_samples: dict | None = None, mode: str = 'tensor'):
        if mode == 'tensor':
            return self.task_outputs(inputs)
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f'MultiTaskModel: mode must be "tensor", "loss" or "predict", got {mode!r}')

    def tasks_in_batch(self, data_samples: dict | None) -> list[str]:
        """The tasks whose labels the batch carries."""
        if not data_samples:
            raise ValueError('MultiTaskModel: the batch carries no labels (data_samples is empty)')
        tasks = [t for t in self.task_names if self.labels[t] in data_samples]
        if not tasks:
            raise KeyError(f'MultiTaskModel: the batch has labels {sorted(data_samples)} but the tasks '
                           f'{self.task_names} read {[self.labels[t] for t in self.task_names]}')
        return tasks

    def task_losses(self, inputs: torch.Tensor, data_samples: dict) -> dict[str, torch.Tensor]:
        """The loss of every task the batch labels, with gradient; no balancer, regulariser or model state.

        For tools that evaluate the losses at other parameters than the step's
        (e.g. a lookahead), without touching the balancer's state.
        """
        return self._forward_losses(inputs, data_samples)[2]

    def _forward_losses(self, inputs: torch.Tensor, data_samples: dict):
        """The batch's features, head outputs and task losses."""
        tasks = self.tasks_in_batch(data_samples)
        feats = self.extract_features(inputs, tasks)
        outputs = self._head_outputs(feats, tuple(inputs.shape[-2:]))
        return feats, outputs, {t: self._task_loss(t, outputs[t], data_samples[self.labels[t]]) for t in tasks}

    def loss(self, inputs: torch.Tensor, data_samples: dict) -> dict[str, torch.Tensor]:
        """The objective under ``'loss'`` (with gradient) and detached terms for logging."""
        feats, outputs, task_losses = self._forward_losses(inputs, data_samples)
        if self.balancer.needs_representation and self.training:
            self._step_representation = shared_representation(feats)
        if self.balancer.loss_samples > 1 and self.training:
            self._step_sample_losses = self._sample_losses(outputs, data_samples, self.balancer.loss_samples)
        total = self.balancer(task_losses)
        regularizers = {**self.policy.regularizers(), **self.backbone.regularizers()}
        for value in regularizers.values():
            total = total + value
        if regularizers and self.balancer.gradient_level and self.training:
            self._step_regularization = sum(regularizers.values())
        log = OrderedDict(loss=total)
        log.update((f'loss_{t}', v) for t, v in task_losses.items())  # parse_losses detaches for logging
        log.update((f'weight_{t}', torch.tensor(w)) for t, w in self.balancer.current_weights().items()
                   if t in task_losses)
        log.update((name, v.detach()) for name, v in regularizers.items())
        return log

    def _sample_losses(self, outputs: dict[str, torch.Tensor], data_samples: dict, samples: int
                       ) -> list[dict[str, torch.Tensor]]:
        """The task losses of ``samples`` disjoint, near-equal parts of the batch (from the same forward pass)."""
        size = next(iter(outputs.values())).shape[0]
        if size < samples:
            raise ValueError(f'{type(self.balancer).__name__} needs {samples} independent parts of every batch, '
                             f'and the batch has {size} samples; raise the batch size to at least {samples}')
        parts = torch.arange(size).tensor_split(samples)
        return [{t: self._task_loss(t, out[part], data_samples[self.labels[t]][part]) for t, out in outputs.items()}
                for part in parts]

    def _task_loss(self, task: str, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The loss of one task; a label that does not fit its head is an error naming the task."""
        try:
            return self.losses[task](output, target)
        except DataError as err:
            raise DataError(err.what, where=f'task {task!r} ({err.where}, label {self.labels[task]!r})',
                            expected=err.expected, doc=err.doc) from err

    @torch.no_grad()
    def predict(self, inputs: torch.Tensor, data_samples: dict | None = None) -> list[dict]:
        """Per sample ``{task: {'pred': prediction, 'gt': label}}`` (``gt`` only when labelled)."""
        tasks = self.task_names if not data_samples else self.tasks_in_batch(data_samples)
        outputs = self.task_outputs(inputs, tasks)
        preds = {t: self.heads[t].predict(outputs[t]) for t in tasks}
        results = []
        for i in range(inputs.shape[0]):
            sample = {}
            for t in tasks:
                sample[t] = {'pred': preds[t][i]}
                if data_samples:
                    sample[t]['gt'] = data_samples[self.labels[t]][i]
            results.append(sample)
        return results

    # ------------------------------------------------------------- train step
    def parse_losses(self, losses: dict[str, torch.Tensor]):
        """The objective is ``losses['loss']``; every entry is logged."""
        log_vars = OrderedDict((k, v.detach().float().mean()) for k, v in losses.items())
        return losses['loss'], log_vars

    def train_step(self, data, optim_wrapper: OptimWrapper, forward: Callable | None = None) -> dict:
        """One optimisation step; the balancer takes it (:meth:`BaseBalancer.update`).

        Args:
            data: a batch from the dataloader.
            optim_wrapper: the optimiser wrapper to step.
            forward: the module to run the forward pass through (a
                distributed wrapper passes itself so gradients synchronise).
        """
        forward = forward or self
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = forward(**data, mode='loss')
        objective, log_vars = self.parse_losses(losses)
        task_losses = {t: losses[f'loss_{t}'] for t in self.task_names if f'loss_{t}' in losses}
        self.balancer.update(task_losses, objective, self.shared_parameters, optim_wrapper,
                             representation=self.__dict__.pop('_step_representation', None),
                             sample_losses=self.__dict__.pop('_step_sample_losses', None),
                             regularization=self.__dict__.pop('_step_regularization', None))
        # a gradient-level balancer knows its (effective) weights only after combining the gradients
        log_vars.update((f'weight_{t}', torch.tensor(w)) for t, w in self.balancer.current_weights().items()
                        if t in task_losses)
        return mean_over_ranks(log_vars)  # the log shows the global batch's losses, not rank 0's

    @property
    def task_conditioned(self) -> bool:
        """Whether the backbone computes every task's features itself."""
        return bool(getattr(self.backbone, 'task_conditioned', False))

    def shared_parameters(self) -> list[nn.Parameter]:
        """The parameters every task's loss reaches (the backbone's ``shared_parameters()``)."""
        return self.backbone.shared_parameters()

    # ------------------------------------------------------ parameter groups
    def arch_parameters(self) -> list[nn.Parameter]:
        """The architecture parameters (the policy's), optimised apart from the weights."""
        return list(self.policy.arch_parameters())

    def weight_parameters(self) -> list[nn.Parameter]:
        """Every parameter that is not an architecture parameter."""
        arch = {id(p) for p in self.arch_parameters()}
        return [p for p in self.parameters() if id(p) not in arch]

    # --------------------------------------------------------------- reports
    def parameter_counts(self) -> dict[str, int | float]:
        """Parameters in total and per task, counting only what the discrete policy uses.

        The backbone counts its own (``parameter_counts(policy, task_names)``: units no task uses are
        not counted); the heads and the balancer's parameters are added, architecture parameters
        (policy logits) are not: this is the "# Params" of the learned-sharing papers, and what the
        compact export counts. ``single_task_total`` is the count of K single-task networks (one full
        backbone and head per task) and ``ratio_to_single_task`` the ratio the papers report.
        """
        heads = {t: sum(p.numel() for p in self.heads[t].parameters()) for t in self.task_names}
        extra = sum(p.numel() for p in self.balancer.parameters()) + sum(heads.values())
        backbone = self.backbone.parameter_counts(self.policy, self.task_names)
        total = backbone['total'] + extra
        single = backbone['single_task'] + extra
        return {'total': total, **{f'task/{t}': backbone['tasks'][t] + heads[t] for t in self.task_names},
                'single_task_total': single, 'ratio_to_single_task': total / single}


def shared_representation(feats: dict[str, torch.Tensor]) -> torch.Tensor | None:
    """The one feature tensor every task's head reads (a shared backbone pass), or None when tasks have their own."""
    tensors = list(feats.values())
    return tensors[0] if tensors and all(f is tensors[0] for f in tensors) else None


def validate_tasks(tasks: dict[str, dict]) -> dict[str, dict]:
    """Check the task declarations and name what is wrong."""
    if not isinstance(tasks, dict) or not tasks:
        raise ValueError(f'tasks: expected a non-empty dict {{name: dict(head=..., loss=...)}}, got {tasks!r}')
    for name, spec in tasks.items():
        if not isinstance(spec, dict):
            raise TypeError(f'tasks.{name}: expected a dict, got {type(spec).__name__}')
        for key in ('head', 'loss'):
            if spec.get(key) is None:
                raise KeyError(f'tasks.{name}: missing key {key!r} (a task declares head, loss, metric, weight)')
        unknown = set(spec) - set(TASK_KEYS)
        if unknown:
            raise KeyError(f'tasks.{name}: unknown keys {sorted(unknown)}; allowed are {sorted(TASK_KEYS)}')
    return tasks
