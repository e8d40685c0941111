"""Seconds per training iteration of several configs, measured side by side in one process.

Every config's model, optimiser and balancer are built from the config; each takes a fixed batch of
its own training data and runs ``train_step`` (forward, balancer, backward, optimiser step). The configs
take turns (``--rounds`` rounds of ``--iters`` timed iterations each, after ``--warmup`` untimed ones),
so a slower or busier moment hits all of them alike; the median per iteration is printed with its ratio
to the first config. A config with a single optimiser (baselines, MTAN, cross-stitch, balancers) steps
it; a staged config (AdaShare, the DAG network) steps the wrapper ``--optim-wrapper`` names (e.g.
``weights``: AdaShare's search step of the weights, the policy in its default mode).

Example (the architecture × balancer table of docs/methods/balancers.md)::

    python tools/analysis/train_speed.py configs/baselines/single_task_resnet18_scenes-5task.py \\
        configs/baselines/shared_bottom_resnet18_scenes-5task.py configs/balancers/*_scenes-5task_*.py
"""
import argparse
import os.path as osp
import statistics
import time

from mtlreg.utils.cli import run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Seconds per training iteration, side by side')
    parser.add_argument('configs', nargs='+', help='config files (single-optimiser training)')
    parser.add_argument('--iters', type=int, default=5, help='timed iterations per turn')
    parser.add_argument('--rounds', type=int, default=4, help='turns per config')
    parser.add_argument('--warmup', type=int, default=2, help='untimed iterations per config first')
    parser.add_argument('--threads', type=int, default=None, help='torch threads (default: torch\'s)')
    parser.add_argument('--optim-wrapper', default=None,
                        help='for staged configs: the optimiser wrapper (by name) whose step is timed')
    return parser.parse_args(argv)


class Trainee:
    """One config's model, optimiser wrapper and a fixed training batch."""

    def __init__(self, config, seed: int = 0, name: str | None = None, optim_wrapper: str | None = None):
        import torch
        from mmengine.dataset import default_collate

        from mtlreg.engine.config_loading import load_config
        from mtlreg.engine.runner import resolve_task_config
        from mtlreg.registry import DATASETS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS
        if isinstance(config, str):
            if not osp.isfile(config):
                raise FileNotFoundError(f'config file not found: {config!r}')
            name = name or osp.splitext(osp.basename(config))[0]
            config = load_config(config)
        cfg = resolve_task_config(config)
        self.name = name or 'config'
        staged = 'stages' in cfg.train_cfg
        if staged and optim_wrapper is None:
            raise ValueError(f'{self.name}: a staged config; name the optimiser wrapper whose step to time with '
                             f'--optim-wrapper (one of {sorted(k for k in cfg.optim_wrapper if k != "constructor")})')
        torch.manual_seed(seed)
        self.model = MODELS.build(cfg.model).train()
        wrapper_cfg = dict(cfg.optim_wrapper)
        constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
            type=wrapper_cfg.pop('constructor', 'DefaultOptimWrapperConstructor'),
            optim_wrapper_cfg=wrapper_cfg, paramwise_cfg=wrapper_cfg.pop('paramwise_cfg', None)))
        self.optim_wrapper = constructor(self.model)
        if staged:
            if optim_wrapper not in self.optim_wrapper:
                raise KeyError(f'{self.name}: --optim-wrapper {optim_wrapper!r} is not one of the config\'s '
                               f'optimiser wrappers {sorted(self.optim_wrapper.keys())}')
            self.optim_wrapper = self.optim_wrapper[optim_wrapper]
        loader = cfg.train_dataloader
        dataset = DATASETS.build(loader.dataset)
        self.batch = default_collate([dataset[i] for i in range(loader.batch_size)])
        self.params = sum(p.numel() for p in self.model.parameters())

    def step(self) -> None:
        self.model.train_step(self.batch, self.optim_wrapper)


def measure(trainees: list[Trainee], iters: int, rounds: int, warmup: int) -> dict[str, float]:
    """Median seconds per iteration of each trainee, the trainees taking turns."""
    for t in trainees:
        for _ in range(warmup):
            t.step()
    times = {t.name: [] for t in trainees}
    for _ in range(rounds):
        for t in trainees:
            for _ in range(iters):
                start = time.perf_counter()
                t.step()
                times[t.name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv=None):
    args = parse_args(argv)  # --help and argument errors return before the heavy imports below
    import torch

    from mtlreg.registry import register_all_modules
    if args.threads:
        torch.set_num_threads(args.threads)
    register_all_modules()
    trainees = [Trainee(c, optim_wrapper=args.optim_wrapper) for c in args.configs]
    seconds = measure(trainees, args.iters, args.rounds, args.warmup)
    first = seconds[trainees[0].name]
    print(f'seconds per training iteration ({torch.get_num_threads()} threads, median of '
          f'{args.rounds} × {args.iters})')
    print(f'{"config":56s} {"s/it":>7s} {"ratio":>7s} {"params":>9s}')
    for t in trainees:
        print(f'{t.name:56s} {seconds[t.name]:7.3f} {seconds[t.name] / first:7.2f} {t.params / 1e6:8.2f}M')


if __name__ == '__main__':
    run_tool(main)
