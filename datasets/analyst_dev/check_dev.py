#!/usr/bin/env python3
"""Generator and checker of the analyst dev set (analyst_dev.jsonl).

    python3 datasets/analyst_dev/check_dev.py           # check analyst_dev.jsonl (exit 1 on any failure)
    python3 datasets/analyst_dev/check_dev.py --write   # regenerate analyst_dev.jsonl from SPEC, then check

The questions are written by hand in SPEC (dev_spec.py next to this file); the gold SQL of each is
built by the helper of its kind so that every item follows the same conventions (see README.md).
The check re-executes every gold SQL on datasets/finglm/finglm.sqlite (read-only) and verifies
results, company names and short forms, counts per kind, spread of companies and years, that no
gold touches a value that looks extracted in the wrong unit, and that no question is copied from the
FinGLM lists (those files are read only to compare question strings).
"""
import functools
import json
import re
import sqlite3
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DB = ROOT / "datasets" / "finglm" / "finglm.sqlite"
OUT = HERE / "analyst_dev.jsonl"
FINGLM_LISTS = [ROOT / "datasets" / "finglm" / n
                for n in ("nl2sql_train.jsonl", "nl2sql_valid.jsonl", "lookup_b.jsonl", "lookup_c.jsonl")]

MIN_COUNTS = {
    "lookup": 35, "multi-field": 25, "comparison": 30, "growth": 30, "ratio": 30, "ranking": 35,
    "aggregate": 30, "threshold": 30, "trend": 20, "by-code": 20, "refusal": 25,
    "unknown-company": 10, "ambiguous-company": 10,
}
YEARS = ("2019年", "2020年", "2021年")
MAX_ROWS = 20
MIN_COMPANIES = 120

# ---------------------------------------------------------------- database helpers

def connect():
    return sqlite3.connect(f"file:{DB}?mode=ro", uri=True)


class Data:
    """Everything the checks need from the database, read once."""

    def __init__(self, con):
        self.con = con
        self.cols = [r[1] for r in con.execute("PRAGMA table_info(big)")]
        self.rows = {}            # (company, year) -> dict
        self.names = defaultdict(set)   # company -> {short names of any year}
        self.code_of = {}
        self.by_code = {}
        for r in con.execute("SELECT * FROM big"):
            d = dict(zip(self.cols, r))
            co = d["公司名称"]
            self.rows[(co, d["年份"])] = d
            self.names[co].add(d["股票简称"])
            self.code_of[co] = d["股票代码"]
            self.by_code[d["股票代码"]] = co
        self.short_to_co = defaultdict(set)
        for co, ss in self.names.items():
            for s in ss:
                self.short_to_co[s].add(co)
        self.numeric = [c for c in self.cols[9:]]
        self.suspect = self._suspect()
        self.stripped_of = {co: self.stripped(co) for co in self.names}

    # -- which company-year cells look wrong (unit slips, run-together digits, 0 placeholders)
    PEOPLE = ("职工总数", "研发人员", "硕士", "博士", "硕士以上人数", "博士以上人数",
              "生产人员", "销售人员", "技术人员", "财务人员", "行政人员")
    STEADY = ("营业收入", "营业总收入", "营业成本", "营业总成本", "资产总计", "负债合计", "流动资产合计",
              "非流动资产合计", "流动负债合计", "非流动负债合计", "负债和所有者权益总计", "销售费用", "管理费用",
              "研发费用", "税金及附加", "支付给职工以及为职工支付的现金", "支付的各项税费",
              "销售商品、提供劳务收到的现金", "购买商品、接受劳务支付的现金", "期末现金及现金等价物余额",
              "期初现金及现金等价物余额")

    # company-years whose jump against the other years is real (checked in the annual report):
    # 天山股份 took over China National Building Material's cement business in 2021.
    GENUINE = {("新疆天山水泥股份有限公司", "2021年")}

    def _suspect(self):
        """(company, year, column) cells whose value is off by a unit factor against the company's
        other years (x100 for steady money columns, x4 for head counts), plus whole company-years
        whose income statement does not fit their balance sheet or head count (a statement in
        千元/万元: revenue per employee under 10,000 元 or revenue under 0.2% of total assets)."""
        bad = set()
        by_co = defaultdict(dict)
        for (co, y), d in self.rows.items():
            by_co[co][y] = d
        for co, ys in by_co.items():
            for col in self.STEADY + self.PEOPLE:
                thr = 4 if col in self.PEOPLE else 100
                vals = {y: d[col] for y, d in ys.items() if d[col] not in (None, 0)}
                for y, v in vals.items():
                    others = [abs(w) for yy, w in vals.items() if yy != y]
                    if (co, y) in self.GENUINE:
                        continue
                    if others and (all(abs(v) > thr * o for o in others) or all(abs(v) * thr < o for o in others)):
                        bad.add((co, y, col))
            for y, d in ys.items():
                rev, emp, assets = d["营业收入"], d["职工总数"], d["资产总计"]
                off = False
                if rev is not None and rev > 0 and emp and emp > 0 and rev / emp < 1e4:
                    off = True
                if rev is not None and rev > 0 and assets and assets > 0 and rev / assets < 0.002:
                    off = True
                if off:
                    for col in self.numeric:
                        if col not in self.PEOPLE:
                            bad.add((co, y, col))
                for col in self.PEOPLE:
                    if emp and d[col] is not None and col != "职工总数" and d[col] > emp:
                        bad.add((co, y, col))
        return bad

    # -- short forms of company names
    PLACES = ("北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
              "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西",
              "甘肃", "青海", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "深圳", "广州", "杭州", "南京",
              "苏州", "无锡", "常州", "宁波", "温州", "绍兴", "嘉兴", "台州", "厦门", "福州", "青岛", "济南",
              "烟台", "大连", "沈阳", "成都", "武汉", "长沙", "西安", "郑州", "合肥", "昆明", "南昌", "佛山",
              "东莞", "珠海", "中山", "惠州", "哈尔滨", "长春", "石家庄", "太原", "南宁", "贵阳", "兰州",
              "乌鲁木齐", "海口", "呼和浩特", "银川", "西宁", "拉萨", "中国")
    SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "股份公司", "集团", "控股")

    def stripped(self, full):
        """Full name without leading places (北京/江苏省/深圳市/…) and trailing legal suffixes."""
        if not hasattr(self, "_place_re"):
            places = "|".join(sorted(self.PLACES, key=len, reverse=True))
            self._place_re = re.compile(
                rf"^(?:(?:{places})(?:维吾尔自治区|回族自治区|壮族自治区|自治区|省|市)?)+")
            sufs = "|".join(self.SUFFIXES)
            self._suffix_re = re.compile(rf"(?:{sufs})+$")
        s = self._place_re.sub("", full) or full
        t = self._suffix_re.sub("", s)
        return t if len(t) >= 2 else s

    @functools.lru_cache(maxsize=None)
    def match_raw(self, mention):
        return sorted(co for co, ss in self.names.items() if mention in co or any(mention in s for s in ss))

    @functools.lru_cache(maxsize=None)
    def match_stripped(self, mention):
        return sorted(co for co, ss in self.names.items()
                      if mention in self.stripped_of[co] or any(mention in s for s in ss))


# ---------------------------------------------------------------- SQL helpers (the conventions)

def q(s):
    return "'" + s.replace("'", "''") + "'"


def year(y):
    y = str(y)
    return y if y.endswith("年") else y + "年"


def prev(y):
    return f"{int(year(y)[:4]) - 1}年"


def in_list(names):
    return "(" + ", ".join(q(n) for n in names) + ")"


# ---------------------------------------------------------------- checks

def referenced_columns(sql, cols):
    found = []
    rest = sql
    for c in sorted(cols, key=len, reverse=True):
        if c in rest:
            found.append(c)
            rest = rest.replace(c, " ")
    return found


def named_companies(sql, data):
    cos = set(re.findall(r"公司名称 = '([^']+)'", sql))
    for grp in re.findall(r"公司名称 IN \(([^)]*)\)", sql):
        cos.update(re.findall(r"'([^']+)'", grp))
    codes = set(re.findall(r"股票代码 = '([^']+)'", sql))
    for grp in re.findall(r"股票代码 IN \(([^)]*)\)", sql):
        codes.update(re.findall(r"'([^']+)'", grp))
    return cos, codes


def named_years(sql):
    ys = set(re.findall(r"年份 = '(\d{4}年)'", sql))
    for grp in re.findall(r"年份 IN \(([^)]*)\)", sql):
        ys.update(re.findall(r"'(\d{4}年)'", grp))
    return ys


def contributing_rows_sql(sql):
    """For a simple `SELECT … FROM big WHERE …` gold, the query of the company-years it reads."""
    m = re.match(r"SELECT (.*?) FROM big (WHERE .*)$", sql, re.S)
    if not m or "SELECT" in m.group(2):
        return None
    where = m.group(2)
    agg = re.match(r"\s*(COUNT|AVG|SUM|MAX|MIN)\(", m.group(1))
    if agg:
        where = re.sub(r"\s+ORDER BY .*$", "", where, flags=re.S)
    return f"SELECT 公司名称, 年份 FROM big {where}"


def is_zero(v):
    return isinstance(v, (int, float)) and v == 0


def check(items, data, finglm_questions):
    errors = []
    warn = []

    def err(it, msg):
        errors.append(f"{it.get('id')}: {msg}  [{it.get('question')}]")

    ids = Counter(it["id"] for it in items)
    for i, n in ids.items():
        if n > 1:
            errors.append(f"duplicate id {i}")
    qs = Counter(it["question"] for it in items)
    for s, n in qs.items():
        if n > 1:
            errors.append(f"duplicate question {s}")

    kinds = Counter(it["answer_type"] for it in items)
    for k, n in MIN_COUNTS.items():
        if kinds[k] < n:
            errors.append(f"kind {k}: {kinds[k]} < {n}")
    if len([k for k in kinds if kinds[k] > 0]) < 12:
        errors.append("fewer than 12 kinds")

    companies = set()
    years_used = set()
    con = data.con
    for it in items:
        qtext = it["question"]
        kind = it["answer_type"]
        if not re.search(r"[\u4e00-\u9fff]", qtext):
            err(it, "question has no Chinese")
        if qtext in finglm_questions or qtext.strip() in finglm_questions:
            err(it, "question appears verbatim in a FinGLM list")
        mentions = it.get("mention")
        if isinstance(mentions, str):
            mentions = [mentions]
        mentions = mentions or []
        for m in mentions:
            if m not in qtext:
                err(it, f"mention {m} not in the question")

        if "sql" not in it:
            outcome = it.get("outcome")
            want = {"refusal": "refuse", "unknown-company": "unknown_company",
                    "ambiguous-company": "ambiguous_company"}.get(kind)
            if outcome != want:
                err(it, f"outcome {outcome} does not fit kind {kind}")
            if kind == "unknown-company":
                if not mentions:
                    err(it, "unknown-company item without mention")
                for m in mentions:
                    hit = data.match_raw(m)
                    if hit:
                        err(it, f"unknown company {m} matches {hit[:5]}")
            if kind == "ambiguous-company":
                if len(mentions) != 1:
                    err(it, "ambiguous item needs exactly one mention")
                else:
                    hit = data.match_stripped(mentions[0])
                    if len(hit) < 2:
                        err(it, f"ambiguous mention {mentions[0]} matches {hit}")
                    if sorted(it.get("candidates", [])) != hit:
                        err(it, f"candidates {it.get('candidates')} != matches {hit}")
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
            if any(is_zero(v) for v in r) and not it.get("zero_ok"):
                err(it, f"0 in result row {r}")
                break
        if len(rows) == 1 and len(rows[0]) == 1 and is_zero(rows[0][0]):
            err(it, "single-value gold is 0")

        cols = referenced_columns(sql, data.cols)
        num_cols = [c for c in cols if c in data.numeric]
        cos, codes = named_companies(sql, data)
        for code in codes:
            if code not in data.by_code:
                err(it, f"unknown code {code}")
            else:
                cos.add(data.by_code[code])
                if code not in qtext:
                    err(it, f"code {code} not in question")
        if kind == "by-code":
            if not codes:
                err(it, "by-code item without 股票代码 filter")
            for co in cos:
                if any(s in qtext for s in data.names[co]) or co in qtext:
                    err(it, f"by-code question names the company {co}")
        for co in cos:
            if co not in data.names:
                err(it, f"company not in DB: {co}")
                continue
            companies.add(co)
            if kind == "by-code":
                continue
            said = (co in qtext or any(s in qtext for s in data.names[co])
                    or any(data.match_raw(m) == [co] and data.match_stripped(m) == [co] for m in mentions))
            if not said:
                err(it, f"question does not name {co} (add its short name or a unique mention)")
        if kind == "lookup" and mentions:
            for m in mentions:
                raw, st = data.match_raw(m), data.match_stripped(m)
                if len(raw) != 1 or raw != st or raw[0] not in cos:
                    err(it, f"short form {m} is not unique to the company: raw {raw[:4]} stripped {st[:4]}")
        ys = named_years(sql)
        years_used.update(ys)
        # named company-years: every needed value present and plausible
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
                    elif (co, y, c) in data.suspect and not it.get("suspect_ok"):
                        err(it, f"{co} {y} {c} = {d[c]} looks like a unit slip")
                    elif is_zero(d[c]) and c in data.PEOPLE:
                        err(it, f"{co} {y} {c} is a 0 placeholder")
                if "研发人员" in num_cols and "职工总数" in num_cols and d["研发人员"] and d["职工总数"] \
                        and d["研发人员比率"] is not None \
                        and abs(100.0 * d["研发人员"] / d["职工总数"] - d["研发人员比率"]) > 0.05:
                    err(it, f"{co} {y}: 研发人员/职工总数 disagrees with 研发人员比率 {d['研发人员比率']}")
                if "硕士" in num_cols and "博士" in num_cols and d["硕士以上人数"] is not None \
                        and d["硕士"] is not None and d["博士"] is not None \
                        and d["硕士以上人数"] != d["硕士"] + d["博士"]:
                    err(it, f"{co} {y}: 硕士+博士 != 硕士以上人数")
        # sets of companies: the rows the gold reads (or returns) must not be unit slips
        if not cos:
            csql = contributing_rows_sql(sql)
            if csql is None:
                warn.append(f"{it['id']}: contributing rows not checked")
            else:
                rs = con.execute(csql).fetchall()
                flagged = [(co, y, c) for co, y in rs for c in num_cols if (co, y, c) in data.suspect]
                if flagged and len(rs) <= 300 and not it.get("suspect_ok"):
                    err(it, f"reads {len(flagged)} suspect cells, e.g. {flagged[:3]}")
                elif flagged:
                    warn.append(f"{it['id']}: reads {len(flagged)} suspect cells of {len(rs)} rows")
                if kind == "ranking":
                    m = re.search(r"LIMIT (\d+)(?: OFFSET (\d+))?$", sql)
                    if m:
                        n, off = int(m.group(1)), int(m.group(2) or 0)
                        more = con.execute(re.sub(r"LIMIT \d+( OFFSET \d+)?$", f"LIMIT {n + 2} OFFSET {max(off - 1, 0)}", sql)).fetchall()
                        vals = [r[-1] for r in more]
                        if len(set(vals)) < len(vals):
                            err(it, f"tie at the ranking cut: {more}")
        if kind == "trend" and len(rows) < 2:
            err(it, "trend with fewer than 2 rows")
        if kind in ("lookup", "growth", "ratio", "aggregate") and len(rows) != 1:
            err(it, f"{kind} gold returns {len(rows)} rows")

    for y in YEARS:
        if y not in years_used:
            errors.append(f"year {y} never used")
    return errors, warn, kinds, companies


def load_finglm_questions():
    qs = set()
    for p in FINGLM_LISTS:
        if not p.exists():
            continue
        with open(p, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    qv = json.loads(line).get("question")
                    if qv:
                        qs.add(qv)
                        qs.add(qv.strip())
    return qs


def main():
    write = "--write" in sys.argv[1:]
    con = connect()
    data = Data(con)
    sys.path.insert(0, str(HERE))
    sys.dont_write_bytecode = True
    import dev_spec
    spec_items = dev_spec.build(data)
    if write:
        with open(OUT, "w", encoding="utf-8") as f:
            for it in spec_items:
                f.write(json.dumps(it, ensure_ascii=False) + "\n")
        print(f"wrote {len(spec_items)} items to {OUT.relative_to(ROOT)}")
    with open(OUT, encoding="utf-8") as f:
        items = [json.loads(l) for l in f if l.strip()]
    finglm = load_finglm_questions()
    if not finglm:
        print("note: FinGLM lists not found; verbatim-copy check skipped")
    errors, warn, kinds, companies = check(items, data, finglm)
    if items != spec_items:
        errors.append("analyst_dev.jsonl differs from dev_spec.py (run with --write)")
    print(f"{len(items)} items")
    for k in MIN_COUNTS:
        print(f"  {k:18s} {kinds[k]:4d}  (min {MIN_COUNTS[k]})")
    print(f"distinct companies named: {len(companies)} (min {MIN_COMPANIES})")
    print(f"compared against {len(finglm)} FinGLM question strings")
    if len(companies) < MIN_COMPANIES:
        errors.append(f"only {len(companies)} distinct companies")
    for w in warn:
        print("note:", w)
    for e in errors:
        print("FAIL:", e)
    print("OK" if not errors else f"{len(errors)} failures")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
