"""Score the best constant prediction per task (the "chance" level a trained model must beat).

For each task the constant is fitted on training samples: the most frequent class for segmentation
and classification (the best accuracy), the median for depth and dense maps (the lowest mean absolute
error, the metric and the L1 loss of those tasks; a mean scores worse on sparse maps such as edges,
whose median is 0), the normalised mean vector for normals and the mean of a scalar value. It is then
scored on the test split with the config's own metrics.
"""
import argparse
import json

from mtlreg.utils.cli import run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config')
    parser.add_argument('--num-fit', type=int, default=500, help='training samples the constants are fitted on')
    return parser.parse_args(argv)


def fit_constants(dataset, label_types: dict, labels: dict, num: int) -> dict:
    """The constant prediction per task from the first ``num`` samples of ``dataset``."""
    import torch
    from mmengine.dataset import default_collate
    batch = default_collate([dataset[i] for i in range(min(num, len(dataset)))])['data_samples']
    constants = {}
    for task, key in labels.items():
        values, kind = batch[key], label_types[key]
        if kind in ('segmentation', 'class'):
            valid = values[values != 255] if kind == 'segmentation' else values
            constants[task] = torch.mode(valid.flatten()).values
        elif kind == 'normal':
            constants[task] = torch.nn.functional.normalize(values.mean(dim=(0, 2, 3)), dim=0)[:, None, None]
        elif kind == 'depth':
            constants[task] = values[values > 0].median().reshape(1, 1, 1)
        elif kind == 'dense':
            constants[task] = values.median().reshape(1, 1, 1)
        else:  # a scalar value per sample: its mean, the lowest squared error
            constants[task] = values.float().mean()
    return constants


def score(cfg, num_fit: int) -> dict:
    from mtlreg.engine.runner import resolve_task_config
    from mtlreg.registry import DATASETS, EVALUATOR
    cfg = resolve_task_config(cfg)
    labels = {t: spec.get('label', t) for t, spec in cfg.tasks.items()}
    train = DATASETS.build(cfg.train_dataloader.dataset)
    label_types = train.get_data_info(0).get('label_types')
    if label_types is None:
        raise KeyError('constant_baseline: the dataset samples carry no "label_types"')
    constants = fit_constants(train, label_types, labels, num_fit)
    test = DATASETS.build(cfg.test_dataloader.dataset)
    evaluator = EVALUATOR.build(cfg.test_evaluator)
    for i in range(len(test)):
        gt = test[i]['data_samples']
        evaluator.process([{t: {'pred': constants[t].expand_as(gt[key]).clone(), 'gt': gt[key]}
                            for t, key in labels.items()}])
    return evaluator.evaluate(len(test))


def main():
    args = parse_args()  # --help and argument errors return before the heavy imports below
    from mtlreg.engine.config_loading import load_config
    from mtlreg.registry import register_all_modules
    register_all_modules()
    metrics = score(load_config(args.config), args.num_fit)
    print(json.dumps({k: round(float(v), 4) for k, v in metrics.items()}, indent=2))


if __name__ == '__main__':
    run_tool(main)
