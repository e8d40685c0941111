"""The plain iteration loop validates where MMEngine's loop does, dynamic intervals included."""
from tests.engine.loop_stubs import _plain_loop


def test_the_plain_schedule_is_mmengines_with_dynamic_intervals():
    loop = _plain_loop(10, 3, dynamic_intervals=[(6, 2)])
    validated = [i for i in range(1, 11) if loop.validates_after(i)]
    assert validated == [3, 6, 8, 10]
    for i in range(1, 11):  # MMEngine's own decision, which updates loop.val_interval as it goes
        loop._iter = i
        loop._decide_current_val_interval()
        assert loop.validates_after(i) == (i >= loop.val_begin and (i % loop.val_interval == 0 or i == 10))
