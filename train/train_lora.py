#!/usr/bin/env python3
"""LoRA SFT of Qwen2.5-Coder (GGUF base) on the engine's own prompts.

Input: chat JSONL from `nl2sql export-sft --format chatml`, one
{"messages": [{"role": "system"|"user"|"assistant", "content": ...}, ...]} per line.
The prompt is every message before the last assistant message, rendered with the
tokenizer's chat template (generation prompt added); the target is the last
assistant message plus <|im_end|>. Loss only on the target (SQL) tokens; the LM
head runs only at those positions, which saves a large share of the step on a
151k-token vocabulary. Checkpoints (adapter + optimizer + scheduler + step + data
order + RNG) every --save-every steps; --resume continues from the newest. Runs
unchanged on CUDA when one is available.

    python3 train/train_lora.py --gguf ~/.cache/nl2sql/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf \
        --data train/data/sft_train.jsonl --out train/runs/r8 --epochs 1

Plot an existing log without training: python3 train/plot_loss.py train/runs/r8
"""
import argparse, csv, glob, json, math, os, random, shutil, time
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
from transformers import AutoModelForCausalLM, AutoTokenizer

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
LOG_HEADER = ["step", "train_loss", "eval_loss", "lr", "tokens_per_s", "elapsed_s"]


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--gguf", help="base model GGUF file (dequantized by transformers at load)")
    src.add_argument("--base", help="or a base model directory in Hugging Face format")
    p.add_argument("--data", required=True, nargs="+", help="chat JSONL file(s), concatenated in the order given")
    p.add_argument("--out", required=True, help="run directory: log.csv, ckpt-N/, final/")
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many optimizer steps (0 = from --epochs)")
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--schedule", choices=["cosine", "linear", "constant"], default="cosine",
                   help="decay after warmup (to 0 at the last step)")
    p.add_argument("--warmup", type=int, default=20, help="optimizer steps of linear warmup")
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--alpha", type=float, default=16)
    p.add_argument("--dropout", type=float, default=0.05)
    p.add_argument("--targets", default=",".join(TARGETS), help="comma-separated module names to adapt")
    p.add_argument("--accum", type=int, default=4, help="examples per optimizer step (batch is always 1)")
    p.add_argument("--max-tokens", type=int, default=512,
                   help="cut-off per example; a long prompt loses its start so the target is kept")
    p.add_argument("--holdout", type=float, default=0.05, help="share of data held out for eval loss")
    p.add_argument("--eval-every", type=int, default=100, help="optimizer steps between eval losses (0 = only at the end)")
    p.add_argument("--save-every", type=int, default=50, help="optimizer steps between checkpoints")
    p.add_argument("--keep", type=int, default=2, help="checkpoints kept")
    p.add_argument("--bf16", action="store_true", help="bf16 autocast (faster on AVX-512 bf16 CPUs and on GPUs)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch default)")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--init-adapter", help="start from this adapter directory (adapter_model.safetensors, e.g. "
                   "models/lora) instead of zero LoRA weights; its rank/alpha/targets must match --rank/--alpha/--targets")
    p.add_argument("--resume", action="store_true", help="continue from the newest complete checkpoint in --out")
    p.add_argument("--plot", action="store_true", help="write loss.png from log.csv at the end (needs matplotlib)")
    return p.parse_args()


def encode(tok, ex, max_tokens, im_end):
    """(token ids, number of prompt tokens); the target is the last assistant message."""
    msgs = ex["messages"]
    last = max(i for i, m in enumerate(msgs) if m["role"] == "assistant")
    prompt = tok.apply_chat_template(msgs[:last], tokenize=False, add_generation_prompt=True)
    p_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    t_ids = tok(msgs[last]["content"], add_special_tokens=False)["input_ids"] + [im_end]
    if len(p_ids) + len(t_ids) > max_tokens:
        t_ids = t_ids[: max(1, max_tokens // 2)] if len(t_ids) > max_tokens // 2 else t_ids
        p_ids = p_ids[len(p_ids) - (max_tokens - len(t_ids)):]
    return p_ids + t_ids, len(p_ids)


def loss_on_targets(model, ids, n_prompt, device):
    """Cross-entropy over the target tokens only; LM head only where needed."""
    x = torch.tensor([ids], device=device)
    base = model.get_base_model()
    hidden = base.model(input_ids=x).last_hidden_state[0]          # (T, H)
    pos = torch.arange(n_prompt - 1, len(ids) - 1, device=device)  # positions predicting targets
    logits = base.lm_head(hidden[pos]).float()
    return torch.nn.functional.cross_entropy(logits, x[0, pos + 1])


def checkpoints(out):
    """Complete checkpoints (both files present), oldest first."""
    cks = [Path(p) for p in glob.glob(str(out / "ckpt-*")) if p.rsplit("-", 1)[1].isdigit()]
    cks = [p for p in cks if (p / "state.pt").exists() and (p / "adapter_model.safetensors").exists()]
    return sorted(cks, key=lambda p: int(p.name.rsplit("-", 1)[1]))


def lr_lambda(schedule, warmup, total):
    def f(s):
        w = min(1.0, (s + 1) / max(1, warmup))
        frac = min(1.0, s / max(1, total))
        if schedule == "cosine":
            return w * 0.5 * (1 + math.cos(math.pi * frac))
        if schedule == "linear":
            return w * (1.0 - frac)
        return w
    return f


def main():
    a = parse()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    if a.threads:
        torch.set_num_threads(a.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    random.seed(a.seed); torch.manual_seed(a.seed)

    t0 = time.time()
    if a.gguf:
        gguf = Path(a.gguf).expanduser()
        tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32).to(device)
    else:
        tok = AutoTokenizer.from_pretrained(a.base)
        model = AutoModelForCausalLM.from_pretrained(a.base, dtype=torch.float32).to(device)
    print(f"loaded base in {time.time()-t0:.1f}s on {device}", flush=True)
    im_end = tok.convert_tokens_to_ids("<|im_end|>")
    if im_end is None or im_end == tok.unk_token_id:
        im_end = tok.eos_token_id
    cfg = LoraConfig(r=a.rank, lora_alpha=a.alpha, lora_dropout=a.dropout,
                     target_modules=[t.strip() for t in a.targets.split(",") if t.strip()], task_type="CAUSAL_LM")
    model = get_peft_model(model, cfg)
    if a.init_adapter:
        # Continue a trained adapter (the shipped one) on new data: a CPU-sized run then only
        # has to teach the new kinds, with some old pairs replayed so they are kept.
        from safetensors.torch import load_file
        init = {k: v.float() for k, v in load_file(str(Path(a.init_adapter) / "adapter_model.safetensors"), device=device).items()}
        res = set_peft_model_state_dict(model, init)
        missing = [k for k in getattr(res, "missing_keys", []) if "lora_" in k]
        if missing or getattr(res, "unexpected_keys", []):
            raise SystemExit(f"--init-adapter {a.init_adapter}: {len(missing)} LoRA weights missing, "
                             f"{len(getattr(res, 'unexpected_keys', []))} unexpected: rank/targets differ?")
        print(f"initialized LoRA weights from {a.init_adapter} ({len(init)} tensors)", flush=True)
    model.print_trainable_parameters()

    data = [json.loads(l) for path in a.data for l in open(path, encoding="utf-8") if l.strip()]
    rng = random.Random(a.seed)
    rng.shuffle(data)
    n_hold = max(1, int(len(data) * a.holdout)) if a.holdout > 0 else 0
    hold, train = data[:n_hold], data[n_hold:]
    train_enc = [encode(tok, ex, a.max_tokens, im_end) for ex in train]
    hold_enc = [encode(tok, ex, a.max_tokens, im_end) for ex in hold]
    total_steps = a.max_steps or math.ceil(len(train_enc) * a.epochs / a.accum)
    print(f"{len(train_enc)} train / {len(hold_enc)} held-out examples; {total_steps} optimizer steps; "
          f"mean tokens {sum(len(i) for i, _ in train_enc)/max(1, len(train_enc)):.0f}; "
          f"at the --max-tokens cut-off: {sum(1 for i, _ in train_enc + hold_enc if len(i) >= a.max_tokens)}", flush=True)

    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda(a.schedule, a.warmup, total_steps))
    step, cursor, elapsed0 = 0, 0, 0.0
    order = list(range(len(train_enc)))
    cks = checkpoints(out) if a.resume else []
    if a.resume and not cks:
        print(f"--resume: no complete checkpoint in {out}, starting from step 0", flush=True)
    if cks:
        ck = cks[-1]
        from safetensors.torch import load_file
        set_peft_model_state_dict(model, load_file(str(ck / "adapter_model.safetensors"), device=device))
        st = torch.load(ck / "state.pt", map_location="cpu", weights_only=False)
        opt.load_state_dict(st["opt"]); sched.load_state_dict(st["sched"])
        step, cursor, order = st["step"], st["cursor"], st["order"]
        random.setstate(st["py_rng"]); torch.set_rng_state(st["torch_rng"])
        if "data_rng" in st:  # older checkpoints lack it: only later reshuffles differ
            rng.setstate(st["data_rng"])
        if st.get("cuda_rng") is not None and device == "cuda":
            torch.cuda.set_rng_state_all(st["cuda_rng"])
        elapsed0 = st.get("elapsed", 0.0)
        if len(order) != len(train_enc):
            raise SystemExit(f"{ck}: saved data order has {len(order)} examples, this run {len(train_enc)}: "
                             "resume with the same --data, --holdout and --seed")
        print(f"resumed from {ck} at step {step}", flush=True)

    log_path = out / "log.csv"
    if cks and log_path.exists():
        # drop rows written after the checkpoint (they will be redone)
        rows = [r for r in csv.reader(open(log_path, newline=""))][1:]
        rows = [r for r in rows if r and r[0].isdigit() and int(r[0]) <= step]
        with open(log_path, "w", newline="") as f:
            csv.writer(f).writerows([LOG_HEADER] + rows)
        log = open(log_path, "a", newline="")
    else:
        log = open(log_path, "w", newline="")
        csv.writer(log).writerow(LOG_HEADER)
    w = csv.writer(log)

    def evaluate():
        model.eval()
        with torch.no_grad(), torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=a.bf16):
            ls = [loss_on_targets(model, i, n, device).item() for i, n in hold_enc]
        model.train()
        return sum(ls) / max(1, len(ls))

    def save(tag, elapsed):
        d, tmp = out / tag, out / f"tmp-{tag}"
        shutil.rmtree(tmp, ignore_errors=True)
        model.save_pretrained(tmp)
        torch.save({"opt": opt.state_dict(), "sched": sched.state_dict(), "step": step, "cursor": cursor, "order": order,
                    "py_rng": random.getstate(), "torch_rng": torch.get_rng_state(), "data_rng": rng.getstate(),
                    "cuda_rng": torch.cuda.get_rng_state_all() if device == "cuda" else None, "elapsed": elapsed},
                   tmp / "state.pt")
        shutil.rmtree(d, ignore_errors=True)
        os.replace(tmp, d)  # a checkpoint directory is complete or absent
        for old in checkpoints(out)[:-max(1, a.keep)]:
            shutil.rmtree(old)

    model.train()
    t_start, toks, train_s = time.time(), 0, 0.0
    while step < total_steps:
        t_step = time.time()
        acc_loss = 0.0
        for _ in range(a.accum):
            if cursor >= len(order):
                rng.shuffle(order); cursor = 0
            ids, n_prompt = train_enc[order[cursor]]; cursor += 1
            with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=a.bf16):
                loss = loss_on_targets(model, ids, n_prompt, device) / a.accum
            loss.backward()
            acc_loss += loss.item(); toks += len(ids)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step(); sched.step(); opt.zero_grad(set_to_none=True)
        step += 1
        train_s += time.time() - t_step
        ev = evaluate() if (a.eval_every and step % a.eval_every == 0) or step == total_steps else None
        el = elapsed0 + time.time() - t_start
        tps = toks / max(train_s, 1e-9)  # training tokens per second of training (eval and saving excluded)
        w.writerow([step, f"{acc_loss:.4f}", "" if ev is None else f"{ev:.4f}", f"{sched.get_last_lr()[0]:.2e}",
                    f"{tps:.1f}", f"{el:.0f}"])
        log.flush()
        print(f"step {step}/{total_steps} loss {acc_loss:.4f}" + ("" if ev is None else f" eval {ev:.4f}")
              + f" {tps:.0f} tok/s {el:.0f}s", flush=True)
        if a.save_every and step % a.save_every == 0:
            save(f"ckpt-{step}", el)
    log.close()
    model.save_pretrained(out / "final")  # adapter only: adapter_model.safetensors + adapter_config.json
    print(f"done: {step} steps in {elapsed0 + time.time() - t_start:.0f}s; adapter in {out/'final'}", flush=True)
    if a.plot:
        from plot_loss import plot
        plot(out)


if __name__ == "__main__":
    main()
