"""The runner: tasks reach model and evaluators, named hooks, exact resume, atomic and portable checkpoints."""
import pytest
import torch
from mmengine.config import Config

from mtlreg.utils.errors import CheckpointError, ConfigError
from mtlreg.engine.runner import MultiTaskRunner, load_checkpoint_file, resolve_task_config
from mtlreg.engine.runner.multitask_runner import resolve_named_hooks
from tests.engine.tiny import tiny_cfg


def _train(cfg):
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.train()
    return runner


def _losses(runner):
    history, _ = runner.message_hub.get_scalar('train/loss').data
    return list(history)


@pytest.mark.slow
def test_tasks_reach_model_and_evaluators(tmp_path):
    cfg = resolve_task_config(tiny_cfg(tmp_path))
    assert set(cfg.model.tasks) == {'seg', 'depth', 'normal', 'edge', 'keypoint'}
    assert cfg.val_evaluator.tasks is cfg.model.tasks or set(cfg.val_evaluator.tasks) == set(cfg.model.tasks)


@pytest.mark.slow
def test_missing_tasks_key_is_named(tmp_path):
    cfg = tiny_cfg(tmp_path)
    cfg._cfg_dict.pop('tasks')
    with pytest.raises(ConfigError, match='tasks: missing'):
        resolve_task_config(cfg)


@pytest.mark.slow
def test_resumed_run_continues_with_the_same_losses(tmp_path):
    full = _train(tiny_cfg(tmp_path / 'full'))
    reference = _losses(full)
    assert len(reference) == 6
    ckpt = tmp_path / 'full' / 'iter_3.pth'
    assert ckpt.is_file()

    cfg = tiny_cfg(tmp_path / 'resumed')
    cfg.resume = True
    cfg.load_from = str(ckpt)
    resumed = _train(cfg)
    torch.testing.assert_close(_losses(resumed)[-3:], reference[-3:], rtol=0, atol=0)
    # parameters end identical too
    for (name, a), b in zip(full.model.state_dict().items(), resumed.model.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)


@pytest.mark.slow
def test_checkpoint_save_is_atomic(tmp_path, monkeypatch):
    runner = _train(tiny_cfg(tmp_path, max_iters=3))
    good = tmp_path / 'iter_3.pth'
    before = good.read_bytes()

    import mmengine.runner.runner as runner_module

    def crash(checkpoint, filename, **kwargs):
        with open(filename, 'wb') as f:
            f.write(b'half a checkpoint')
        raise KeyboardInterrupt('killed mid-save')

    monkeypatch.setattr(runner_module, 'save_checkpoint', crash)
    with pytest.raises(KeyboardInterrupt):
        runner.save_checkpoint(str(tmp_path), 'iter_3.pth')
    assert good.read_bytes() == before
    assert load_checkpoint_file(str(good), trusted=True)['meta']['iter'] == 3


@pytest.mark.slow
def test_own_checkpoints_load_as_tensors_only_from_anywhere(tmp_path):
    _train(tiny_cfg(tmp_path / 'a', max_iters=3))
    ckpt = str(tmp_path / 'a' / 'iter_3.pth')
    assert torch.serialization.get_unsafe_globals_in_checkpoint(ckpt) == []
    state = load_checkpoint_file(ckpt, trusted=False)['state_dict']
    cfg = tiny_cfg(tmp_path / 'b', max_iters=3)
    runner = MultiTaskRunner.from_cfg(cfg)
    runner.load_checkpoint(ckpt)
    key = 'backbone.blocks.0.conv1.weight'
    torch.testing.assert_close(runner.model.state_dict()[key], state[key])


@pytest.mark.slow
def test_missing_checkpoint_file_is_named(tmp_path):
    cfg = tiny_cfg(tmp_path)
    cfg.load_from = str(tmp_path / 'nope.pth')
    runner = MultiTaskRunner.from_cfg(cfg)
    with pytest.raises(CheckpointError, match='nope.pth: file not found'):
        runner.load_checkpoint(cfg.load_from)


@pytest.mark.slow
@pytest.mark.parametrize('flush', [False, True])
def test_env_cfg_flush_denormal(tmp_path, flush):
    torch.set_flush_denormal(False)
    try:
        cfg = tiny_cfg(tmp_path)
        cfg.env_cfg.flush_denormal = flush
        MultiTaskRunner.from_cfg(cfg)
        denormal = torch.tensor([1e-39], dtype=torch.float32) * 1.0  # below float32's smallest normal, 1.2e-38
        assert (denormal.item() == 0.0) == flush
    finally:
        torch.set_flush_denormal(False)


def test_named_hooks_join_custom_hooks_and_none_removes_one():
    cfg = Config(dict(custom_hooks=[dict(type='A')],
                      named_hooks=dict(b=dict(type='B', speed=3), c=None, d=dict(type='D'))))
    resolved = resolve_named_hooks(cfg)
    assert [h['type'] for h in resolved.custom_hooks] == ['A', 'B', 'D']
    assert resolved.custom_hooks[1]['speed'] == 3
    with pytest.raises(ValueError, match='named_hooks.x must be a hook config with a "type" key'):
        resolve_named_hooks(Config(dict(named_hooks=dict(x=dict(speed=1)))))


def test_named_hooks_merge_by_name_through_inheritance(tmp_path):
    (tmp_path / 'base.py').write_text("named_hooks = dict(curriculum=dict(type='CurriculumHook', speed=1, every=2))\n")
    (tmp_path / 'child.py').write_text("_base_ = ['base.py']\nnamed_hooks = dict(curriculum=dict(speed=3))\n")
    hooks = resolve_named_hooks(Config.fromfile(str(tmp_path / 'child.py'))).custom_hooks
    assert hooks == [dict(type='CurriculumHook', speed=3, every=2)]
