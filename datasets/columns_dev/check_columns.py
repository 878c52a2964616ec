#!/usr/bin/env python3
"""Check datasets/columns_dev/columns.jsonl (standard library only).

Run from the repository root:

    python3 datasets/columns_dev/check_columns.py [DB_PATH]

DB_PATH defaults to ../shared/datasets/finglm/finglm.sqlite. The FinGLM question lists
(nl2sql_train/nl2sql_valid/lookup_b/lookup_c .jsonl) are read from the DB's folder.

Checks:
  * every gold SQL has the shape SELECT <col> FROM big WHERE 公司名称 = '…' AND 年份 = 'YYYY年'
    with YYYY in 2019–2021, and <col> equals the item's "column" field;
  * every gold SQL, run read-only, returns exactly one row whose value is not NULL;
  * every column of view big except the keys 公司名称, 股票简称, 年份 appears exactly once;
  * ids are unique, answer_type is "lookup";
  * no question equals (after removing whitespace and punctuation) a question of the FinGLM lists,
    datasets/analyst_dev, datasets/conversations, datasets/paraphrase,
    datasets/generated/template_pairs.jsonl or train/data/*.jsonl.
Prints one summary line; exits 1 on any failure.
"""
import glob
import json
import os
import re
import sqlite3
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
SET_PATH = os.path.join(HERE, "columns.jsonl")
DEFAULT_DB = "../shared/datasets/finglm/finglm.sqlite"
KEYS = {"公司名称", "股票简称", "年份"}
SQL_RE = re.compile(
    r"^SELECT (\S+) FROM big WHERE 公司名称 = '([^']+)' AND 年份 = '(2019|2020|2021)年'$"
)
MARK = "问题："


def norm(s):
    """Drop whitespace, punctuation and symbols; case-fold."""
    return "".join(
        ch for ch in unicodedata.normalize("NFKC", s).casefold()
        if not ch.isspace() and unicodedata.category(ch)[0] not in "PSZC"
    )


def after_mark(text):
    """The question in a prompt: the text after the last 「问题：」."""
    tail = text.rsplit(MARK, 1)[1].strip()
    return [tail, tail.split("\n", 1)[0]]


def collect(obj, out):
    """Question strings anywhere in a JSON record."""
    if isinstance(obj, dict):
        msgs = obj.get("messages")
        if isinstance(msgs, list):
            users = [m.get("content", "") for m in msgs
                     if isinstance(m, dict) and m.get("role") == "user"]
            if users and MARK in users[-1]:
                out.extend(after_mark(users[-1]))
        for k, v in obj.items():
            if k in ("question", "standalone") and isinstance(v, str):
                out.append(v)
            elif k in ("input", "instruction", "prompt") and isinstance(v, str) and MARK in v:
                out.extend(after_mark(v))
            elif isinstance(v, (dict, list)):
                collect(v, out)
    elif isinstance(obj, list):
        for v in obj:
            collect(v, out)


def other_questions(repo, db_dir):
    files = [os.path.join(db_dir, n) for n in
             ("nl2sql_train.jsonl", "nl2sql_valid.jsonl", "lookup_b.jsonl", "lookup_c.jsonl")]
    for pat in ("datasets/analyst_dev/*.jsonl", "datasets/conversations/*.jsonl",
                "datasets/paraphrase/*.jsonl", "datasets/generated/template_pairs.jsonl",
                "train/data/*.jsonl"):
        files.extend(sorted(glob.glob(os.path.join(repo, pat))))
    seen = {}
    missing = []
    for path in files:
        if not os.path.isfile(path):
            missing.append(path)
            continue
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                qs = []
                collect(json.loads(line), qs)
                for q in qs:
                    seen.setdefault(norm(q), path)
    return seen, files, missing


def main():
    repo = os.getcwd()
    db = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_DB
    db = os.path.abspath(db)
    fails = []
    if not os.path.isfile(db):
        print(f"FAIL: database not found: {db}")
        return 1
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    cols = [r[1] for r in con.execute("PRAGMA table_info(big)")]
    wanted = [c for c in cols if c not in KEYS]

    with open(SET_PATH, encoding="utf-8") as f:
        items = [json.loads(l) for l in f if l.strip()]

    seen_q, files, missing = other_questions(repo, os.path.dirname(db))
    for m in missing:
        fails.append(f"leakage source missing: {m}")

    ids, used, companies, own = set(), {}, set(), {}
    for it in items:
        iid = it.get("id")
        if iid in ids:
            fails.append(f"{iid}: duplicate id")
        ids.add(iid)
        if it.get("answer_type") != "lookup":
            fails.append(f"{iid}: answer_type is not lookup")
        q, sql, col = it.get("question", ""), it.get("sql", ""), it.get("column")
        m = SQL_RE.match(sql)
        if not m:
            fails.append(f"{iid}: gold SQL not of the lookup shape: {sql}")
            continue
        if m.group(1) != col:
            fails.append(f"{iid}: SQL selects {m.group(1)} but column is {col}")
        if col not in wanted:
            fails.append(f"{iid}: {col} is not a non-key column of big")
        used[col] = used.get(col, 0) + 1
        companies.add(m.group(2))
        try:
            rows = con.execute(sql).fetchall()
        except sqlite3.Error as e:
            fails.append(f"{iid}: SQL error {e}")
            continue
        if len(rows) != 1:
            fails.append(f"{iid}: {len(rows)} rows")
        elif rows[0][0] is None:
            fails.append(f"{iid}: value is NULL")
        n = norm(q)
        if not n:
            fails.append(f"{iid}: empty question")
        elif n in seen_q:
            fails.append(f"{iid}: question also in {os.path.relpath(seen_q[n], repo)}")
        elif n in own:
            fails.append(f"{iid}: same question as {own[n]}")
        own.setdefault(n, iid)

    for c in wanted:
        if used.get(c, 0) != 1:
            fails.append(f"column {c} appears {used.get(c, 0)} times")

    for f_ in fails:
        print("FAIL:", f_)
    status = "OK" if not fails else f"FAILED ({len(fails)} problems)"
    print(f"columns_dev: {status}: {len(items)} items, {len(used)}/{len(wanted)} columns of big "
          f"(keys skipped: {', '.join(sorted(KEYS))}), {len(companies)} companies, "
          f"golds run read-only with 1 non-NULL row each, "
          f"no overlap with {len(seen_q)} questions from {len(files) - len(missing)} files")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
