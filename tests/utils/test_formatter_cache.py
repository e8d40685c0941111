"""The first import of yapf (MMEngine's config formatter) runs under a lock on its cache directory."""
import fcntl
import glob
import os
import pickle
import subprocess
import sys
import time

from mtlreg.utils.formatter_cache import LOCK_NAME


def test_a_process_waits_for_the_lock_before_yapf_writes_its_grammar_cache(tmp_path):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path))
    cache = tmp_path / 'YAPF'
    cache.mkdir()
    with open(cache / LOCK_NAME, 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        child = subprocess.Popen([sys.executable, '-c', 'import mtlreg'], env=env)
        time.sleep(2.0)  # `import mtlreg` alone takes well under a second
        waiting = child.poll() is None
        written_meanwhile = glob.glob(str(cache / '**' / '*.pickle'), recursive=True)
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert child.wait(timeout=120) == 0
    assert waiting and written_meanwhile == []
    tables = glob.glob(str(cache / '**' / '*.pickle'), recursive=True)
    assert sorted(os.path.basename(t).split('-py')[0] for t in tables) == ['Grammar', 'PatternGrammar']
    for table in tables:
        with open(table, 'rb') as f:
            assert pickle.load(f)['symbol2number']  # complete, not truncated
