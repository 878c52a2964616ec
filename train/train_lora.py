#!/usr/bin/env python3
"""LoRA SFT of Qwen2.5-Coder (GGUF base) on the engine's own prompts.

Input: chat JSONL from `nl2sql export-sft --format chatml` (system, user, assistant).
Loss only on the assistant (SQL) tokens; the LM head runs only at those positions,
which saves a large share of the step on a 151k-token vocabulary. Checkpoints
(adapter + optimizer + scheduler + step + RNG) every --save-every steps; --resume
continues from the newest. Runs unchanged on CUDA when one is available.

    python3 train/train_lora.py --gguf ~/.cache/nl2sql/models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf \
        --data train/data/sft_train.jsonl --out train/runs/r8 --epochs 1
"""
import argparse, csv, glob, json, math, os, random, time
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model, set_peft_model_state_dict, get_peft_model_state_dict
from transformers import AutoModelForCausalLM, AutoTokenizer

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--gguf", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--alpha", type=float, default=16)
    p.add_argument("--dropout", type=float, default=0.05)
    p.add_argument("--targets", default=",".join(TARGETS))
    p.add_argument("--accum", type=int, default=4, help="examples per optimizer step")
    p.add_argument("--max-tokens", type=int, default=512)
    p.add_argument("--holdout", type=float, default=0.05, help="share of data held out for eval loss")
    p.add_argument("--eval-every", type=int, default=100)
    p.add_argument("--save-every", type=int, default=50, help="optimizer steps between checkpoints")
    p.add_argument("--bf16", action="store_true", help="bf16 autocast (faster on AVX-512 bf16 CPUs and GPUs)")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many optimizer steps (0 = epochs)")
    p.add_argument("--plot", action="store_true", help="write loss.png from the log")
    return p.parse_args()


def encode(tok, ex, max_tokens):
    msgs = ex["messages"]
    prompt = tok.apply_chat_template(msgs[:2], tokenize=False, add_generation_prompt=True)
    p_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    t_ids = tok(msgs[2]["content"], add_special_tokens=False)["input_ids"] + [tok.convert_tokens_to_ids("<|im_end|>")]
    ids = (p_ids + t_ids)[:max_tokens]
    n_prompt = min(len(p_ids), len(ids))
    return ids, n_prompt


def loss_on_targets(model, ids, n_prompt, device):
    """Cross-entropy over the target tokens only; LM head only where needed."""
    x = torch.tensor([ids], device=device)
    base = model.get_base_model()
    hidden = base.model(input_ids=x).last_hidden_state[0]          # (T, H)
    pos = torch.arange(n_prompt - 1, len(ids) - 1, device=device)  # positions predicting targets
    logits = base.lm_head(hidden[pos]).float()
    return torch.nn.functional.cross_entropy(logits, x[0, pos + 1])


def newest_checkpoint(out):
    cks = sorted(glob.glob(str(out / "ckpt-*")), key=lambda p: int(p.rsplit("-", 1)[1]))
    return Path(cks[-1]) if cks else None


def plot(out):
    rows = list(csv.DictReader(open(out / "log.csv")))
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot (pip install matplotlib)")
        return
    steps = [int(r["step"]) for r in rows if r["train_loss"]]
    loss = [float(r["train_loss"]) for r in rows if r["train_loss"]]
    ev = [(int(r["step"]), float(r["eval_loss"])) for r in rows if r["eval_loss"]]
    plt.figure(figsize=(7, 4))
    plt.plot(steps, loss, label="train (per optimizer step)", alpha=0.6)
    if ev:
        plt.plot([s for s, _ in ev], [v for _, v in ev], "o-", label="held-out")
    plt.xlabel("optimizer step"); plt.ylabel("loss (SQL tokens)"); plt.legend(); plt.grid(alpha=0.3)
    plt.tight_layout(); plt.savefig(out / "loss.png", dpi=120)
    print("wrote", out / "loss.png")


def main():
    a = parse()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    if a.plot and not a.resume and (out / "log.csv").exists() and a.max_steps == 0 and a.epochs == 0:
        return plot(out)
    if a.threads:
        torch.set_num_threads(a.threads)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    random.seed(a.seed); torch.manual_seed(a.seed)

    gguf = Path(a.gguf)
    t0 = time.time()
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32).to(device)
    print(f"loaded base in {time.time()-t0:.1f}s on {device}", flush=True)
    cfg = LoraConfig(r=a.rank, lora_alpha=a.alpha, lora_dropout=a.dropout, target_modules=a.targets.split(","), task_type="CAUSAL_LM")
    model = get_peft_model(model, cfg)
    model.print_trainable_parameters()

    data = [json.loads(l) for l in open(a.data) if l.strip()]
    rng = random.Random(a.seed)
    rng.shuffle(data)
    n_hold = max(1, int(len(data) * a.holdout)) if a.holdout > 0 else 0
    hold, train = data[:n_hold], data[n_hold:]
    train_enc = [encode(tok, ex, a.max_tokens) for ex in train]
    hold_enc = [encode(tok, ex, a.max_tokens) for ex in hold]
    total_steps = a.max_steps or math.ceil(len(train_enc) * a.epochs / a.accum)
    print(f"{len(train_enc)} train / {len(hold_enc)} held-out examples; {total_steps} optimizer steps; "
          f"mean tokens {sum(len(i) for i, _ in train_enc)/len(train_enc):.0f}", flush=True)

    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.0)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / a.warmup) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / max(1, total_steps)))))
    step, cursor = 0, 0
    order = list(range(len(train_enc)))
    ck = newest_checkpoint(out) if a.resume else None
    if ck:
        from safetensors.torch import load_file
        set_peft_model_state_dict(model, load_file(str(ck / "adapter_model.safetensors")))
        st = torch.load(ck / "state.pt", weights_only=False)
        opt.load_state_dict(st["opt"]); sched.load_state_dict(st["sched"])
        step, cursor, order = st["step"], st["cursor"], st["order"]
        random.setstate(st["py_rng"]); torch.set_rng_state(st["torch_rng"])
        print(f"resumed from {ck} at step {step}", flush=True)

    log_path = out / "log.csv"
    new_log = not log_path.exists() or not a.resume
    log = open(log_path, "w" if new_log else "a", newline="")
    w = csv.writer(log)
    if new_log:
        w.writerow(["step", "train_loss", "eval_loss", "lr", "tokens_per_s", "elapsed_s"])

    def evaluate():
        model.eval()
        with torch.no_grad(), torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=a.bf16):
            ls = [loss_on_targets(model, i, n, device).item() for i, n in hold_enc]
        model.train()
        return sum(ls) / max(1, len(ls))

    def save(tag):
        d = out / tag
        model.save_pretrained(d)
        torch.save({"opt": opt.state_dict(), "sched": sched.state_dict(), "step": step, "cursor": cursor, "order": order,
                    "py_rng": random.getstate(), "torch_rng": torch.get_rng_state()}, d / "state.pt")
        for old in sorted(glob.glob(str(out / "ckpt-*")), key=lambda p: int(p.rsplit("-", 1)[1]))[:-2]:
            import shutil; shutil.rmtree(old)

    model.train()
    t_start, toks = time.time(), 0
    while step < total_steps:
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
        el = time.time() - t_start
        ev = evaluate() if (a.eval_every and step % a.eval_every == 0) or step == total_steps else None
        w.writerow([step, f"{acc_loss:.4f}", "" if ev is None else f"{ev:.4f}", f"{sched.get_last_lr()[0]:.2e}", f"{toks/el:.1f}", f"{el:.0f}"])
        log.flush()
        print(f"step {step}/{total_steps} loss {acc_loss:.4f}" + ("" if ev is None else f" eval {ev:.4f}") + f" {toks/el:.0f} tok/s {el:.0f}s", flush=True)
        if step % a.save_every == 0:
            save(f"ckpt-{step}")
    model.save_pretrained(out / "final")
    print(f"done: {step} steps in {time.time()-t_start:.0f}s; adapter in {out/'final'}", flush=True)
    if a.plot:
        plot(out)


if __name__ == "__main__":
    main()
