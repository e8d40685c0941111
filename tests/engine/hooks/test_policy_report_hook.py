"""PolicyReportHook writes what a policy reports: the DAG's topology and Gumbel-Matrix's task embeddings."""
import glob
import json
import os
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config
from torch import nn

from mtlreg.engine.config_utils import apply_fast_dev_run
from mtlreg.engine.hooks import PolicyReportHook
from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.models.policies import GumbelMatrixPolicy
from mtlreg.registry import register_all_modules
from mtlreg.utils.errors import ConfigError
from tests.engine.tiny import REPO, tiny_dag_cfg

register_all_modules()

GUMBEL_CONFIG = os.path.join(REPO, 'configs', 'gumbel_matrix', 'gumbel_matrix_fc_synthetic-4task.py')


def _visualised(work_dir):
    """The scalar tags by step and the image files the local visualiser backend wrote."""
    scalars = {}
    for path in glob.glob(os.path.join(str(work_dir), '*', 'vis_data', 'scalars.json')):
        for line in open(path):
            row = json.loads(line)
            scalars.setdefault(row.pop('step'), set()).update(row)
    images = {os.path.basename(p) for p in glob.glob(os.path.join(str(work_dir), '*', 'vis_data', 'vis_image', '*'))}
    return scalars, images


@pytest.fixture(scope='module')
def dag_run(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('dag_report')
    cfg = tiny_dag_cfg(work_dir, warmup=1, search=1, finetune=1)
    cfg.model.backbone.states = [(4, 1), (4, 2), (4, 2)]
    cfg.model.backbone.flow_constant = 2
    cfg.tasks = {task: cfg.tasks[task] for task in ('seg', 'depth')}
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        evaluator.single_task_reference = {t: evaluator.single_task_reference[t] for t in cfg.tasks}
    cfg.train_cfg.stages.search.val_interval = cfg.train_cfg.stages.finetune.val_interval = 0
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    return runner, work_dir


@pytest.fixture(scope='module')
def gumbel_run(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('gumbel_report')
    cfg = Config.fromfile(GUMBEL_CONFIG)
    cfg.work_dir = str(work_dir)
    cfg.vis_backends = [dict(type='LocalVisBackend')]
    cfg.visualizer = dict(type='Visualizer', vis_backends=cfg.vis_backends, name=f'vis_{work_dir.name}')
    apply_fast_dev_run(cfg, separate_dir=False)
    cfg.named_hooks.policy_visualization = None
    cfg.train_cfg.val_begin = 100  # no validation
    cfg.named_hooks.task_embedding.interval = 1
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    return runner, work_dir


def test_dag_topology_files_and_tags(dag_run):
    runner, work_dir = dag_run
    tasks = runner.model.task_names
    folder = work_dir / 'topology'
    assert sorted(os.listdir(folder)) == sorted([f'{t}.png' for t in tasks] + ['shared_adjacency.png', 'topology.json'])
    record = json.loads((folder / 'topology.json').read_text())
    assert record['iteration'] == 3 and list(record['tasks']) == tasks
    counts = runner.model.parameter_counts()
    assert record['parameters']['total'] == counts['total']
    for task, info in record['tasks'].items():
        assert len(info['adjacency']) == 3 and len(info['read_in']) == 3 and len(info['read_out']) == 3
        assert info['parameters'] == counts[f'task/{task}']
    scalars, images = _visualised(work_dir)
    # the report when the fine-tuning begins (after 2 iterations) and after training (3)
    for step in (2, 3):
        assert {f'topology/{t}/{key}' for t in tasks for key in ('depth', 'width', 'sparsity')} <= scalars[step]
        assert {f'topology_{t}_{step}.png' for t in tasks} | {f'topology_shared_adjacency_{step}.png'} <= images
    assert not any(name.startswith('topology') for name in set().union(scalars.get(1, set())))


def test_gumbel_matrix_embedding_files_and_tags(gumbel_run):
    runner, work_dir = gumbel_run
    tasks = runner.model.task_names
    folder = work_dir / 'task_embeddings'
    assert sorted(os.listdir(folder)) == ['task_embeddings.json', 'task_similarity.png']
    record = json.loads((folder / 'task_embeddings.json').read_text())
    assert record['tasks'] == tasks and record['iteration'] == 2 and 1 <= record['distinct'] <= len(tasks)
    assert set(record['embeddings']) == set(tasks) and len(record['similarity']) == len(tasks)
    assert record['parameters']['total'] == runner.model.parameter_counts()['total']
    scalars, images = _visualised(work_dir)
    layers = runner.model.policy.unit_grid[0]
    expected = {'task_embedding/distinct'} | {f'allocation/{t}/layer{l}' for t in tasks for l in range(layers)}
    assert expected <= scalars[1] and expected <= scalars[2]   # every iteration (interval=1), and at the end
    assert {'task_similarity_1.png', 'task_similarity_2.png'} <= images


class _Model(nn.Module):
    def __init__(self, policy):
        super().__init__()
        self.policy = policy


def test_a_policy_that_cannot_report_fails_before_training():
    runner = SimpleNamespace(model=_Model(nn.Linear(1, 1)))
    with pytest.raises(ConfigError, match=r'PolicyReportHook: reports model.policy, but Linear has no report\(\)'):
        PolicyReportHook().before_train(runner)
    with pytest.raises(ConfigError, match='PolicyReportHook.module: reports model.heads'):
        PolicyReportHook(module='heads').before_train(runner)
    runner = SimpleNamespace(model=_Model(GumbelMatrixPolicy(['a'], (1, 2))))
    with pytest.raises(ConfigError, match=r'PolicyReportHook.report_cfg: GumbelMatrixPolicy.report\(\) does not '
                                          r"take \{'per_layer': True\}"):
        PolicyReportHook(report_cfg=dict(per_layer=True)).before_train(runner)
    PolicyReportHook(report_cfg=dict(per_unit=True)).before_train(runner)


def test_arguments_are_checked():
    with pytest.raises(ValueError, match='interval'):
        PolicyReportHook(interval=0)
    with pytest.raises(ValueError, match='nothing to report'):
        PolicyReportHook(at_end=False)
    assert torch.is_grad_enabled()
