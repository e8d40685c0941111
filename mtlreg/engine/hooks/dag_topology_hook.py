"""The discretised DAG sub-networks: structure, depth/width/sparsity and pictures per task."""
from __future__ import annotations

import os.path as osp

from mtlreg.registry import HOOKS
from mtlreg.utils.atomic_io import write_json_atomic
from mtlreg.visualization import save_png
from mtlreg.visualization.graph_plot import shared_adjacency_image, task_graph_image
from .hook_utils import model_submodule, unwrap_model
from .stage_hook import StageHook


@HOOKS.register_module()
class DAGTopologyHook(StageHook):
    """Reports every task's sub-network once the structure is discrete (Choi & Im, Sec. 3.1, 4.3).

    When ``stage`` begins (after the policy has been reduced and fixed) and
    after training, writes ``<work_dir>/topology/topology.json`` with, per
    task, the binary adjacency Γ̂ (``N × N``), read-in Â and read-out B̂, the
    depth D, width W and sparsity S of the sub-network and its parameter
    count, plus the model's parameter total; ``<task>.png`` draws each task's
    sub-graph and ``shared_adjacency.png`` all of them in one adjacency
    matrix coloured by task (as Fig. 3). TensorBoard gets the pictures and
    ``topology/<task>/{depth,width,sparsity}``; the log gets a table.

    Args:
        stage: the stage that trains the discrete structure. Defaults to 'finetune'.
        module: the model's policy submodule (a ``DAGPolicy``). Defaults to 'policy'.
    """

    priority = 'BELOW_NORMAL'  # after DiscretizePolicyHook

    def __init__(self, stage: str = 'finetune', module: str = 'policy'):
        self.stage, self.module = stage, module

    def before_train(self, runner) -> None:
        super().before_train(runner)
        policy = model_submodule(runner, self.module)
        if not callable(getattr(policy, 'topology', None)):
            raise TypeError(f'DAGTopologyHook: the policy {type(policy).__name__} has no topology(); '
                            'it reports DAG sub-networks (DAGPolicy)')

    def report(self, runner) -> dict:
        """Write the JSON and pictures and return the record."""
        policy = model_submodule(runner, self.module)
        model = unwrap_model(runner)
        mask = policy.discretize().cpu()
        n = mask.shape[1] - 2
        stats = policy.topology(mask)
        counts = model.parameter_counts() if callable(getattr(model, 'parameter_counts', None)) else {}
        record = {'iteration': runner.iter, 'tasks': {}, 'parameters': counts}
        for k, task in enumerate(policy.task_names):
            record['tasks'][task] = dict(
                adjacency=mask[k, 1:n + 1, 1:n + 1].int().tolist(), read_in=mask[k, 0, 1:n + 1].int().tolist(),
                read_out=mask[k, 1:n + 1, n + 1].int().tolist(), parameters=counts.get(f'task/{task}'),
                **{key: stats[task][key] for key in ('depth', 'width', 'sparsity')})
        folder = osp.join(runner.work_dir, 'topology')
        write_json_atomic(osp.join(folder, 'topology.json'), record)
        masks = mask.numpy()
        shared = shared_adjacency_image(masks, policy.task_names, title='discrete sub-networks')
        save_png(osp.join(folder, 'shared_adjacency.png'), shared)
        runner.visualizer.add_image('topology_shared_adjacency', shared, step=runner.iter)
        scalars = {}
        for k, task in enumerate(policy.task_names):
            s = stats[task]
            image = task_graph_image(masks[k], title=f"{task}: D={s['depth']:.0f}, W={s['width']:.0f}, "
                                                     f"S={s['sparsity']:.3f}")
            save_png(osp.join(folder, f'{task}.png'), image)
            runner.visualizer.add_image(f'topology_{task}', image, step=runner.iter)
            scalars.update({f'topology/{task}/{key}': s[key] for key in ('depth', 'width', 'sparsity')})
        runner.visualizer.add_scalars(scalars, step=runner.iter)
        rows = '\n'.join(f"  {t:<12} D={stats[t]['depth']:.0f}  W={stats[t]['width']:.0f}  "
                         f"S={stats[t]['sparsity']:.3f}  edges={stats[t]['edges']:.0f}  "
                         f"params={counts.get(f'task/{t}', 0) / 1e6:.3f}M" for t in policy.task_names)
        total = counts.get('total')
        runner.logger.info(f'DAG sub-networks (saved in {folder}):\n{rows}'
                           + (f'\n  total parameters {total / 1e6:.3f}M' if total else ''))
        return record

    def enter_stage(self, runner) -> None:
        self.report(runner)

    def after_train(self, runner) -> None:
        if runner.train_loop.stage == self.stage:
            self.report(runner)
