#!/usr/bin/env bash
# Train with several processes (torchrun): NCCL on GPUs, gloo on the CPU.
set -euo pipefail
usage() {
    cat <<'TEXT'
usage: tools/dist_train.sh CONFIG NUM_PROCESSES [tools/train.py options ...]

  CONFIG          config file (relative to the current directory, or absolute)
  NUM_PROCESSES   processes on this machine (one per GPU; on the CPU, e.g. 2)

environment: PORT (default 29500), NNODES (1), NODE_RANK (0), MASTER_ADDR (127.0.0.1)
example:     tools/dist_train.sh configs/adashare/adashare_resnet18_scenes-5task.py 2 --work-dir work_dirs/ddp
TEXT
}
if [[ $# -lt 2 || "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    usage
    [[ $# -ge 1 && ( "$1" == "-h" || "$1" == "--help" ) ]] && exit 0 || exit 2
fi
CONFIG=$1
NPROC=$2
shift 2
if [[ ! -f "$CONFIG" ]]; then
    echo "error: config file not found: $CONFIG (relative paths are read from $(pwd))" >&2
    exit 2
fi
if ! [[ "$NPROC" =~ ^[1-9][0-9]*$ ]]; then
    echo "error: NUM_PROCESSES must be a positive integer, got '$NPROC'" >&2
    exit 2
fi
TOOLS="$(cd "$(dirname "$0")" && pwd)"
PYTHON=${PYTHON:-python}
exec "$PYTHON" -m torch.distributed.run --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" --nproc_per_node="$NPROC" --master_port="${PORT:-29500}" \
    "$TOOLS/train.py" "$CONFIG" --launcher pytorch "$@"
