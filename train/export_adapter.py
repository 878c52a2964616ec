#!/usr/bin/env python3
"""Copy a trained PEFT adapter into models/lora/ as fp16 safetensors (half the size,
the engine upcasts at load), with its sha256 and the recipe in models/lora/README.md.

    python3 train/export_adapter.py train/runs/r8-e1/final --data train/data/sft_train.jsonl --log train/runs/r8-e1.log
"""
import argparse, hashlib, json, shutil
from pathlib import Path
from safetensors.torch import load_file, save_file

p = argparse.ArgumentParser()
p.add_argument("adapter_dir")
p.add_argument("--out", default="models/lora")
p.add_argument("--data", required=True)
p.add_argument("--log", default=None)
p.add_argument("--command", default="")
a = p.parse_args()

src, out = Path(a.adapter_dir), Path(a.out)
out.mkdir(parents=True, exist_ok=True)
tensors = {k: v.half().contiguous() for k, v in load_file(str(src / "adapter_model.safetensors")).items()}
save_file(tensors, str(out / "adapter_model.safetensors"))
cfg = json.loads((src / "adapter_config.json").read_text())
(out / "adapter_config.json").write_text(json.dumps(cfg, indent=2, ensure_ascii=False) + "\n")
sha = lambda f: hashlib.sha256(Path(f).read_bytes()).hexdigest()
lines = [
    "# LoRA adapter for Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF)",
    "",
    f"- adapter_model.safetensors sha256: `{sha(out / 'adapter_model.safetensors')}` ({len(tensors)} tensors, fp16)",
    f"- rank {cfg['r']}, alpha {cfg['lora_alpha']}, dropout {cfg.get('lora_dropout')}, targets {sorted(cfg['target_modules'])}",
    f"- training data: `{a.data}` sha256 `{sha(a.data)}` ({sum(1 for _ in open(a.data))} examples, built by `nl2sql export-sft`)",
    "- base model sha256: `1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32`",
    "",
    "The engine merges it into the weights at load (W + alpha/r · B·A, re-quantized to Q8_0); `--adapter none` runs the base model.",
    "",
    "Recipe (see train/README.md):",
    "",
    "```sh",
    a.command or "(see train/README.md)",
    "```",
]
if a.log:
    tail = [l for l in open(a.log) if l.startswith("step ") or l.startswith("done")][-3:]
    lines += ["", "Last lines of the training log:", "", "```", *[l.rstrip() for l in tail], "```"]
(out / "README.md").write_text("\n".join(lines) + "\n")
print(f"wrote {out}: {len(tensors)} tensors, {(out / 'adapter_model.safetensors').stat().st_size / 1e6:.1f} MB")
