import json
import os
import stat

import pytest

from mtlreg.utils.atomic_io import atomic_write, write_json_atomic


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / 'report.json'
    write_json_atomic(str(target), {'a': 1})
    with pytest.raises(RuntimeError):
        with atomic_write(str(target)) as f:
            f.write('{"a": ')
            raise RuntimeError('killed mid-write')
    assert json.loads(target.read_text()) == {'a': 1}
    assert os.listdir(tmp_path) == ['report.json']


def test_files_get_the_permissions_of_a_plain_open(tmp_path):
    write_json_atomic(str(tmp_path / 'a.json'), [])
    with open(tmp_path / 'b.json', 'w') as f:
        f.write('[]')
    mode = lambda name: stat.S_IMODE(os.stat(tmp_path / name).st_mode)  # noqa: E731
    assert mode('a.json') == mode('b.json')
