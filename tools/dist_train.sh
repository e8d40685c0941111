#!/usr/bin/env bash
# Train with several processes (torchrun), on one machine or several: NCCL on GPUs, gloo on the CPU.
set -euo pipefail
usage() {
    cat <<'TEXT'
usage: tools/dist_train.sh CONFIG NUM_PROCESSES [tools/train.py options ...]

  CONFIG          config file (relative to the current directory, or absolute)
  NUM_PROCESSES   processes on this machine (one per GPU; on the CPU, e.g. 2)

environment (run the same command on every node):
  NNODES          number of nodes (default 1; with RDZV_ENDPOINT also MIN:MAX)
  NODE_RANK       rank of this node, 0 .. NNODES-1 (default 0)
  MASTER_ADDR     address of node 0 (default 127.0.0.1)
  PORT            port on node 0 (default 29500)
  RDZV_ENDPOINT   HOST[:PORT] of a rendezvous (c10d) instead of MASTER_ADDR/PORT/NODE_RANK:
                  nodes get their ranks as they join
  RDZV_ID         job id shared by the nodes of one rendezvous (default mtlreg)
  RDZV_BACKEND    rendezvous backend (default c10d)
  PYTHON          interpreter (default python)
examples:
  tools/dist_train.sh configs/adashare/adashare_resnet18_scenes-5task.py 2 --work-dir work_dirs/ddp
  NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 PORT=29500 tools/dist_train.sh CONFIG 8   # on node 0
  NNODES=2 NODE_RANK=1 MASTER_ADDR=10.0.0.1 PORT=29500 tools/dist_train.sh CONFIG 8   # on node 1
TEXT
}
fail() {
    echo "error: $1 (see tools/dist_train.sh --help)" >&2
    exit 2
}
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    usage
    exit 0
fi
if [[ $# -lt 2 ]]; then
    usage
    exit 2
fi
CONFIG=$1
NPROC=$2
shift 2
[[ -f "$CONFIG" ]] || fail "config file not found: $CONFIG (relative paths are read from $(pwd))"
[[ "$NPROC" =~ ^[1-9][0-9]*$ ]] || fail "NUM_PROCESSES must be a positive integer, got '$NPROC'"

TOOLS="$(cd "$(dirname "$0")" && pwd)"
source "$TOOLS/launch_settings.sh"
torchrun_settings
PYTHON=${PYTHON:-python}
exec "$PYTHON" -m torch.distributed.run "${LAUNCH[@]}" --nproc-per-node="$NPROC" \
    "$TOOLS/train.py" "$CONFIG" --launcher pytorch "$@"
