#!/usr/bin/env bash
# Speed of nl2sql's in-process candle model vs llama.cpp on the same GGUF, same
# thread count, in the same run (the machine is noisy: compare ratios, not absolutes).
#
#   benches/llama_cpp_compare.sh [threads] [model size: 0.5b (default) | 1.5b]
#
# llama.cpp is built once by benches/build_llama_cpp.sh, outside the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
T=${1:-2}
SIZE=${2:-0.5b}
BIN=$(benches/build_llama_cpp.sh)
cargo build --release -q
MODEL=$(./target/release/nl2sql --model-size "$SIZE" fetch)
OURS=$(./target/release/nl2sql --threads "$T" --model-size "$SIZE" --adapter none bench --json - 2>/dev/null)
PP=$(echo "$OURS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["prompt_tokens"])')
THEIRS=$("$BIN/llama-bench" -m "$MODEL" -t "$T" -p "$PP" -n 64 -r 3 -o json 2>/dev/null)
python3 - "$OURS" "$THEIRS" <<'PY'
import json, sys
ours, theirs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pp = next(t["avg_ts"] for t in theirs if t["n_prompt"] > 0)
tg = next(t["avg_ts"] for t in theirs if t["n_gen"] > 0)
print(f"prompt tokens {ours['prompt_tokens']}, threads {ours['threads']}")
print(f"{'':22}{'nl2sql (candle)':>16}{'llama.cpp':>12}{'ratio':>8}")
print(f"{'prefill tok/s (cold)':22}{ours['cold_prefill_tokens_per_s']:16.1f}{pp:12.1f}{ours['cold_prefill_tokens_per_s']/pp:8.2f}")
print(f"{'decode tok/s':22}{ours['decode_tokens_per_s']:16.1f}{tg:12.1f}{ours['decode_tokens_per_s']/tg:8.2f}")
print(f"nl2sql prefill with cached system prefix: {ours['prefill_tokens_per_s']:.1f} tok/s of new tokens; "
      f"answer p50 {ours['answer_p50_ms']:.0f} ms, peak RSS {ours['peak_rss_mb']:.0f} MB, load {ours['load_ms']:.0f} ms")
PY
