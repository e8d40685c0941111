"""Print a config with its bases merged, the command-line overrides and the task declarations applied."""
import argparse
import os

os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

from mmengine.config import Config, DictAction  # noqa: E402

from mtlreg.engine.runner import resolve_task_config  # noqa: E402
from mtlreg.utils import register_all_modules  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config', help='config file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config keys')
    args = parser.parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    print(resolve_task_config(cfg).pretty_text)


if __name__ == '__main__':
    main()
