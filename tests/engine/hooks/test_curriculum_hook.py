"""AdaShare's curriculum releases the policy's blocks from the last one backwards."""
from mtlreg.engine.hooks import CurriculumHook
from tests.engine.hooks.adashare_runner import _runner


def test_curriculum_releases_blocks_from_the_end():
    hook = CurriculumHook(speed=3, every=10)
    # epoch e → ceil((e + 1) / 3) blocks, capped at L = 8
    assert [hook.blocks(i, 8) for i in (0, 29, 30, 59, 60, 1000)] == [1, 1, 2, 2, 3, 8]
    runner = _runner(60)
    hook.before_train_iter(runner, 0)
    assert int(runner.model.policy.curriculum_blocks) == 3
    assert runner.model.policy.learned_blocks().tolist() == [False] * 5 + [True] * 3
