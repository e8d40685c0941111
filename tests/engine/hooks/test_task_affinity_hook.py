"""The lookahead affinities of a training, measured without changing a bit of it."""
import json
import os.path as osp

import pytest
import torch

from mtlreg.engine.hooks import TaskAffinityHook
from mtlreg.testing import RunnerTestCase


def test_arguments_are_checked():
    with pytest.raises(ValueError, match='interval: expected a positive integer'):
        TaskAffinityHook(interval=0)
    with pytest.raises(ValueError, match='lr: expected a positive learning rate'):
        TaskAffinityHook(lr=-1.0)
    with pytest.raises(ValueError, match='without a directory'):
        TaskAffinityHook(filename='a/b')


class TestTaskAffinityHookInATraining(RunnerTestCase):
    def _weights(self, runner):
        return {k: v.clone() for k, v in runner.model.state_dict().items()}

    def test_the_run_is_bitwise_the_same_and_the_matrix_is_saved(self):
        # without putting back the generators, or the batch-norm statistics, the two runs differ
        plain = self.train(self.plain_cfg())
        hooked = self.train(self.plain_cfg(custom_hooks=[dict(type='TaskAffinityHook', interval=1)]))
        before, after = self._weights(plain), self._weights(hooked)
        assert before.keys() == after.keys()
        assert all(torch.equal(before[k], after[k]) for k in before), 'the hook changed the run'
        record = json.loads(open(osp.join(hooked.work_dir, 'task_affinity.json')).read())
        assert record['tasks'] == ['seg', 'depth'] and record['steps'] == 4
        values = [record['affinity'][i][j] for i in record['tasks'] for j in record['tasks']]
        assert all(abs(v) < 1 for v in values) and any(v != 0 for v in values)
        assert osp.getsize(osp.join(hooked.work_dir, 'task_affinity.png')) > 1000
        scalars = [json.loads(line) for line in open(osp.join(hooked._log_dir, 'vis_data', 'scalars.json'))]
        assert sum('affinity/seg_to_depth' in s for s in scalars) == 4

    def test_the_mean_resumes_from_the_checkpoint(self):
        hook = [dict(type='TaskAffinityHook', interval=1)]
        whole = self.train(self.plain_cfg(custom_hooks=hook))  # checkpoints at iterations 2 and 4
        checkpoint = torch.load(osp.join(whole.work_dir, 'iter_2.pth'), weights_only=False)
        assert checkpoint['task_affinity']['count'] == 2
        cfg = self.plain_cfg(custom_hooks=hook, resume=True, load_from=osp.join(whole.work_dir, 'iter_2.pth'))
        resumed = self.train(cfg)
        saved = [json.loads(open(osp.join(r.work_dir, 'task_affinity.json')).read()) for r in (whole, resumed)]
        assert saved[1]['steps'] == 4  # two steps from the checkpoint's mean, two measured after the resume
        assert saved[1]['affinity'] == saved[0]['affinity']  # resume is exact: the same four measurements

    def test_several_optimisers_need_an_explicit_learning_rate(self):
        cfg = self.staged_cfg(custom_hooks=[dict(type='TaskAffinityHook', interval=1)])
        with pytest.raises(ValueError, match='set the lookahead learning rate explicitly'):
            self.train(cfg)
