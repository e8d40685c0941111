"""The plain iteration loop validates where MMEngine's loop does, dynamic intervals included; MMEngine's loop
names build the loops that resume exactly."""
from mtlreg.engine.loops import MultiTaskIterBasedTrainLoop
from tests.engine.loop_stubs import _plain_loop


def test_the_plain_schedule_is_mmengines_with_dynamic_intervals():
    loop = _plain_loop(10, 3, dynamic_intervals=[(6, 2)])
    validated = [i for i in range(1, 11) if loop.validates_after(i)]
    assert validated == [3, 6, 8, 10]
    for i in range(1, 11):  # MMEngine's own decision, which updates loop.val_interval as it goes
        loop._iter = i
        loop._decide_current_val_interval()
        assert loop.validates_after(i) == (i >= loop.val_begin and (i % loop.val_interval == 0 or i == 10))


def test_mmengines_loop_names_build_the_exactly_resuming_loops():
    from mtlreg.engine.loops import MultiTaskValLoop
    from mtlreg.registry import LOOPS, register_all_modules
    register_all_modules()
    assert LOOPS.get('IterBasedTrainLoop') is MultiTaskIterBasedTrainLoop
    assert LOOPS.get('ValLoop') is MultiTaskValLoop


def test_a_run_that_names_mmengines_loops_resumes_exactly(tmp_path):
    import torch
    from mtlreg.engine.runner import MultiTaskRunner
    from mtlreg.registry import register_all_modules
    from mtlreg.testing.tiny_config import tiny_config
    register_all_modules()
    whole = MultiTaskRunner.from_cfg(tiny_config(str(tmp_path / 'whole')))  # names IterBasedTrainLoop, ValLoop
    whole.train()
    resumed = MultiTaskRunner.from_cfg(tiny_config(str(tmp_path / 'resumed'), resume=True,
                                                   load_from=str(tmp_path / 'whole' / 'iter_2.pth')))
    resumed.train()
    a, b = whole.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)  # the validation after iteration 2 left the generators as they were
