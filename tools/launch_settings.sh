# Settings shared by the launch scripts, sourced by them (not run on its own). Each function reads the
# environment variables their --help lists and calls the sourcing script's `fail MESSAGE` on bad input.

# torchrun's node and rendezvous options from NNODES, NODE_RANK, MASTER_ADDR, PORT or RDZV_ENDPOINT,
# RDZV_ID, RDZV_BACKEND, into the array LAUNCH.
torchrun_settings() {
    NNODES=${NNODES:-1}
    RDZV_ENDPOINT=${RDZV_ENDPOINT:-}
    if [[ -n "$RDZV_ENDPOINT" ]]; then
        [[ "$NNODES" =~ ^[1-9][0-9]*(:[1-9][0-9]*)?$ ]] \
            || fail "NNODES must be a positive integer or MIN:MAX, got '$NNODES'"
        local host_port='^(\[[0-9A-Fa-f:.]+\]|[-A-Za-z0-9_.]+)(:[0-9]+)?$'
        [[ "$RDZV_ENDPOINT" =~ $host_port ]] || fail "RDZV_ENDPOINT must be HOST or HOST:PORT, got '$RDZV_ENDPOINT'"
        LAUNCH=(--nnodes="$NNODES" --rdzv-backend="${RDZV_BACKEND:-c10d}" --rdzv-endpoint="$RDZV_ENDPOINT"
                --rdzv-id="${RDZV_ID:-mtlreg}")
    else
        NODE_RANK=${NODE_RANK:-0}
        PORT=${PORT:-29500}
        [[ "$NNODES" =~ ^[1-9][0-9]*$ ]] || fail "NNODES must be a positive integer, got '$NNODES'"
        [[ "$NODE_RANK" =~ ^(0|[1-9][0-9]*)$ ]] && (( NODE_RANK < NNODES )) \
            || fail "NODE_RANK must be an integer from 0 to NNODES-1 = $((NNODES - 1)), got '$NODE_RANK'"
        [[ "$PORT" =~ ^[1-9][0-9]*$ ]] && (( PORT < 65536 )) || fail "PORT must be a port number (1-65535), got '$PORT'"
        LAUNCH=(--nnodes="$NNODES" --node-rank="$NODE_RANK" --master-addr="${MASTER_ADDR:-127.0.0.1}"
                --master-port="$PORT")
    fi
}

# srun's options from PARTITION and JOB_NAME (the scripts' arguments) and GPUS, GPUS_PER_NODE,
# CPUS_PER_TASK, SRUN_ARGS, into the array SRUN.
srun_settings() {
    [[ -n "$PARTITION" ]] || fail "PARTITION must not be empty"
    [[ -n "$JOB_NAME" ]] || fail "JOB_NAME must not be empty"
    GPUS=${GPUS:-8}
    GPUS_PER_NODE=${GPUS_PER_NODE:-8}
    CPUS_PER_TASK=${CPUS_PER_TASK:-5}
    [[ "$GPUS" =~ ^[1-9][0-9]*$ ]] || fail "GPUS must be a positive integer, got '$GPUS'"
    [[ "$GPUS_PER_NODE" =~ ^[1-9][0-9]*$ ]] || fail "GPUS_PER_NODE must be a positive integer, got '$GPUS_PER_NODE'"
    [[ "$CPUS_PER_TASK" =~ ^[1-9][0-9]*$ ]] || fail "CPUS_PER_TASK must be a positive integer, got '$CPUS_PER_TASK'"
    (( GPUS_PER_NODE <= GPUS )) || GPUS_PER_NODE=$GPUS
    local extra
    read -r -a extra <<< "${SRUN_ARGS:-}"
    SRUN=(-p "$PARTITION" --job-name="$JOB_NAME" --gres=gpu:"$GPUS_PER_NODE" --ntasks="$GPUS"
          --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" --kill-on-bad-exit=1
          ${extra[@]+"${extra[@]}"})
}
