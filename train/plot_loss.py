#!/usr/bin/env python3
"""Loss curve of a train_lora.py run: reads RUN/log.csv, writes RUN/loss.png.

    python3 train/plot_loss.py train/runs/r8-e1 [--out loss.png] [--smooth 10]

matplotlib is optional: without it a note is printed and the last rows are shown as text.
"""
import argparse, csv
from pathlib import Path


def read(run):
    rows = list(csv.DictReader(open(Path(run) / "log.csv", newline="")))
    train = [(int(r["step"]), float(r["train_loss"])) for r in rows if r.get("train_loss")]
    ev = [(int(r["step"]), float(r["eval_loss"])) for r in rows if r.get("eval_loss")]
    return train, ev


def smooth(xs, k):
    if k <= 1:
        return xs
    out, acc = [], []
    for x in xs:
        acc.append(x)
        acc = acc[-k:]
        out.append(sum(acc) / len(acc))
    return out


def plot(run, out=None, k=10):
    run = Path(run)
    train, ev = read(run)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot written (pip install matplotlib). Last rows:")
        for s, l in train[-5:]:
            print(f"  step {s} train {l:.4f}")
        for s, l in ev[-3:]:
            print(f"  step {s} eval  {l:.4f}")
        return None
    plt.figure(figsize=(7, 4))
    if train:
        plt.plot([s for s, _ in train], [l for _, l in train], alpha=0.3, label="train (per optimizer step)")
        plt.plot([s for s, _ in train], smooth([l for _, l in train], k), label=f"train, mean of last {k}")
    if ev:
        plt.plot([s for s, _ in ev], [l for _, l in ev], "o-", label="held-out")
    plt.xlabel("optimizer step"); plt.ylabel("loss (SQL tokens)"); plt.yscale("log")
    plt.legend(); plt.grid(alpha=0.3); plt.tight_layout()
    dest = Path(out) if out else run / "loss.png"
    plt.savefig(dest, dpi=120)
    print("wrote", dest)
    return dest


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("run", help="run directory holding log.csv")
    ap.add_argument("--out", default=None)
    ap.add_argument("--smooth", type=int, default=10)
    a = ap.parse_args()
    plot(a.run, a.out, a.smooth)
