"""``--cfg-options`` items parse as MMEngine parses them, and a malformed one is named."""
import argparse

import pytest

from mtlreg.utils.cli import ConfigOptionsAction


@pytest.mark.parametrize('item,fragment', [
    ('train_cfg.max_iters', 'expected KEY=VALUE'),
    ('=3', 'expected KEY=VALUE'),
    ('a..b=3', 'expected KEY=VALUE'),
    ('model.backbone.strides=[1,2', 'brackets of the value do not balance'),
    ('x=(1,[2)', 'brackets of the value do not balance'),
])
def test_malformed_cfg_options_name_the_item(item, fragment, capsys):
    parser = argparse.ArgumentParser(prog='train.py')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction)
    with pytest.raises(SystemExit):
        parser.parse_args(['--cfg-options', item])
    err = capsys.readouterr().err
    assert repr(item) in err and fragment in err, err


def test_well_formed_cfg_options_parse_as_mmengine_does():
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction)
    args = parser.parse_args(['--cfg-options', 'a.b=3', 'c=[1,2]', 'd=x'])
    assert args.cfg_options == {'a.b': 3, 'c': [1, 2], 'd': 'x'}
