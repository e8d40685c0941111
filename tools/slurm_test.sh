#!/usr/bin/env bash
# Test a checkpoint on a Slurm cluster: srun starts one task per GPU, tools/test.py --launcher slurm in each.
set -euo pipefail
usage() {
    cat <<'TEXT'
usage: tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [tools/test.py options ...]

  PARTITION       Slurm partition (srun -p)
  JOB_NAME        job name (srun --job-name)
  CONFIG          config file (relative to the current directory, or absolute)
  CHECKPOINT      checkpoint file written by tools/train.py

environment:
  GPUS            tasks in total, one per GPU (default 8)
  GPUS_PER_NODE   GPUs and tasks per node (default 8, at most GPUS)
  CPUS_PER_TASK   CPUs per task (default 5)
  SRUN_ARGS       further srun options, split at spaces (e.g. "--time=1-00:00:00 --qos=normal")
  MASTER_PORT     port of the first node (default 29500)
  PYTHON          interpreter on the nodes (default python)
example:
  GPUS=8 tools/slurm_test.sh gpu adashare configs/adashare/adashare_resnet18_scenes-5task.py \
      work_dirs/adashare/iter_1000.pth --out work_dirs/adashare/test.json
TEXT
}
fail() {
    echo "error: $1 (see tools/slurm_test.sh --help)" >&2
    exit 2
}
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    usage
    exit 0
fi
if [[ $# -lt 4 ]]; then
    usage
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
shift 4
[[ -f "$CONFIG" ]] || fail "config file not found: $CONFIG (relative paths are read from $(pwd))"
[[ -f "$CHECKPOINT" ]] || fail "checkpoint file not found: $CHECKPOINT (relative paths are read from $(pwd))"
TOOLS="$(cd "$(dirname "$0")" && pwd)"
source "$TOOLS/launch_settings.sh"
srun_settings
exec srun "${SRUN[@]}" "${PYTHON:-python}" -u "$TOOLS/test.py" "$CONFIG" "$CHECKPOINT" --launcher slurm "$@"
