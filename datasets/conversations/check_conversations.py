#!/usr/bin/env python3
"""Checker of the multi-turn conversation set (conversations.jsonl).

    python3 datasets/conversations/check_conversations.py      # exit 1 on any failure

Standard library only (json, sqlite3). Opens datasets/finglm/finglm.sqlite read-only (falls back to
../shared/datasets/finglm/finglm.sqlite), re-executes every gold SQL and verifies:

* structure: unique ids; 2-4 turns per conversation; every turn has question / sql / kind /
  standalone; the first turn is standalone; kinds are known; a standalone turn's `standalone` equals
  its question, a follow-up's differs; no turn-1 question is repeated across conversations; no
  relative years (去年/今年/前年/上年) in questions or standalone questions;
* results: the SQL runs, returns rows, and no value column (every column but 公司名称 / 年份) of any
  row is NULL (the first row's value columns is the hard rule; all rows are checked) or a 0
  placeholder; every full company name quoted in a gold exists in `big`;
* data quirks: no gold reads a cell that looks extracted in the wrong unit (the rules of
  datasets/analyst_dev/check_dev.py: x100 off all of the company's other years for money columns, x4
  for head counts, statements whose revenue is under 10,000 元 per employee or under 0.2% of total
  assets, sub-counts above 职工总数), nor a row of 保利发展 2020年/2021年 (figures of another year);
* shape per kind: trend -> `年份 in (...)`, ordered by 年份, one row per year; compare -> 2+ rows
  ordered by the value; rank -> ordered, one row per named company; topn -> `limit N`, N rows;
  no tied values in ordered results and no tie at a LIMIT cut;
* per-kind minimum counts and at least 30 distinct companies;
* no question is verbatim in datasets/analyst_dev/analyst_dev.jsonl (the set is written fresh).

Prints counts per kind, conversations, turns and distinct companies.
"""
import json
import re
import sqlite3
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = HERE / "conversations.jsonl"
DB_CANDIDATES = [ROOT / "datasets" / "finglm" / "finglm.sqlite",
                 ROOT.parent / "shared" / "datasets" / "finglm" / "finglm.sqlite"]
ANALYST_DEV = ROOT / "datasets" / "analyst_dev" / "analyst_dev.jsonl"

KINDS = ("standalone", "year", "company", "column", "compare", "rank", "topn", "trend")
MIN_FOLLOWUP = 8          # turns of each follow-up kind
MIN_CONVERSATIONS = 64
MIN_COMPANIES = 30
KEY_COLS = {"公司名称", "年份"}
RELATIVE_YEARS = re.compile(r"去年|今年|前年|上年|明年|上一年|前一年")

# The unit-slip rules are analyst_dev's (one list of people columns, steady columns and genuine jumps).
sys.path.insert(0, str(ROOT / "datasets" / "analyst_dev"))
from check_dev import Data as _DevData  # noqa: E402

PEOPLE, STEADY, GENUINE = _DevData.PEOPLE, _DevData.STEADY, _DevData.GENUINE
# Company-years whose figures belong to another year: 保利发展's 2020年 row repeats its 2019年 row
# cell for cell, and its 2021年 row holds the figures of the 2020 annual report.
WRONG_YEAR = {("保利发展控股集团股份有限公司", "2020年"), ("保利发展控股集团股份有限公司", "2021年")}


def connect():
    for p in DB_CANDIDATES:
        if p.exists():
            return sqlite3.connect(f"file:{p}?mode=ro", uri=True), p
    sys.exit("FAIL: finglm.sqlite not found in " + ", ".join(str(p) for p in DB_CANDIDATES))


def load_rows(con):
    cols = [r[1] for r in con.execute("PRAGMA table_info(big)")]
    rows = {}
    for r in con.execute("SELECT * FROM big"):
        d = dict(zip(cols, r))
        rows[(d["公司名称"], d["年份"])] = d
    return cols, rows


def suspect_cells(cols, rows):
    """Cells that look extracted in the wrong unit (same rules as analyst_dev/check_dev.py)."""
    bad = set()
    numeric = cols[9:]
    by_co = defaultdict(dict)
    for (co, y), d in rows.items():
        by_co[co][y] = d
    for co, ys in by_co.items():
        for col in STEADY + PEOPLE:
            thr = 4 if col in PEOPLE else 100
            vals = {y: d[col] for y, d in ys.items() if d[col] not in (None, 0)}
            for y, v in vals.items():
                if (co, y) in GENUINE:
                    continue
                others = [abs(w) for yy, w in vals.items() if yy != y]
                if others and (all(abs(v) > thr * o for o in others) or all(abs(v) * thr < o for o in others)):
                    bad.add((co, y, col))
        for y, d in ys.items():
            rev, emp, assets = d["营业收入"], d["职工总数"], d["资产总计"]
            off = (rev is not None and rev > 0 and emp and emp > 0 and rev / emp < 1e4) or \
                  (rev is not None and rev > 0 and assets and assets > 0 and rev / assets < 0.002)
            if off:
                for col in numeric:
                    if col not in PEOPLE:
                        bad.add((co, y, col))
            for col in PEOPLE:
                if emp and d[col] is not None and col != "职工总数" and d[col] > emp:
                    bad.add((co, y, col))
            if (co, y) in WRONG_YEAR:
                bad.update((co, y, col) for col in numeric)
    return bad


SELECT_RE = re.compile(r"^\s*select\s+(.*?)\s+from\s+big\b(.*)$", re.I | re.S)


def contributing(con, sql):
    """(company, year) rows a gold reads, and the select list."""
    m = SELECT_RE.match(sql)
    if not m:
        return None, None
    sel, rest = m.group(1), m.group(2)
    return con.execute(f"SELECT 公司名称, 年份 FROM big{rest}").fetchall(), sel


def main():
    con, db = connect()
    cols, rows = load_rows(con)
    colset = set(cols)
    companies_all = {co for co, _ in rows}
    suspect = suspect_cells(cols, rows)
    dev_questions = set()
    if ANALYST_DEV.exists():
        with open(ANALYST_DEV, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    dev_questions.add(json.loads(line).get("question", "").strip())

    errors = []
    kinds = Counter()
    n_conv = n_turn = 0
    ids = set()
    first_questions = {}
    companies = set()
    years = Counter()

    with open(DATA, encoding="utf-8") as f:
        convs = [(i + 1, json.loads(l)) for i, l in enumerate(f) if l.strip()]

    for lineno, conv in convs:
        cid = conv.get("id", f"line {lineno}")

        def err(msg, t=None):
            errors.append(f"{cid}{'' if t is None else f' turn {t}'}: {msg}")

        if cid in ids:
            err("duplicate id")
        ids.add(cid)
        turns = conv.get("turns")
        if not isinstance(turns, list) or not 2 <= len(turns) <= 4:
            err(f"needs 2-4 turns, has {len(turns) if isinstance(turns, list) else turns!r}")
            continue
        n_conv += 1
        for t, turn in enumerate(turns, 1):
            n_turn += 1
            missing = [k for k in ("question", "sql", "kind", "standalone") if not turn.get(k)]
            if missing:
                err(f"missing {missing}", t)
                continue
            qn, sql, kind, sa = turn["question"], turn["sql"], turn["kind"], turn["standalone"]
            if kind not in KINDS:
                err(f"unknown kind {kind!r}", t)
                continue
            kinds[kind] += 1
            if t == 1:
                if kind != "standalone":
                    err(f"first turn must be standalone, is {kind}", t)
                if qn in first_questions:
                    err(f"turn-1 question duplicates {first_questions[qn]}: {qn}", t)
                first_questions.setdefault(qn, cid)
            if kind == "standalone" and sa != qn:
                err("standalone turn: `standalone` must equal the question", t)
            if kind != "standalone" and sa == qn:
                err("follow-up: `standalone` equals the question", t)
            if RELATIVE_YEARS.search(qn) or RELATIVE_YEARS.search(sa):
                err("relative year in question", t)
            if qn.strip() in dev_questions or sa.strip() in dev_questions:
                err("question copied from analyst_dev.jsonl", t)

            # run the gold
            try:
                cur = con.execute(sql)
                res = cur.fetchall()
                names = [d[0] for d in cur.description]
            except sqlite3.Error as e:
                err(f"SQL error {e}: {sql}", t)
                continue
            if not res:
                err(f"no rows: {sql}", t)
                continue
            vidx = [i for i, n in enumerate(names) if n not in KEY_COLS]
            if not vidx:
                err("no value column selected", t)
            for r_i, r in enumerate(res):
                for i in vidx:
                    if r[i] is None:
                        err(f"NULL in row {r_i + 1}{' (the first row)' if r_i == 0 else ''} column {names[i]}: {sql}", t)
                    elif r[i] == 0:
                        err(f"0 (placeholder?) in row {r_i + 1} column {names[i]}: {sql}", t)

            # companies and years the gold names
            for s in re.findall(r"'([^']*)'", sql):
                if re.fullmatch(r"20\d\d年", s):
                    years[s] += 1
                elif s.endswith("公司") or s.endswith("银行"):
                    if s not in companies_all:
                        err(f"unknown company {s}", t)
                    companies.add(s)

            # suspect cells
            contrib, sel = contributing(con, sql)
            if contrib is None:
                err("gold is not of the form SELECT … FROM big …", t)
            else:
                read = [c for c in re.findall(r"[\u4e00-\u9fff、]+", sel) if c in colset]
                for co, y in contrib:
                    for c in read:
                        if (co, y, c) in suspect:
                            err(f"reads suspect cell {co} {y} {c}", t)

            # shape per kind
            low = re.sub(r"\s+", " ", sql.lower())
            if kind == "trend":
                if "年份 in (" not in low or not low.rstrip().endswith("order by 年份") or names[0] != "年份":
                    err("trend gold must select 年份 first, filter 年份 in (...) and order by 年份", t)
                n_years = len(re.findall(r"'20\d\d年'", sql))
                if len(res) != n_years:
                    err(f"trend returns {len(res)} rows for {n_years} years", t)
            if kind in ("compare", "rank", "topn") and " order by " not in low:
                err(f"{kind} gold needs ORDER BY", t)
            if kind == "compare" and len(res) < 2:
                err("compare returns fewer than 2 rows", t)
            if kind == "rank":
                m = re.search(r"公司名称 in \(([^)]*)\)", sql)
                n_named = len(re.findall(r"'[^']*'", m.group(1))) if m else 0
                if not 2 <= n_named <= 5 or len(res) != n_named or " is not null" not in low:
                    err(f"rank gold must rank the 2-5 named companies (named {n_named}, rows {len(res)}) "
                        "with IS NOT NULL", t)
            if kind == "topn":
                m = re.search(r"limit (\d+)\s*$", low)
                if not m or int(m.group(1)) != len(res) or " is not null" not in low:
                    err("topn gold needs IS NOT NULL and LIMIT N returning N rows", t)
            if kind == "column" and t > 1:
                prev = turns[t - 2].get("sql", "")
                pm, cm = SELECT_RE.match(prev), SELECT_RE.match(sql)
                if pm and cm and not cm.group(1).startswith(pm.group(1)):
                    err("column follow-up must select the previous columns first, then the new one", t)
            if kind in ("compare", "rank", "topn") and vidx:
                vals = [r[vidx[0]] for r in res]
                if len(set(vals)) < len(vals):
                    err("tied values make the order ambiguous", t)
            m = re.search(r"\blimit (\d+)\s*$", sql, re.I)
            if m:
                more = con.execute(sql[:m.start()] + f"limit {int(m.group(1)) + 1}").fetchall()
                if len(more) > len(res) and vidx and more[-1][vidx[0]] == res[-1][vidx[0]]:
                    err("tie at the LIMIT cut", t)
            if kind == "topn" and t > 1 and " limit " not in turns[t - 2].get("sql", "").lower():
                err("topn follow-up must follow a top-N ranking", t)

    for k in KINDS[1:]:
        if kinds[k] < MIN_FOLLOWUP:
            errors.append(f"only {kinds[k]} '{k}' turns (min {MIN_FOLLOWUP})")
    if n_conv < MIN_CONVERSATIONS:
        errors.append(f"only {n_conv} conversations (min {MIN_CONVERSATIONS})")
    if len(companies) < MIN_COMPANIES:
        errors.append(f"only {len(companies)} distinct companies (min {MIN_COMPANIES})")

    later = n_turn - n_conv
    print(f"database: {db}")
    print(f"{n_conv} conversations, {n_turn} turns ({later} later turns)")
    for k in KINDS:
        extra = ""
        if k == "standalone":
            extra = f"  ({kinds[k] - n_conv} of them after turn 1)"
        print(f"  {k:11s} {kinds[k]:4d}{extra}")
    print(f"distinct companies: {len(companies)}; years in golds: "
          + ", ".join(f"{y} {n}" for y, n in sorted(years.items())))
    for e in errors:
        print("FAIL:", e)
    print("OK" if not errors else f"{len(errors)} failures")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
