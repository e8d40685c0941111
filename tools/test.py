"""Evaluate a checkpoint on the test split and write every metric to JSON."""
import argparse
import json
import os.path as osp

from mtlreg.utils.cli import add_run_arguments, directory_path, parse_run_arguments, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test a multi-task model')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='JSON file for the metrics (default: <work dir>/test_metrics.json)')
    parser.add_argument('--work-dir', type=directory_path,
                        help="directory for the report and logs (default: the run directory of the checkpoint, "
                             "else the config's work dir)")
    add_run_arguments(parser, loads='the checkpoint')
    return parse_run_arguments(parser, argv)


def main():
    args = parse_args()
    from mmengine.model import is_model_wrapper
    from mmengine.runner import Runner

    from mtlreg.engine.config_loading import load_config
    from mtlreg.engine.config_utils import parse_data_roots, remap_data_roots, set_evaluation_work_dir
    from mtlreg.engine.config_validation import validate_config
    from mtlreg.engine.dist import destroy_process_group_if_initialized, init_process_group_if_needed
    from mtlreg.engine.report import build_report, input_shape_of, summary_lines, write_report
    from mtlreg.registry import RUNNERS
    from mtlreg.registry import register_all_modules
    from mtlreg.utils.errors import CheckpointError
    if not osp.isfile(args.checkpoint):
        raise CheckpointError('file not found', where=args.checkpoint, expected='a checkpoint written by tools/train.py')
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options, validate=False)
    cfg.launcher = args.launcher
    set_evaluation_work_dir(cfg, args.config, args.work_dir, args.checkpoint)
    if args.data_root:
        remap_data_roots(cfg, parse_data_roots(args.data_root))
    cfg.load_from = args.checkpoint
    cfg.resume = False
    cfg.trust_checkpoint = bool(args.trust_checkpoint)
    if args.allow_partial_load:
        cfg.allow_partial_load = True
    validate_config(cfg)
    init_process_group_if_needed(cfg.launcher)
    try:
        runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
        metrics = runner.test()
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        report = build_report(model, metrics, input_shape_of(runner.test_dataloader),
                              config=args.config, checkpoint=args.checkpoint)
        out = args.out or osp.join(cfg.work_dir, 'test_metrics.json')
        main_process = write_report(report, out)
    finally:
        destroy_process_group_if_initialized()
    if main_process:  # one copy of the report, from the process that wrote it
        print(json.dumps(report, indent=2))
        for line in summary_lines(report):
            print(line)


if __name__ == '__main__':
    run_tool(main)
