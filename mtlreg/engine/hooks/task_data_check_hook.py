"""Before training starts: every task's label is in the training data and class labels fit the heads."""
from __future__ import annotations

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mtlreg.engine.config_validation import did_you_mean
from mtlreg.engine.runner.random_state import get_random_state, set_random_state
from mtlreg.registry import HOOKS
from mtlreg.utils.errors import ConfigError


def leaf_datasets(dataset) -> list:
    """The datasets that hold samples, below concatenations and wrappers (``datasets`` / ``dataset``)."""
    members = getattr(dataset, 'datasets', None)
    if members is not None:
        members = members.values() if isinstance(members, dict) else members
        return [leaf for member in members for leaf in leaf_datasets(member)]
    inner = getattr(dataset, 'dataset', None)
    if inner is not None and inner is not dataset:
        return leaf_datasets(inner)
    return [dataset]


@HOOKS.register_module()
class TaskDataCheckHook(Hook):
    """Checks the training data against the task declarations before the first iteration.

    On in every run (``default_hooks.task_data_check``; None turns it off). It reads the first
    sample of every training dataset (per-task datasets and search splits included; the random
    generators are restored afterwards, so the run is unchanged) and stops with a
    :class:`ConfigError` naming the task when

    * a task's ``label`` is carried by no training dataset (a misspelled label would otherwise
      train until the first validation);
    * a dataset declares its classes (``metainfo['classes']``) for its one integer label, and the
      task head reading it predicts fewer (``out_channels``).

    Labels outside the head's classes in later batches are caught by the loss (``CrossEntropyLoss``).
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        labels = getattr(model, 'labels', None)
        if not labels:
            return
        loaders = dict(getattr(runner.train_loop, 'dataloaders', None) or {'train': runner.train_dataloader})
        state = get_random_state()
        try:
            carried = self._check_samples(model, labels, loaders)
        finally:
            set_random_state(state)
        for task, label in labels.items():
            if label not in carried:
                raise ConfigError(f'reads the label {label!r}, which no training dataset provides'
                                  f'{did_you_mean(label, carried)}', where=f'tasks.{task}.label',
                                  expected=f'one of the labels in the data: {sorted(carried)}',
                                  doc='docs/datasets.md')

    @staticmethod
    def _check_samples(model, labels: dict, loaders: dict) -> set[str]:
        carried = set()
        for name, loader in loaders.items():
            for dataset in leaf_datasets(loader.dataset):
                if len(dataset) == 0:
                    continue
                sample = dataset[0].get('data_samples', {})
                carried |= set(sample)
                classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
                integer = [k for k, v in sample.items() if isinstance(v, torch.Tensor) and not v.is_floating_point()]
                if not classes or len(integer) != 1:
                    continue
                for task, label in labels.items():
                    head_classes = getattr(model.heads[task], 'out_channels', None)
                    if label == integer[0] and head_classes is not None and head_classes < len(classes):
                        raise ConfigError(
                            f'predicts {head_classes} classes, but the {name} dataset '
                            f'{type(dataset).__name__} has {len(classes)} for label {label!r}',
                            where=f'tasks.{task}.head', expected=f'out_channels / num_classes >= {len(classes)}',
                            doc='docs/datasets.md')
        return carried
