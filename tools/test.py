"""Evaluate a checkpoint on the test split and write every metric to JSON."""
import argparse
import json
import os
import os.path as osp

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')
os.environ.setdefault('HF_HUB_OFFLINE', '1')

from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.model import is_model_wrapper  # noqa: E402
from mmengine.runner import Runner  # noqa: E402

from mtlreg.engine.config_utils import parse_data_roots, remap_data_roots, set_work_dir  # noqa: E402
from mtlreg.engine.dist import init_cpu_process_group_if_needed  # noqa: E402
from mtlreg.engine.report import build_report, input_shape_of, summary_lines, write_report  # noqa: E402
from mtlreg.registry import RUNNERS  # noqa: E402
from mtlreg.utils import register_all_modules  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description='Test a multi-task model')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='JSON file for the metrics (default: <work dir>/test_metrics.json)')
    parser.add_argument('--work-dir', help='directory for logs')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='load a checkpoint from outside the work dir in full (it may run code when unpickled)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config keys')
    parser.add_argument('--data-root', action='append', metavar='PREFIX=PATH',
                        help='read every dataset whose data_root starts with PREFIX from PATH instead '
                             '(e.g. data/mnist=/datasets/mnist); repeatable')
    parser.add_argument('--launcher', choices=['none', 'pytorch'], default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main():
    args = parse_args()
    for path, what in ((args.config, 'config'), (args.checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} file not found: {path!r}')
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    set_work_dir(cfg, args.config, args.work_dir)
    if args.data_root:
        remap_data_roots(cfg, parse_data_roots(args.data_root))
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.trust_checkpoint:
        cfg.trust_checkpoint = True
    init_cpu_process_group_if_needed(cfg.launcher)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    metrics = runner.test()
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    report = build_report(model, metrics, input_shape_of(runner.test_dataloader),
                          config=args.config, checkpoint=args.checkpoint)
    out = args.out or osp.join(cfg.work_dir, 'test_metrics.json')
    write_report(report, out)
    print(json.dumps(report, indent=2))
    for line in summary_lines(report):
        print(line)


if __name__ == '__main__':
    main()
