"""A method with a new kind of unit and its own compact execution needs new files only.

The backbone and policy below are defined here, outside the package: a backbone of parallel branches
(a unit kind no shipped policy drives) compiles itself, and the model runs the compiled network for a
fixed policy without any edit to the core.
"""
import pytest
import torch
from torch import nn

from mtlreg.models.backbones.base import GatedBackbone
from mtlreg.models.compact import compile_model
from mtlreg.models.multitask_model import MultiTaskModel
from mtlreg.models.policies.base import BasePolicy
from mtlreg.registry import BACKBONES, POLICIES
from mtlreg.utils.errors import ConfigError


class ParallelBranches(GatedBackbone):
    """Features = Σ_b gate_b · branch_b(x): a unit is a branch."""

    unit_kind = 'branches'

    def __init__(self, in_channels=3, channels=4, num_branches=3):
        super().__init__()
        self.branches = nn.ModuleList(nn.Conv2d(in_channels, channels, 3, padding=1) for _ in range(num_branches))
        self.unit_grid, self.out_channels = (num_branches,), channels

    def unit_names(self):
        return [f'branches.{i}' for i in range(len(self.branches))]

    def forward(self, x, gates=None):
        self.check_gates(gates)
        gates = torch.ones(len(self.branches)) if gates is None else gates
        return sum(g * branch(x) for g, branch in zip(gates, self.branches))

    def compile_compact(self, mask, task_names, copy_modules=True):
        return CompiledBranches(self.branches, mask, task_names)


class CompiledBranches(nn.Module):
    """Each branch any requested task uses runs once; a task sums its own."""

    def __init__(self, branches, mask, task_names):
        super().__init__()
        self.branches, self.mask, self.task_names = branches, mask.bool(), list(task_names)
        self.calls = 0

    def forward(self, x, tasks):
        rows = [self.mask[self.task_names.index(t)] for t in tasks]
        used = torch.stack(rows).any(0)
        outputs = {b: self.branches[b](x) for b in torch.nonzero(used).flatten().tolist()}
        self.calls += len(outputs)
        return {t: sum(outputs[b] for b in torch.nonzero(row).flatten().tolist()) for t, row in zip(tasks, rows)}


class BranchChoicePolicy(BasePolicy):
    """A fixed choice of branches per task (enough to show the plumbing)."""

    drives = ('branches',)

    def __init__(self, task_names, unit_grid, choice):
        super().__init__(task_names, unit_grid)
        self.register_buffer('choice', torch.as_tensor(choice, dtype=torch.bool))

    def policy_gates(self, task):
        return self.choice[self.task_index(task)].float()

    def derive_mask(self):
        return self.choice.clone()


@pytest.fixture
def registered():
    BACKBONES.register_module(module=ParallelBranches, force=True)
    POLICIES.register_module(module=BranchChoicePolicy, force=True)
    yield
    BACKBONES._module_dict.pop('ParallelBranches')
    POLICIES._module_dict.pop('BranchChoicePolicy')


TASKS = {t: dict(head=dict(type='IdentityHead'), loss=dict(type='L2Loss')) for t in ('a', 'b')}
CHOICE = [[1, 1, 0], [1, 0, 1]]


def _model():
    model = MultiTaskModel(backbone=dict(type='ParallelBranches'), tasks=TASKS,
                           policy=dict(type='BranchChoicePolicy', choice=CHOICE))
    return model.eval()


def test_a_fixed_policy_runs_the_backbones_own_compiled_network(registered):
    torch.manual_seed(0)
    model = _model()
    x = torch.randn(2, 3, 5, 5)
    gated = {t: model.backbone(x, model.policy.gates(t)) for t in ('a', 'b')}
    model.policy.fix(model.policy.derive_mask())
    executor = model.backbone.compact_executor(model.policy)
    assert isinstance(executor, CompiledBranches)
    features = model.extract_features(x, ['a', 'b'])
    assert executor.calls == 3  # branch 0, shared by both tasks, ran once
    for t in ('a', 'b'):
        torch.testing.assert_close(features[t], gated[t])
    compact = compile_model(model)
    out = compact(x)
    torch.testing.assert_close(out['a'], model.heads['a'](gated['a'], (5, 5)))


def test_the_new_unit_kind_is_checked_against_the_policies(registered):
    with pytest.raises(ConfigError, match='ParallelBranches'):
        MultiTaskModel(backbone=dict(type='ParallelBranches'), tasks=TASKS, policy=dict(type='AdaSharePolicy'))
