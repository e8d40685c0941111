"""Every training mode through the runner: two gloo processes with half the batch each train as one process with all.

Shared bottom, MTAN, cross-stitch; AdaShare's warm-up, alternating search (weights on train1, policy on train2,
the best policy kept by validation) and re-training of the discretised policy; Gumbel-Matrix on per-task batches;
the DAG network's search, flow-based reduction and rewound fine-tuning. After training the two ranks are identical,
the two-process run ends where the one-process run does up to float rounding, the ranks' batches of a step together
are the one-process batch, validation scores and the decisions taken from them are the same, and a two-process
run resumed inside every stage of AdaShare and of the DAG network continues exactly. The samplers' split is also
checked on its own.
"""
import functools
import itertools
import math
import os
import shutil
import subprocess
import sys

import mmengine.dataset.sampler as mmengine_sampler
import pytest
import torch
from filelock import FileLock
from mmengine.dataset import BaseDataset, DefaultSampler, InfiniteSampler
from torch.utils.data import BatchSampler

import mtlreg.datasets.task_rotation_batch_sampler as rotation_module
from mtlreg.datasets import TaskConcatDataset, TaskRotationBatchSampler
from tests.integration.training_mode_worker import MODES, RESUMES

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKER = os.path.join(REPO, 'tests', 'integration', 'training_mode_worker.py')
PORT = 29571


# ------------------------------------------------------------------ the samplers' split, on its own
class _Indices(BaseDataset):
    """``n`` samples labelled for one task."""

    def __init__(self, n, label='a'):
        self.n, self.label = n, label
        super().__init__(serialize_data=False)

    def load_data_list(self):
        return [{self.label: i} for i in range(self.n)]


def _draw(monkeypatch, make, rank, world, count):
    """The first ``count`` batches of the batch sampler ``make()`` builds as rank ``rank`` of ``world``."""
    monkeypatch.setattr(mmengine_sampler, 'get_dist_info', lambda: (rank, world))
    monkeypatch.setattr(rotation_module, 'get_dist_info', lambda: (rank, world))
    iterator = iter(make(world))
    return [list(next(iterator)) for _ in range(count)]


def _epochs(world):
    """``DefaultSampler``'s batches epoch after epoch, as the training loop's infinite iterator draws them."""
    sampler = DefaultSampler(_Indices(12), seed=3)
    batches = BatchSampler(sampler, 6 // world, drop_last=False)
    for epoch in itertools.count():
        sampler.set_epoch(epoch)
        yield from batches


SAMPLERS = {
    # the training sampler of every shipped scenes config: one endless shuffled stream, rank r every world-th
    'infinite': lambda world: BatchSampler(InfiniteSampler(_Indices(10), seed=3), 6 // world, drop_last=False),
    # a pass per epoch, padded to a multiple of the processes (the split holds for sizes that need no padding)
    'default': _epochs,
    # per-task streams in passes of whole global batches (29: a remainder that is no multiple of the processes)
    'task_rotation': lambda world: TaskRotationBatchSampler(
        InfiniteSampler(TaskConcatDataset(dict(a=_Indices(29, 'a'), b=_Indices(12, 'b'), c=_Indices(13, 'c')),
                                          lazy_init=False), seed=5), batch_size=6 // world, shuffle_tasks=True),
}


@pytest.mark.parametrize('world', [2, 3])
@pytest.mark.parametrize('kind', list(SAMPLERS))
def test_the_ranks_batches_of_a_step_together_are_the_one_process_batch(monkeypatch, kind, world):
    count = 40  # several passes over every dataset
    whole = _draw(monkeypatch, SAMPLERS[kind], 0, 1, count)
    ranks = [_draw(monkeypatch, SAMPLERS[kind], r, world, count) for r in range(world)]
    for step, batch in enumerate(whole):
        parts = [ranks[r][step] for r in range(world)]
        # as multisets: a batch across the end of a pass may hold a sample twice, in one process as in several
        assert sorted(i for part in parts for i in part) == sorted(batch), f'{kind}: step {step}'


def test_per_task_evaluation_batches_visit_every_sample_once_over_the_ranks(monkeypatch):
    dataset = TaskConcatDataset(dict(a=_Indices(7, 'a'), b=_Indices(4, 'b')), lazy_init=False)
    seen = []
    for rank in (0, 1):
        monkeypatch.setattr(rotation_module, 'get_dist_info', lambda rank=rank: (rank, 2))
        seen += [i for b in TaskRotationBatchSampler(DefaultSampler(dataset, shuffle=False), batch_size=2,
                                                     infinite=False) for i in b]
    assert sorted(seen) == list(range(11))


# ------------------------------------------------------------------ the training modes under DDP
def _train_every_mode(out) -> None:
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    modes = ','.join(MODES)
    single = subprocess.run([sys.executable, WORKER, str(out), modes], cwd=REPO, env=env, capture_output=True,
                            text=True, timeout=600)
    assert single.returncode == 0, single.stdout[-3000:] + single.stderr[-3000:]
    two = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--nnodes=1', '--nproc_per_node=2',
                          f'--master_port={PORT}', WORKER, str(out), ','.join([modes, *RESUMES])],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert two.returncode == 0, two.stdout[-3000:] + two.stderr[-3000:]
    (out / 'done').touch()


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    """Every mode on one process, then on two (and the resumed runs); ``runs(mode, world, rank)`` loads a result.

    The runs are shared by the pytest-xdist workers (trained once, under a file lock in their common temporary
    directory), so the port is taken once.
    """
    root = tmp_path_factory.getbasetemp()
    out = (root.parent if os.environ.get('PYTEST_XDIST_WORKER') else root) / 'ddp_training_modes'  # this session's
    with FileLock(str(out) + '.lock'):
        if not (out / 'done').exists():
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            _train_every_mode(out)

    @functools.lru_cache(maxsize=None)
    def load(mode, world, rank=0):
        return torch.load(out / f'{mode}_world{world}_rank{rank}.pt', weights_only=True)
    return load


@pytest.mark.slow
@pytest.mark.parametrize('mode', list(MODES))
def test_the_two_ranks_end_identical(runs, mode):
    ranks = [runs(mode, 2, r) for r in (0, 1)]
    assert ranks[0]['wrapper'] == 'MultiTaskDistributedDataParallel'
    for name, value in ranks[0]['state'].items():  # parameters and buffers (policy mode, mask, temperature)
        assert torch.equal(value, ranks[1]['state'][name]), f'{mode}: {name} differs between the ranks'


@pytest.mark.slow
@pytest.mark.parametrize('mode', list(MODES))
def test_two_processes_with_half_batches_end_where_one_process_with_the_whole_does(runs, mode):
    single, two = runs(mode, 1), runs(mode, 2)
    assert single['wrapper'] == 'MultiTaskModel'
    far = {}
    for name, value in single['state'].items():
        if value.is_floating_point():
            difference = float((two['state'][name] - value).abs().max()) if value.numel() else 0.0
            if not difference <= 1e-5:
                far[name] = difference
        else:  # the discrete decisions: policy mode and mask, curriculum, counters
            assert torch.equal(two['state'][name], value), f'{mode}: {name} differs from the one-process run'
    assert not far, f'{mode}: differ from the one-process run by more than 1e-5: {far}'
    moved = [n for n, p in single['initial'].items() if not torch.equal(p, single['state'][n])]
    assert len(moved) > 0.5 * len(single['initial']), f'{mode}: training moved only {len(moved)} parameters'


@pytest.mark.slow
@pytest.mark.parametrize('mode', list(MODES))
def test_the_ranks_draw_disjoint_halves_of_the_one_process_batches(runs, mode):
    single, ranks = runs(mode, 1), [runs(mode, 2, r) for r in (0, 1)]
    assert set(single['batches']) == set(ranks[0]['batches'])
    for loader, batches in single['batches'].items():
        assert len(batches) == len(ranks[0]['batches'][loader]) == len(ranks[1]['batches'][loader])
        for step, batch in enumerate(batches):
            first, second = ranks[0]['batches'][loader][step], ranks[1]['batches'][loader][step]
            assert not set(first) & set(second), f'{mode}/{loader}: step {step} overlaps'
            assert sorted(first + second) == sorted(batch), f'{mode}/{loader}: step {step}'


@pytest.mark.slow
@pytest.mark.parametrize('mode', list(MODES))
def test_validation_and_the_decisions_taken_from_it_agree(runs, mode):
    single, ranks = runs(mode, 1), [runs(mode, 2, r) for r in (0, 1)]
    assert ranks[0]['metrics'] == ranks[1]['metrics']  # the whole validation split's, on every rank
    assert len(single['metrics']) == len(ranks[0]['metrics']) > 0
    for one, two in zip(single['metrics'], ranks[0]['metrics']):
        assert set(one) == set(two)
        for key, value in one.items():
            assert two[key] == pytest.approx(value, rel=1e-5, abs=1e-4, nan_ok=True), f'{mode}: {key}'
    assert ranks[0]['best_policy'] == ranks[1]['best_policy']
    if single['best_policy'] is not None:
        assert ranks[0]['best_policy']['iter'] == single['best_policy']['iter']
        assert ranks[0]['best_policy']['score'] == pytest.approx(single['best_policy']['score'], rel=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize('resumed', list(RESUMES))
def test_a_two_process_run_resumed_inside_each_stage_continues_exactly(runs, resumed):
    of, _ = RESUMES[resumed]
    for rank in (0, 1):
        whole, again = runs(of, 2, rank), runs(resumed, 2, rank)
        for name, value in whole['state'].items():
            assert torch.equal(again['state'][name], value), f'{resumed}, rank {rank}: {name} differs after the resume'
        assert again['best_policy'] == whole['best_policy']
        # the validations after the resume point only
        assert again['metrics'] == whole['metrics'][len(whole['metrics']) - len(again['metrics']):]
        assert all(not math.isnan(m.get('delta/mean', 0.0)) for m in again['metrics'])


# ------------------------------------------------------------------ the same on GPUs: NCCL and float16 AMP
@pytest.fixture(scope='module')
def cuda_runs(tmp_path_factory):
    """Every mode on one GPU and on two (NCCL), under float16 AMP with its loss scaler."""
    if torch.cuda.device_count() < 2:
        pytest.skip('NCCL with two processes needs two GPUs')
    out = tmp_path_factory.mktemp('ddp_training_modes_cuda')
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    modes = ','.join(MODES)
    single = subprocess.run([sys.executable, WORKER, str(out), modes, str(1e-6), 'amp'], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    assert single.returncode == 0, single.stdout[-3000:] + single.stderr[-3000:]
    two = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--nnodes=1', '--nproc_per_node=2',
                          f'--master_port={PORT + 1}', WORKER, str(out), modes, str(1e-6), 'amp'],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert two.returncode == 0, two.stdout[-3000:] + two.stderr[-3000:]
    return lambda mode, world, rank=0: torch.load(out / f'{mode}_world{world}_rank{rank}.pt', weights_only=True)


@pytest.mark.slow
@pytest.mark.parametrize('mode', list(MODES))
def test_on_gpus_with_nccl_and_amp_the_ranks_agree_and_match_one_process(cuda_runs, mode):
    single, ranks = cuda_runs(mode, 1), [cuda_runs(mode, 2, r) for r in (0, 1)]
    for name, value in ranks[0]['state'].items():
        assert torch.equal(value, ranks[1]['state'][name]), f'{mode}: {name} differs between the ranks'
        if value.is_floating_point() and value.numel():  # float16 forward passes: a looser tolerance
            assert float((value.float() - single['state'][name].float()).abs().max()) <= 1e-3, f'{mode}: {name}'
        else:
            assert torch.equal(value, single['state'][name]), f'{mode}: {name}'
