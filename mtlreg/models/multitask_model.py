"""The multi-task model: backbone + policy + per-task heads and losses + balancer."""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable

import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper
from torch import nn

from mtlreg.registry import BACKBONES, BALANCERS, HEADS, LOSSES, MODELS, POLICIES
from .compact import can_compile, compile_backbone
from .compatibility import check_mask_skips, check_policy_for_backbone
from mtlreg.utils.errors import DataError

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
    """A gated supernet with one head, loss and weight per task.

    The backbone is a supernet of units; the policy says, per task, how much
    each unit takes part (``gates``); every task has its own head and loss; the
    balancer combines the task losses. The model never knows which method it
    runs: a method is a policy (and perhaps hooks and a loop).

    Tasks are declared once, in the config's top-level ``tasks`` dict:
    ``{name: dict(head=..., loss=..., metric=..., weight=1.0, label=name)}``.
    ``label`` names the key of the task's ground truth in a batch (defaults to
    the task name). A batch may carry the labels of every task or of one task
    only (per-task batches); losses are computed for the tasks present.

    A backbone that computes every task's features itself (MTAN, cross-stitch:
    ``task_conditioned = True``, see ``TaskConditionedBackbone``) is built with
    the task names and run once for all tasks; it takes no gates.

    Args:
        backbone: config of a :class:`GatedBackbone` or a task-conditioned backbone.
        tasks: the task declarations.
        policy: config of a policy. Defaults to ``SharedBottomPolicy``.
        balancer: config of a balancer. Defaults to ``StaticBalancer``.
        backbone_per_task: give every task its own backbone (the single-task
            baseline, trained jointly but sharing nothing). Defaults to False.
        data_preprocessor: MMEngine data preprocessor config.
        init_cfg: MMEngine weight-init config.
    """

    def __init__(self, backbone: dict, tasks: dict[str, dict], policy: dict | None = None,
                 balancer: dict | None = None, backbone_per_task: bool = False,
                 data_preprocessor: dict | None = None, init_cfg: dict | None = None):
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        #: run a fixed discrete policy through the compiled compact backbone (see ``compact_executor``)
        self.compact_execution = True
        tasks = validate_tasks(tasks)
        self.task_names = list(tasks)
        self.labels = {t: spec.get('label', t) for t, spec in tasks.items()}
        self.backbone_per_task = backbone_per_task
        if backbone_per_task:
            self.backbones = nn.ModuleDict({t: BACKBONES.build(backbone) for t in self.task_names})
            reference = next(iter(self.backbones.values()))
        else:
            conditioned = getattr(BACKBONES.get(backbone.get('type')), 'task_conditioned', False)
            self.backbone = BACKBONES.build(
                backbone, default_args=dict(task_names=self.task_names) if conditioned else None)
            reference = self.backbone
        policy = policy or dict(type='SharedBottomPolicy')
        policy_cls = policy['type'] if isinstance(policy.get('type'), type) else POLICIES.get(policy.get('type'))
        if policy_cls is not None:  # an unknown type: the build below names it
            check_policy_for_backbone(policy_cls, reference)
        self.policy = POLICIES.build(policy, default_args=dict(task_names=self.task_names,
                                                               unit_grid=getattr(reference, 'unit_grid', ())))
        if callable(getattr(reference, 'valid_units', None)):
            self.policy.set_valid_units(reference.valid_units())
        if callable(getattr(reference, 'skippable_units', None)) and self.policy.fixed_structure() is not None:
            check_mask_skips(self.policy.fixed_structure().cpu(), reference, self.task_names)
        self.heads = nn.ModuleDict({
            t: HEADS.build(spec['head'], default_args=dict(in_channels=reference.out_channels))
            for t, spec in tasks.items()})
        self.losses = nn.ModuleDict({t: LOSSES.build(spec['loss']) for t, spec in tasks.items()})
        self.balancer = BALANCERS.build(
            balancer or dict(type='StaticBalancer'),
            default_args=dict(task_names=self.task_names,
                              task_weights={t: spec.get('weight', 1.0) for t, spec in tasks.items()}))

    # ------------------------------------------------------------------ forward
    def extract_features(self, inputs: torch.Tensor, tasks: list[str]) -> dict[str, torch.Tensor]:
        """Backbone features per task; tasks with the same constant gates share one pass.

        Every task whose units are all on shares the plain pass; tasks whose
        gates are equal and carry no gradient (a fixed or evaluated policy)
        share one gated pass. Soft, differentiable gates run a pass per task.
        """
        if self.backbone_per_task:
            return {t: self.backbones[t](inputs) for t in tasks}
        executor = self.compact_executor()
        if executor is not None:
            return executor(inputs, tasks)
        if self.task_conditioned:
            gated = [t for t in tasks if self.policy.gates(t) is not None]
            if gated:
                raise ValueError(f'{type(self.backbone).__name__} computes task features itself and takes no gates, '
                                 f'but the policy gives tasks {gated} gates; use SharedBottomPolicy')
            return self.backbone(inputs, tasks=tasks)
        feats, passes = {}, []  # passes: (gates or None, features)
        for t in tasks:
            gates = self.policy.gates(t)
            shareable = gates is None or not gates.requires_grad
            for done_gates, done_feats in passes if shareable else ():
                if (gates is None and done_gates is None) or (
                        gates is not None and done_gates is not None and torch.equal(gates, done_gates)):
                    feats[t] = done_feats
                    break
            else:
                feats[t] = self.backbone(inputs) if gates is None else self.backbone(inputs, gates)
                if shareable:
                    passes.append((gates, feats[t]))
        return feats

    def compact_executor(self):
        """The compiled compact backbone of a fixed discrete policy (on the backbone's own modules), or None.

        With a constant discrete policy (after discretisation, or a fixed mask)
        and a backbone that describes its compact execution, every task runs
        only its units and what tasks share runs once per batch (``mtlreg.models.compact``);
        outputs and gradients equal the gated passes'. Batch-norm running
        statistics of a shared unit are updated once per batch instead of once
        per task pass. Set ``compact_execution = False`` to use gated passes.
        """
        if not self.compact_execution or self.backbone_per_task or self.task_conditioned:
            return None
        mask = self.policy.fixed_structure()
        if mask is None:
            return None
        if not can_compile(self.backbone):
            return None
        key = mask.detach().cpu().numpy().tobytes()
        cached = self.__dict__.get('_compact_cache')
        if cached is None or cached[0] != key:
            executor = compile_backbone(self.backbone, mask.cpu(), self.task_names, copy_modules=False)
            self.__dict__['_compact_cache'] = (key, executor)  # not a submodule: its modules are the backbone's
        return self.__dict__['_compact_cache'][1]

    def task_outputs(self, inputs: torch.Tensor, tasks: list[str] | None = None) -> dict[str, torch.Tensor]:
        """Raw head outputs per task (logits, maps), at the input resolution."""
        tasks = self.task_names if tasks is None else tasks
        feats = self.extract_features(inputs, tasks)
        size = tuple(inputs.shape[-2:])
        return {t: self.heads[t](feats[t], size) for t in tasks}

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

    def loss(self, inputs: torch.Tensor, data_samples: dict) -> dict[str, torch.Tensor]:
        """The objective under ``'loss'`` (with gradient) and detached terms for logging."""
        tasks = self.tasks_in_batch(data_samples)
        outputs = self.task_outputs(inputs, tasks)
        task_losses = {t: self._task_loss(t, outputs[t], data_samples[self.labels[t]]) for t in tasks}
        total = self.balancer(task_losses)
        regularizers = self.policy.regularizers()
        for value in regularizers.values():
            total = total + value
        log = OrderedDict(loss=total)
        log.update((f'loss_{t}', v) for t, v in task_losses.items())  # parse_losses detaches for logging
        log.update((f'weight_{t}', torch.tensor(w)) for t, w in self.balancer.current_weights().items()
                   if t in task_losses)
        log.update((name, v.detach()) for name, v in regularizers.items())
        return log

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
        """One optimisation step.

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
        if self.balancer.gradient_level:
            task_losses = {t: losses[f'loss_{t}'] for t in self.task_names if f'loss_{t}' in losses}
            self.gradient_level_update(task_losses, objective, optim_wrapper)
        else:
            optim_wrapper.update_params(objective)
        return log_vars

    def gradient_level_update(self, task_losses: dict[str, torch.Tensor], objective: torch.Tensor,
                              optim_wrapper: OptimWrapper) -> None:
        """One step with the balancer's combination of per-task gradients on the shared parameters.

        Every task's gradient of the shared parameters is taken separately (scaled
        as the wrapper scales the objective: gradient accumulation, an AMP loss
        scaler), averaged over processes, and combined by the balancer; the
        other parameters get the objective's gradient. With accumulation the
        combined gradient adds to what earlier micro-steps accumulated.
        """
        shared = [p for p in self.shared_parameters() if p.requires_grad]
        scaler = getattr(optim_wrapper, 'loss_scaler', None)
        combined = []
        if shared:
            grads = {}
            for task, loss in self.balancer.gradient_losses(task_losses).items():
                loss = optim_wrapper.scale_loss(loss)
                if scaler is not None:
                    loss = scaler.scale(loss)
                got = torch.autograd.grad(loss, shared, retain_graph=True, allow_unused=True)
                grads[task] = [torch.zeros_like(p) if g is None else g for g, p in zip(got, shared)]
            average_over_processes(grads)
            combined = self.balancer.shared_gradients(grads)
        before = [None if p.grad is None else p.grad.clone() for p in shared]
        optim_wrapper.backward(optim_wrapper.scale_loss(objective))
        for p, g, old in zip(shared, combined, before):
            p.grad = g.to(p.dtype) if old is None else old + g.to(p.dtype)
        if optim_wrapper.should_update():
            optim_wrapper.step()
            optim_wrapper.zero_grad()

    @property
    def task_conditioned(self) -> bool:
        """Whether the backbone computes every task's features itself."""
        return getattr(self, 'backbone', None) is not None and getattr(self.backbone, 'task_conditioned', False)

    def shared_parameters(self) -> list[nn.Parameter]:
        """The parameters every task's loss reaches: the backbone's (none with a backbone per task)."""
        if self.backbone_per_task:
            return []
        if self.task_conditioned:
            return self.backbone.shared_parameters()
        return list(self.backbone.parameters())

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
        """Parameters in total and per task, counting only units the discrete policy uses.

        Architecture parameters (policy logits) and units no task uses are not
        counted (a skipped unit's shortcut projection is: the skip runs it): this is the "# Params"
        of the learned-sharing papers, and what the compact export counts.
        ``single_task_total`` is the count of K single-task networks (one full
        backbone and head per task) and ``ratio_to_single_task`` the ratio the
        papers report.
        """
        heads = {t: sum(p.numel() for p in self.heads[t].parameters()) for t in self.task_names}
        extra = sum(p.numel() for p in self.balancer.parameters())
        if self.backbone_per_task:
            per_task = {t: sum(p.numel() for p in self.backbones[t].parameters()) + heads[t]
                        for t in self.task_names}
            total = sum(per_task.values()) + extra
            return {'total': total, **{f'task/{t}': n for t, n in per_task.items()},
                    'single_task_total': total, 'ratio_to_single_task': 1.0}
        if self.task_conditioned:
            per_task = {t: self.backbone.task_parameter_count(t) + heads[t] for t in self.task_names}
            total = sum(p.numel() for n, p in self.named_parameters() if not n.startswith('policy.'))
            single = len(self.task_names) * self.backbone.single_task_parameter_count() + sum(heads.values()) + extra
            return {'total': total, **{f'task/{t}': n for t, n in per_task.items()},
                    'single_task_total': single, 'ratio_to_single_task': total / single}
        backbone = self.backbone
        unit_sizes = backbone.unit_parameter_counts().flatten()
        skip_sizes = backbone.skip_parameter_counts().flatten()  # what a skipped unit still runs
        always = sum(p.numel() for p in backbone.parameters()) - int(unit_sizes.sum())
        mask = self.policy.discretize().reshape(len(self.task_names), -1).cpu()
        valid = self.policy.valid_units.flatten().cpu()
        per_task = {t: always + int(unit_sizes[mask[k]].sum()) + int(skip_sizes[~mask[k] & valid].sum()) + heads[t]
                    for k, t in enumerate(self.task_names)}
        used = mask.any(0)
        total = (always + int(unit_sizes[used].sum()) + int(skip_sizes[~used & valid].sum())
                 + sum(heads.values()) + extra)
        single = len(self.task_names) * sum(p.numel() for p in backbone.parameters()) + sum(heads.values()) + extra
        return {'total': total, **{f'task/{t}': n for t, n in per_task.items()},
                'single_task_total': single, 'ratio_to_single_task': total / single}


def average_over_processes(grads: dict[str, list[torch.Tensor]]) -> None:
    """Average every task's gradients over the processes of a distributed run, in place."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return
    world = torch.distributed.get_world_size()
    if world == 1:
        return
    for task, tensors in grads.items():
        flat = torch.cat([g.reshape(-1) for g in tensors])
        torch.distributed.all_reduce(flat)
        flat /= world
        grads[task] = [chunk.view_as(g) for chunk, g in zip(torch.split(flat, [g.numel() for g in tensors]), tensors)]


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
