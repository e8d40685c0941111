"""The gradient-level step: the parameters shared in the step, and gradients of the shared representation."""
import pytest
import torch
from mmengine.optim import OptimWrapper
from torch import nn

from mtlreg.models import MultiTaskModel
from mtlreg.models.balancers.gradient_balancer import GradientBalancer


class RecordingSum(GradientBalancer):
    """Sums the task gradients and keeps what it was given."""

    def forward(self, losses):
        return sum(self.task_weights[t] * loss for t, loss in losses.items())

    def shared_gradients(self, task_gradients):
        self.given = {t: [g.clone() for g in grads] for t, grads in task_gradients.items()}
        return [sum(grads[i] for grads in task_gradients.values()) * 10 for i in range(len(task_gradients['a']))]

    def current_weights(self):
        return dict(self.task_weights)


class InverseNormWeights(GradientBalancer):
    """``w_k ∝ 1 / ‖g_k‖²`` (summing to 1), from the Gramian's diagonal: a weighting the test can compute by hand."""

    def forward(self, losses):
        return sum(losses.values())

    def gramian_weights(self, gramian, tasks):
        self.gramian = gramian.clone()
        inverse = 1.0 / gramian.diagonal()
        return inverse / inverse.sum()

    def current_weights(self):
        return {t: 1.0 for t in self.task_names}


def _recording_wrapper(params):
    wrapper = OptimWrapper(torch.optim.SGD(params, lr=0.0))
    step, seen = wrapper.step, {}

    def record_then_step(**kwargs):
        seen['grads'] = [None if p.grad is None else p.grad.clone() for p in params]
        step(**kwargs)
    wrapper.step = record_then_step
    return wrapper, seen


def test_only_parameters_two_tasks_reach_are_combined_the_others_get_the_objective_gradient():
    # L_a = 2·(x·p) + 3·q, L_b = (y·p): p is shared, q is task a's alone (b's gradient of it is zero)
    p, q = nn.Parameter(torch.tensor([1.0, 2.0])), nn.Parameter(torch.tensor(5.0))
    x, y = torch.tensor([1.0, -1.0]), torch.tensor([4.0, 0.5])
    balancer = RecordingSum(['a', 'b'])
    losses = {'a': 2 * (x @ p) + 3 * q, 'b': y @ p + 0 * q}
    wrapper, seen = _recording_wrapper([p, q])
    balancer.update(losses, balancer(losses), lambda: [p, q], wrapper)
    assert [len(g) for g in balancer.given.values()] == [1, 1]  # only p
    torch.testing.assert_close(balancer.given['a'][0], 2 * x)
    torch.testing.assert_close(balancer.given['b'][0], y)
    torch.testing.assert_close(seen['grads'][0], 10 * (2 * x + y))  # the combination (×10 marks it)
    torch.testing.assert_close(seen['grads'][1], torch.tensor(3.0))  # the objective's gradient


def test_a_block_one_task_skips_is_the_other_tasks_own_in_that_step():
    torch.manual_seed(0)
    head = dict(type='DenseRegressionHead', channels=4, dropout=0.0)
    tasks = {t: dict(head=head, loss=dict(type='MaskedL1Loss')) for t in ('a', 'b')}
    mask = [[1] * 8, [1] * 7 + [0]]  # task b skips the last block
    model = MultiTaskModel(dict(type='DilatedResNet', width_multiplier=0.0625), tasks,
                           policy=dict(type='FixedMaskPolicy', mask=mask))
    for module in model.modules():  # no zero-initialised norm: every parameter gets a gradient
        if isinstance(module, nn.BatchNorm2d):
            nn.init.uniform_(module.weight, 0.5, 1.5)
    model.balancer = RecordingSum(['a', 'b'])
    data = dict(inputs=torch.randn(2, 3, 16, 16), data_samples={t: torch.rand(2, 1, 16, 16) + 0.1 for t in 'ab'})
    shared = model.shared_parameters()
    last = {id(p) for p in model.backbone.get_submodule(model.backbone.unit_names()[-1]).parameters()}
    losses = model(**data, mode='loss')
    own_a = torch.autograd.grad(losses['loss_a'], [p for p in shared if id(p) in last], retain_graph=True)
    wrapper, seen = _recording_wrapper(shared)
    model.train_step(data, wrapper)
    combined = [p for p in shared if id(p) not in last]
    assert len(balancer_given := model.balancer.given['a']) == len(combined) > 0
    assert [g.shape for g in balancer_given] == [p.shape for p in combined]
    grads = dict(zip(map(id, shared), seen['grads']))
    for p, g in zip([p for p in shared if id(p) in last], own_a):
        torch.testing.assert_close(grads[id(p)], g)  # task a's own gradient, not ×10


def test_representation_gradients_weigh_the_losses_by_the_gramian_of_the_feature_gradients():
    torch.manual_seed(0)
    head = dict(type='DenseRegressionHead', channels=4, dropout=0.0)
    tasks = {t: dict(head=head, loss=dict(type='MaskedL1Loss')) for t in ('a', 'b')}
    model = MultiTaskModel(dict(type='DilatedResNet', width_multiplier=0.0625), tasks)
    model.balancer = InverseNormWeights(['a', 'b'], gradients='representation')
    data = dict(inputs=torch.randn(2, 3, 16, 16), data_samples={t: torch.rand(2, 1, 16, 16) + 0.1 for t in 'ab'})
    shared = model.shared_parameters()
    feats = model.extract_features(data['inputs'], ['a', 'b'])
    assert feats['a'] is feats['b']
    outs = model._head_outputs(feats, (16, 16))
    losses = {t: model.losses[t](outs[t], data['data_samples'][t]) for t in 'ab'}
    rows = torch.stack([torch.autograd.grad(losses[t], feats['a'], retain_graph=True)[0].reshape(-1) for t in 'ab'])
    norms = (rows.double() ** 2).sum(1)
    w = (1 / norms) / (1 / norms).sum()
    expected = torch.autograd.grad(w[0].float() * losses['a'] + w[1].float() * losses['b'], shared)
    wrapper, seen = _recording_wrapper(shared)
    model.train_step(data, wrapper)
    torch.testing.assert_close(model.balancer.gramian.diagonal(), norms)
    for got, want in zip(seen['grads'], expected):
        torch.testing.assert_close(got, want, atol=1e-6, rtol=1e-5)


def test_representation_gradients_need_a_gramian_weighting_and_one_shared_representation():
    with pytest.raises(ValueError, match=r"RecordingSum: gradients='representation' needs a balancer whose "
                                         r'combination is a weighting computed from the Gramian'):
        RecordingSum(['a', 'b'], gradients='representation')
    with pytest.raises(ValueError, match=r"gradients must be one of \('parameters', 'representation'\), got 'rep'"):
        RecordingSum(['a', 'b'], gradients='rep')
    balancer = InverseNormWeights(['a', 'b'], gradients='representation')
    p = nn.Parameter(torch.ones(2))
    losses = {'a': p.sum(), 'b': (2 * p).sum()}
    with pytest.raises(ValueError, match="InverseNormWeights: gradients='representation' needs one representation "
                                         "that every task's head reads"):
        balancer.update(losses, balancer(losses), lambda: [p], OptimWrapper(torch.optim.SGD([p], lr=0.0)))


class RecordingSamples(GradientBalancer):
    """Needs three independent parts of the batch; returns the third part's summed task gradients."""

    loss_samples = 3

    def forward(self, losses):
        return sum(losses.values())

    def combine_samples(self, samples):
        self.given = samples
        return [sum(grads[i] for grads in samples[2].values()) for i in range(len(samples[2]['a']))]

    def current_weights(self):
        return {t: 1.0 for t in self.task_names}


def _two_task_model():
    torch.manual_seed(0)
    tasks = {t: dict(head=dict(type='DenseRegressionHead', channels=4, dropout=0.0), loss=dict(type='MaskedL1Loss'))
             for t in ('a', 'b')}
    model = MultiTaskModel(dict(type='DilatedResNet', width_multiplier=0.0625), tasks)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.eval()  # per-sample statistics: a part's loss is the same in or out of the batch
    return model


def test_a_balancer_needing_independent_samples_gets_the_gradients_of_disjoint_parts_of_the_batch():
    model = _two_task_model()
    model.balancer = RecordingSamples(['a', 'b'])
    data = dict(inputs=torch.randn(4, 3, 16, 16), data_samples={t: torch.rand(4, 1, 16, 16) + 0.1 for t in 'ab'})
    shared = model.shared_parameters()
    outs = model.task_outputs(data['inputs'])
    parts = [[0, 1], [2], [3]]  # four samples in three parts
    expected = [{t: torch.autograd.grad(model.losses[t](outs[t][p], data['data_samples'][t][p]), shared,
                                        retain_graph=True) for t in 'ab'} for p in parts]
    wrapper, seen = _recording_wrapper(shared)
    model.train_step(data, wrapper)
    for got, want in zip(model.balancer.given, expected):
        for t in 'ab':
            for g, w in zip(got[t], want[t]):
                torch.testing.assert_close(g, w, atol=1e-6, rtol=1e-5)
    for g, a, b in zip(seen['grads'], expected[2]['a'], expected[2]['b']):
        torch.testing.assert_close(g, a + b, atol=1e-6, rtol=1e-5)


def test_a_batch_smaller_than_the_samples_needed_is_an_error_naming_the_balancer():
    model = _two_task_model()
    model.balancer = RecordingSamples(['a', 'b'])
    data = dict(inputs=torch.randn(2, 3, 16, 16), data_samples={t: torch.rand(2, 1, 16, 16) + 0.1 for t in 'ab'})
    with pytest.raises(ValueError, match='RecordingSamples needs 3 independent parts of every batch, and the batch '
                                         'has 2 samples; raise the batch size to at least 3'):
        model.train_step(data, OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0)))


def test_the_combination_sees_unscaled_gradients_and_its_result_is_scaled_back():
    # accumulation over 2 micro-steps (×1/2) and a loss scale of 1024: the step's gradients are ×512
    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    balancer = RecordingSum(['a', 'b'])
    wrapper, seen = _recording_wrapper([p])
    wrapper._accumulative_counts = 1

    class Scaler:
        def scale(self, loss):
            return loss * 1024.0

        def get_scale(self):
            return 1024.0
    wrapper.loss_scaler = Scaler()
    wrapper.scale_loss = lambda loss: loss / 2
    losses = {'a': (torch.tensor([3.0, 1.0]) @ p), 'b': (torch.tensor([-1.0, 2.0]) @ p)}
    balancer.update(losses, 0 * p.sum(), lambda: [p], wrapper)
    torch.testing.assert_close(balancer.given['a'][0], torch.tensor([3.0, 1.0]))  # the true gradient
    torch.testing.assert_close(seen['grads'][0], 512 * 10 * torch.tensor([2.0, 3.0]))
    assert balancer.gradient_scale == 512.0


def test_a_task_whose_gradient_is_zero_everywhere_still_shares_the_parameters():
    from mtlreg.models.balancers.gradient_balancer import shared_in_step
    g = {'a': [torch.tensor([1.0, 2.0]), torch.tensor(3.0)], 'b': [torch.zeros(2), torch.tensor(0.0)]}
    assert shared_in_step([g]) == [0, 1]  # b is at an optimum: MGDA must see its zero gradient
    g['b'][0] = torch.tensor([0.0, 1.0])
    assert shared_in_step([g]) == [0]  # b reaches the first parameter only: the second is a's own


def test_an_overflowed_step_is_not_combined_and_the_regularisation_keeps_its_gradient():
    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    balancer = RecordingSum(['a', 'b'])
    wrapper, seen = _recording_wrapper([p])
    losses = {'a': torch.tensor([float('inf'), 1.0]) @ p, 'b': torch.tensor([-1.0, 2.0]) @ p}
    balancer.update(losses, sum(losses.values()), lambda: [p], wrapper)
    assert not hasattr(balancer, 'given')  # the combination (and a state it keeps) skips the step
    # a policy's or backbone's term in the objective: its gradient is added to the combination
    losses = {'a': torch.tensor([3.0, 1.0]) @ p, 'b': torch.tensor([-1.0, 2.0]) @ p}
    regularization = (5 * p).sum()
    wrapper, seen = _recording_wrapper([p])
    balancer.update(losses, sum(losses.values()) + regularization, lambda: [p], wrapper, regularization=regularization)
    torch.testing.assert_close(seen['grads'][0], 10 * torch.tensor([2.0, 3.0]) + 5)


def test_the_representations_gramian_is_that_of_the_unscaled_losses():
    model = _two_task_model()
    model.balancer = InverseNormWeights(['a', 'b'], gradients='representation')
    data = dict(inputs=torch.randn(2, 3, 16, 16), data_samples={t: torch.rand(2, 1, 16, 16) + 0.1 for t in 'ab'})
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0), accumulative_counts=4)
    wrapper.initialize_count_status(model, 0, 8)
    model.train_step(data, wrapper)
    scaled = model.balancer.gramian.clone()
    model.train_step(data, OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0)))
    torch.testing.assert_close(scaled, model.balancer.gramian)  # not (1/4)² of it


def _accumulating_wrapper(params, counts):
    wrapper, seen = _recording_wrapper(params)
    wrapper._accumulative_counts = counts
    wrapper.initialize_count_status(nn.Linear(1, 1), 0, 100)
    return wrapper, seen


def test_accumulated_micro_steps_are_combined_once_from_their_mean_gradients():
    # two micro-steps of one update: L_a = x_m·p, L_b = y_m·p. The combination sees the mean gradients
    # ((x_1 + x_2)/2, (y_1 + y_2)/2) once, as the gradients of one batch twice as large
    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    balancer = RecordingSum(['a', 'b'])
    wrapper, seen = _accumulating_wrapper([p], 2)
    xs, ys = [torch.tensor([1.0, 3.0]), torch.tensor([3.0, -1.0])], [torch.tensor([2.0, 0.0]), torch.tensor([0.0, 4.0])]
    calls = []
    record = balancer.shared_gradients
    balancer.shared_gradients = lambda grads: (calls.append(1), record(grads))[1]
    for x, y in zip(xs, ys):
        losses = {'a': x @ p, 'b': y @ p}
        balancer.update(losses, sum(losses.values()), lambda: [p], wrapper)
    assert len(calls) == 1
    torch.testing.assert_close(balancer.given['a'][0], torch.tensor([2.0, 1.0]))
    torch.testing.assert_close(balancer.given['b'][0], torch.tensor([1.0, 2.0]))
    torch.testing.assert_close(seen['grads'][0], 10 * torch.tensor([3.0, 3.0]))  # the combination, not the objective
    assert p.grad is None  # zeroed after the step; the next update starts afresh
    losses = {'a': xs[0] @ p, 'b': ys[0] @ p}
    balancer.update(losses, sum(losses.values()), lambda: [p], wrapper)
    torch.testing.assert_close(p.grad, xs[0] / 2 + ys[0] / 2)  # a micro-step on its own: the objective's gradient


def test_per_task_batches_accumulated_over_a_round_combine_every_tasks_gradient():
    # one task per micro-step (a round of per-task batches): L_a = x·p + 3·q in the first, L_b = y·p in the second.
    # Each task counts 1/2 of its gradient, as in the accumulated objective (L_a + L_b)/2; q is task a's own
    p, q = nn.Parameter(torch.tensor([1.0, 2.0])), nn.Parameter(torch.tensor(5.0))
    x, y = torch.tensor([1.0, -1.0]), torch.tensor([4.0, 0.5])
    balancer = RecordingSum(['a', 'b'])
    wrapper, seen = _accumulating_wrapper([p, q], 2)
    for losses in ({'a': x @ p + 3 * q}, {'b': y @ p + 0 * q}):
        balancer.update(losses, sum(losses.values()), lambda: [p, q], wrapper)
    assert [len(g) for g in balancer.given.values()] == [1, 1]  # only p is shared in the round
    torch.testing.assert_close(balancer.given['a'][0], x / 2)
    torch.testing.assert_close(balancer.given['b'][0], y / 2)
    torch.testing.assert_close(seen['grads'][0], 10 * (x / 2 + y / 2))  # the sum's (x + y)/2, ×10; scale 1/2 · 2
    torch.testing.assert_close(seen['grads'][1], torch.tensor(1.5))  # the accumulated objective's


def test_a_step_with_one_task_only_names_the_accumulation_it_needs():
    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    balancer = RecordingSum(['a', 'b', 'c'])
    wrapper, _ = _recording_wrapper([p])
    losses = {'a': torch.tensor([1.0, 3.0]) @ p}
    with pytest.raises(ValueError, match=r"RecordingSum: an optimiser step saw the gradient of one task only \(\['a'\]\)"
                                         r'.*accumulative_counts = the number of tasks \(3\)'):
        balancer.update(losses, losses['a'], lambda: [p], wrapper)


def test_the_representations_combination_refuses_a_batch_without_every_task():
    model = _two_task_model()
    model.balancer = InverseNormWeights(['a', 'b'], gradients='representation')
    data = dict(inputs=torch.randn(2, 3, 16, 16), data_samples={'a': torch.rand(2, 1, 16, 16) + 0.1})
    with pytest.raises(ValueError, match=r"InverseNormWeights: needs the loss of every task \['a', 'b'\] in every "
                                         r"batch .* lacks \['b'\]"):
        model.train_step(data, OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.0)))
