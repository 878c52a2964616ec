#!/usr/bin/env python3
"""Generator and checker of the second analyst dev set (analyst_dev2.jsonl).

    python3 datasets/analyst_dev2/check_dev2.py           # check analyst_dev2.jsonl (exit 1 on any failure)
    python3 datasets/analyst_dev2/check_dev2.py --write   # regenerate analyst_dev2.jsonl from dev2_spec.py, then check

The questions are written by hand in dev2_spec.py; the gold SQL of each is built by the helper of its
kind, following the conventions of datasets/analyst_dev/README.md. The database helpers and the
suspect-value rules are imported from datasets/analyst_dev/check_dev.py (class Data), so both sets
avoid the same unit slips and placeholders. The check re-executes every gold SQL on
datasets/finglm/finglm.sqlite (read-only) and verifies: 1-20 rows, no NULL or 0 cell, single-value
kinds return one row, no tie at a ranking cut, every company named in a gold is named in the question
(股票简称, full name, stock code or a `mention` that is a substring of exactly that one company's
names), no named company-year reads a suspect / NULL / 0-placeholder value, sets of companies (<=300
rows) read no suspect cell, head-count ratios only where the database agrees with itself, the sign of
差多少 / 多了多少 / 减少了多少 golds, exact counts per kind, spread of companies and years, unique
ids and questions, and that no question string appears verbatim in the FinGLM lists or in
analyst_dev.jsonl (those files are read only to compare question strings).
"""
import json
import re
import sqlite3
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = HERE / "analyst_dev2.jsonl"
OTHER_SETS = [ROOT / "datasets" / "finglm" / n
              for n in ("nl2sql_train.jsonl", "nl2sql_valid.jsonl", "lookup_b.jsonl", "lookup_c.jsonl")]
OTHER_SETS.append(ROOT / "datasets" / "analyst_dev" / "analyst_dev.jsonl")

sys.dont_write_bytecode = True
sys.path.insert(0, str(ROOT / "datasets" / "analyst_dev"))
sys.path.insert(0, str(HERE))
from check_dev import (Data, connect, YEARS, MAX_ROWS, referenced_columns, named_companies,  # noqa: E402
                       named_years, contributing_rows_sql, is_zero)

COUNTS = {
    "threshold": 25, "growth": 25, "ratio": 25, "refusal": 20, "comparison": 15,
    "ranking": 15, "aggregate": 15, "lookup": 10, "trend": 10,
}
SINGLE = ("lookup", "growth", "ratio", "aggregate")
MIN_COMPANIES = 90
MAX_USES_PER_COMPANY = 4


def too_many_people(d, data):
    """A head count read from the wrong line (天润工业 2021: 285,300 staff on 47亿 revenue): revenue per
    employee under 50,000 元, stricter than check_dev's 10,000 元 rule. Not applied where the revenue
    itself is the suspect cell (a statement in 千元/万元, which check_dev already flags)."""
    if not d or (d["公司名称"], d["年份"], "营业收入") in data.suspect:
        return False
    rev, emp = d["营业收入"], d["职工总数"]
    return bool(rev and rev > 0 and emp and emp > 0 and rev / emp < 5e4)


def check(items, data, other_questions):
    errors, warn = [], []

    def err(it, msg):
        errors.append(f"{it.get('id')}: {msg}  [{it.get('question')}]")

    for i, n in Counter(it["id"] for it in items).items():
        if n > 1:
            errors.append(f"duplicate id {i}")
    for s, n in Counter(it["question"] for it in items).items():
        if n > 1:
            errors.append(f"duplicate question {s}")
    norm = Counter(re.sub(r"[\s？?。，,！!、]", "", it["question"]) for it in items)
    for s, n in norm.items():
        if n > 1:
            errors.append(f"questions equal up to punctuation: {s}")

    kinds = Counter(it["answer_type"] for it in items)
    for k in set(kinds) | set(COUNTS):
        if kinds[k] != COUNTS.get(k, 0):
            errors.append(f"kind {k}: {kinds[k]} items, expected {COUNTS.get(k, 0)}")

    uses = Counter()
    years_used = Counter()
    con = data.con
    for it in items:
        qtext, kind = it["question"], it["answer_type"]
        if not re.search(r"[\u4e00-\u9fff]", qtext):
            err(it, "question has no Chinese")
        if qtext in other_questions or qtext.strip() in other_questions:
            err(it, "question appears verbatim in another set")
        mentions = it.get("mention")
        mentions = [mentions] if isinstance(mentions, str) else (mentions or [])
        for m in mentions:
            if m not in qtext:
                err(it, f"mention {m} not in the question")

        if kind == "refusal":
            if it.get("outcome") != "refuse":
                err(it, f"refusal with outcome {it.get('outcome')}")
            if "sql" in it:
                err(it, "refusal with a gold SQL")
            continue
        if "sql" not in it:
            err(it, f"{kind} item without sql")
            continue

        sql = it["sql"]
        if "FROM big" not in sql:
            err(it, "gold does not read big")
        try:
            rows = con.execute(sql).fetchall()
        except sqlite3.Error as e:
            err(it, f"gold fails: {e}")
            continue
        if not rows:
            err(it, "gold returns no rows")
            continue
        if len(rows) > MAX_ROWS:
            err(it, f"gold returns {len(rows)} rows > {MAX_ROWS}")
        for r in rows:
            if any(v is None for v in r):
                err(it, f"NULL in result row {r}")
                break
            if any(is_zero(v) for v in r):
                err(it, f"0 in result row {r}")
                break
        if rows[0][0] is None:
            err(it, "first cell is NULL")
        if kind in SINGLE and (len(rows) != 1 or len(rows[0]) != 1):
            err(it, f"{kind} gold is not one value: {len(rows)} rows")
        if kind == "trend" and len(rows) < 2:
            err(it, "trend with fewer than 2 rows")

        # signs: 差多少/多了多少/减少了多少 are positive, 几倍 above 1
        one = rows[0][0] if len(rows) == 1 and len(rows[0]) == 1 else None
        if kind == "comparison" and one is not None:
            if one <= 0:
                err(it, f"difference / multiple {one} is not positive (higher company first)")
        if kind == "growth" and not sql.startswith("SELECT 1.0 * (") and one is not None and one <= 0:
            err(it, f"growth difference {one} is not positive")

        cols = referenced_columns(sql, data.cols)
        num_cols = [c for c in cols if c in data.numeric]
        cos, codes = named_companies(sql, data)
        for code in codes:
            if code not in data.by_code:
                err(it, f"unknown code {code}")
                continue
            cos.add(data.by_code[code])
            if code not in qtext:
                err(it, f"code {code} not in question")
        for co in cos:
            if co not in data.names:
                err(it, f"company not in DB: {co}")
                continue
            uses[co] += 1
            said = (co in qtext or any(s in qtext for s in data.names[co]) or data.code_of[co] in qtext
                    or any(data.match_raw(m) == [co] and data.match_stripped(m) == [co] for m in mentions))
            if not said:
                err(it, f"question does not name {co} (add its short name or a unique mention)")
        for m in mentions:
            raw, st = data.match_raw(m), data.match_stripped(m)
            if len(raw) != 1 or raw != st or raw[0] not in cos:
                err(it, f"short form {m} is not unique to the company: raw {raw[:4]} stripped {st[:4]}")
            elif any(m == s for s in data.names[raw[0]]):
                err(it, f"mention {m} is a whole 股票简称 (drop the mention)")

        ys = named_years(sql)
        years_used.update(ys)
        for co in cos:
            for y in ys or YEARS:
                d = data.rows.get((co, y))
                if d is None:
                    if ys:
                        err(it, f"no row for {co} {y}")
                    continue
                for c in num_cols:
                    if d[c] is None:
                        err(it, f"{co} {y} {c} is NULL")
                    elif (co, y, c) in data.suspect:
                        err(it, f"{co} {y} {c} = {d[c]} looks like a unit slip")
                    elif is_zero(d[c]) and c in data.PEOPLE:
                        err(it, f"{co} {y} {c} is a 0 placeholder")
                if "职工总数" in num_cols and too_many_people(d, data):
                    err(it, f"{co} {y}: 职工总数 {d['职工总数']} is too large for its revenue")
                if "研发人员" in num_cols and "职工总数" in num_cols and d["研发人员"] and d["职工总数"] \
                        and d["研发人员比率"] is not None \
                        and abs(100.0 * d["研发人员"] / d["职工总数"] - d["研发人员比率"]) > 0.05:
                    err(it, f"{co} {y}: 研发人员/职工总数 disagrees with 研发人员比率 {d['研发人员比率']}")
                if "硕士" in num_cols and "博士" in num_cols and d["硕士以上人数"] is not None \
                        and d["硕士"] is not None and d["博士"] is not None \
                        and d["硕士以上人数"] != d["硕士"] + d["博士"]:
                    err(it, f"{co} {y}: 硕士+博士 != 硕士以上人数")

        if not cos:
            csql = contributing_rows_sql(sql)
            if csql is None:
                warn.append(f"{it['id']}: contributing rows not checked")
            else:
                rs = con.execute(csql).fetchall()
                flagged = [(co, y, c) for co, y in rs for c in num_cols if (co, y, c) in data.suspect]
                if "职工总数" in num_cols:
                    flagged += [(co, y, "职工总数 too large") for co, y in rs
                                if too_many_people(data.rows.get((co, y)), data)]
                # a 0 written for a missing head count would pass a `<` filter, pull down an AVG/MIN
                # or head an ascending ranking
                if re.search(r"AVG\(|MIN\(| < | ASC", sql):
                    flagged += [(co, y, f"{c} = 0 placeholder") for co, y in rs for c in num_cols
                                if c in data.PEOPLE and is_zero(data.rows[(co, y)][c])]
                if flagged and len(rs) <= 300:
                    err(it, f"reads {len(flagged)} suspect cells, e.g. {flagged[:3]}")
                elif flagged:
                    warn.append(f"{it['id']}: reads {len(flagged)} suspect cells of {len(rs)} rows "
                                f"(whole-market, as the database says)")
            # the companies a list or ranking returns must not be returned because of a unit slip,
            # even where the whole market is scanned
            if len(ys) == 1 and rows and isinstance(rows[0][0], str):
                (y,) = ys
                for r in rows:
                    if r[0] in data.names:
                        bad = [c for c in num_cols if (r[0], y, c) in data.suspect]
                        if bad:
                            err(it, f"returns {r[0]} {y} whose {bad} look like unit slips")
                        if "职工总数" in num_cols and too_many_people(data.rows.get((r[0], y)), data):
                            err(it, f"returns {r[0]} {y} whose 职工总数 is too large for its revenue")
            if kind == "ranking":
                m = re.search(r"LIMIT (\d+)(?: OFFSET (\d+))?$", sql)
                if not m:
                    err(it, "ranking without LIMIT")
                else:
                    n, off = int(m.group(1)), int(m.group(2) or 0)
                    more = con.execute(re.sub(r"LIMIT \d+( OFFSET \d+)?$",
                                              f"LIMIT {n + 2} OFFSET {max(off - 1, 0)}", sql)).fetchall()
                    vals = [r[-1] for r in more]
                    if len(set(vals)) < len(vals):
                        err(it, f"tie at the ranking cut: {more}")
                    if " IS NOT NULL" not in sql:
                        err(it, "ranking without IS NOT NULL")

    for co, n in uses.items():
        if n > MAX_USES_PER_COMPANY:
            errors.append(f"{co} is named in {n} golds (max {MAX_USES_PER_COMPANY})")
    for y in YEARS:
        if y not in years_used:
            errors.append(f"year {y} never used")
    return errors, warn, kinds, uses, years_used


def load_other_questions():
    qs, seen = set(), 0
    for p in OTHER_SETS:
        if not p.exists():
            continue
        seen += 1
        with open(p, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    qv = json.loads(line).get("question")
                    if qv:
                        qs.add(qv)
                        qs.add(qv.strip())
    return qs, seen


def main():
    write = "--write" in sys.argv[1:]
    con = connect()
    data = Data(con)
    import dev2_spec
    spec_items = dev2_spec.build(data)
    if write:
        with open(OUT, "w", encoding="utf-8") as f:
            for it in spec_items:
                f.write(json.dumps(it, ensure_ascii=False) + "\n")
        print(f"wrote {len(spec_items)} items to {OUT.relative_to(ROOT)}")
    with open(OUT, encoding="utf-8") as f:
        items = [json.loads(l) for l in f if l.strip()]
    others, n_files = load_other_questions()
    errors, warn, kinds, uses, years_used = check(items, data, others)
    if items != spec_items:
        errors.append("analyst_dev2.jsonl differs from dev2_spec.py (run with --write)")
    print(f"{len(items)} items")
    for k in COUNTS:
        print(f"  {k:12s} {kinds[k]:4d}  (expected {COUNTS[k]})")
    print(f"distinct companies named: {len(uses)} (min {MIN_COMPANIES}); most named: "
          + ", ".join(f"{co} {n}" for co, n in uses.most_common(3)))
    print("years in golds: " + ", ".join(f"{y} {years_used[y]}" for y in YEARS))
    print(f"compared against {len(others)} question strings of {n_files} other sets")
    if len(uses) < MIN_COMPANIES:
        errors.append(f"only {len(uses)} distinct companies")
    for w in warn:
        print("note:", w)
    for e in errors:
        print("FAIL:", e)
    print("OK" if not errors else f"{len(errors)} failures")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
