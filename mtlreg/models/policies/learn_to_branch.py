"""Learning to Branch: each child node of a tree of branches picks its parent by a Gumbel-softmax sample."""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mtlreg.registry import POLICIES
from mtlreg.structures.policy_report import PolicyReport, ReportFigure
from .base import BasePolicy

_SAMPLING = ('soft', 'hard')
_DERIVE = ('argmax', 'sample')


def gumbel_softmax_weights(logits: torch.Tensor, temperature: float, hard: bool = False,
                           uniform: torch.Tensor | None = None) -> torch.Tensor:
    """Relaxed categorical samples, one per row of ``logits`` (Guo et al., Sec. 3; Jang et al., 2017).

    ``w_i = exp((θ_i + g_i) / τ) / Σ_k exp((θ_k + g_k) / τ)`` with Gumbel noise
    ``g_i = −log(−log u_i)``, ``u_i ~ U(0, 1)`` (``uniform``, drawn from the global generator when
    None). ``hard``: the one-hot vector of the row's largest ``w_i`` forward and the gradient of the
    soft sample backward (straight-through).
    """
    if uniform is None:
        uniform = torch.rand(logits.shape, device=logits.device, dtype=logits.dtype)
    uniform = uniform.to(logits).clamp(torch.finfo(logits.dtype).tiny, 1.0 - torch.finfo(logits.dtype).eps)
    noise = -torch.log(-torch.log(uniform))
    soft = ((logits + noise) / temperature).softmax(-1)
    if not hard:
        return soft
    one_hot = torch.zeros_like(soft).scatter_(-1, soft.argmax(-1, keepdim=True), 1.0)
    return one_hot - soft.detach() + soft


@POLICIES.register_module()
class LearnToBranchPolicy(BasePolicy):
    """Where tasks branch: a categorical distribution over the parents of every child node of a tree.

    Guo, Lee & Ulbricht, "Learning to Branch for Multi-Task Learning", ICML 2020, Sec. 3. The
    backbone (a ``'branches'`` backbone, :class:`~mtlreg.models.backbones.branching.BranchingBackbone`)
    has L layers of ``N_l`` nodes; the unit grid is ``(L, max N_l)``, the backbone's ``valid_units``
    saying which entries hold a node. Node j of layer l ≥ 1 has logits ``θ_{l,j}`` over the
    ``N_{l−1}`` nodes of layer l − 1 (its possible parents), ``p_{l,j} = softmax(θ_{l,j})``, initially
    uniform. The last layer holds one node per task: task k reads leaf k, and its path is the chain of
    parents from that leaf up to layer 0.

    While searching (:meth:`parent_weights`), every child's parent is a Gumbel-softmax sample at
    temperature τ (:func:`gumbel_softmax_weights`), drawn once per forward pass and shared by every
    task, and the child's input is the sample-weighted sum of its possible parents' outputs,
    ``x_{l,j} = Σ_i w_{l,j,i} · y_{l−1,i}``: every node runs once per layer and the gradient reaches θ
    through the mixing. ``sampling='soft'`` mixes with the relaxed sample itself;
    ``'hard'`` is straight-through (one parent forward, the relaxed sample's gradient backward). In
    evaluation the tree is the most probable one (each child's argmax parent). ``temperature`` is a
    buffer that ``TemperatureScheduleHook`` anneals. No regulariser: the objective is the tasks' loss.

    After the search the tree is discretised (:meth:`derive_mask`): every child takes its argmax
    parent (``mode='sample'``: a parent drawn from ``p_{l,j}`` with a seed), and each task's mask
    holds exactly the nodes of its root-to-leaf chain, ``[K, L, max N_l]``. Once fixed, the backbone
    runs the compact tree, where tasks that share a prefix of nodes compute it once.

    Args:
        task_names: the tasks; task k's leaf is node k of the last layer.
        unit_grid: ``(layers, max nodes per layer)``, the backbone's.
        temperature: the initial τ. Defaults to 1.0.
        sampling: ``'soft'`` or ``'hard'`` (straight-through). Defaults to 'soft'.
    """

    #: small arguments that build a working instance (the registry tests build every module with them)
    example_args = dict(unit_grid=(3, 2))

    drives = ('branches',)

    def __init__(self, task_names: Sequence[str], unit_grid: Sequence[int], temperature: float = 1.0,
                 sampling: str = 'soft'):
        super().__init__(task_names, unit_grid)
        if len(self.unit_grid) != 2 or self.unit_grid[0] < 2:
            raise ValueError(f'LearnToBranchPolicy: expects a (layers, nodes) grid of at least two layers, '
                             f'got {self.unit_grid}')
        if self.unit_grid[1] < len(self.task_names):
            raise ValueError(f'LearnToBranchPolicy: the last layer needs one node per task ({len(self.task_names)} '
                             f'tasks), but the grid has at most {self.unit_grid[1]} nodes per layer')
        if sampling not in _SAMPLING:
            raise ValueError(f'LearnToBranchPolicy: sampling must be one of {_SAMPLING}, got {sampling!r}')
        if not temperature > 0:
            raise ValueError(f'LearnToBranchPolicy: temperature must be positive, got {temperature}')
        layers, nodes = self.unit_grid
        #: θ: ``logits[l − 1, j, i]`` is the logit of parent i for child j of layer l (entries outside
        #: the backbone's layers are never read)
        self.logits = nn.Parameter(torch.zeros(layers - 1, nodes, nodes))
        self.sampling = sampling
        self.register_schedulable('temperature', float(temperature))
        self._widths = [nodes] * layers  # N_l, from the backbone's valid_units once the model sets them

    # ------------------------------------------------------------- the tree
    @property
    def num_layers(self) -> int:
        return self.unit_grid[0]

    def widths(self) -> list[int]:
        """``N_l``, the nodes of every layer (from the backbone's ``valid_units``)."""
        return list(self._widths)

    def set_valid_units(self, valid: torch.Tensor) -> None:
        """The backbone's nodes: every layer's first ``N_l`` entries, the last layer one node per task."""
        valid = torch.as_tensor(valid, dtype=torch.bool)
        super().set_valid_units(valid)
        widths = [int(v) for v in valid.sum(1)]
        prefix = torch.arange(self.unit_grid[1]).unsqueeze(0) < torch.tensor(widths).unsqueeze(1)
        if not torch.equal(valid.cpu(), prefix) or min(widths) < 1:
            raise ValueError(f'LearnToBranchPolicy.set_valid_units: every layer must hold its nodes in its first '
                             f'N_l >= 1 entries, got the mask {valid.int().tolist()}')
        if widths[-1] != len(self.task_names):
            raise ValueError(f'LearnToBranchPolicy: the backbone\'s last layer has {widths[-1]} nodes, expected one '
                             f'per task ({len(self.task_names)}: {self.task_names}); set model.backbone.widths[-1] '
                             f'to {len(self.task_names)}')
        self._widths = widths

    def layer_logits(self, layer: int) -> torch.Tensor:
        """θ of layer ``layer`` ≥ 1: ``[N_l, N_{l−1}]``."""
        widths = self.widths()
        return self.logits[layer - 1, :widths[layer], :widths[layer - 1]]

    def branching_probabilities(self) -> list[torch.Tensor]:
        """``p_{l,j} = softmax(θ_{l,j})`` per layer l = 1 .. L − 1, each ``[N_l, N_{l−1}]``."""
        return [self.layer_logits(layer).softmax(-1) for layer in range(1, self.num_layers)]

    def sample_parent_weights(self, uniforms: Sequence[torch.Tensor] | None = None) -> list[torch.Tensor]:
        """A Gumbel-softmax sample of every child's parent, layer by layer (``uniforms``: the u of each layer)."""
        hard = self.sampling == 'hard'
        tau = float(self.temperature)
        return [gumbel_softmax_weights(self.layer_logits(layer), tau, hard,
                                       None if uniforms is None else uniforms[layer - 1])
                for layer in range(1, self.num_layers)]

    def parent_weights(self) -> list[torch.Tensor]:
        """What the backbone mixes: per layer l ≥ 1, ``[N_l, N_{l−1}]``, row j weighing child j's parents.

        ``search`` mode: a Gumbel-softmax sample in training, the most probable tree (one-hot) in
        evaluation; ``warmup``: every parent alike (``1 / N_{l−1}``); ``fixed``: the fixed tree, one-hot.
        """
        mode = self.mode
        if mode == 'search' and self.training:
            return self.sample_parent_weights()
        if mode == 'warmup':
            return [torch.full_like(p, 1.0 / p.shape[1]) for p in self.branching_probabilities()]
        parents = self.fixed_tree() if mode == 'fixed' else self.tree()
        return [self._one_hot(p, self.widths()[layer - 1]) for layer, p in enumerate(parents, start=1)]

    def _one_hot(self, parents: torch.Tensor, num_parents: int) -> torch.Tensor:
        weights = torch.zeros(len(parents), num_parents, device=self.logits.device)
        return weights.scatter_(1, parents.to(self.logits.device).unsqueeze(1), 1.0)

    def tree(self, mode: str = 'argmax', seed: int | None = None) -> list[torch.Tensor]:
        """Every child's parent, per layer l ≥ 1 a ``[N_l]`` index tensor: argmax of θ, or drawn from p."""
        if mode not in _DERIVE:
            raise ValueError(f'LearnToBranchPolicy.derive_mask: mode must be one of {_DERIVE}, got {mode!r}')
        probs = [p.detach().cpu() for p in self.branching_probabilities()]
        if mode == 'argmax':
            return [p.argmax(-1) for p in probs]
        generator = torch.Generator()
        if seed is not None:
            generator.manual_seed(seed)
        return [torch.multinomial(p, 1, generator=generator).squeeze(1) for p in probs]

    def task_paths(self, parents: Sequence[torch.Tensor]) -> torch.Tensor:
        """``[K, L]``: the node of every layer on each task's chain (task k's leaf is node k)."""
        paths = torch.zeros(len(self.task_names), self.num_layers, dtype=torch.long)
        for k in range(len(self.task_names)):
            node = k
            paths[k, -1] = node
            for layer in range(self.num_layers - 1, 0, -1):
                node = int(parents[layer - 1][node])
                paths[k, layer - 1] = node
        return paths

    def mask_of_paths(self, paths: torch.Tensor) -> torch.Tensor:
        """The boolean unit mask ``[K, L, max N_l]`` holding exactly each task's chain."""
        mask = torch.zeros((len(self.task_names), *self.unit_grid), dtype=torch.bool)
        mask.scatter_(2, paths.unsqueeze(2), True)
        return mask

    def tree_of_mask(self, mask: torch.Tensor) -> list[torch.Tensor]:
        """The parents a mask of chains implies; a mask that is not a tree of the tasks' chains is refused.

        A child no task's chain passes through keeps its argmax parent (it never runs).
        """
        mask = torch.as_tensor(mask, dtype=torch.bool).cpu()
        valid = self.valid_units.cpu()
        if tuple(mask.shape) != (len(self.task_names), *self.unit_grid):
            raise ValueError(f'LearnToBranchPolicy: mask has shape {tuple(mask.shape)}, expected '
                             f'{(len(self.task_names), *self.unit_grid)} (tasks × layers × nodes)')
        paths = torch.zeros(len(self.task_names), self.num_layers, dtype=torch.long)
        for k, task in enumerate(self.task_names):
            for layer in range(self.num_layers):
                nodes = torch.nonzero(mask[k, layer] & valid[layer]).flatten().tolist()
                if len(nodes) != 1 or bool((mask[k, layer] & ~valid[layer]).any()):
                    raise ValueError(f'LearnToBranchPolicy: the mask of task {task!r} has nodes '
                                     f'{torch.nonzero(mask[k, layer]).flatten().tolist()} in layer {layer}, '
                                     f'expected exactly one of the layer\'s {int(valid[layer].sum())} nodes')
                paths[k, layer] = nodes[0]
            if int(paths[k, -1]) != k:
                raise ValueError(f'LearnToBranchPolicy: the mask of task {task!r} ends at leaf {int(paths[k, -1])}, '
                                 f'expected its own leaf {k} (task k reads node k of the last layer)')
        parents = self.tree()
        for layer in range(1, self.num_layers):
            seen: dict[int, tuple[int, str]] = {}
            for k, task in enumerate(self.task_names):
                child, parent = int(paths[k, layer]), int(paths[k, layer - 1])
                if child in seen and seen[child][0] != parent:
                    raise ValueError(f'LearnToBranchPolicy: the mask is not a tree: node {child} of layer {layer} '
                                     f'reads node {seen[child][0]} for task {seen[child][1]!r} and node {parent} '
                                     f'for task {task!r}')
                seen[child] = (parent, task)
                parents[layer - 1][child] = parent
        return parents

    def fixed_tree(self) -> list[torch.Tensor]:
        """The parents of the fixed mask (``fixed`` mode)."""
        return self.tree_of_mask(self.fixed_mask)

    def fix(self, mask: torch.Tensor) -> None:
        """Run from now on with the tree of ``mask`` (checked: one chain per task, ending at its leaf)."""
        self.tree_of_mask(mask)
        super().fix(mask)

    # ------------------------------------------------------ the policy API
    def derive_mask(self, mode: str = 'argmax', seed: int | None = None) -> torch.Tensor:
        """The chains of the discretised tree, ``[K, L, max N_l]``: argmax parents, or drawn with ``seed``."""
        return self.mask_of_paths(self.task_paths(self.tree(mode, seed))).to(self.logits.device)

    def policy_gates(self, task: str) -> torch.Tensor:
        """The task's chain in the most probable tree (the branching backbone reads :meth:`parent_weights`)."""
        return self.derive_mask()[self.task_index(task)].float()

    def path_probabilities(self) -> torch.Tensor:
        """``[K, L, max N_l]``: the probability that node (l, j) lies on task k's chain.

        With independent parents, ``P_k(L−1, ·) = e_k`` and ``P_k(l−1, i) = Σ_j P_k(l, j) p_{l,j}(i)``.
        """
        probs = [p.detach() for p in self.branching_probabilities()]
        widths = self.widths()
        out = torch.zeros((len(self.task_names), *self.unit_grid), device=self.logits.device)
        for k in range(len(self.task_names)):
            current = torch.zeros(widths[-1], device=self.logits.device)
            current[k] = 1.0
            out[k, -1, :widths[-1]] = current
            for layer in range(self.num_layers - 1, 0, -1):
                current = current @ probs[layer - 1]
                out[k, layer - 1, :widths[layer - 1]] = current
        return out

    def search_probabilities(self) -> torch.Tensor:
        return self.path_probabilities()

    # --------------------------------------------------------------- report
    def report(self) -> PolicyReport:
        """The tree, in a report called ``branching_tree``.

        ``record``: the nodes per layer (``widths``); every node's parent (``parents``, layer 0 reading
        the stem: -1) and whether a task's chain uses it (``used``); the branching probabilities of
        every child (``probabilities``, rounded to 6 digits); per task its chain (``path``) and the
        number of layers it shares with every other task (``shared_layers``). Scalars:
        ``branching/layer<l>/confidence``, the mean largest parent probability of the layer's used
        children, and ``branching/nodes_used``. Figures: ``path_probabilities`` (task × node, the chains
        outlined) and ``parents_layer<l>`` (child × parent probabilities, the chosen parents outlined).
        The table gives each task's chain and the most layers it shares with other tasks, and with which.
        """
        names = list(self.task_names)
        widths = self.widths()
        parents = self.fixed_tree() if self.mode == 'fixed' else self.tree()
        paths = self.task_paths(parents)
        mask = self.mask_of_paths(paths)
        used = mask.any(0)
        probs = [p.detach().cpu().double() for p in self.branching_probabilities()]
        shared = {a: {b: int((paths[i] == paths[j]).long().cumprod(0).sum()) for j, b in enumerate(names) if j != i}
                  for i, a in enumerate(names)}
        record = {
            'widths': widths,
            'parents': [[-1] * widths[0]] + [p.tolist() for p in parents],
            'used': [used[layer, :widths[layer]].tolist() for layer in range(self.num_layers)],
            'probabilities': [p.round(decimals=6).tolist() for p in probs],
            'tasks': {t: {'path': paths[k].tolist(), 'shared_layers': shared[t]} for k, t in enumerate(names)},
        }
        scalars = {'branching/nodes_used': float(used.sum())}
        figures = {}
        for layer in range(1, self.num_layers):
            p, chosen = probs[layer - 1], parents[layer - 1]
            children = used[layer, :widths[layer]]
            if bool(children.any()):
                scalars[f'branching/layer{layer}/confidence'] = float(p[children].max(-1).values.mean())
            decision = torch.zeros_like(p, dtype=torch.bool).scatter_(1, chosen.unsqueeze(1), True)
            figures[f'parents_layer{layer}'] = ReportFigure(
                'heatmap', dict(values=p.numpy(), rows=[f'l{layer}n{j}' for j in range(widths[layer])],
                                columns=[f'l{layer - 1}n{i}' for i in range(widths[layer - 1])],
                                decision=decision.numpy(), value_label='probability of the parent'),
                title=f'layer {layer}: parent probabilities, the tree outlined')
        valid = self.valid_units.cpu().flatten()
        flat_probs = self.path_probabilities().cpu().reshape(len(names), -1)[:, valid]
        figures['path_probabilities'] = ReportFigure(
            'heatmap', dict(values=flat_probs.double().numpy(), rows=names,
                            columns=[f'l{layer}n{j}' for layer in range(self.num_layers) for j in range(widths[layer])],
                            decision=mask.reshape(len(names), -1)[:, valid].numpy(),
                            value_label='probability that the node is on the task\'s chain'),
            title='probability of every node on every task\'s chain, the chains outlined')
        table = {}
        for k, t in enumerate(names):
            most = max(shared[t].values(), default=0)
            peers = sorted(u for u, n in shared[t].items() if n == most) if most else []
            table[t] = {'path': '>'.join(str(int(n)) for n in paths[k]),
                        'shares': f'{most} layers with {len(peers)} tasks ({",".join(peers[:3])}'
                                  f'{",..." if len(peers) > 3 else ""})' if peers else 'nothing'}
        branch_layers = sorted({v for row in shared.values() for v in row.values()})
        return PolicyReport('branching_tree', record=record, scalars=scalars, figures=figures,
                            title=f'Branching tree ({self.mode}): {int(used.sum())} nodes used of {sum(widths)}; '
                                  f'pairs of tasks share {branch_layers} layers', table=table)
