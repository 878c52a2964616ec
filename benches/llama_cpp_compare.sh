#!/usr/bin/env bash
# Speed of nl2sql's in-process candle model vs llama.cpp on the same GGUF, same
# thread count, in the same run (the machine is noisy: compare ratios, not absolutes).
#
#   benches/llama_cpp_compare.sh [--kernel avx2|avxvnni|avx512vnni] [threads] [model size: 0.5b (default) | 1.5b]
#
# With --kernel, nl2sql is forced onto that kernel (NL2SQL_KERNEL) and llama.cpp is
# built for the same instruction set (benches/build_llama_cpp.sh avx2|avxvnni|avx512vnni);
# without it, nl2sql picks its kernel and llama.cpp is built with GGML_NATIVE.
# llama.cpp is built once per instruction set, outside the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
KERNEL=""
if [ "${1:-}" = "--kernel" ]; then KERNEL=${2:?--kernel needs avx2, avxvnni or avx512vnni}; shift 2; fi
case "$KERNEL" in ""|avx2|avxvnni|avx512vnni) ;; *) echo "--kernel $KERNEL: expected avx2, avxvnni or avx512vnni" >&2; exit 2 ;; esac
T=${1:-2}
SIZE=${2:-0.5b}
BIN=$(benches/build_llama_cpp.sh "${KERNEL:-native}")
cargo build --release -q -p engine
NL2SQL=${CARGO_TARGET_DIR:-target}/release/nl2sql
MODEL=$("$NL2SQL" --model-size "$SIZE" fetch)
if [ -n "$KERNEL" ]; then export NL2SQL_KERNEL=$KERNEL; fi
# Plain greedy decoding for the like-for-like ratio, then with prompt-lookup drafts.
OURS=$("$NL2SQL" --threads "$T" --model-size "$SIZE" --adapter none --draft-tokens 0 bench --json - 2>/dev/null)
PP=$(echo "$OURS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["prompt_tokens"])')
THEIRS=$("$BIN/llama-bench" -m "$MODEL" -t "$T" -p "$PP" -n 64 -r 3 -o json 2>/dev/null)
SPEC=$("$NL2SQL" --threads "$T" --model-size "$SIZE" --adapter none bench --json - 2>/dev/null)
python3 - "$OURS" "$THEIRS" "$SPEC" <<'PY'
import json, sys
ours, theirs, spec = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
pp = next(t["avg_ts"] for t in theirs if t["n_prompt"] > 0)
tg = next(t["avg_ts"] for t in theirs if t["n_gen"] > 0)
print(f"prompt tokens {ours['prompt_tokens']}, threads {ours['threads']}, nl2sql kernel {ours.get('kernel', '?')}")
print(f"{'':22}{'nl2sql (candle)':>16}{'llama.cpp':>12}{'ratio':>8}")
print(f"{'prefill tok/s (cold)':22}{ours['cold_prefill_tokens_per_s']:16.1f}{pp:12.1f}{ours['cold_prefill_tokens_per_s']/pp:8.2f}")
print(f"{'decode tok/s':22}{ours['decode_tokens_per_s']:16.1f}{tg:12.1f}{ours['decode_tokens_per_s']/tg:8.2f}")
print(f"{'decode, drafts (eff.)':22}{spec['decode_tokens_per_s']:16.1f}{tg:12.1f}{spec['decode_tokens_per_s']/tg:8.2f}"
      f"  ({spec['tokens_per_step']:.2f} tokens/step, {spec['draft_acceptance']:.0%} of drafts kept, up to {spec['draft_tokens']})")
print(f"nl2sql prefill with cached system prefix: {ours['prefill_tokens_per_s']:.1f} tok/s of new tokens; "
      f"answer p50 {ours['answer_p50_ms']:.0f} ms (with drafts {spec['answer_p50_ms']:.0f}), peak RSS {ours['peak_rss_mb']:.0f} MB, load {ours['load_ms']:.0f} ms")
PY
