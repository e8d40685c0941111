"""GradDrop: the sign purity and masks worked by hand; torchjd's GradDrop under the same draws; seeded draws."""
import pytest
import torch

import mtlreg.models.balancers.graddrop  # noqa: F401  (registers GradDropBalancer)
from mtlreg.models.balancers.jacobian_balancer import step_seed
from tests.models.balancers.stateful_steps import build, saved, step
from tests.models.balancers.two_gradients import G_A, G_B

J_CONFLICT = torch.stack([G_A, G_B])


def test_conflicting_gradients_keep_one_sign_drawn_by_its_purity():
    # coordinate 0: P = ½(1 + (−4 + 6)/(4 + 6)) = 0.6, so the positive 6 is kept with probability 0.6 and the
    # negative −4 otherwise; coordinates 1 and 2 agree (P = 1): both kept, 1 + 1 = 2
    balancer = build('GradDropBalancer')
    firsts = []
    for _ in range(200):
        d, weights = step(balancer, J_CONFLICT)
        assert d[1:].tolist() == [2.0, 2.0] and d[0].item() in (6.0, -4.0)
        firsts.append(d[0].item())
    assert 0.5 < firsts.count(6.0) / len(firsts) < 0.7  # 0.6 ± 3 standard deviations (0.035)
    assert weights == {'a': 1.0, 'b': 1.0}  # not a weighting of the rows: the static weights


def test_gradients_that_agree_in_sign_and_a_zero_gradient_are_summed():
    # every coordinate has P ∈ {0, 1}: nothing is dropped whatever U is
    balancer = build('GradDropBalancer')
    agreeing = torch.tensor([[1.0, -2.0, 3.0], [2.0, -1.0, 1.0]])
    zero = torch.stack([G_A, torch.zeros(3)])
    for _ in range(20):
        assert step(balancer, agreeing)[0].tolist() == [3.0, -3.0, 4.0]
        assert step(balancer, zero)[0].tolist() == G_A.tolist()


def test_leak_lets_a_gradient_through_unmasked():
    # ℓ = 1 for both: the plain sum (2, 2, 2)
    balancer = build('GradDropBalancer', leak=1.0)
    assert step(balancer, J_CONFLICT)[0].tolist() == [2.0, 2.0, 2.0]
    # ℓ = (1, 0): g_a always, g_b's coordinate 0 only when the positive sign is drawn: −4 + 6 = 2 or −4
    balancer = build('GradDropBalancer', leak=[1.0, 0.0])
    seen = {step(balancer, J_CONFLICT)[0][0].item() for _ in range(30)}
    assert seen == {2.0, -4.0}


def test_a_per_task_leak_follows_the_tasks_present():
    # tasks a, b, c with ℓ = (1, 0, 1); only a and c in the batch: both leak fully, d = g_a + g_c
    balancer = build('GradDropBalancer', tasks=('a', 'b', 'c'), leak=[1.0, 0.0, 1.0])
    g_c = torch.tensor([3.0, -5.0, 0.0])
    out = balancer.shared_gradients({'a': [G_A[:2], G_A[2:]], 'c': [g_c[:2], g_c[2:]]})
    assert torch.cat(out).tolist() == (G_A + g_c).tolist()


def test_equals_torchjd_graddrop_under_the_same_draws():
    from torchjd.aggregation import GradDrop
    torch.manual_seed(0)
    balancer = build('GradDropBalancer', tasks=('a', 'b', 'c'), leak=[0.2, 0.0, 0.5], seed=3)
    reference = GradDrop(leak=torch.tensor([0.2, 0.0, 0.5]))
    for i in range(4):
        jacobian = torch.randn(3, 3)
        d, _ = step(balancer, jacobian)
        torch.manual_seed(step_seed(3, torch.tensor(i)))
        torch.testing.assert_close(d, reference(jacobian))


def test_draws_come_from_the_seed_and_the_step_count_and_leave_the_global_generator_alone():
    jacobian = torch.randn(2, 3, generator=torch.Generator().manual_seed(0)) * torch.tensor([[1.0], [-1.0]])

    def sequence(balancer, steps=8):
        return torch.stack([step(balancer, jacobian)[0] for _ in range(steps)])
    torch.manual_seed(1)
    state = torch.get_rng_state()
    first = sequence(build('GradDropBalancer', seed=5))
    assert torch.equal(torch.get_rng_state(), state)
    torch.manual_seed(2)
    assert torch.equal(sequence(build('GradDropBalancer', seed=5)), first)  # whatever the global generator holds
    assert not torch.equal(sequence(build('GradDropBalancer', seed=6)), first)
    # a resumed balancer continues the sequence (the step count is a buffer)
    balancer = build('GradDropBalancer', seed=5)
    sequence(balancer, 3)
    resumed = build('GradDropBalancer', seed=5)
    resumed.load_state_dict(saved(balancer), strict=True)
    assert torch.equal(sequence(resumed, 5), first[3:])


@pytest.mark.parametrize('leak', [1.5, [0.5], [0.1, -0.1], 'all'])
def test_leak_is_checked(leak):
    with pytest.raises(ValueError, match=r"GradDropBalancer: leak must be a number in \[0, 1\] or one per task"):
        build('GradDropBalancer', leak=leak)


def test_seed_is_checked():
    with pytest.raises(ValueError, match='GradDropBalancer: seed must be a non-negative int, got -1'):
        build('GradDropBalancer', seed=-1)
