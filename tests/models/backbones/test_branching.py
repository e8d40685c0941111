"""The tree of branches (Learning to Branch): nodes, the mixed supernet, gradients to θ, the compiled tree, counts."""
import math

import pytest
import torch
from torch import nn

from mtlreg.models import MultiTaskModel
from mtlreg.models.backbones.branching import BasicNode, BranchingBackbone, ConvNode
from mtlreg.models.compact import compile_model, load_compact_model, save_compact_model
from mtlreg.models.policies.learn_to_branch import LearnToBranchPolicy
from mtlreg.registry import register_all_modules
from mtlreg.utils.errors import ConfigError

register_all_modules()

TASKS = ['a', 'b', 'c']


def _pair(widths=(1, 2, 3), block='conv', temperature=1.0, seed=0):
    torch.manual_seed(seed)
    backbone = BranchingBackbone(widths=list(widths), channels=4, strides=[2, 1, 1], block=block)
    policy = LearnToBranchPolicy(TASKS[:widths[-1]], backbone.unit_grid, temperature=temperature)
    policy.set_valid_units(backbone.valid_units())
    return backbone, policy


def _chains_mask(chains, grid=(3, 3)):
    """The unit mask of the chains ``{task index: (node of layer 0, node of layer 1, ...)}``."""
    mask = torch.zeros((len(chains), *grid), dtype=torch.bool)
    for k, chain in chains.items():
        for layer, node in enumerate(chain):
            mask[k, layer, node] = True
    return mask


def test_layers_units_and_shapes():
    backbone = BranchingBackbone(widths=[1, 2, 3], channels=[4, 6, 8], strides=[2, 2, 1], in_channels=1,
                                 stem_channels=3, stem_stride=2)
    assert backbone.unit_grid == (3, 3) and backbone.out_channels == 8 and backbone.output_stride == 8
    assert backbone.unit_names() == ['layers.0.0', '', '', 'layers.1.0', 'layers.1.1', '', 'layers.2.0',
                                     'layers.2.1', 'layers.2.2']
    assert backbone.valid_units().int().tolist() == [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    assert backbone(torch.randn(2, 1, 32, 32)).shape == (2, 8, 4, 4)
    assert isinstance(backbone.layers[1][0], ConvNode)
    assert isinstance(BranchingBackbone(widths=[1, 2], channels=4, block='basic').layers[1][1], BasicNode)


@pytest.mark.parametrize('kwargs, message', [
    (dict(widths=[3], channels=4), r'BranchingBackbone\.widths: expected the node counts of at least two layers'),
    (dict(widths=[1, 0], channels=4), r'BranchingBackbone\.widths'),
    (dict(widths=[1, 2], channels=[4, 4, 4]), r'BranchingBackbone\.channels: expected a positive int or one per '
                                              r'layer \(2\)'),
    (dict(widths=[1, 2], channels=4, strides=[1]), r'BranchingBackbone\.strides'),
    (dict(widths=[1, 2], channels=4, block='bottleneck'), r"BranchingBackbone\.block: expected one of \('conv', "),
])
def test_bad_arguments_are_refused_naming_them(kwargs, message):
    with pytest.raises(ValueError, match=message):
        BranchingBackbone(**kwargs)


def test_gated_forward_runs_one_task_chain_and_every_node_without_gates():
    backbone, _ = _pair()
    backbone.eval()
    x = torch.randn(2, 3, 16, 16)
    torch.testing.assert_close(backbone(x, torch.ones(backbone.unit_grid)), backbone(x))
    gates = _chains_mask({0: (0, 1, 2)})[0].float()
    layers = backbone.layers
    torch.testing.assert_close(backbone(x, gates), layers[2][2](layers[1][1](layers[0][0](x))))
    with pytest.raises(ValueError, match=r'expects gates of shape \(3, 3\)'):
        backbone(x, torch.ones(3, 2))


def test_a_child_reads_the_sample_weighted_sum_of_its_parents():
    backbone, policy = _pair()
    with torch.no_grad():
        policy.logits[1, :3, :2] = torch.tensor([[math.log(3.0), 0.0], [0.0, 0.0], [-1.0, 2.0]])
    u = torch.tensor([[0.5, 0.5], [math.exp(-1.0), math.exp(-math.exp(-1.0))], [0.3, 0.8]])
    weights = policy.sample_parent_weights([torch.full((2, 1), 0.5), u])
    # u = 0.5 twice: equal noise, w = softmax(θ) = (3/4, 1/4); the next row: g = (0, 1), w = softmax(0, 1)
    torch.testing.assert_close(weights[1][0], torch.tensor([0.75, 0.25]))
    torch.testing.assert_close(weights[1][1], torch.tensor([1.0, math.e]) / (1.0 + math.e))
    parents, inputs = {}, {}
    for i in range(2):
        backbone.layers[1][i].register_forward_hook(lambda m, a, out, i=i: parents.__setitem__(i, out))
    for j in range(3):
        backbone.layers[2][j].register_forward_pre_hook(lambda m, a, j=j: inputs.__setitem__(j, a[0]))
    backbone.tree_features(torch.randn(2, 3, 16, 16), weights, [0, 1, 2])
    for j in range(3):
        torch.testing.assert_close(inputs[j], weights[1][j, 0] * parents[0] + weights[1][j, 1] * parents[1])


def test_the_gradient_of_theta_through_the_mixing_matches_a_hand_built_network():
    backbone, policy = _pair(temperature=0.7)
    with torch.no_grad():
        policy.logits[1, :3, :2] = torch.tensor([[0.3, -0.2], [1.0, 0.5], [-0.4, 0.9]])
    x = torch.randn(2, 3, 16, 16)
    u = [torch.full((2, 1), 0.5), torch.tensor([[0.2, 0.6], [0.7, 0.4], [0.5, 0.1]])]
    outputs = backbone.tree_features(x, policy.sample_parent_weights(u), [0, 1, 2])
    sum((k + 1) * outputs[k].mean() for k in range(3)).backward()
    got = policy.logits.grad[1, :3, :2].clone()
    assert got.abs().sum() > 0 and policy.logits.grad[1, :, 2].abs().sum() == 0

    theta = policy.logits.detach()[1, :3, :2].clone().requires_grad_()
    noise = -torch.log(-torch.log(u[1]))
    w = torch.softmax((theta + noise) / 0.7, dim=-1)  # Gumbel-softmax of every child of layer 2
    layers = backbone.layers
    root = layers[0][0](x)
    children = [layers[1][i](root) for i in range(2)]  # one parent: the weight is exactly 1
    loss = sum((k + 1) * layers[2][k](w[k, 0] * children[0] + w[k, 1] * children[1]).mean() for k in range(3))
    expected, = torch.autograd.grad(loss, theta)
    torch.testing.assert_close(got, expected)


def test_a_one_hot_tree_computes_only_the_nodes_the_leaves_need():
    backbone, _ = _pair()
    ran = []
    for layer, nodes in enumerate(backbone.layers):
        for j, node in enumerate(nodes):
            node.register_forward_hook(lambda m, a, o, key=(layer, j): ran.append(key))
    weights = [torch.ones(2, 1), torch.tensor([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])]
    backbone.tree_features(torch.randn(1, 3, 16, 16), weights, [0, 2])
    assert ran == [(0, 0), (1, 1), (2, 0), (2, 2)]
    with pytest.raises(ValueError, match=r'parent weights of shapes \[\(2, 1\), \(3, 3\)\], expected '
                                         r'\[\(2, 1\), \(3, 2\)\]'):
        backbone.tree_features(torch.randn(1, 3, 16, 16), [torch.ones(2, 1), torch.ones(3, 3)], [0])


def test_the_compact_tree_equals_the_supernet_with_the_one_hot_tree_outputs_and_gradients():
    backbone, policy = _pair(widths=(1, 3, 3), block='basic')
    policy.fix(_chains_mask({0: (0, 1, 0), 1: (0, 1, 1), 2: (0, 2, 2)}))
    backbone.train()
    x = torch.randn(2, 3, 16, 16)

    def run(compact):
        backbone.zero_grad()
        feats = backbone.task_features(x, TASKS, policy, compact=compact)
        sum((k + 1) * feats[t].square().mean() for k, t in enumerate(TASKS)).backward()
        grads = {n: p.grad.clone() for n, p in backbone.named_parameters() if p.grad is not None}
        return {t: f.detach() for t, f in feats.items()}, grads

    mixed, mixed_grads = run(compact=False)
    compact, compact_grads = run(compact=True)
    assert backbone.compact_executor(policy) is not None
    for t in TASKS:
        torch.testing.assert_close(compact[t], mixed[t], rtol=0, atol=0)
    assert set(compact_grads) == set(mixed_grads)
    assert not any(n.startswith('layers.1.0.') for n in compact_grads)  # node (1, 0) is on no chain
    for name, grad in mixed_grads.items():
        torch.testing.assert_close(compact_grads[name], grad)


def test_the_compiled_tree_runs_a_shared_prefix_once_and_holds_only_used_nodes():
    backbone, policy = _pair()
    mask = _chains_mask({0: (0, 1, 0), 1: (0, 1, 1), 2: (0, 0, 2)})
    compact = backbone.compile_compact(mask, TASKS)
    assert sorted(compact.units) == ['l0n0', 'l1n0', 'l1n1', 'l2n0', 'l2n1', 'l2n2']
    assert compact.task_units('b') == ['l0n0', 'l1n1', 'l2n1']
    calls = {}
    for key, unit in compact.units.items():
        unit.register_forward_hook(lambda m, a, o, key=key: calls.__setitem__(key, calls.get(key, 0) + 1))
    compact(torch.randn(2, 3, 16, 16))
    assert calls == {key: 1 for key in compact.units}  # l0n0 and l1n1 serve two tasks, once
    unused = backbone.compile_compact(_chains_mask({0: (0, 1, 0), 1: (0, 1, 1), 2: (0, 1, 2)}), TASKS)
    assert 'l1n0' not in unused.units and len(unused.nodes) == 5
    with pytest.raises(ValueError, match=r"task 'c' has nodes \[0, 1\] in layer 1, expected exactly one of its 2 "
                                         r'nodes'):
        bad = mask.clone()
        bad[2, 1, 1] = True
        backbone.compile_compact(bad, TASKS)


def test_parameter_counts_per_task_and_in_total_against_hand_counts():
    # ConvNode(3 → 4): 3·4·9 conv weights + 2·4 batch-norm; ConvNode(4 → 4): 4·4·9 + 8
    root, node = 3 * 4 * 9 + 8, 4 * 4 * 9 + 8
    backbone, policy = _pair()
    assert backbone.chain_parameter_count() == root + 2 * node
    policy.fix(_chains_mask({0: (0, 1, 0), 1: (0, 1, 1), 2: (0, 1, 2)}))
    counts = backbone.parameter_counts(policy, TASKS)
    assert counts['tasks'] == {t: root + 2 * node for t in TASKS}
    assert counts['total'] == root + node + 3 * node  # node (1, 0) is on no chain
    assert counts['single_task'] == 3 * (root + 2 * node)
    # BasicNode(4 → 8, stride 2): two 3×3 convolutions, two batch norms, a 1×1 projection and its batch norm
    assert sum(p.numel() for p in BasicNode(4, 8, 2).parameters()) == 4 * 8 * 9 + 16 + 8 * 8 * 9 + 16 + 4 * 8 + 16
    stem = BranchingBackbone(widths=[1, 3], channels=4, in_channels=1, stem_channels=2)
    assert stem.chain_parameter_count() == (1 * 2 * 9 + 4) + (2 * 4 * 9 + 8) + node
    shared = {id(p) for p in backbone.shared_parameters()}
    assert shared == {id(p) for layer in backbone.layers[:2] for p in layer.parameters()}


def _model(policy=None, widths=(1, 2, 3)):
    tasks = {t: dict(head=dict(type='LinearClassificationHead', num_classes=3), loss=dict(type='CrossEntropyLoss'))
             for t in TASKS[:widths[-1]]}
    torch.manual_seed(0)
    return MultiTaskModel(backbone=dict(type='BranchingBackbone', widths=list(widths), channels=4, strides=[2, 1, 1]),
                          tasks=tasks, policy=policy or dict(type='LearnToBranchPolicy'))


def test_the_model_pairs_the_backbone_with_policies_that_drive_branches_only():
    model = _model()
    assert model.policy.widths() == [1, 2, 3]
    with pytest.raises(ConfigError, match='AdaSharePolicy drives backbones of blocks, but BranchingBackbone is '
                                          'made of branches'):
        _model(dict(type='AdaSharePolicy'))
    with pytest.raises(ConfigError, match='LearnToBranchPolicy drives backbones of branches, but ModularNetwork'):
        MultiTaskModel(backbone=dict(type='ModularNetwork', layers=[dict(components=[dict(type='conv')] * 3)] * 2),
                       tasks={t: dict(head=dict(type='LinearClassificationHead', num_classes=3),
                                      loss=dict(type='CrossEntropyLoss')) for t in TASKS},
                       policy=dict(type='LearnToBranchPolicy'))
    with pytest.raises(ValueError, match=r"last layer has 4 nodes, expected one per task \(3: \['a', 'b', 'c'\]\); "
                                         r'set model.backbone.widths\[-1\] to 3'):
        MultiTaskModel(backbone=dict(type='BranchingBackbone', widths=[1, 2, 4], channels=4),
                       tasks={t: dict(head=dict(type='LinearClassificationHead', num_classes=3),
                                      loss=dict(type='CrossEntropyLoss')) for t in TASKS},
                       policy=dict(type='LearnToBranchPolicy'))


def test_a_fixed_mask_of_chains_runs_compiled_and_the_export_round_trips():
    mask = _chains_mask({0: (0, 1, 0), 1: (0, 1, 1), 2: (0, 0, 2)}).int().tolist()
    model = _model(dict(type='FixedMaskPolicy', mask=mask))
    for module in model.modules():  # non-trivial batch-norm statistics
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 1.5)
    model.eval()
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        compact_outputs = model.task_outputs(x)
        model.compact_execution = False
        gated = model.task_outputs(x)  # one gated pass per task, each its chain
    for t in TASKS:
        torch.testing.assert_close(compact_outputs[t], gated[t])
    assert model.parameter_counts()['task/a'] == (3 * 4 * 9 + 8) + 2 * (4 * 4 * 9 + 8) + (4 * 3 + 3)


def test_a_saved_compact_tree_loads_with_the_same_outputs(tmp_path):
    model = _model()
    model.policy.fix(_chains_mask({0: (0, 1, 0), 1: (0, 1, 1), 2: (0, 0, 2)}))
    model.eval()
    cfg = dict(backbone=dict(type='BranchingBackbone', widths=[1, 2, 3], channels=4, strides=[2, 1, 1]),
               tasks={t: dict(head=dict(type='LinearClassificationHead', num_classes=3)) for t in TASKS})
    save_compact_model(model, str(tmp_path), cfg)
    loaded = load_compact_model(str(tmp_path))
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        expected, got = model.task_outputs(x), loaded(x)
    for t in TASKS:
        torch.testing.assert_close(got[t], expected[t])
    assert sorted(compile_model(model).backbone.units) == ['l0n0', 'l1n0', 'l1n1', 'l2n0', 'l2n1', 'l2n2']
