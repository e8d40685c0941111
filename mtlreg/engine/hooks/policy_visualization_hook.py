"""TensorBoard pictures of the policy while it searches, and its final form in the work dir."""
from __future__ import annotations

import os.path as osp

from mmengine.hooks import Hook

from mtlreg.models.compact import CompactMultiTaskModel, can_compile, compile_backbone
from mtlreg.models.compact.report import sharing_groups
from mtlreg.registry import HOOKS
from mtlreg.structures.policy_file import save_policy
from mtlreg.visualization import decision_heatmap, policy_heatmap, save_png
from mtlreg.visualization.sharing_tree import sharing_tree_image
from .hook_utils import model_submodule, unwrap_model


@HOOKS.register_module()
class PolicyVisualizationHook(Hook):
    """Logs the task × unit heatmap of the policy's probabilities while it searches; saves the final policy.

    Every ``interval`` iterations in which the policy is in ``'search'`` mode
    (``'cycle'``: at the end of every cycle of the current stage's phases, i.e.
    once per AdaShare policy epoch), the visualiser gets the image
    ``policy_probabilities`` (TensorBoard with the default backends) and the
    scalars ``policy/<task>/mean`` (the task's mean execute probability) and
    ``policy/<task>/unit<u>`` (every unit's probability, in the order of the
    policy's flattened grid). After
    training, ``<work_dir>/policy/policy_final.json`` and ``.png`` hold the
    discrete policy the model ends with and the search probabilities behind it (the decision
    outlined), and ``sharing_tree.png`` which tasks share which unit; both pictures also go to the
    visualiser (``policy_final``, ``sharing_tree``).

    Args:
        interval: iterations between pictures, or ``'cycle'``. Defaults to 'cycle'.
        module: the model's policy submodule. Defaults to 'policy'.
    """

    priority = 'LOW'

    def __init__(self, interval: int | str = 'cycle', module: str = 'policy'):
        if interval != 'cycle' and (not isinstance(interval, int) or interval < 1):
            raise ValueError(f"PolicyVisualizationHook: interval must be an int >= 1 or 'cycle', got {interval!r}")
        self.interval, self.module = interval, module

    def _units(self, runner):
        model = unwrap_model(runner)
        return list(model.backbone.unit_names()) if hasattr(model, 'backbone') else None

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        policy = model_submodule(runner, self.module)
        if policy.mode != 'search':
            return
        if self.interval == 'cycle':
            if not hasattr(runner.train_loop, 'current_stage'):
                raise ValueError("PolicyVisualizationHook: interval='cycle' needs train_cfg.type='StagedTrainLoop'")
            if (runner.train_loop.stage_iter + 1) % runner.train_loop.current_stage.cycle:
                return
        elif (runner.iter + 1) % self.interval:
            return
        probs = policy.probabilities().detach().cpu().reshape(len(policy.task_names), -1)
        image = policy_heatmap(probs.numpy(), policy.task_names, self._units(runner),
                               title=f'{type(policy).__name__}: probability that a task runs a unit, '
                                     f'iteration {runner.iter + 1}', value_label='probability of running the unit')
        runner.visualizer.add_image('policy_probabilities', image, step=runner.iter + 1)
        scalars = {f'policy/{t}/mean': float(probs[k].mean()) for k, t in enumerate(policy.task_names)}
        scalars.update((f'policy/{t}/unit{u}', float(probs[k, u]))  # every probability, to follow the search
                       for k, t in enumerate(policy.task_names) for u in range(probs.shape[1]))
        runner.visualizer.add_scalars(scalars, step=runner.iter + 1)

    def after_train(self, runner) -> None:
        policy = model_submodule(runner, self.module)
        units = self._units(runner)
        mask = policy.discretize().cpu()
        path = osp.join(runner.work_dir, 'policy', 'policy_final.json')
        # the probabilities the search ended with (for a fixed policy, those it was derived from)
        searched = policy.search_probabilities().detach().cpu()
        save_policy(path, policy.task_names, mask.numpy(), searched.numpy(), units, mode=policy.mode,
                    iteration=runner.iter)
        probabilities = searched.reshape(len(policy.task_names), -1).numpy()
        image = decision_heatmap(probabilities, mask.numpy(), policy.task_names, units,
                                 title=f'final policy: the search\'s probabilities, the discrete decision '
                                       f'outlined (iteration {runner.iter})')
        save_png(path[:-len('.json')] + '.png', image)
        runner.visualizer.add_image('policy_final', image, step=runner.iter)
        tree = self._sharing_tree(runner, mask)
        if tree is not None:
            save_png(osp.join(runner.work_dir, 'policy', 'sharing_tree.png'), tree)
            runner.visualizer.add_image('sharing_tree', tree, step=runner.iter)
        runner.logger.info(f'Final policy saved to {path}')

    @staticmethod
    def _sharing_tree(runner, mask):
        """The sharing tree of the discrete policy, where the backbone describes its compact execution."""
        model = unwrap_model(runner)
        if not hasattr(model, 'backbone') or getattr(model, 'task_conditioned', False) or \
                not can_compile(model.backbone):
            return None
        # the structure only: the compiled backbone on the model's own modules, no copy of the weights
        backbone = compile_backbone(model.backbone, mask, model.task_names, copy_modules=False)
        compact = CompactMultiTaskModel(backbone, {})
        return sharing_tree_image(sharing_groups(compact), list(model.task_names),
                                  title='final policy: one column per task; a box across columns runs once for '
                                        'those tasks; a gap is a skipped unit')
