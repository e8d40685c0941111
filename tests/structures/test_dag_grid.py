"""The DAG network's (N+2) × (N+2) unit grid (Choi & Im, Sec. 3.1) on a grid of two hidden states built by hand."""
import pytest
import torch

from mtlreg.structures.dag_grid import DAGGrid, DAGParts, flow_restricted_edges, merged_validity

# Nodes: 0 = input, 1 and 2 hidden, 3 = read-out. Read-ins 0→1 (0.1), 0→2 (0.2); edge 1→2 (0.3);
# read-outs 1→out (0.4), 2→out (0.5).
HAND = torch.tensor([[0.0, 0.1, 0.2, 0.0],
                     [0.0, 0.0, 0.3, 0.4],
                     [0.0, 0.0, 0.0, 0.5],
                     [0.0, 0.0, 0.0, 0.0]])


def test_nodes_and_shape_of_two_states():
    grid = DAGGrid(2)
    assert (grid.size, grid.shape, grid.input_node, grid.output_node) == (4, (4, 4), 0, 3)
    assert list(grid.hidden_nodes) == [1, 2]
    assert DAGGrid.of(HAND) == grid == DAGGrid.of((4, 4)) == DAGGrid.of(torch.zeros(5, 4, 4))


def test_decompose_names_the_parts_of_the_hand_grid():
    parts = DAGGrid(2).decompose(HAND)
    assert isinstance(parts, DAGParts)
    assert parts.read_in.tolist() == pytest.approx([0.1, 0.2])
    assert parts.adjacency.tolist() == [[0.0, pytest.approx(0.3)], [0.0, 0.0]]
    assert parts.read_out.tolist() == pytest.approx([0.4, 0.5])


def test_compose_inverts_decompose():
    grid = DAGGrid(2)
    parts = grid.decompose(HAND)
    assert torch.equal(grid.compose(*parts), HAND)
    built = grid.compose(torch.tensor([1.0, 2.0]), torch.tensor([[0.0, 3.0], [0.0, 0.0]]), torch.tensor([4.0, 5.0]))
    assert built.tolist() == [[0, 1, 2, 0], [0, 0, 3, 4], [0, 0, 0, 5], [0, 0, 0, 0]]
    assert torch.equal(grid.compose(*grid.decompose(built)), built)


def test_compose_and_decompose_keep_leading_dimensions_and_views():
    grid = DAGGrid(2)
    stack = torch.stack([HAND, 2 * HAND])
    parts = grid.decompose(stack)
    assert parts.read_in.shape == (2, 2) and parts.adjacency.shape == (2, 2, 2) and parts.read_out.shape == (2, 2)
    assert parts.read_out[1].tolist() == pytest.approx([0.8, 1.0])
    assert torch.equal(grid.compose(*parts), stack)
    grid.read_in(stack)[0, 1] = 9.0  # a view: writes go into the grid
    assert stack[0, 0, 2] == 9.0


def test_compose_carries_gradient_to_every_part():
    read_in, adjacency, read_out = (torch.ones(2, requires_grad=True), torch.ones(2, 2, requires_grad=True),
                                    torch.ones(2, requires_grad=True))
    (DAGGrid(2).compose(read_in, adjacency, read_out) * HAND).sum().backward()
    assert read_in.grad.tolist() == pytest.approx([0.1, 0.2])
    assert adjacency.grad.tolist() == [[0.0, pytest.approx(0.3)], [0.0, 0.0]]
    assert read_out.grad.tolist() == pytest.approx([0.4, 0.5])


def test_valid_mask_flow_restriction_and_link_kinds():
    grid = DAGGrid(2)
    assert torch.equal(grid.valid_mask(1), HAND != 0)
    assert torch.equal(grid.valid_mask(), HAND != 0) and torch.equal(merged_validity(2, 5), HAND != 0)
    assert grid.flow_restricted_edges(1) == [(1, 2)] == flow_restricted_edges(2, 1)
    assert DAGGrid(4).flow_restricted_edges(2) == [(1, 2), (1, 3), (2, 3), (2, 4), (3, 4)]
    assert list(DAGGrid(4).predecessors(4, 2)) == [2, 3] and list(DAGGrid(4).predecessors(4)) == [1, 2, 3]
    assert grid.hidden_mask().tolist() == [[False] * 4, [False, True, True, False], [False, True, True, False],
                                           [False] * 4]
    kinds = {(i, j): grid.link_kind(i, j) for i in range(4) for j in range(4) if grid.link_kind(i, j)}
    assert kinds == {(0, 1): 'read_in', (0, 2): 'read_in', (1, 2): 'edge', (1, 3): 'read_out', (2, 3): 'read_out'}


def test_per_task_views_and_the_states_with_links():
    grid = DAGGrid(2)
    masks = torch.zeros(2, 4, 4, dtype=torch.bool)
    masks[0, 0, 1] = masks[0, 1, 2] = masks[0, 2, 3] = True   # a: in → 1 → 2 → out
    masks[1, 0, 2] = masks[1, 2, 3] = masks[1, 1, 3] = True   # b: in → 2 → out, and 1 → out
    views = grid.per_task(masks, ['a', 'b'])
    assert list(views) == ['a', 'b']
    assert views['a'].read_in.tolist() == [True, False] and views['a'].adjacency.tolist() == [[False, True],
                                                                                               [False, False]]
    assert views['b'].read_out.tolist() == [True, True] and not views['b'].adjacency.any()
    assert grid.read_in_states(masks[1]) == [2] and grid.read_out_states(masks[0]) == [2]
    assert grid.read_out_states(masks[1]) == [1, 2]


def test_shapes_that_are_not_the_grid_are_errors():
    with pytest.raises(ValueError, match='at least one hidden state'):
        DAGGrid(0)
    with pytest.raises(ValueError, match='square grid'):
        DAGGrid.of(torch.zeros(4, 5))
    with pytest.raises(ValueError, match=r'compile_dag: grid has shape \(3, 4, 4\), expected \(2, 4, 4\)'):
        DAGGrid(2).check(torch.zeros(3, 4, 4), (2,), owner='compile_dag')
    with pytest.raises(ValueError, match='expected'):
        DAGGrid(2).per_task(torch.zeros(2, 5, 5), ['a', 'b'])
    with pytest.raises(ValueError, match='compose'):
        DAGGrid(2).compose(torch.zeros(3), torch.zeros(2, 2), torch.zeros(2))
    with pytest.raises(ValueError, match='flow_constant'):
        DAGGrid(2).flow_restricted_edges(0)


@pytest.mark.parametrize('n,m', [(12, 3), (12, 5), (8, 7), (6, 1), (5, 10)])
def test_flow_restriction_keeps_exactly_the_edges_within_m(n, m):
    edges = flow_restricted_edges(n, m)
    expected = {(i, j) for i in range(1, n + 1) for j in range(1, n + 1) if 0 < j - i <= m}
    assert set(edges) == expected and len(edges) == len(expected)
    assert len(edges) == sum(n - d for d in range(1, min(m, n - 1) + 1))  # O(N·M)
    valid = merged_validity(n, m)
    assert int(valid.sum()) == len(edges) + 2 * n
    grid = DAGGrid(n)
    assert grid.read_in(valid).all() and grid.read_out(valid).all()
    assert not valid[grid.input_node, grid.output_node]


def test_complete_dag_when_m_reaches_n():
    assert len(flow_restricted_edges(6, 5)) == 6 * 5 // 2 == len(flow_restricted_edges(6, 99))
