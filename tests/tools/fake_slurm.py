"""Stand-ins for Slurm's ``srun`` and ``scontrol``, put first on PATH by the launch tests.

``srun`` writes its arguments and environment to ``$FAKE_SRUN_RECORD`` (JSON). With
``FAKE_SRUN_RUN=1`` it then starts the command after its options ``--ntasks`` times on this
machine, each task with the ``SLURM_*`` variables srun sets (all on one node, ``SLURM_NODELIST``
``fake[1-2]``), and exits with the worst exit code. ``scontrol show hostnames`` prints 127.0.0.1
and ``fake2``.
"""
import os
import stat
import sys

SRUN = '''#!{python}
import json, os, subprocess, sys
args = sys.argv[1:]
with open(os.environ['FAKE_SRUN_RECORD'], 'w') as f:
    json.dump({{'argv': args, 'env': dict(os.environ)}}, f)
if os.environ.get('FAKE_SRUN_RUN') != '1':
    sys.exit(0)
ntasks, i = 1, 0
while args[i].startswith('-'):
    if args[i].startswith('--ntasks='):
        ntasks = int(args[i].partition('=')[2])
    i += 2 if args[i] == '-p' else 1
procs = [subprocess.Popen(args[i:], env=dict(os.environ, SLURM_PROCID=str(rank), SLURM_NTASKS=str(ntasks),
                                             SLURM_LOCALID=str(rank), SLURM_NODELIST='fake[1-2]'))
         for rank in range(ntasks)]
sys.exit(max(p.wait() for p in procs))
'''

SCONTROL = '''#!/bin/sh
[ "$1 $2" = "show hostnames" ] || exit 1
printf '127.0.0.1\\nfake2\\n'
'''


def install(bin_dir) -> str:
    """Write ``srun`` and ``scontrol`` into ``bin_dir``; return a PATH with it first."""
    os.makedirs(bin_dir, exist_ok=True)
    for name, text in (('srun', SRUN.format(python=sys.executable)), ('scontrol', SCONTROL)):
        path = os.path.join(bin_dir, name)
        with open(path, 'w') as f:
            f.write(text)
        os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return f'{bin_dir}{os.pathsep}{os.environ.get("PATH", "")}'
