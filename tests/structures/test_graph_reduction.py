"""Flow scores and the reductions of a DAG (Choi & Im, Sec. 3.1, Alg. 1, Fig. 5)."""
import pytest
import torch

from mtlreg.structures.dag_grid import flow_restricted_edges, merged_validity
from mtlreg.structures.graph_reduction import (flow_scores, is_reachable, on_some_path, reduce_graph, restrict_range,
                                               topology_statistics)


def _psi(n, entries):
    """Ψ over n hidden states from ``{(i, j): weight}`` (0 = input, n + 1 = read-out)."""
    psi = torch.zeros(n + 2, n + 2, dtype=torch.float64)
    for (i, j), w in entries.items():
        psi[i, j] = w
    return psi


# A two-state graph worked by hand in the tests below.
TWO_STATES = _psi(2, {(0, 1): 0.8, (0, 2): 0.2, (1, 2): 0.6, (1, 3): 0.3, (2, 3): 0.9})


def test_flow_scores_match_the_hand_computation():
    s = flow_scores(TWO_STATES)
    # node 1: in 0.8 (1 edge), out 0.9 (2 edges); node 2: in 0.8 (2 edges), out 0.9 (1 edge)
    expected = {(0, 1): 0.8 * (1 + 0.9 / (2 * 0.8)), (0, 2): 0.2 * (1 + 0.9 / 0.8),
                (1, 2): 0.6 * (0.8 / 0.9 + 0.9 / 0.8), (1, 3): 0.3 * (0.8 / 0.9 + 1),
                (2, 3): 0.9 * (0.8 / (2 * 0.9) + 1)}
    for (i, j), value in expected.items():
        assert s[i, j].item() == pytest.approx(value)
    assert int((s != 0).sum()) == len(expected)


def test_a_chain_scores_every_link_by_the_sum_of_its_neighbours():
    s = flow_scores(_psi(1, {(0, 1): 0.3, (1, 2): 0.5}))
    assert s[0, 1].item() == pytest.approx(0.8) and s[1, 2].item() == pytest.approx(0.8)


def test_flow_reduction_matches_the_hand_worked_example():
    # removes 0→2 (0.425), then 1→out (0.567); the weakest of the rest, 0→1, is a bridge: stop
    mask = reduce_graph(TWO_STATES, method='flow')
    assert {tuple(e) for e in torch.nonzero(mask).tolist()} == {(0, 1), (1, 2), (2, 3)}


def test_threshold_reduction_removes_the_smallest_weights_first():
    mask = reduce_graph(TWO_STATES, method='threshold')
    assert {tuple(e) for e in torch.nonzero(mask).tolist()} == {(0, 1), (1, 2), (2, 3)}


def test_the_printed_slices_drop_the_read_out_argmax_state():
    # argmax A = state 1, argmax B = state 2: N_β = 1 (0-based); the printed A[N_α:N_β] keeps state 1 only
    kept = restrict_range(TWO_STATES, inclusive_end=False)
    assert {tuple(e) for e in torch.nonzero(kept).tolist()} == {(0, 1), (1, 3)}
    assert {tuple(e) for e in torch.nonzero(restrict_range(TWO_STATES)).tolist()} == {
        tuple(e) for e in torch.nonzero(TWO_STATES).tolist()}
    mask = reduce_graph(TWO_STATES, inclusive_end=False)
    assert {tuple(e) for e in torch.nonzero(mask).tolist()} == {(0, 1), (1, 3)}


def test_restriction_cuts_states_outside_the_read_in_and_read_out_range():
    psi = _psi(4, {(0, 1): 0.1, (0, 2): 0.9, (0, 3): 0.2, (0, 4): 0.1, (1, 2): 0.5, (2, 3): 0.5, (3, 4): 0.5,
                   (1, 5): 0.1, (2, 5): 0.2, (3, 5): 0.8, (4, 5): 0.3})
    kept = restrict_range(psi)  # N_α = 1, N_β = 2 (0-based): states 2 and 3
    assert {tuple(e) for e in torch.nonzero(kept).tolist()} == {(0, 2), (0, 3), (2, 3), (2, 5), (3, 5)}


def test_reduction_stops_at_once_when_the_weakest_link_is_a_bridge():
    psi = _psi(2, {(0, 1): 0.1, (1, 2): 0.9, (2, 3): 0.9, (0, 2): 0.8})  # 0→1 is not a bridge, but 1→2 then dangles
    mask = reduce_graph(psi, restrict=False)
    assert {tuple(e) for e in torch.nonzero(mask).tolist()} == {(0, 2), (2, 3)}
    assert reduce_graph(_psi(1, {(0, 1): 0.1, (1, 2): 0.1}), restrict=False).sum() == 2


def test_dangling_links_are_pruned_only_when_asked():
    psi = _psi(3, {(0, 1): 0.9, (1, 3): 0.9, (3, 4): 0.9, (1, 2): 0.95})  # 1→2 is a dead end
    loose = reduce_graph(psi, restrict=False, prune_dangling=False, target_sparsity=1.0)
    assert bool(loose[1, 2])
    assert not bool(reduce_graph(psi, restrict=False, target_sparsity=1.0)[1, 2])


@pytest.mark.parametrize('method', ['flow', 'threshold', 'random'])
@pytest.mark.parametrize('target', [None, 0.3, 0.1, 0.0])
def test_reduction_always_keeps_the_read_out_reachable(method, target):
    n, m = 7, 3
    valid = merged_validity(n, m)
    for seed in range(15):
        g = torch.Generator().manual_seed(seed)
        psi = torch.rand(n + 2, n + 2, generator=g, dtype=torch.float64) * valid
        mask = reduce_graph(psi, valid, method=method, target_sparsity=target, seed=seed)
        assert is_reachable(mask), (method, target, seed)
        assert not (mask & ~valid).any()
        assert torch.equal(on_some_path(mask), mask)  # every kept link carries the input to the output
        if target is not None:
            stats = topology_statistics(mask, valid)
            # the target is met unless only bridges remain: then the graph is a single path
            assert stats['sparsity'] <= target + 1e-9 or int(mask.sum()) == stats['edges'] + 2


def test_random_reduction_is_seeded():
    valid = merged_validity(6, 3)
    psi = torch.rand(8, 8, generator=torch.Generator().manual_seed(3), dtype=torch.float64) * valid
    a, b = (reduce_graph(psi, valid, method='random', target_sparsity=0.4, seed=s, restrict=False) for s in (1, 1))
    assert torch.equal(a, b)
    others = [reduce_graph(psi, valid, method='random', target_sparsity=0.4, seed=s, restrict=False)
              for s in range(2, 8)]
    assert any(not torch.equal(a, o) for o in others)


def test_reduction_errors_name_the_problem():
    with pytest.raises(ValueError, match='method'):
        reduce_graph(TWO_STATES, method='magnitude')
    with pytest.raises(ValueError, match='target_sparsity'):
        reduce_graph(TWO_STATES, target_sparsity=1.5)
    with pytest.raises(ValueError, match='not reachable'):
        reduce_graph(_psi(2, {(0, 1): 0.5, (2, 3): 0.5}))
    with pytest.raises(ValueError, match='flow_constant'):
        flow_restricted_edges(4, 0)


def test_depth_width_and_sparsity_of_a_hand_made_sub_network():
    valid = merged_validity(4, 2)  # 3 + 2 = 5 edges
    mask = _psi(4, {(0, 1): 1, (1, 2): 1, (2, 3): 1, (1, 3): 1, (3, 5): 1}).bool()
    stats = topology_statistics(mask, valid)
    assert stats == dict(depth=2.0, width=2.0, sparsity=3 / 5, edges=3.0)
    early_exit = _psi(4, {(0, 2): 1, (2, 5): 1}).bool()
    assert topology_statistics(early_exit, valid) == dict(depth=0.0, width=0.0, sparsity=0.0, edges=0.0)
