"""Train a multi-task model from a config."""
import argparse
import os
import os.path as osp

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
os.environ.setdefault('HF_HUB_OFFLINE', '1')

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.model import is_model_wrapper  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mtlreg.engine.config_utils import (  # noqa: E402
    apply_fast_dev_run, enable_amp, parse_data_roots, remap_data_roots, set_work_dir)  # noqa: E402
from mtlreg.engine.dist import init_cpu_process_group_if_needed  # noqa: E402
from mtlreg.engine.report import build_report, input_shape_of, summary_lines, write_report  # noqa: E402
from mtlreg.registry import RUNNERS  # noqa: E402
from mtlreg.utils import register_all_modules  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Train a multi-task model')
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', help='directory for logs and checkpoints')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from a checkpoint PATH, or from the latest one in the work dir (auto)')
    parser.add_argument('--amp', action='store_true', help='mixed precision (bfloat16 autocast on the CPU)')
    parser.add_argument('--fast-dev-run', action='store_true',
                        help='a couple of iterations of every stage, one validation and one checkpoint')
    parser.add_argument('--test', action='store_true',
                        help='evaluate on the test split after training (also: test_after_train=True in the config)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. tasks.seg.weight=2 train_cfg.max_iters=100')
    parser.add_argument('--data-root', action='append', metavar='PREFIX=PATH',
                        help='read every dataset whose data_root starts with PREFIX from PATH instead '
                             '(e.g. data/mnist=/datasets/mnist); repeatable')
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg, args):
    """Apply the command-line options to the config."""
    cfg.launcher = args.launcher
    set_work_dir(cfg, args.config, args.work_dir)
    if args.data_root:
        remap_data_roots(cfg, parse_data_roots(args.data_root))
    if args.amp:
        enable_amp(cfg)
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.fast_dev_run:
        apply_fast_dev_run(cfg)
    return cfg


def main():
    args = parse_args()
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config!r}')
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg = merge_args(cfg, args)
    init_cpu_process_group_if_needed(cfg.launcher)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    runner.train()
    if args.test or cfg.get('test_after_train', False):
        test_after_train(runner, args.config)


def test_after_train(runner, config: str) -> None:
    """Evaluate the trained model (or, with ``test_checkpoint='best'``, the best one) on the test split.

    Writes and prints the report.
    """
    which = runner.cfg.get('test_checkpoint', 'last')
    checkpoint = '(the model at the end of training)'
    if which == 'best':
        checkpoint = runner.message_hub.get_info('best_ckpt')
        if not checkpoint:
            raise ValueError("test_checkpoint='best' needs a best checkpoint: set "
                             "default_hooks.checkpoint.save_best (e.g. 'mean/accuracy') and validate during training")
        runner.load_checkpoint(checkpoint)
    elif which != 'last':
        raise ValueError(f"test_checkpoint: expected 'last' or 'best', got {which!r}")
    metrics = runner.test()
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    report = build_report(model, metrics, input_shape_of(runner.test_dataloader), config=config,
                          checkpoint=checkpoint)
    write_report(report, osp.join(runner.work_dir, 'test_metrics.json'))
    runner.logger.info(f'Test report written to {osp.join(runner.work_dir, "test_metrics.json")}')
    for line in summary_lines(report):
        runner.logger.info(line)


if __name__ == '__main__':
    main()
