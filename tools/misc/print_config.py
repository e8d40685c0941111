"""Print a config with its bases merged, the command-line overrides and the task declarations applied."""
import argparse

from mtlreg.utils.cli import ConfigOptionsAction, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config', help='config file')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction, help='override config keys')
    return parser.parse_args(argv)


def main():
    args = parse_args()  # --help and argument errors return before the heavy imports below
    from mtlreg.engine.config_loading import load_config
    from mtlreg.engine.runner import resolve_task_config
    from mtlreg.registry import register_all_modules
    register_all_modules()
    cfg = load_config(args.config, args.cfg_options)
    print(resolve_task_config(cfg).pretty_text)


if __name__ == '__main__':
    run_tool(main)
