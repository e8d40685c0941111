"""Reading a config file: a missing or broken file is named, a renamed config answered with its new path."""
import os

import pytest

from mtlreg.engine.config_loading import load_config
from mtlreg.utils.errors import ConfigError


def test_load_config_names_a_missing_or_broken_file(tmp_path):
    with pytest.raises(ConfigError, match='nope.py: config file not found'):
        load_config(str(tmp_path / 'nope.py'))
    broken = tmp_path / 'broken.py'
    broken.write_text('model = dict(type=\n')
    with pytest.raises(ConfigError, match='broken.py: cannot be read: SyntaxError'):
        load_config(str(broken))
    yaml = tmp_path / 'broken.yaml'
    yaml.write_text('model: [1, 2\n')
    with pytest.raises(ConfigError, match='broken.yaml: cannot be read'):
        load_config(str(yaml))


def test_an_earlier_config_name_is_answered_with_the_current_one(tmp_path, monkeypatch):
    (tmp_path / 'configs' / 'method').mkdir(parents=True)
    (tmp_path / 'configs' / 'method' / 'method_net_data.py').write_text('x = 1\n')
    (tmp_path / 'configs' / 'renamed.json').write_text('{"method/old_name.py": "method/method_net_data.py"}')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r'configs/method/old_name.py: config file not found: the config was renamed '
                                          r'\(expected configs/method/method_net_data.py'):
        load_config('configs/method/old_name.py')
    with pytest.raises(ConfigError, match='other.py: config file not found') as err:
        load_config('configs/method/other.py')
    assert 'renamed' not in str(err.value)


def test_every_renamed_config_points_at_a_config_that_exists(repo_root):
    import json
    table = json.load(open(os.path.join(repo_root, 'configs', 'renamed.json')))
    assert table and all(os.path.isfile(os.path.join(repo_root, 'configs', new)) for new in table.values())
    assert not any(os.path.exists(os.path.join(repo_root, 'configs', old)) for old in table)
