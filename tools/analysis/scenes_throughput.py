"""Measure how many scenes samples per second are rendered or read from the caches, against the model's consumption."""
import argparse
import os
import tempfile
import time

from mtlreg.utils.cli import run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--resolution', type=int, nargs='+', default=[64, 128], help='image sizes to measure')
    parser.add_argument('--num', type=int, default=200, help='samples per measurement')
    parser.add_argument('--no-cache', action='store_true', help='only measure rendering')
    parser.add_argument('--config', help='also measure the training consumption of this config and the ratio')
    return parser.parse_args(argv)


def measure_render_rate(resolution: int, num: int, seed: int = 0) -> float:
    """Computes rendered samples per second (single process) over scene indices ``0..num-1``."""
    from mtlreg.datasets.scenes import SceneRenderer
    renderer = SceneRenderer(resolution, seed=seed)
    renderer.render(0)  # warm up
    start = time.perf_counter()
    for index in range(num):
        renderer.render(index)
    return num / (time.perf_counter() - start)


def measure_dataset_rate(resolution: int, num: int, cache: str = 'none') -> float:
    """Computes ``ScenesDataset`` items fetched per second (no pipeline) in an epoch after a warm-up epoch.

    Args:
        resolution: Image size.
        num: Number of samples per epoch.
        cache: 'none' (render every time), 'disk' (``cache_dir``) or 'memory' (``cache_in_memory``).

    Returns:
        Items per second.
    """
    from mtlreg.datasets.scenes_dataset import ScenesDataset
    with tempfile.TemporaryDirectory() as tmp:
        dataset = ScenesDataset(split='train', resolution=resolution, max_samples=num,
                                cache_dir=tmp if cache == 'disk' else None, cache_in_memory=cache == 'memory')
        if cache != 'none':
            for i in range(len(dataset)):
                dataset[i]
        start = time.perf_counter()
        for i in range(len(dataset)):
            dataset[i]
        return len(dataset) / (time.perf_counter() - start)


def measure_model_rate(config: str, iters: int = 10) -> tuple[float, int]:
    """Computes training samples consumed per second by a config's model (batch of its train loader).

    Returns:
        (samples per second, batch size).
    """
    import torch
    from mmengine.dataset import default_collate
    from mmengine.optim import OptimWrapper

    from mtlreg.datasets.scenes_dataset import ScenesDataset
    from mtlreg.engine.config_loading import load_config
    from mtlreg.engine.runner import resolve_task_config
    from mtlreg.registry import MODELS, TRANSFORMS, register_all_modules
    register_all_modules()
    cfg = resolve_task_config(load_config(config))
    loader = cfg.train_dataloader
    pipeline = [TRANSFORMS.build(t) for t in loader.dataset.pipeline]
    dataset = ScenesDataset(split='train', resolution=loader.dataset.resolution, max_samples=loader.batch_size)
    samples = []
    for i in range(loader.batch_size):
        sample = dataset[i]
        for t in pipeline:
            sample = t(sample)
        samples.append(sample)
    batch = default_collate(samples)
    model = MODELS.build(cfg.model).train()
    optim = OptimWrapper(torch.optim.Adam(model.parameters(), lr=1e-3))
    model.train_step(batch, optim)  # warm up
    start = time.perf_counter()
    for _ in range(iters):
        model.train_step(batch, optim)
    return iters * loader.batch_size / (time.perf_counter() - start), loader.batch_size


def main():
    args = parse_args()
    consumed = None
    if args.config:
        consumed, batch = measure_model_rate(args.config)
        print(f'model ({os.path.basename(args.config)}, batch {batch}): {consumed:8.1f} samples/s consumed '
              f'({consumed / batch:.2f} it/s)')
    for res in args.resolution:
        rendered = measure_render_rate(res, args.num)
        ratio = f'  ({rendered / consumed:.1f}x the model\'s consumption)' if consumed else ''
        print(f'{res}x{res} render: {rendered:8.1f} samples/s{ratio}')
        if not args.no_cache:
            for cache in ('none', 'disk', 'memory'):
                rate = measure_dataset_rate(res, args.num, cache)
                print(f'{res}x{res} dataset, cache={cache:6s}: {rate:8.1f} samples/s')


if __name__ == '__main__':
    run_tool(main)
