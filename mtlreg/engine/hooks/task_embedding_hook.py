"""Task embeddings of a learned allocation, in TensorBoard while training and in the work dir after."""
from __future__ import annotations

import os.path as osp

from mmengine.hooks import Hook

from mtlreg.models.policies.task_embedding import (cosine_similarity_matrix, identical_task_groups,
                                                   num_distinct_embeddings, task_embeddings)
from mtlreg.registry import HOOKS
from mtlreg.utils.atomic_io import write_json_atomic
from mtlreg.visualization import policy_heatmap, save_png
from .hook_utils import model_submodule


@HOOKS.register_module()
class TaskEmbeddingHook(Hook):
    """Logs how alike the tasks' allocations are and how each task's allocation probabilities move.

    Maziarz et al., Sec. V-C: a task's embedding is its concatenated binary
    allocation (the policy's discrete mask). Every ``interval`` training
    iterations the visualiser gets the image ``task_similarity`` (the
    pairwise cosine similarity of the embeddings), the scalar
    ``task_embedding/distinct`` (the number of distinct embeddings) and, per
    task and layer, ``allocation/<task>/layer<l>``: the mean allocation
    probability over the layer's units (per unit with ``per_unit=True``; a
    one-dimensional unit grid counts every unit as a layer). After training,
    ``<work_dir>/task_embeddings/task_embeddings.json`` holds the embeddings,
    the matrix, the distinct count and the groups of tasks with identical
    embeddings, and ``task_similarity.png`` the matrix.

    Args:
        interval: iterations between logs. Defaults to 100.
        module: the model's policy submodule. Defaults to 'policy'.
        per_unit: log every unit's probability rather than a layer's mean.
            Defaults to False.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 100, module: str = 'policy', per_unit: bool = False):
        if not isinstance(interval, int) or interval < 1:
            raise ValueError(f'TaskEmbeddingHook: interval must be an int >= 1, got {interval!r}')
        self.interval, self.module, self.per_unit = interval, module, per_unit

    def summary(self, policy) -> dict:
        """The embeddings, their similarity matrix, the distinct count and the identical groups."""
        embeddings = task_embeddings(policy.discretize().cpu())
        names = list(policy.task_names)
        return {'tasks': names, 'embeddings': embeddings,
                'similarity': cosine_similarity_matrix(embeddings),
                'distinct': num_distinct_embeddings(embeddings),
                'identical_groups': identical_task_groups(embeddings, names)}

    def _probability_scalars(self, policy) -> dict[str, float]:
        probs = policy.probabilities().detach().cpu().float()
        probs = probs.reshape(len(policy.task_names), -1, 1) if probs.dim() == 2 else probs.flatten(2)
        scalars = {}
        for k, task in enumerate(policy.task_names):
            for layer in range(probs.shape[1]):
                if self.per_unit:
                    scalars.update({f'allocation/{task}/layer{layer}/unit{u}': float(p)
                                    for u, p in enumerate(probs[k, layer])})
                else:
                    scalars[f'allocation/{task}/layer{layer}'] = float(probs[k, layer].mean())
        return scalars

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if (runner.iter + 1) % self.interval:
            return
        policy = model_submodule(runner, self.module)
        info = self.summary(policy)
        step = runner.iter + 1
        image = policy_heatmap(info['similarity'].numpy(), info['tasks'], info['tasks'],
                               title=f'task embedding similarity, iteration {step}')
        runner.visualizer.add_image('task_similarity', image, step=step)
        runner.visualizer.add_scalars({'task_embedding/distinct': info['distinct'],
                                       **self._probability_scalars(policy)}, step=step)

    def after_train(self, runner) -> None:
        policy = model_submodule(runner, self.module)
        info = self.summary(policy)
        folder = osp.join(runner.work_dir, 'task_embeddings')
        write_json_atomic(osp.join(folder, 'task_embeddings.json'), {
            'tasks': info['tasks'], 'iteration': runner.iter,
            'embeddings': {t: [int(v) for v in row] for t, row in zip(info['tasks'], info['embeddings'].tolist())},
            'similarity': [[round(v, 6) for v in row] for row in info['similarity'].tolist()],
            'distinct': info['distinct'], 'identical_groups': info['identical_groups']})
        save_png(osp.join(folder, 'task_similarity.png'),
                 policy_heatmap(info['similarity'].numpy(), info['tasks'], info['tasks'],
                                title='task embedding similarity'))
        runner.logger.info(f"Task embeddings: {info['distinct']} distinct; identical groups "
                           f"{info['identical_groups']}; saved to {folder}")
