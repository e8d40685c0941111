"""Train a multi-task model from a config."""
import argparse
import os.path as osp

from mtlreg.utils.cli import add_run_arguments, directory_path, parse_run_arguments, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a multi-task model')
    parser.add_argument('config', help='config file')
    parser.add_argument('--work-dir', type=directory_path, help='directory for logs and checkpoints')
    parser.add_argument('--resume', nargs='?', type=str, const='auto',
                        help='resume from a checkpoint PATH, or from the newest one of the work dir that loads (auto)')
    parser.add_argument('--amp', action='store_true', help='mixed precision (bfloat16 autocast on the CPU)')
    parser.add_argument('--fast-dev-run', action='store_true',
                        help='a quick check: two iterations of every stage, its validation, a checkpoint at the end; '
                             'writes to --work-dir, else to <work dir>/fast_dev_run')
    parser.add_argument('--test', action='store_true',
                        help='evaluate on the test split after training (also: test_after_train=True in the config)')
    add_run_arguments(parser, loads='the checkpoints this run loads (load_from, --resume)')
    return parse_run_arguments(parser, argv)


def merge_args(cfg, args):
    """Apply the command-line options to the config."""
    from mtlreg.engine.config_utils import apply_fast_dev_run, enable_amp, parse_data_roots, remap_data_roots, \
        set_work_dir
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
    if args.trust_checkpoint:
        cfg.trust_checkpoint = True
    if args.allow_partial_load:
        cfg.allow_partial_load = True
    if args.fast_dev_run:
        apply_fast_dev_run(cfg, separate_dir=args.work_dir is None)
        print(f'fast dev run: a few iterations of every stage, written to {cfg.work_dir}', flush=True)
    return cfg


def main():
    args = parse_args()
    from mmengine.runner import Runner

    from mtlreg.engine.config_loading import load_config
    from mtlreg.engine.config_validation import check_required, validate_config
    from mtlreg.engine.dist import destroy_process_group_if_initialized, init_process_group_if_needed
    from mtlreg.registry import RUNNERS
    from mtlreg.registry import register_all_modules
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)  # checked as written, before --fast-dev-run shrinks it
    check_required(cfg)
    cfg = merge_args(cfg, args)
    validate_config(cfg)
    init_process_group_if_needed(cfg.launcher)
    try:
        runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
        runner.train()
        if args.test or cfg.get('test_after_train', False):
            test_after_train(runner, args.config)
    finally:
        destroy_process_group_if_initialized()


def test_after_train(runner, config: str) -> None:
    """Evaluate the trained model (or, with ``test_checkpoint='best'``, the best one) on the test split.

    Writes and prints the report.
    """
    from mmengine.model import is_model_wrapper

    from mtlreg.engine.report import build_report, input_shape_of, summary_lines, write_report
    from mtlreg.utils.errors import ConfigError
    which = runner.cfg.get('test_checkpoint', 'last')
    checkpoint = '(the model at the end of training)'
    if which == 'best':
        checkpoint = runner.message_hub.get_info('best_ckpt')
        if not checkpoint:
            raise ConfigError("is 'best', but no best checkpoint was saved", where='test_checkpoint',
                              expected='default_hooks.checkpoint.save_best set and a validation during training')
        runner.load_checkpoint(checkpoint)
    metrics = runner.test()
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    report = build_report(model, metrics, input_shape_of(runner.test_dataloader), config=config,
                          checkpoint=checkpoint)
    write_report(report, osp.join(runner.work_dir, 'test_metrics.json'))
    runner.logger.info(f'Test report written to {osp.join(runner.work_dir, "test_metrics.json")}')
    for line in summary_lines(report):
        runner.logger.info(line)


if __name__ == '__main__':
    run_tool(main)
