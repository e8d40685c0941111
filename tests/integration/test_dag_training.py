"""The DAG method end to end from its config: frozen warm-up, joint search, reduction, rewind, fine-tuning, resume."""
import json

import pytest
import torch
from mmengine.hooks import Hook

from mtlreg.engine.runner import MultiTaskRunner
from mtlreg.registry import register_all_modules
from tests.engine.tiny import tiny_dag_cfg

register_all_modules()


class Probe(Hook):
    """Per iteration: stage, policy mode, whether A/B/Γ or the weights moved; the weights around the rewind."""

    priority = 'LOWEST'

    def __init__(self):
        self.rows, self.warmup_end, self.finetune_start, self.gates = [], None, None, []

    @staticmethod
    def _weights(model):
        return {k: v.detach().clone() for k, v in model.state_dict().items() if not k.startswith('policy.')}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        model = runner.model
        self._before = ([p.detach().clone() for p in model.policy.parameters()],
                        next(model.heads['seg'].parameters()).detach().clone())
        if runner.train_loop.stage == 'finetune' and self.finetune_start is None:
            self.finetune_start = self._weights(model)
            self.gates = [model.policy.gates(t) for t in model.task_names]

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        model = runner.model
        arch_before, weight_before = self._before
        loop = runner.train_loop
        self.rows.append(dict(
            stage=loop.stage, mode=model.policy.mode,
            arch_changed=any(not torch.equal(a, b) for a, b in zip(arch_before, model.policy.parameters())),
            weights_changed=not torch.equal(weight_before, next(model.heads['seg'].parameters())),
            loss=float(outputs['loss'])))
        if loop.stage == 'warmup' and loop.stage_iter == loop.current_stage.iters - 1:
            self.warmup_end = self._weights(model)


@pytest.fixture(scope='module')
def dag_run(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('dag_run')
    runner = MultiTaskRunner.from_cfg(tiny_dag_cfg(work_dir))
    probe = Probe()
    runner.register_hook(probe)
    runner.train()
    return runner, probe, work_dir


def test_stages_freeze_and_train_the_right_parameters(dag_run):
    _, probe, _ = dag_run
    assert [r['stage'] for r in probe.rows] == ['warmup'] * 2 + ['search'] * 3 + ['finetune'] * 2
    assert [r['mode'] for r in probe.rows] == ['warmup'] * 2 + ['search'] * 3 + ['fixed'] * 2
    assert [r['arch_changed'] for r in probe.rows] == [False] * 2 + [True] * 3 + [False] * 2
    assert all(r['weights_changed'] for r in probe.rows)


def test_search_trains_weights_and_upper_level_parameters_with_their_own_rates(dag_run):
    runner, _, _ = dag_run
    groups = runner.optim_wrapper.optim_wrappers['search'].optimizer.param_groups
    assert [g['lr'] for g in groups] == [2e-3, 0.01]
    assert {id(p) for p in groups[1]['params']} == {id(p) for p in runner.model.policy.parameters()}


def test_fine_tuning_starts_from_the_warmup_weights_exactly(dag_run):
    _, probe, _ = dag_run
    assert probe.warmup_end.keys() == probe.finetune_start.keys()
    for key, value in probe.warmup_end.items():
        assert torch.equal(value, probe.finetune_start[key]), key


def test_fine_tuning_gates_are_the_binary_reduced_structure(dag_run):
    runner, probe, _ = dag_run
    valid = runner.model.backbone.valid_units()
    for gates in probe.gates:
        assert not gates.requires_grad and set(gates.unique().tolist()) <= {0.0, 1.0}
        assert not (gates.bool() & ~valid).any() and gates[0].any() and gates[:, -1].any()


def test_topology_report_is_written(dag_run):
    runner, _, work_dir = dag_run
    folder = work_dir / 'topology'
    record = json.loads((folder / 'topology.json').read_text())
    n = runner.model.backbone.num_states
    assert list(record['tasks']) == runner.model.task_names
    for task, info in record['tasks'].items():
        assert len(info['adjacency']) == n and len(info['read_in']) == n and len(info['read_out']) == n
        assert 0.0 <= info['sparsity'] <= 1.0 and info['depth'] >= 0 and info['width'] >= 0
        assert info['parameters'] > 0 and (folder / f'{task}.png').is_file()
    assert (folder / 'shared_adjacency.png').is_file() and record['parameters']['total'] > 0
    # PolicyReportHook: when the fine-tuning begins (after 2 + 3 iterations) and after training (7)
    assert record['iteration'] == 7
    images = {p.name for p in work_dir.glob('*/vis_data/vis_image/*.png')}
    scalars = ''.join(p.read_text() for p in work_dir.glob('*/vis_data/scalars.json'))
    for step in (5, 7):
        assert {f'topology_{t}_{step}.png' for t in record['tasks']} <= images
        assert f'topology_shared_adjacency_{step}.png' in images
    assert all(f'"topology/{t}/{key}"' in scalars for t in record['tasks'] for key in ('depth', 'width', 'sparsity'))


def test_resume_inside_the_search_continues_identically(dag_run, tmp_path):
    runner, probe, work_dir = dag_run
    cfg = tiny_dag_cfg(tmp_path)
    cfg.resume, cfg.load_from = True, str(work_dir / 'iter_3.pth')  # warm-up 2 + search 1
    resumed = MultiTaskRunner.from_cfg(cfg)
    resumed_probe = Probe()
    resumed.register_hook(resumed_probe)
    resumed.train()
    assert [r['stage'] for r in resumed_probe.rows] == ['search'] * 2 + ['finetune'] * 2
    assert resumed_probe.rows == probe.rows[3:]
    final, again = runner.model.state_dict(), resumed.model.state_dict()
    for key in final:
        torch.testing.assert_close(final[key], again[key], rtol=0, atol=0, msg=key)
