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
[[ -n "$PARTITION" ]] || fail "PARTITION must not be empty"
[[ -n "$JOB_NAME" ]] || fail "JOB_NAME must not be empty"
[[ -f "$CONFIG" ]] || fail "config file not found: $CONFIG (relative paths are read from $(pwd))"
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
[[ "$GPUS" =~ ^[1-9][0-9]*$ ]] || fail "GPUS must be a positive integer, got '$GPUS'"
[[ "$GPUS_PER_NODE" =~ ^[1-9][0-9]*$ ]] || fail "GPUS_PER_NODE must be a positive integer, got '$GPUS_PER_NODE'"
[[ "$CPUS_PER_TASK" =~ ^[1-9][0-9]*$ ]] || fail "CPUS_PER_TASK must be a positive integer, got '$CPUS_PER_TASK'"
(( GPUS_PER_NODE <= GPUS )) || GPUS_PER_NODE=$GPUS
read -r -a EXTRA <<< "${SRUN_ARGS:-}"
TOOLS="$(cd "$(dirname "$0")" && pwd)"
exec srun -p "$PARTITION" --job-name="$JOB_NAME" --gres=gpu:"$GPUS_PER_NODE" --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1 ${EXTRA[@]+"${EXTRA[@]}"} \
    "${PYTHON:-python}" -u "$TOOLS/train.py" "$CONFIG" ${WORK_DIR[@]+"${WORK_DIR[@]}"} --launcher slurm "$@"
