#!/usr/bin/env bash
# Train on a Slurm cluster: srun starts one task per GPU, tools/train.py --launcher slurm in each.
set -euo pipefail
usage() {
    cat <<'TEXT'
usage: tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [tools/train.py options ...]

  PARTITION       Slurm partition (srun -p)
  JOB_NAME        job name (srun --job-name)
  CONFIG          config file (relative to the current directory, or absolute)
  WORK_DIR        directory for logs and checkpoints (tools/train.py --work-dir); optional

environment:
  GPUS            tasks in total, one per GPU (default 8)
  GPUS_PER_NODE   GPUs and tasks per node (default 8, at most GPUS)
  CPUS_PER_TASK   CPUs per task (default 5)
  SRUN_ARGS       further srun options, split at spaces (e.g. "--time=1-00:00:00 --qos=normal")
  MASTER_PORT     port of the first node (default 29500)
  PYTHON          interpreter on the nodes (default python)
example:
  GPUS=16 GPUS_PER_NODE=8 tools/slurm_train.sh gpu adashare configs/adashare/adashare_resnet18_scenes-5task.py \
      work_dirs/adashare
TEXT
}
fail() {
    echo "error: $1 (see tools/slurm_train.sh --help)" >&2
    exit 2
}
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    usage
    exit 0
fi
if [[ $# -lt 3 ]]; then
    usage
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
shift 3
WORK_DIR=()
if [[ $# -gt 0 && "$1" != -* ]]; then
    WORK_DIR=(--work-dir "$1")
    shift
fi
[[ -f "$CONFIG" ]] || fail "config file not found: $CONFIG (relative paths are read from $(pwd))"
TOOLS="$(cd "$(dirname "$0")" && pwd)"
source "$TOOLS/launch_settings.sh"
srun_settings
exec srun "${SRUN[@]}" "${PYTHON:-python}" -u "$TOOLS/train.py" "$CONFIG" ${WORK_DIR[@]+"${WORK_DIR[@]}"} --launcher slurm "$@"
