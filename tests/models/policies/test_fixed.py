"""A fixed mask read from a policy file; a missing task, a missing file, both or neither named."""
import pytest

from mtlreg.models.policies import FixedMaskPolicy
from mtlreg.structures.policy_file import save_policy


def test_policy_file_round_trip_into_a_fixed_policy(tmp_path):
    path = str(tmp_path / 'policy.json')
    mask = [[1, 0, 1], [0, 1, 1]]
    save_policy(path, ['a', 'b'], mask, probabilities=[[0.9, 0.1, 0.8], [0.2, 0.7, 0.6]], units=None, seed=3)
    fixed = FixedMaskPolicy(['a', 'b'], (3,), mask_file=path)
    assert fixed.discretize().int().tolist() == mask
    with pytest.raises(KeyError, match=r"no entry for tasks \['c'\]"):
        FixedMaskPolicy(['a', 'b', 'c'], (3,), mask_file=path)
    with pytest.raises(FileNotFoundError, match='policy file not found'):
        FixedMaskPolicy(['a'], (3,), mask_file=str(tmp_path / 'missing.json'))
    with pytest.raises(ValueError, match='exactly one of mask and mask_file'):
        FixedMaskPolicy(['a'], (3,))
