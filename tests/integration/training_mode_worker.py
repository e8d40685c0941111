"""Train every training mode a few iterations through the runner, on one process or as one of two gloo processes.

Run by test_ddp_training_modes.py: once alone with the whole batch and once under torchrun with two processes,
each with half of it (on GPUs, with ``amp``: NCCL and float16 with a loss scaler). Augmentation is off, and batch norm (on its running statistics) and dropout are in eval
mode in training, so a sample's output does not depend on the rest of its batch: the runs must agree up to float
rounding. Per mode it saves the final state dict, the validation results, the kept best policy, the first
batches of every training dataloader (dataset indices) and the wall time.
"""
import copy
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.hooks import Hook  # noqa: E402
from torch import nn  # noqa: E402

from mtlreg.engine.config_utils import enable_amp  # noqa: E402
from mtlreg.engine.dist import init_process_group_if_needed  # noqa: E402
from mtlreg.engine.hooks.hook_utils import unwrap_model  # noqa: E402
from mtlreg.engine.runner import MultiTaskRunner  # noqa: E402
from mtlreg.registry import register_all_modules  # noqa: E402
from tests.engine.tiny import (_log_every_iteration, tiny_cfg, tiny_dag_cfg,  # noqa: E402
                               tiny_staged_cfg)

#: the batch of one step over all processes
BATCH = 4
#: resumed runs: (the two-process run they continue, the checkpoint they start from), one inside every stage.
#: AdaShare: warm-up 1-2, search 3-6 (iteration 5 between its phases), re-training 7-8; the DAG network: warm-up
#: 1-2, search 3-5, fine-tuning 6-7 (after the reduction and the rewind)
RESUMES = {'adashare_resume1': ('adashare', 1), 'adashare_resume5': ('adashare', 5), 'adashare_resume7': ('adashare', 7),
           'dag_resume1': ('dag', 1), 'dag_resume4': ('dag', 4), 'dag_resume6': ('dag', 6)}
RESUMED = {of for of, _ in RESUMES.values()}
CONFIGS = os.path.join(REPO, 'configs')
#: Adam's eps in every run. With the configs' 1e-8, an element whose gradient is at the rounding floor
#: (~1e-9, where a sum over 4 samples and the mean of two sums over 2 differ in every digit) takes a
#: step of lr·g/(|g| + eps) that differs between the runs by a sizeable share of lr
ADAM_EPS = 1e-6


class PerSampleForward(Hook):
    """Batch norm and dropout in eval mode during training (the loop sets the model to train every iteration)."""

    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        for module in unwrap_model(runner).modules():
            if isinstance(module, (nn.modules.batchnorm._BatchNorm, nn.modules.dropout._DropoutNd)):
                module.eval()


class Record(Hook):
    """Every validation's results."""

    priority = 'LOWEST'

    def __init__(self):
        self.metrics = []

    def after_val_epoch(self, runner, metrics=None):
        self.metrics.append({k: float(v) for k, v in (metrics or {}).items()})


def _adam_eps(cfg: Config, eps: float) -> None:
    """Every Adam of the config with ``eps``."""
    wrappers = cfg.optim_wrapper
    for wrapper in [wrappers, *(v for v in wrappers.values() if isinstance(v, dict) and 'optimizer' in v)]:
        optimizer = wrapper.get('optimizer')
        if isinstance(optimizer, dict) and optimizer.get('type') in ('Adam', 'AdamW'):
            optimizer.eps = eps


def _no_augmentation(*loaders) -> None:
    for loader in loaders:
        loader.dataset.pipeline = [dict(type='PackMultiTaskInputs')]


def _scenes(config: str, work_dir: str, batch: int) -> Config:
    cfg = tiny_cfg(work_dir, os.path.join(CONFIGS, config), max_iters=3, interval=3)
    cfg.train_dataloader.batch_size = batch
    _no_augmentation(cfg.train_dataloader)
    cfg.test_after_train = False
    return cfg


def _adashare(work_dir: str, batch: int) -> Config:
    """Warm-up 2, search 4 (weights on train1 and policy on train2 in turn, validation every 2), re-training 2."""
    cfg = tiny_staged_cfg(work_dir, warmup=2, search=4, retrain=2, checkpoint_interval=1)
    loaders = [cfg.train_dataloader, *cfg.train_cfg.dataloaders.values()]
    for loader in loaders:
        loader.batch_size = batch
    _no_augmentation(*loaders)
    return cfg


def _gumbel_matrix(work_dir: str, batch: int) -> Config:
    """Per-task batches, two rounds of the 4 tasks; 31 training samples per task (a pass leaves some out)."""
    cfg = Config.fromfile(os.path.join(CONFIGS, 'gumbel_matrix', 'gumbel_matrix_fc_synthetic-4task.py'))
    cfg.work_dir = str(work_dir)
    for key, n in (('train_dataloader', 31), ('val_dataloader', 16), ('test_dataloader', 16)):
        cfg[key].dataset.datasets = {t: dict(d, num_samples=n) for t, d in cfg[key].dataset.datasets.items()}
    cfg.train_dataloader.batch_size = 2 * batch
    cfg.val_dataloader.batch_size = 8
    cfg.train_cfg.max_iters, cfg.train_cfg.val_interval = 8, 8
    cfg.test_after_train = False
    return _log_every_iteration(cfg, work_dir, 1)


def _dag(work_dir: str, batch: int) -> Config:
    """Warm-up 2, search 3 (validated at its end), the flow-based reduction, rewind, fine-tuning 2."""
    cfg = tiny_dag_cfg(work_dir, warmup=2, search=3, finetune=2)
    cfg.train_dataloader.batch_size = batch
    _no_augmentation(cfg.train_dataloader)
    return cfg


#: mode -> its config from (work_dir, batch per process); the modes of RESUMES resume a run of one of these
MODES = {
    'shared_bottom': lambda w, b: _scenes('baselines/shared_bottom_resnet18_scenes-5task.py', w, b),
    'mtan': lambda w, b: _scenes('mtan/mtan_resnet18_scenes-5task.py', w, b),
    'cross_stitch': lambda w, b: _scenes('cross_stitch/cross_stitch_resnet18_scenes-5task.py', w, b),
    'adashare': _adashare,
    'gumbel_matrix': _gumbel_matrix,
    'dag': _dag,
}


def fresh_batch_sampler(loader):
    """The loader's batch sampler from its start (an ``InfiniteSampler`` keeps one index stream for its life)."""
    batch_sampler = copy.copy(loader.batch_sampler)
    sampler = getattr(batch_sampler, 'sampler', None)
    if hasattr(sampler, '_indices_of_rank'):
        batch_sampler.sampler = copy.copy(sampler)
        batch_sampler.sampler.indices = sampler._indices_of_rank()
    return batch_sampler


def first_batches(runner, world: int, extra_passes: int = 3) -> dict:
    """The first batches (dataset indices) of each training dataloader: those trained on and a few passes more."""
    loop = runner.train_loop
    loaders = getattr(loop, 'dataloaders', {'train': loop.dataloader})
    drawn = loop.batches_drawn(loop.max_iters) if hasattr(loop, 'batches_drawn') else {'train': loop.max_iters}
    batches = {}
    for name, loader in loaders.items():
        per_pass = -(-len(loader.dataset) // (loader.batch_sampler.batch_size * world))  # global batches, rounded up
        count = drawn.get(name, 0) + extra_passes * per_pass
        iterator = iter(fresh_batch_sampler(loader))
        batches[name] = [list(next(iterator)) for _ in range(count)]
    return batches


def run(mode: str, out_dir: str, rank: int, world: int, adam_eps: float, amp: bool = False) -> None:
    work_dir = os.path.join(out_dir, f'{mode}_world{world}')
    resume = mode in RESUMES
    of, at = RESUMES.get(mode, (mode, None))
    cfg = MODES[of](work_dir, BATCH // world)
    cfg.experiment_name = f'{mode}_world{world}'
    cfg.visualizer.name = f'vis_{mode}_world{world}'
    if resume:
        cfg.resume = True
        cfg.load_from = os.path.join(out_dir, f'{of}_world{world}', f'iter_{at}.pth')
    if world > 1:
        cfg.launcher = 'pytorch'
    if not (mode in RESUMED and world > 1):  # only two-process runs are resumed
        cfg.default_hooks.checkpoint.interval = 10 ** 6
        cfg.default_hooks.checkpoint.save_last = False
    _adam_eps(cfg, adam_eps)
    if amp:  # on CUDA: float16 with a loss scaler (NCCL, as on a GPU machine)
        enable_amp(cfg)
    cfg.log_level = 'WARNING'
    start = time.perf_counter()
    runner = MultiTaskRunner.from_cfg(cfg)
    initial = {k: v.detach().clone() for k, v in unwrap_model(runner).named_parameters()}
    record = Record()
    runner.register_hook(PerSampleForward())
    runner.register_hook(record)
    runner.train()
    wall = time.perf_counter() - start
    model = unwrap_model(runner)
    best = next((h for h in runner.hooks if type(h).__name__ == 'BestPolicyHook'), None)
    torch.save({'state': {k: v.detach().clone() for k, v in model.state_dict().items() if isinstance(v, torch.Tensor)},
                'initial': initial, 'metrics': record.metrics, 'wall': wall,
                'best_policy': None if best is None else dict(score=best.best_score, iter=best.best_iter),
                'batches': first_batches(runner, world),
                'wrapper': type(runner.model).__name__},
               os.path.join(out_dir, f'{mode}_world{world}_rank{rank}.pt'))


def main(out_dir: str, modes: str, adam_eps: str = str(ADAM_EPS), amp: str = '') -> None:
    torch.set_num_threads(1)
    register_all_modules()
    distributed = 'WORLD_SIZE' in os.environ
    if distributed:
        init_process_group_if_needed('pytorch')
        if not torch.distributed.is_initialized():  # CUDA: NCCL, one GPU per process, as the runner would
            from mmengine.dist import init_dist
            init_dist('pytorch', backend='nccl')
    rank = torch.distributed.get_rank() if distributed else 0
    world = torch.distributed.get_world_size() if distributed else 1
    for mode in modes.split(','):
        run(mode, out_dir, rank, world, float(adam_eps), amp == 'amp')
        if distributed:
            torch.distributed.barrier()


if __name__ == '__main__':
    main(*sys.argv[1:])
