"""Re-training starts from freshly initialised weights, batch-norm statistics included, unless told to keep them."""
import torch
from mmengine.hooks import Hook

from tests.engine.staged_probe import _first_conv, _runner
from tests.engine.tiny import tiny_staged_cfg


def test_retraining_starts_from_freshly_initialised_weights(tmp_path):
    for keep in (False, True):
        cfg = tiny_staged_cfg(tmp_path / str(keep), warmup=1, search=2, retrain=1)
        cfg.named_hooks.reinitialize.keep_searched_weights = keep
        runner, _ = _runner(cfg)
        seen = {}

        class Snap(Hook):
            def after_stage(self, r, stage):
                if stage == 'search':
                    seen['search'] = _first_conv(r).weight.detach().clone()

            def before_train_iter(self, r, batch_idx, data_batch=None):
                if r.train_loop.stage == 'retrain':
                    seen['retrain'] = _first_conv(r).weight.detach().clone()
                    seen['bn_mean'] = r.model.backbone.stem[1].running_mean.detach().clone()
        runner.register_hook(Snap(), priority='LOWEST')
        runner.train()
        assert torch.equal(seen['search'], seen['retrain']) == keep
        if not keep:
            assert torch.count_nonzero(seen['bn_mean']) == 0  # batch-norm statistics start afresh


def test_a_balancers_extra_state_starts_afresh_with_the_weights(tmp_path):
    cfg = tiny_staged_cfg(tmp_path, warmup=1, search=2, retrain=1)
    cfg.model.balancer = dict(type='GradVacBalancer')  # its cosine targets are the balancer's extra state
    runner, _ = _runner(cfg)
    seen = {}

    class Snap(Hook):
        def after_stage(self, r, stage):
            if stage == 'search':
                seen['search'] = r.model.balancer.get_extra_state()['aggregator']

        def before_train_iter(self, r, batch_idx, data_batch=None):
            if r.train_loop.stage == 'retrain' and 'retrain' not in seen:
                seen['retrain'] = r.model.balancer.get_extra_state()['aggregator']
    runner.register_hook(Snap(), priority='LOWEST')
    runner.train()
    assert any(v is not None for v in seen['search'].values())  # the search left a state
    assert all(v is None for v in seen['retrain'].values())  # re-training starts without it


def test_tracked_gradients_sized_by_the_search_start_empty_again(tmp_path):
    cfg = tiny_staged_cfg(tmp_path, warmup=1, search=2, retrain=1)
    cfg.model.balancer = dict(type='MoCoBalancer')  # tracked gradients: K × the shared parameters, from step 1
    runner, _ = _runner(cfg)
    seen = {}

    class Snap(Hook):
        def after_stage(self, r, stage):
            if stage == 'search':
                seen['search'] = tuple(r.model.balancer.tracked.shape)

        def before_train_iter(self, r, batch_idx, data_batch=None):
            if r.train_loop.stage == 'retrain' and 'retrain' not in seen:
                seen['retrain'] = tuple(r.model.balancer.tracked.shape)
    runner.register_hook(Snap(), priority='LOWEST')
    runner.train()
    assert seen['search'][1] > 0 and seen['retrain'] == (seen['search'][0], 0)
