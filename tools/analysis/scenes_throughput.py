"""Measure how many procedural scenes samples per second are rendered or read from the caches."""
import argparse
import tempfile
import time

from mtlreg.datasets.scenes import SceneRenderer
from mtlreg.datasets.scenes_dataset import ScenesDataset


def measure_render_rate(resolution: int, num: int, seed: int = 0) -> float:
    """Computes rendered samples per second (single process) over scene indices ``0..num-1``."""
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


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--resolution', type=int, nargs='+', default=[64, 128], help='image sizes to measure')
    parser.add_argument('--num', type=int, default=200, help='samples per measurement')
    parser.add_argument('--no-cache', action='store_true', help='only measure rendering')
    args = parser.parse_args()
    for res in args.resolution:
        print(f'{res}x{res} render: {measure_render_rate(res, args.num):8.1f} samples/s')
        if not args.no_cache:
            for cache in ('none', 'disk', 'memory'):
                rate = measure_dataset_rate(res, args.num, cache)
                print(f'{res}x{res} dataset, cache={cache:6s}: {rate:8.1f} samples/s')


if __name__ == '__main__':
    main()
