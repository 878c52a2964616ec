#!/usr/bin/env bash
# Data-mix comparison and a small rank sweep, run side by side (on a CUDA machine they
# share the GPU; on this 2-core CPU run one at a time instead). Selection is by the loss
# on each run's held-out 5% of its own training data, never on an evaluation list.
#
#   GGUF=~/.cache/nl2sql/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf RUNS=train/runs bash train/sweep.sh
set -euo pipefail
GGUF=${GGUF:?set GGUF to the base model file}
RUNS=${RUNS:-train/runs}
mkdir -p "$RUNS"

run() {
    local name=$1; shift
    python3 train/train_lora.py --gguf "$GGUF" --out "$RUNS/$name" --bf16 --accum 8 --warmup 20 \
        --eval-every 100 --save-every 100000 --plot "$@" >"$RUNS/$name.log" 2>&1
    echo "$name: exit $?" >>"$RUNS/done.txt"
}

# A: FinGLM train pairs only (cleaned), three epochs.
run A-train-r8 --data train/data/sft_train.jsonl --epochs 3 --rank 8 --alpha 16 --lr 2e-4 &
# B: train pairs + template pairs, two epochs, rank 8 and 16.
run B-mix-r8 --data train/data/sft_mix.jsonl --epochs 2 --rank 8 --alpha 16 --lr 2e-4 &
run B-mix-r16 --data train/data/sft_mix.jsonl --epochs 2 --rank 16 --alpha 32 --lr 2e-4 &
wait
