#!/usr/bin/env python3
"""A small, CPU-sized training mix for continuing the shipped adapter (no GPU lent).

    python3 train/make_mix.py --sft train/data/sft_all.jsonl --out train/data/sft_cpu_mix.jsonl

Reads the `export-sft` output of the FinGLM train pairs plus `datasets/generated/template_pairs.jsonl`
and samples per class (question text -> class through the pair files), seeded. FinGLM replay keeps
the old templates from regressing while the new kinds are learned. FinGLM pairs whose gold SQL reads
a bare city as 注册地址 are left out: they contradict the place rule in schemas/finglm.toml.
"""
import argparse, json, random, collections, re

p = argparse.ArgumentParser()
p.add_argument("--sft", required=True)
p.add_argument("--out", required=True)
p.add_argument("--seed", type=int, default=20261202)
p.add_argument("--per-class", type=int, default=90)
p.add_argument("--columns", type=int, default=160)
p.add_argument("--finglm", type=int, default=260)
p.add_argument("--finglm-style", type=int, default=100)
p.add_argument("--finglm-computed", type=float, default=0.0,
               help="share of the FinGLM replay drawn from its computed pairs (ratio or two-year growth SQL); "
                    "0 samples FinGLM uniformly")
p.add_argument("--finglm-ranking", type=float, default=0.0,
               help="share of the FinGLM replay drawn from its ranking pairs (ORDER BY in the gold SQL); "
                    "0 samples them with the rest")
p.add_argument("--class-size", action="append", default=[], metavar="CLASS=N",
               help="sample N of this class instead of --per-class (repeatable)")
a = p.parse_args()


def finglm_ranking(ex):
    """FinGLM pairs whose gold orders companies (ORDER BY: a top-N or which of two is higher)."""
    return "order by" in ex["messages"][2]["content"].lower()


def finglm_computed(ex):
    """FinGLM pairs whose gold computes (a ratio) or fetches two years for a growth rate."""
    sql = ex["messages"][2]["content"]
    return "/" in sql or bool(re.search(r"年份 in \('\d{4}年', '\d{4}年'\)", sql))

cls = {}
for line in open("datasets/generated/template_pairs.jsonl", encoding="utf-8"):
    r = json.loads(line)
    cls[r["question"]] = r["class"]
conflict = set()
for line in open("datasets/finglm/nl2sql_train.jsonl", encoding="utf-8"):
    r = json.loads(line)
    cls.setdefault(r["question"], "finglm")
    if "注册地址" in r.get("sql", "") and "注册" not in r["question"]:
        conflict.add(r["question"])

OLD = {"lookup", "multi_year", "growth", "ratio", "arith", "ranking", "count", "compare", "unsupported"}
groups = collections.defaultdict(list)
for line in open(a.sft, encoding="utf-8"):
    ex = json.loads(line)
    q = ex["messages"][1]["content"].rsplit("问题：", 1)[1]
    if q in conflict:
        continue
    c = cls.get(q)
    if c is None:
        raise SystemExit(f"no class for question {q!r}")
    groups["finglm_style" if c in OLD else c].append(ex)

rng = random.Random(a.seed)
size = {"finglm": a.finglm, "finglm_style": a.finglm_style, "columns": a.columns}
for kv in a.class_size:
    name, _, n = kv.partition("=")
    if not n.isdigit():
        raise SystemExit(f"--class-size wants CLASS=N, got {kv!r}")
    size[name] = int(n)
mix, report = [], {}
for c in sorted(groups):
    g = groups[c]
    rng.shuffle(g)
    n = min(len(g), size.get(c, a.per_class))
    if c == "finglm" and (a.finglm_computed > 0 or a.finglm_ranking > 0):
        # A share of 0 leaves its pairs with the rest (the earlier recipes' mixes stay reproducible).
        ranked = [a.finglm_ranking > 0 and finglm_ranking(ex) for ex in g]
        rank = [ex for ex, is_r in zip(g, ranked) if is_r]
        comp = [ex for ex, is_r in zip(g, ranked) if not is_r and finglm_computed(ex)]
        rest = [ex for ex, is_r in zip(g, ranked) if not is_r and not finglm_computed(ex)]
        r = min(len(rank), round(n * a.finglm_ranking))
        k = min(len(comp), round(n * a.finglm_computed))
        mix += rank[:r] + comp[:k] + rest[:n - k - r]
        report["finglm_ranking"] = r
        report["finglm_computed"] = k
    else:
        mix += g[:n]
    report[c] = n
rng.shuffle(mix)
with open(a.out, "w", encoding="utf-8") as f:
    for ex in mix:
        f.write(json.dumps(ex, ensure_ascii=False) + "\n")
print(f"{len(mix)} examples -> {a.out}; per class {report}; {len(conflict)} conflicting FinGLM pairs left out")
