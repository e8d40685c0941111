"""The side-by-side training-speed benchmark times every config; a staged one steps the optimiser wrapper it is told."""
import os

import pytest
import torch

from tests.engine.tiny import tiny_cfg, tiny_staged_cfg
from tests.tools.tool_module import REPO, load_tool

train_speed = load_tool('analysis/train_speed.py')


@pytest.mark.slow
def test_configs_take_turns_and_get_a_median_each(tmp_path):
    shared = train_speed.Trainee(tiny_cfg(tmp_path / 'a'), name='shared')
    mtan_cfg = tiny_cfg(tmp_path / 'b', config=os.path.join(REPO, 'configs', 'mtan', 'mtan_resnet18_scenes-5task.py'))
    mtan = train_speed.Trainee(mtan_cfg, name='mtan')
    before = [p.detach().clone() for p in shared.model.parameters()]
    seconds = train_speed.measure([shared, mtan], iters=1, rounds=2, warmup=1)
    assert set(seconds) == {'shared', 'mtan'} and all(v > 0 for v in seconds.values())
    assert any((a != b).any() for a, b in zip(before, shared.model.parameters()))  # real optimiser steps
    assert mtan.params > 0 and shared.batch['inputs'].shape[0] == 4


def test_a_staged_config_steps_the_named_optimiser_wrapper_and_needs_the_name(tmp_path):
    with pytest.raises(ValueError, match=r"adashare: a staged config; name the optimiser wrapper .* --optim-wrapper "
                                         r"\(one of \['arch', 'retrain', 'warmup', 'weights'\]\)"):
        train_speed.Trainee(tiny_staged_cfg(tmp_path), name='adashare')
    with pytest.raises(KeyError, match="--optim-wrapper 'nope' is not one of"):
        train_speed.Trainee(tiny_staged_cfg(tmp_path), name='adashare', optim_wrapper='nope')
    adashare = train_speed.Trainee(tiny_staged_cfg(tmp_path), name='adashare', optim_wrapper='weights')
    arch = [p.detach().clone() for p in adashare.model.arch_parameters()]
    weights = [p.detach().clone() for p in adashare.model.weight_parameters()]
    seconds = train_speed.measure([adashare], iters=1, rounds=1, warmup=1)
    assert seconds['adashare'] > 0
    assert all(torch.equal(a, b) for a, b in zip(arch, adashare.model.arch_parameters()))  # only the weights step
    assert any(not torch.equal(a, b) for a, b in zip(weights, adashare.model.weight_parameters()))
    with pytest.raises(FileNotFoundError, match='nope.py'):
        train_speed.Trainee('nope.py')
