#!/usr/bin/env python3
"""Template question -> SQL pairs over the FinGLM annual-report database (view `big`).

Standard library only. Every SQL is executed (database opened read-only) and kept
only when it returns a non-empty result whose cells are not all NULL; numeric
templates are also checked against the value computed in Python from the same
rows. About 12% of the pairs are "unsupported" questions (fields the database does
not hold, stock prices, forecasts, opinions) whose target is the refusal marker.

    python3 train/gen_pairs.py            # from the repository root

writes datasets/generated/template_pairs.jsonl and datasets/generated/README.md.
Evaluation lists (nl2sql_valid / lookup_b / lookup_c) are read only for the final
leakage check: a generated question equal to an evaluation question is dropped.
"""
import argparse
import collections
import json
import random
import re
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFUSAL = "-- 无法回答"
YEARS = [2019, 2020, 2021]

# ---------------------------------------------------------------- fields
# column -> synonyms analysts use (the first is the column name itself).
MONEY = {
    "营业收入": ["营业收入", "营收", "营业收入", "营业收入金额"],
    "营业总收入": ["营业总收入"],
    "营业成本": ["营业成本"],
    "营业总成本": ["营业总成本"],
    "净利润": ["净利润", "净利润", "净利"],
    "利润总额": ["利润总额"],
    "营业利润": ["营业利润"],
    "研发费用": ["研发费用", "研发投入", "研发经费", "研发费用"],
    "销售费用": ["销售费用"],
    "管理费用": ["管理费用"],
    "财务费用": ["财务费用"],
    "税金及附加": ["税金及附加"],
    "投资收益": ["投资收益"],
    "所得税费用": ["所得税费用"],
    "营业外收入": ["营业外收入"],
    "营业外支出": ["营业外支出"],
    "其他收益": ["其他收益"],
    "综合收益总额": ["综合收益总额"],
    "信用减值损失": ["信用减值损失"],
    "资产减值损失": ["资产减值损失"],
    "利息收入": ["利息收入"],
    "资产总计": ["资产总计", "总资产", "资产总额"],
    "负债合计": ["负债合计", "总负债", "负债总额"],
    "流动资产合计": ["流动资产合计", "流动资产"],
    "非流动资产合计": ["非流动资产合计", "非流动资产"],
    "流动负债合计": ["流动负债合计", "流动负债"],
    "非流动负债合计": ["非流动负债合计", "非流动负债"],
    "经营活动产生的现金流量净额": ["经营活动产生的现金流量净额", "经营活动现金流量净额", "经营性现金流净额"],
    "投资活动产生的现金流量净额": ["投资活动产生的现金流量净额", "投资活动现金流量净额"],
    "筹资活动产生的现金流量净额": ["筹资活动产生的现金流量净额", "筹资活动现金流量净额"],
    "期末现金及现金等价物余额": ["期末现金及现金等价物余额"],
    "支付的各项税费": ["支付的各项税费"],
    "销售商品、提供劳务收到的现金": ["销售商品、提供劳务收到的现金"],
    "购建固定资产、无形资产和其他长期资产支付": ["购建固定资产、无形资产和其他长期资产支付的现金"],
    "支付给职工以及为职工支付的现金": ["支付给职工以及为职工支付的现金"],
}
EPS = {"基本每股收益": ["基本每股收益"], "稀释每股收益": ["稀释每股收益"]}
PEOPLE = {
    "职工总数": ["职工总数", "员工人数", "职工人数", "员工总数", "在职员工人数"],
    "研发人员": ["研发人员数量", "研发人员人数", "研发人员"],
    "硕士": ["硕士人数", "硕士学历员工人数"],
    "硕士以上人数": ["硕士及以上学历人数", "硕士及以上人员数量"],
    "博士": ["博士人数", "博士学历人数"],
    "博士以上人数": ["博士及以上学历人数", "博士及以上人数"],
    "生产人员": ["生产人员数量", "生产人员人数"],
    "销售人员": ["销售人员数量", "销售人员人数"],
    "技术人员": ["技术人员数量", "技术人员人数"],
    "财务人员": ["财务人员数量", "财务人员人数"],
    "行政人员": ["行政人员数量", "行政人员人数"],
}
TEXT = {
    "办公地址": (["办公地址", "办公地点"], ["在哪里？", "是什么？", "是哪里？", "为？"]),
    "注册地址": (["注册地址", "注册地"], ["在哪里？", "是什么？", "是哪里？", "为？"]),
    "电子信箱": (["电子信箱", "电子邮箱", "邮箱", "联系邮箱"], ["是什么？", "是多少？", "为？"]),
    "法定代表人": (["法定代表人", "法人代表", "法定代表人"], ["是谁？", "是哪位？", "叫什么名字？", "是？"]),
    "网址": (["网址", "公司网址", "官网", "官方网站"], ["是什么？", "是多少？", "为？"]),
}
ALL_NUM = {**MONEY, **EPS, **PEOPLE}
CORE_MONEY = ["营业收入", "营业总收入", "营业成本", "净利润", "利润总额", "营业利润", "研发费用", "销售费用",
              "管理费用", "财务费用", "资产总计", "负债合计", "流动资产合计", "流动负债合计",
              "经营活动产生的现金流量净额", "投资收益", "所得税费用", "营业外收入"]

# ratio name(s), numerator, denominator, percent-type (x100), plain question words
RATIOS = [
    (["营业成本率"], "营业成本", "营业收入", True),
    (["研发费用占营业收入比例", "研发投入占营收的比例", "研发费用率", "研发投入强度"], "研发费用", "营业收入", True),
    (["流动比率"], "流动资产合计", "流动负债合计", False),
    (["资产负债率"], "负债合计", "资产总计", True),
    (["硕士及以上人员占职工人数比例", "硕士及以上学历员工占比", "硕士及以上员工占员工总数的比例"], "硕士以上人数", "职工总数", True),
    (["研发人员占职工人数比例", "研发人员占比", "研发人员占员工总数的比例"], "研发人员", "职工总数", True),
    (["博士及以上人员占职工人数比例", "博士及以上学历员工占比"], "博士以上人数", "职工总数", True),
    (["净利润率", "净利率"], "净利润", "营业收入", True),
    (["营业利润率"], "营业利润", "营业收入", True),
    (["销售费用率", "销售费用占营业收入比例"], "销售费用", "营业收入", True),
    (["管理费用率", "管理费用占营业收入比例"], "管理费用", "营业收入", True),
    (["财务费用率"], "财务费用", "营业收入", True),
    (["流动负债比率", "流动负债占负债总额的比例"], "流动负债合计", "负债合计", True),
    (["非流动负债比率"], "非流动负债合计", "负债合计", True),
    (["投资收益占营业收入比率"], "投资收益", "营业收入", True),
    (["流动资产占总资产比例", "流动资产占比"], "流动资产合计", "资产总计", True),
    (["研发经费与利润比值", "研发费用与净利润的比值"], "研发费用", "净利润", False),
    (["所得税费用占利润总额比例", "实际所得税率"], "所得税费用", "利润总额", True),
    (["营业总成本与营业总收入之比"], "营业总成本", "营业总收入", False),
]
# composite ratios: name, SQL numerator expression, python fn, fields, percent
COMPOSITE = [
    (["毛利率", "销售毛利率"], "(营业收入 - 营业成本)", lambda r: r["营业收入"] - r["营业成本"], ["营业收入", "营业成本"], "营业收入", True),
    (["三费比重", "三费（销售、管理、财务费用）占营业收入比例"], "(销售费用 + 管理费用 + 财务费用)",
     lambda r: r["销售费用"] + r["管理费用"] + r["财务费用"], ["销售费用", "管理费用", "财务费用"], "营业收入", True),
]

CITIES = ["北京", "上海", "深圳", "广州", "杭州", "南京", "苏州", "成都", "武汉", "西安", "长沙", "宁波", "厦门",
          "青岛", "合肥", "天津", "重庆", "济南", "福州", "无锡", "郑州", "东莞", "佛山", "珠海", "常州", "绍兴",
          "昆明", "南昌", "沈阳", "大连", "长春", "哈尔滨", "乌鲁木齐", "海口", "烟台", "汕头", "淄博", "湖州",
          "嘉兴", "台州", "南通", "贵阳", "兰州", "芜湖"]

# ---------------------------------------------------------------- phrasing
OPEN = ["", "", "", "请问", "请问", "我想知道", "帮我查一下", "查一下", "请告诉我", "麻烦查询", "想了解一下",
        "能告诉我", "请帮忙查询", "你好，", "查询："]
END_MONEY = ["是多少？", "为多少？", "是多少元？", "有多少？", "是多少", "为多少元？", "多少钱？", "是多少元"]
END_PEOPLE = ["是多少？", "有多少人？", "为多少？", "是多少人？", "有多少？"]
END_EPS = ["是多少？", "为多少？", "是多少元/股？", "是多少元？"]
ROUND2 = ["保留两位小数", "保留2位小数", "结果保留两位小数", "精确到小数点后两位", "四舍五入保留两位小数"]
NUM_CN = {1: "一", 2: "二", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}


def q(s):
    return "'" + s.replace("'", "''") + "'"


def yl(y):
    return f"'{y}年'"


class Gen:
    def __init__(self, db, seed):
        self.rng = random.Random(seed)
        self.con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        cur = self.con.execute("select * from big")
        cols = [d[0] for d in cur.description]
        self.rows = {}
        self.by_year = collections.defaultdict(list)
        for t in cur.fetchall():
            r = dict(zip(cols, t))
            y = int(r["年份"][:4])
            self.rows[(r["公司名称"], y)] = r
            self.by_year[y].append(r)
        self.failed = collections.Counter()   # SQL errors / empty / all-NULL
        self.mismatch = collections.Counter()  # result differs from the Python-side value
        self.city_cache = {}

    # ---- helpers
    def ch(self, xs):
        return self.rng.choice(xs)

    def yform(self, y):
        return self.rng.choices([f"{y}年", f"{y}年度", f"{y}", f"{y % 100}年"], [6, 1, 1.5, 1.5])[0]

    def fname(self, col):
        if col in TEXT:
            return self.ch(TEXT[col][0])
        syn = ALL_NUM.get(col, [col])
        return col if self.rng.random() < 0.55 else self.ch(syn)

    def end_for(self, col):
        if col in TEXT:
            return self.ch(TEXT[col][1])
        if col in PEOPLE:
            return self.ch(END_PEOPLE)
        if col in EPS:
            return self.ch(END_EPS)
        return self.ch(END_MONEY)

    def cref(self, r, bare=True):
        """How the question names the company: full name, short name or stock code."""
        style = self.rng.choices(["full", "short", "code"], [4, 4, 2])[0]
        if style == "full":
            opts = ["公司名称为{f}的公司", "{f}"] if bare else ["公司名称为{f}的公司"]
        elif style == "short":
            opts = ["股票简称为{s}的公司", "{s}", "{s}", "证券简称为{s}的公司"] if bare else ["股票简称为{s}的公司"]
        else:
            opts = ["股票代码为{c}的公司", "代码为{c}的公司", "{c}", "证券代码{c}对应的公司"] if bare else ["股票代码为{c}的公司"]
        return self.ch(opts).format(f=r["公司名称"], s=r["股票简称"], c=r["股票代码"])

    def add_round(self, question):
        """Append a 'two decimals' request in one of several forms."""
        r = self.ch(ROUND2)
        base = question[:-1] if question.endswith("？") else question
        asks = question.endswith("？")
        return self.ch([
            base + ("？" if asks else "，") + r + "。",
            base + "，" + r + ("？" if asks else ""),
            base + "（" + r + "）" + ("？" if asks else ""),
            base + "？" + r,
        ])

    def opener(self):
        return self.ch(OPEN)

    def ok(self, col, r, nonzero=False):
        v = r.get(col)
        if v is None or (isinstance(v, str) and not v.strip()):
            return False
        if col in PEOPLE and v == 0:
            return False
        return not (nonzero and v == 0)

    def pick_two(self, col):
        """Two different companies with `col` in the same year: (r1, r2, year), None, or "skip"."""
        r1, y = self.pick([col])
        if r1 is None:
            return None
        r2, _ = self.pick([col], years=[y])
        if r2 is None or r2["公司名称"] == r1["公司名称"]:
            return "skip"
        return r1, r2, y

    def pick(self, cols, years=None, nonzero=(), tries=400):
        """A random company-year whose needed values are present."""
        for _ in range(tries):
            y = self.ch(years or YEARS)
            r = self.ch(self.by_year[y])
            if all(self.ok(c, r, c in nonzero) for c in cols):
                return r, y
        return None, None

    def company_years(self, cols, years, nonzero=()):
        """A company with every year in `years` present and the values non-NULL."""
        for _ in range(400):
            r0 = self.ch(self.by_year[years[-1]])
            rs = [self.rows.get((r0["公司名称"], y)) for y in years]
            if all(x is not None for x in rs) and all(self.ok(c, x, c in nonzero) for x in rs for c in cols):
                return rs
        return None

    def run(self, sql):
        try:
            res = self.con.execute(sql).fetchmany(200)
        except sqlite3.Error:
            return None
        if not res or all(v is None for row in res for v in row):
            return None
        return res

    def check(self, cls, sql, expect=None, tol=1e-6, col=0):
        res = self.run(sql)
        if res is None:
            self.failed[cls] += 1
            return False
        if expect is not None:
            got = res[0][col]
            if isinstance(expect, float) or isinstance(expect, int):
                if not isinstance(got, (int, float)) or abs(got - expect) > max(tol, 1e-6 * abs(expect)):
                    self.mismatch[cls] += 1
                    return False
            elif got != expect:
                self.mismatch[cls] += 1
                return False
        return True

    def years_phrase(self, ys):
        a, b = ys[0], ys[-1]
        if len(ys) == 2:
            return self.ch([f"{a}年和{b}年", f"{a}年与{b}年", f"{a}、{b}年", f"{a}-{b}年", f"{a}年到{b}年", f"{a % 100}年和{b % 100}年"])
        return self.ch([f"{a}年到{b}年", f"{a}-{b}年", f"{a}至{b}年", f"从{a}年到{b}年", f"{a}、{a + 1}、{b}三年",
                        f"近三年（{a}-{b}年）", f"{a % 100}-{b % 100}年"])

    def city(self, c, year, col, n=1, field="注册地址"):
        key = (c, year, col, field)
        if key not in self.city_cache:
            self.city_cache[key] = sum(1 for r in self.by_year[year]
                                       if r[field] and c in r[field] and r[col] is not None)
        return self.city_cache[key] >= n

    # ---------------------------------------------------------- classes
    def lookup(self):
        kind = self.rng.choices(["money", "people", "text", "eps", "multi", "id"], [30, 12, 22, 4, 26, 6])[0]
        if kind == "multi":
            pool = self.ch([list(MONEY), list(MONEY), list(PEOPLE), list(TEXT)])
            cols = self.rng.sample(pool, self.ch([2, 2, 3]))
        elif kind == "money":
            cols = [self.ch(CORE_MONEY if self.rng.random() < 0.6 else list(MONEY))]
        elif kind == "people":
            cols = [self.ch(list(PEOPLE))]
        elif kind == "eps":
            cols = [self.ch(list(EPS))]
        elif kind == "id":
            cols = [self.ch(["股票代码", "股票简称"])]
        else:
            cols = [self.ch(list(TEXT))]
        r, y = self.pick(cols)
        if r is None:
            return None
        co, yr, o = self.cref(r), self.yform(y), self.opener()
        if kind == "id":
            # never name the company by the field being asked for
            co = self.ch(["公司名称为{f}的公司", "{f}"]).format(f=r["公司名称"])
            fld = "股票代码" if cols[0] == "股票代码" else self.ch(["股票简称", "证券简称", "股票简称"])
            end = self.ch(["是什么？", "是多少？", "为？"])
        elif len(cols) == 1:
            fld, end = self.fname(cols[0]), self.end_for(cols[0])
        else:
            names = [self.fname(c) for c in cols]
            fld = "和".join(names) if len(names) == 2 else "、".join(names[:-1]) + "和" + names[-1]
            end = self.ch(["分别是多少？", "各是多少？", "分别为多少？", "分别是多少"] if cols[0] not in TEXT
                          else ["分别是什么？", "分别是？", "各是什么？"])
        pat = self.ch([
            "{o}{yr}{co}的{fld}{end}", "{o}{co}{yr}的{fld}{end}", "{o}{co}在{yr}的{fld}{end}",
            "{o}{yr}，{co}的{fld}{end}", "{o}{co}{yr}{fld}{end}", "{o}{co}{yr}年报中的{fld}{end}",
        ])
        if "年报" in pat and not yr.endswith("年"):
            pat = "{o}{co}{yr}的{fld}{end}"
        if "年报" in pat:
            yr = yr[:-1]
        if self.rng.random() < 0.08 and kind in ("money", "people"):
            question = self.ch(["请提供{co}{yr}的{fld}。", "{co}{yr}{fld}", "查询{yr}{co}的{fld}"]).format(co=co, yr=yr, fld=fld)
        else:
            question = pat.format(o=o, yr=yr, co=co, fld=fld, end=end)
        sql = f"select {', '.join(cols)} from big where 年份 in ({yl(y)}) and 公司名称 in ({q(r['公司名称'])})"
        exp = r[cols[0]]
        return question, sql, exp

    def multi_year(self):
        kind = self.rng.choices(["legal", "text", "num"], [40, 15, 45])[0]
        ys = self.ch([[2019, 2020, 2021], [2019, 2020, 2021], [2020, 2021], [2019, 2020], [2019, 2021]])
        col = {"legal": "法定代表人", "text": None, "num": None}[kind]
        if kind == "text":
            col = self.ch(["办公地址", "注册地址", "电子信箱", "网址"])
        elif kind == "num":
            col = self.ch(CORE_MONEY + ["职工总数", "研发人员", "基本每股收益"])
        rs = self.company_years([col], ys)
        if rs is None:
            return None
        r = rs[-1]
        co, o, yp = self.cref(r), self.opener(), self.years_phrase(ys)
        if kind == "legal":
            if len(ys) == 2 and ys[1] - ys[0] == 1 and self.rng.random() < 0.35:
                yr = self.yform(ys[1])
                question = self.ch([
                    "{o}{co}{yr}的法定代表人与上年相比是否相同？", "{co}在{yr}的法定代表人和去年一样吗？",
                    "{o}{co}{yr}的法定代表人相比上一年有没有变化？"]).format(o=o, co=co, yr=yr)
            else:
                question = self.ch([
                    "{o}{yp}，{co}的法定代表人是否相同？", "{o}{co}{yp}的法定代表人是否都相同？",
                    "{co}在{yp}的法定代表人有没有变更？", "{o}{co}{yp}这几年的法人代表是同一个人吗？",
                    "{o}{co}{yp}的法定代表人分别是谁？是否一致？", "{co}{yp}法定代表人是否发生过变化？"]).format(o=o, co=co, yp=yp)
        elif kind == "text":
            f = self.fname(col)
            question = self.ch([
                "{o}{co}{yp}的{f}分别是什么？", "{o}{co}{yp}的{f}有没有变化？", "{o}{yp}{co}的{f}是否相同？",
                "列出{co}{yp}每年的{f}"]).format(o=o, co=co, yp=yp, f=f)
        else:
            f = self.fname(col)
            question = self.ch([
                "{o}{co}{yp}的{f}分别是多少？", "{o}{co}{yp}每年的{f}是多少？", "{o}{yp}{co}的{f}各为多少？",
                "列出{co}{yp}的{f}", "{o}{co}{yp}{f}分别为多少？"]).format(o=o, co=co, yp=yp, f=f)
        yin = ", ".join(yl(y) for y in ys)
        sql = f"select 年份, {col} from big where 年份 in ({yin}) and 公司名称 in ({q(r['公司名称'])})"
        res = self.run(sql)
        if res is None or len(res) != len(ys):
            self.failed["multi_year"] += 1
            return "skip"
        return question, sql, None

    def growth(self):
        col = self.ch(CORE_MONEY + CORE_MONEY + ["职工总数", "研发人员", "基本每股收益", "综合收益总额", "营业总收入"])
        y = self.ch([2020, 2021, 2021])
        rs = self.company_years([col], [y - 1, y], nonzero=(col,))
        if rs is None:
            return None
        b, a = rs
        if b[col] < 0 and self.rng.random() < 0.85:
            return "skip"
        co, o, f = self.cref(a), self.opener(), self.fname(col)
        yr = self.yform(y)
        rnd = self.rng.random() < 0.6
        question = self.ch([
            "{o}{co}{yr}的{f}增长率是多少？", "{o}{co}{yr}{f}的同比增长率为多少？",
            "{o}{yr}{co}的{f}比上年增长了百分之多少？", "{o}{co}在{yr}的{f}增长率",
            "{o}{co}{yr}的{f}较去年的增长率是多少？", "{o}{co}{f}{yr}相比{py}年的增长率是多少？",
            "{o}{yr}{co}{f}同比增长率", "{o}计算{co}{yr}的{f}增长率",
        ]).format(o=o, co=co, yr=yr, f=f, py=y - 1)
        if rnd:
            question = self.add_round(question)
        # Train-gold style: the two years' raw values; the engine computes the rate.
        sql = (f"select 年份, {col} from big where 年份 in ({yl(y)}, {yl(y - 1)}) "
               f"and 公司名称 in ({q(a['公司名称'])})")
        res = self.run(sql)
        if res is None or len(res) != 2:
            self.failed["growth"] += 1
            return "skip"
        return question, sql, None

    def ratio(self):
        if self.rng.random() < 0.12:
            names, num_sql, num_fn, cols, den, pct = self.ch(COMPOSITE)
            need = cols + [den]
        else:
            names, num, den, pct = self.ch(RATIOS)
            num_sql, num_fn, need = num, (lambda r, num=num: r[num]), [num, den]
        r, y = self.pick(need, nonzero=(den,))
        if r is None:
            return None
        name = self.ch(names)
        co, o, yr = self.cref(r), self.opener(), self.yform(y)
        rnd = self.rng.random() < 0.6
        pw = self.ch(["（以百分比表示）", "（百分比）", "（%）"]) if pct and self.rng.random() < 0.3 else ""
        question = self.ch([
            "{o}{co}{yr}的{n}{p}是多少？", "{o}{yr}{co}的{n}{p}为多少？", "{o}{co}在{yr}的{n}{p}",
            "{o}计算{co}{yr}的{n}{p}", "{o}{yr}，{co}的{n}{p}是多少？", "{o}{co}{yr}{n}{p}是多少？",
        ]).format(o=o, co=co, yr=yr, n=name, p=pw)
        if rnd:
            question = self.add_round(question)
        # Train-gold style: the columns used, then the ratio as a fraction named after the metric.
        cols_sql = ", ".join(dict.fromkeys(need))
        sql = (f"select {cols_sql}, 1.0 * {num_sql} / {den} as {names[0]} from big where 年份 in ({yl(y)}) "
               f"and 公司名称 in ({q(r['公司名称'])})")
        val = num_fn(r) / r[den]
        return question, sql, (val, 1e-6, -1)

    def arith(self):
        self.arith_round = self.rng.random() < 0.25
        out = self._arith()
        if self.arith_round and isinstance(out, tuple):
            out = (self.add_round(out[0]),) + out[1:]
        return out

    def _arith(self):
        kind = self.rng.choices(["diff_year", "diff_co", "sum_years", "avg_years", "sum_cos", "avg_city", "sum_fields"],
                                [20, 16, 14, 14, 10, 14, 12])[0]
        t = ""
        o = self.opener()
        col = self.ch(CORE_MONEY + ["职工总数", "研发人员"])
        if col in PEOPLE and self.rng.random() < 0.8:
            self.arith_round = False  # rounding a headcount to two decimals reads oddly
        rnd = self.arith_round
        f = self.fname(col)
        unit = "元" if col in MONEY and self.rng.random() < 0.4 else ""

        def wrap(e):
            return f"round({e}, 2)" if rnd else e

        if kind == "diff_year":
            y = self.ch([2020, 2021])
            y0 = y - 1 if self.rng.random() < 0.8 else 2019
            if y0 == y:
                y0 = y - 1
            rs = self.company_years([col], [y0, y])
            if rs is None:
                return None
            b, a = rs
            co = self.cref(a)
            question = self.ch([
                "{o}{co}{y}年的{f}比{y0}年增加了多少{u}{t}？", "{o}{co}{y}年{f}与{y0}年相比变化了多少{u}{t}？",
                "{o}{co}{y}年的{f}较{y0}年的差额是多少{u}{t}？", "{o}{co}{y0}年到{y}年{f}增加了多少{u}{t}？",
                "{o}{co}{y}年比上一年的{f}多多少{u}{t}？" if y0 == y - 1 else "{o}{co}{y}年比{y0}年的{f}多多少{u}{t}？",
            ]).format(o=o, co=co, y=y, y0=y0, f=f, u=unit, t=t)
            sql = (f"select {wrap(f'a.{col} - b.{col}')} from big a join big b on a.公司名称 = b.公司名称 "
                   f"where a.公司名称 = {q(a['公司名称'])} and a.年份 = {yl(y)} and b.年份 = {yl(y0)}")
            return question, sql, (round(a[col] - b[col], 2), 0.006) if rnd else a[col] - b[col]
        if kind == "diff_co":
            two = self.pick_two(col)
            if not isinstance(two, tuple):
                return two
            r1, r2, y = two
            yr = self.yform(y)
            question = self.ch([
                "{o}{yr}{a}的{f}比{b}多多少{u}{t}？", "{o}{yr}{a}和{b}的{f}相差多少{u}{t}？",
                "{o}{a}{yr}的{f}减去{b}同年的{f}是多少{u}{t}？", "{o}{yr}，{a}与{b}的{f}差额是多少{u}{t}？",
            ]).format(o=o, yr=yr, a=self.cref(r1), b=self.cref(r2), f=f, u=unit, t=t)
            sql = (f"select {wrap(f'a.{col} - b.{col}')} from big a join big b on a.年份 = b.年份 "
                   f"where a.公司名称 = {q(r1['公司名称'])} and b.公司名称 = {q(r2['公司名称'])} and a.年份 = {yl(y)}")
            v = r1[col] - r2[col]
            return question, sql, (round(v, 2), 0.006) if rnd else v
        if kind in ("sum_years", "avg_years"):
            ys = self.ch([[2019, 2020, 2021], [2019, 2020, 2021], [2020, 2021], [2019, 2020]])
            rs = self.company_years([col], ys)
            if rs is None:
                return None
            co, yp = self.cref(rs[-1]), self.years_phrase(ys)
            if kind == "sum_years":
                question = self.ch([
                    "{o}{co}{yp}的{f}合计是多少{u}{t}？", "{o}{co}{yp}{f}总和为多少{u}{t}？",
                    "{o}{yp}{co}累计{f}是多少{u}{t}？", "{o}{co}{yp}的{f}加起来一共多少{u}{t}？"])
                agg, v = "sum", sum(r[col] for r in rs)
            else:
                question = self.ch([
                    "{o}{co}{yp}的平均{f}是多少{u}{t}？", "{o}{co}{yp}{f}的平均值为多少{t}？",
                    "{o}{yp}{co}的{f}年均是多少{u}{t}？", "{o}{co}{yp}的{f}平均下来是多少{u}{t}？"])
                agg, v = "avg", sum(r[col] for r in rs) / len(rs)
            question = question.format(o=o, co=co, yp=yp, f=f, u=unit, t=t)
            yin = ", ".join(yl(y) for y in ys)
            sql = f"select {wrap(f'{agg}({col})')} from big where 年份 in ({yin}) and 公司名称 in ({q(rs[-1]['公司名称'])})"
            return question, sql, (round(v, 2), 0.006) if rnd else (v, 1e-6 * abs(v) + 1e-6)
        if kind == "sum_cos":
            two = self.pick_two(col)
            if not isinstance(two, tuple):
                return two
            r1, r2, y = two
            yr = self.yform(y)
            question = self.ch([
                "{o}{yr}{a}和{b}的{f}合计是多少{u}{t}？", "{o}{a}与{b}{yr}的{f}加起来是多少{u}{t}？",
                "{o}{yr}{a}、{b}两家公司的{f}总和为多少{u}{t}？"]).format(
                o=o, yr=yr, a=self.cref(r1), b=self.cref(r2), f=f, u=unit, t=t)
            sql = (f"select {wrap(f'sum({col})')} from big where 年份 in ({yl(y)}) "
                   f"and 公司名称 in ({q(r1['公司名称'])}, {q(r2['公司名称'])})")
            v = r1[col] + r2[col]
            return question, sql, (round(v, 2), 0.006) if rnd else (v, 1e-6 * abs(v) + 1e-6)
        if kind == "avg_city":
            y, c = self.ch(YEARS), self.ch(CITIES)
            if not self.city(c, y, col, 5):
                return "skip"
            field = "注册地址" if self.rng.random() < 0.75 else "办公地址"
            where = self.ch(["注册在{c}的", "注册地址在{c}的", "在{c}注册的"]) if field == "注册地址" else self.ch(["办公地址在{c}的", "在{c}办公的"])
            question = self.ch([
                "{o}{yr}{w}上市公司的平均{f}是多少{u}{t}？", "{o}{w}公司{yr}的{f}平均值为多少{t}？",
                "{o}{yr}，{w}上市公司{f}的平均数是多少{t}？"]).format(
                o=o, yr=self.yform(y), w=where.format(c=c), f=f, u=unit, t=t)
            sql = f"select {wrap(f'avg({col})')} from big where {field} like '%{c}%' and 年份 = {yl(y)}"
            return question, sql, None
        # sum_fields: two fields of one company-year
        a, b = self.rng.sample(["销售费用", "管理费用", "财务费用", "研发费用", "营业外收入", "营业外支出",
                                "投资收益", "其他收益", "流动负债合计", "非流动负债合计"], 2)
        r, y = self.pick([a, b])
        if r is None:
            return None
        minus = self.rng.random() < 0.3
        fa, fb = self.fname(a), self.fname(b)
        if minus:
            question = self.ch(["{o}{co}{yr}的{fa}减去{fb}是多少{u}{t}？", "{o}{co}{yr}{fa}比{fb}多多少{u}{t}？"])
        else:
            question = self.ch(["{o}{co}{yr}的{fa}与{fb}之和是多少{u}{t}？", "{o}{co}{yr}{fa}和{fb}合计为多少{u}{t}？",
                                "{o}{yr}{co}的{fa}加{fb}一共多少{u}{t}？"])
        question = question.format(o=o, co=self.cref(r), yr=self.yform(y), fa=fa, fb=fb, u=unit, t=t)
        sql = f"select {wrap(f'{a} - {b}' if minus else f'{a} + {b}')} from big where 年份 in ({yl(y)}) and 公司名称 in ({q(r['公司名称'])})"
        v = r[a] - r[b] if minus else r[a] + r[b]
        return question, sql, (round(v, 2), 0.006) if rnd else (v, 1e-6 * abs(v) + 1e-4)

    def ranking(self):
        col = self.ch(CORE_MONEY + CORE_MONEY + list(PEOPLE)[:6] + ["基本每股收益", "综合收益总额"])
        y = self.ch(YEARS)
        yr, o, f = self.yform(y), self.opener(), self.fname(col)
        city = None
        field = "注册地址"
        if self.rng.random() < 0.4:
            city = self.ch(CITIES)
            field = "注册地址" if self.rng.random() < 0.75 else "办公地址"
            if not self.city(city, y, col, 12, field):
                return "skip"
        kind = self.rng.choices(["top1", "topn", "nth", "bottom1"], [35, 25, 25, 15])[0]
        with_val = self.rng.random() < 0.4
        val_q = self.ch(["金额是多少？", "金额为？", "数值是多少？", "是多少？"]) if col not in PEOPLE else self.ch(["人数是多少？", "有多少人？"])
        who = self.ch(["上市公司", "公司", "企业", "上市公司"])
        if city:
            w = self.ch(["注册在{c}的", "注册地址在{c}的", "在{c}注册的"] if field == "注册地址" else ["办公地址在{c}的", "在{c}办公的"]).format(c=city)
            scope = self.ch([f"{w}{who}中，", f"{w}{who}里，", f"{w}"])
        else:
            scope = ""
        ws = [f"{field} like '%{city}%'"] if city else []
        ws.append(f"年份 = {yl(y)}")
        sel = "公司名称, " + col if with_val else "公司名称"
        order = f"order by {col} desc"
        if kind == "top1":
            question = self.ch([
                "{o}{s}{yr}{f}最高的{who}是哪家？", "{o}{yr}{s}哪家{who}的{f}最高？", "{o}{s}{yr}{f}最多的{who}是哪个？",
                "{o}{yr}{s}{f}排名第一的{who}是？", "{o}{s}哪家{who}{yr}的{f}最大？"])
            lim = "limit 1"
        elif kind == "bottom1":
            question = self.ch([
                "{o}{s}{yr}{f}最低的{who}是哪家？", "{o}{yr}{s}哪家{who}的{f}最少？", "{o}{s}{yr}{f}最小的{who}是？"])
            ws.append(f"{col} is not null")
            order, lim = f"order by {col} asc", "limit 1"
        elif kind == "topn":
            n = self.ch([2, 3, 3, 5, 5, 10])
            nn = self.ch([str(n), NUM_CN[n]])
            question = self.ch([
                "{o}{s}{yr}{f}最高的前{nn}家{who}是哪些？", "{o}{yr}{s}{f}排名前{nn}的{who}有哪些？",
                "{o}{s}{yr}{f}最多的{nn}家{who}是哪几家？", "{o}列出{s}{yr}{f}前{nn}名的{who}"]).replace("{nn}", nn)
            lim = f"limit {n}"
        else:
            n = self.ch([2, 3, 4, 5, 6, 7, 8, 9, 10])
            nn = self.ch([str(n), NUM_CN[n]])
            question = self.ch([
                "{o}{s}{yr}{f}第{nn}高的{who}是哪家？", "{o}{yr}{s}{f}排名第{nn}的{who}是？",
                "{o}{s}{yr}哪家{who}的{f}排在第{nn}位？"]).replace("{nn}", nn)
            lim = f"limit 1 offset {n - 1}"
        question = question.format(o=o, s=scope, yr=yr, f=f, who=who)
        if with_val:
            question = question.rstrip("？") + "，" + val_q if question.endswith("？") else question + "，" + val_q
        sql = f"select {sel} from big where {' and '.join(ws)} {order} {lim}"
        return question, sql, None

    def count(self):
        y = self.ch(YEARS)
        o, yr = self.opener(), self.yform(y)
        if self.rng.random() < 0.2:
            col, op, thr, th_txt = "职工总数", ">", None, None
            n = self.ch([500, 1000, 2000, 5000, 10000])
            thr, th_txt = n, self.ch([f"{n}人", f"{n}名"])
        elif self.rng.random() < 0.15:
            col, op, thr, th_txt = "净利润", "<", 0, None
        else:
            col = self.ch(CORE_MONEY)
            amt = self.ch([(10 ** 7, "1000万元"), (5 * 10 ** 7, "5000万元"), (10 ** 8, "1亿元"), (5 * 10 ** 8, "5亿元"),
                           (10 ** 9, "10亿元"), (10 ** 10, "100亿元"), (10 ** 8, "一亿元"), (2 * 10 ** 9, "20亿元")])
            thr, th_txt = amt
            op = ">" if self.rng.random() < 0.8 else "<"
        city = self.ch(CITIES) if self.rng.random() < 0.7 else None
        field = "注册地址" if self.rng.random() < 0.75 else "办公地址"
        if city and not self.city(city, y, col, 5, field):
            return "skip"
        f = self.fname(col)
        if city:
            w = self.ch(["注册在{c}的", "注册地址在{c}的", "在{c}注册的"] if field == "注册地址" else ["办公地址在{c}的", "在{c}办公的"]).format(c=city)
        else:
            w = ""
        who = self.ch(["上市公司", "公司", "企业"])
        if col == "净利润" and thr == 0:
            cond = self.ch(["亏损", "净利润为负", "净利润小于0"])
            question = self.ch(["{o}{yr}{w}{who}中有多少家{c}？", "{o}{w}{who}{yr}{c}的有几家？", "{o}{yr}有多少家{w}{who}{c}？"])
            question = question.format(o=o, yr=yr, w=w, who=who, c=cond)
        else:
            cmpw = self.ch(["超过", "高于", "大于"]) if op == ">" else self.ch(["低于", "少于", "小于"])
            question = self.ch([
                "{o}{yr}{w}{who}中，{f}{cmp}{th}的有多少家？", "{o}{w}{who}里{yr}{f}{cmp}{th}的有几家？",
                "{o}{yr}有多少家{w}{who}的{f}{cmp}{th}？", "{o}统计{yr}{w}{f}{cmp}{th}的{who}数量"]).format(
                o=o, yr=yr, w=w, who=who, f=f, cmp=cmpw, th=th_txt)
        ws = ([f"{field} like '%{city}%'"] if city else []) + [f"年份 = {yl(y)}", f"{col} {op} {thr}"]
        sql = f"select count(*) from big where {' and '.join(ws)}"
        res = self.run(sql)
        if res is None or res[0][0] == 0:
            return "skip"
        return question, sql, None

    def compare(self):
        col = self.ch(CORE_MONEY + ["职工总数", "研发人员", "基本每股收益"])
        kind = self.rng.choices(["which", "both", "years"], [45, 30, 25])[0]
        o, f = self.opener(), self.fname(col)
        if kind == "years":
            y = self.ch([2020, 2021])
            rs = self.company_years([col], [y - 1, y])
            if rs is None:
                return None
            question = self.ch([
                "{o}{co}{y}年的{f}比{y0}年高吗？", "{o}{co}{y}年{f}相比{y0}年是增加还是减少？",
                "{o}{co}{y0}年和{y}年哪一年的{f}更高？", "{o}{co}{y}年的{f}有没有超过上一年？"]).format(
                o=o, co=self.cref(rs[-1]), y=y, y0=y - 1, f=f)
            sql = f"select 年份, {col} from big where 年份 in ({yl(y - 1)}, {yl(y)}) and 公司名称 in ({q(rs[-1]['公司名称'])})"
            return question, sql, None
        r1, y = self.pick([col])
        if r1 is None:
            return None
        r2, _ = self.pick([col], years=[y])
        if r2 is None or r2["公司名称"] == r1["公司名称"] or r2[col] == r1[col]:
            return "skip"
        yr, a, b = self.yform(y), self.cref(r1), self.cref(r2)
        names = f"{q(r1['公司名称'])}, {q(r2['公司名称'])}"
        if kind == "which":
            high = self.rng.random() < 0.7
            hw = self.ch(["更高", "更多", "更大"]) if high else self.ch(["更低", "更少", "更小"])
            question = self.ch([
                "{o}{yr}{a}和{b}哪家的{f}{h}？", "{o}{a}与{b}相比，{yr}谁的{f}{h}？",
                "{o}{yr}，{a}和{b}两家公司中{f}{h}的是哪家？"]).format(o=o, yr=yr, a=a, b=b, f=f, h=hw)
            sql = (f"select 公司名称 from big where 年份 = {yl(y)} and 公司名称 in ({names}) "
                   f"order by {col} {'desc' if high else 'asc'} limit 1")
            exp = (r1 if (r1[col] > r2[col]) == high else r2)["公司名称"]
            return question, sql, exp
        question = self.ch([
            "{o}{yr}{a}的{f}是否高于{b}？", "{o}比较{yr}{a}和{b}的{f}", "{o}{yr}{a}和{b}的{f}分别是多少，哪个更高？",
            "{o}{a}{yr}的{f}比{b}多吗？"]).format(o=o, yr=yr, a=a, b=b, f=f)
        sql = f"select 公司名称, {col} from big where 年份 in ({yl(y)}) and 公司名称 in ({names})"
        return question, sql, None

    def unsupported(self):
        r, y = self.pick(["公司名称"])
        co, yr, o = self.cref(r), self.yform(y), self.opener()
        missing = ["货币资金", "存货", "固定资产", "应收账款", "股本", "商誉", "短期借款", "长期借款", "无形资产",
                   "应付账款", "未分配利润", "资本公积", "在建工程", "预付款项", "合同负债", "应付职工薪酬",
                   "交易性金融资产", "实收资本", "其他应收款", "长期股权投资", "开发支出", "递延所得税资产",
                   "应交税费", "盈余公积", "应收票据", "预收款项", "使用权资产", "租赁负债", "长期待摊费用", "其他非流动金融资产"]
        info = ["外文名称", "英文名称", "外文名称缩写", "董事会秘书", "证券事务代表", "联系电话", "传真号码", "办公地址的邮政编码",
                "注册资本", "成立日期", "上市日期", "主营业务", "所属行业", "会计师事务所", "审计意见", "股东总数",
                "第一大股东", "实际控制人", "信息披露媒体"]
        derived = ["速动比率", "现金比率", "存货周转率", "应收账款周转率", "固定资产周转率", "每股净资产", "存货占流动资产比例",
                   "货币资金占总资产比例", "商誉占净资产比例", "长期借款占负债比例"]
        kind = self.rng.choices(["missing", "info", "derived", "price", "future", "opinion", "agg_missing"],
                                [30, 16, 12, 12, 10, 10, 10])[0]
        if kind in ("future", "opinion"):
            o = self.ch(["", "", "请问", "你好，", "我想问一下"])
        if kind == "missing":
            m = self.ch(missing)
            question = self.ch(["{o}{co}{yr}的{m}是多少？", "{o}{yr}{co}的{m}为多少元？", "{o}{co}在{yr}的{m}是多少元？",
                                "{o}{co}{yr}{m}的增长率是多少？", "{o}{co}{yr}的{m}和{f}分别是多少？"])
            question = question.format(o=o, co=co, yr=yr, m=m, f=self.fname(self.ch(CORE_MONEY)))
        elif kind == "info":
            question = self.ch(["{o}{co}的{m}是什么？", "{o}{co}{yr}的{m}是？", "{o}{co}{yr}年报中披露的{m}是什么？"])
            m = self.ch(info)
            if m in ("董事会秘书", "证券事务代表", "第一大股东", "实际控制人"):
                question = self.ch(["{o}{co}的{m}是谁？", "{o}{co}{yr}的{m}是谁？"])
            question = question.format(o=o, co=co, yr=yr, m=m)
        elif kind == "derived":
            question = self.ch(["{o}{co}{yr}的{m}是多少？", "{o}计算{co}{yr}的{m}，保留两位小数", "{o}{yr}{co}{m}为多少？"])
            question = question.format(o=o, co=co, yr=yr, m=self.ch(derived))
        elif kind == "price":
            question = self.ch([
                "{o}{co}现在的股价是多少？", "{o}{co}{yr}末的收盘价是多少？", "{o}{co}{yr}的市值是多少？",
                "{o}{co}{yr}的市盈率是多少？", "{o}{co}今天涨了多少？", "{o}{co}{yr}全年股价涨跌幅是多少？",
                "{o}{co}的市净率是多少？", "{o}{co}{yr}的日均成交量是多少？"]).format(o=o, co=co, yr=yr)
        elif kind == "future":
            question = self.ch([
                "{o}预测{co}2023年的营业收入", "{o}{co}明年的净利润会增长吗？", "{o}{co}2025年的营收预计是多少？",
                "{o}{co}未来三年的业绩前景如何？", "{o}{co}2022年的净利润会超过{yr}吗？", "{o}{co}下一年的研发投入预计是多少？",
                "{o}{co}2024年能实现盈利吗？"]).format(o=o, co=co, yr=yr)
        elif kind == "opinion":
            question = self.ch([
                "{o}{co}值得投资吗？", "你觉得{co}的管理层怎么样？", "{o}现在适合买入{co}的股票吗？",
                "{co}是一家好公司吗？", "{o}{co}和同行相比竞争力如何？", "{o}推荐几只{c}的优质股票",
                "{o}{co}的发展前景好不好？", "{o}{co}的股票应该长期持有还是卖出？"]).format(o=o, co=co, c=self.ch(CITIES))
        else:
            m = self.ch(missing)
            c = self.ch(CITIES)
            question = self.ch([
                "{o}{yr}{m}最高的上市公司是哪家？", "{o}注册在{c}的公司中{yr}{m}超过1亿元的有多少家？",
                "{o}{yr}{m}排名前五的公司有哪些？", "{o}{yr}在{c}注册的上市公司平均{m}是多少？"]).format(o=o, yr=yr, m=m, c=c)
        return question, REFUSAL, None


CLASSES = [  # class, target count at scale 1
    ("lookup", 330), ("multi_year", 220), ("growth", 250), ("ratio", 260), ("arith", 230),
    ("ranking", 260), ("count", 160), ("compare", 160), ("unsupported", 260),
]


VERBS = ("计算", "统计", "列出", "预测", "比较", "推荐", "查询")


def tidy(question):
    """Whitespace and doubled punctuation out; no polite opener before an imperative verb."""
    question = re.sub(r"\s+", "", question.strip()).replace("？？", "？").replace("，，", "，").replace("在在", "在")
    for p in sorted({x for x in OPEN if x}, key=len, reverse=True):
        if question.startswith(p) and question[len(p):].startswith(VERBS):
            return question[len(p):]
    return question


def norm(s):
    return re.sub(r"\s+", "", s)


def near_key(s):
    """Near-duplicate key: punctuation, whitespace and polite openers removed."""
    s = re.sub(r"[\s，,。.？?！!、：:（）()“”\"'；;]", "", s)
    openers = sorted({x.strip("，：") for x in OPEN if x}, key=len, reverse=True)
    while True:
        p = next((p for p in openers if s.startswith(p)), None)
        if p is None:
            return s
        s = s[len(p):]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", default=str(ROOT / "datasets/finglm/finglm.sqlite"))
    ap.add_argument("--out", default=str(ROOT / "datasets/generated/template_pairs.jsonl"))
    ap.add_argument("--readme", default=None, help="report file (default: README.md next to --out)")
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every class target")
    ap.add_argument("--eval", nargs="*", default=[str(ROOT / f"datasets/finglm/{n}") for n in
                                                    ("nl2sql_valid.jsonl", "lookup_b.jsonl", "lookup_c.jsonl")],
                    help="evaluation lists: only used to drop generated questions equal to theirs")
    a = ap.parse_args()

    g = Gen(a.db, a.seed)
    per_sql_cap = 2
    seen_q, seen_near, sql_uses = set(), set(), collections.Counter()
    kept = []
    stats = collections.defaultdict(collections.Counter)
    for cls, target in CLASSES:
        want = max(1, round(target * a.scale))
        fn = getattr(g, cls)
        n, attempts = 0, 0
        while n < want and attempts < want * 40:
            attempts += 1
            out = fn()
            if out is None or out == "skip":
                stats[cls]["no_candidate"] += 1
                continue
            question, sql, exp = out
            question = tidy(question)
            if sql != REFUSAL:
                if isinstance(exp, tuple):
                    ok = g.check(cls, sql, *exp)
                else:
                    ok = g.check(cls, sql, exp)
                if not ok:
                    stats[cls]["failed"] += 1
                    continue
            k = near_key(question)
            if norm(question) in seen_q or k in seen_near:
                stats[cls]["dup_question"] += 1
                continue
            if sql != REFUSAL and sql_uses[sql] >= per_sql_cap:
                stats[cls]["dup_sql"] += 1
                continue
            seen_q.add(norm(question)); seen_near.add(k); sql_uses[sql] += 1
            kept.append({"question": question, "sql": sql, "class": cls})
            n += 1
        if n < want:
            print(f"warning: {cls}: only {n} of {want} after {attempts} attempts", file=sys.stderr)

    # leakage check against the evaluation lists (exact match after removing whitespace)
    eval_qs, eval_near, eval_files = set(), set(), []
    for path in a.eval:
        p = Path(path)
        if not p.exists():
            print(f"warning: evaluation list {p} not found: leakage check incomplete", file=sys.stderr)
            continue
        eval_files.append(p.name)
        for line in p.open(encoding="utf-8"):
            if line.strip():
                eq = json.loads(line)["question"]
                eval_qs.add(norm(eq))
                eval_near.add(near_key(eq))
    # exact match after removing whitespace (the rule), and, stricter, the near-duplicate key
    leaked = [x for x in kept if norm(x["question"]) in eval_qs]
    leaked_near = [x for x in kept if norm(x["question"]) not in eval_qs and near_key(x["question"]) in eval_near]
    drop = {id(x) for x in leaked + leaked_near}
    kept = [x for x in kept if id(x) not in drop]
    for x in leaked:
        stats[x["class"]]["leaked_eval"] += 1
    for x in leaked_near:
        stats[x["class"]]["leaked_near"] += 1

    g.rng.shuffle(kept)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for i, x in enumerate(kept, 1):
            f.write(json.dumps({"id": f"gen-{i:05d}", "question": x["question"], "sql": x["sql"],
                                "class": x["class"], "source": "template"}, ensure_ascii=False) + "\n")

    try:
        rel_out = out.resolve().relative_to(ROOT)
    except ValueError:
        rel_out = out
    counts = collections.Counter(x["class"] for x in kept)
    total = len(kept)
    lines = [f"| class | pairs | SQL failed (error/empty/all NULL) | value mismatch | duplicate question | SQL cap ({per_sql_cap}) | no candidate | equal to an eval question | near-equal to an eval question |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for cls, _ in CLASSES:
        s = stats[cls]
        lines.append(f"| {cls} | {counts[cls]} | {g.failed[cls]} | {g.mismatch[cls]} | {s['dup_question']} | {s['dup_sql']} | "
                     f"{s['no_candidate']} | {s['leaked_eval']} | {s['leaked_near']} |")
    lines.append(f"| **total** | **{total}** | {sum(g.failed.values())} | {sum(g.mismatch.values())} | "
                 f"{sum(s['dup_question'] for s in stats.values())} | {sum(s['dup_sql'] for s in stats.values())} | "
                 f"{sum(s['no_candidate'] for s in stats.values())} | {len(leaked)} | {len(leaked_near)} |")
    share = counts["unsupported"] / max(1, total)
    summary = (f"{total} pairs written to {rel_out} ({counts['unsupported']} unsupported = {share:.1%}); "
               f"{sum(g.failed.values())} SQL failed execution, {sum(g.mismatch.values())} disagreed with the Python-side value, "
               f"{len(leaked)} dropped as equal to an evaluation question and {len(leaked_near)} more as near-equal "
               f"(same text without punctuation/openers) ({', '.join(eval_files) or 'no lists found'}).")
    table = "\n".join(lines)
    print(table)
    print(summary)

    cmd = "python3 train/gen_pairs.py" + ("" if a.seed == 20261124 else f" --seed {a.seed}") + \
          ("" if a.scale == 1.0 else f" --scale {a.scale}")
    readme = Path(a.readme) if a.readme else out.parent / "README.md"
    readme.write_text(f"""# Template question → SQL pairs

`{rel_out}`: {total} question → SQL pairs generated from templates over `datasets/finglm/finglm.sqlite`
(view `big`, one row per company-year). Fields: `id`, `question`, `sql`, `class`, `source` (`"template"`).

Regenerate (Python 3.11 standard library only, deterministic for a given seed and database):

```sh
{cmd}
```

**Data note:** every value used here comes from the FinGLM annual-report database (`datasets/finglm/`, derived from
GitHub `MetaGLM/FinGLM`, SMP2023 ChatGLM financial challenge; the source repository has no license). **For research use
only**; nothing here is investment advice.

## How the pairs are built
- Company/year combinations are sampled from the database so that every value the SQL needs is non-NULL (and, for
  headcounts, non-zero); denominators are never zero.
- Questions name the company by full name, stock short name (股票简称) or stock code (股票代码); the SQL always filters on
  the full registered name `公司名称`. Years are written 2021年 / 2021年度 / 2021 / 21年; the SQL always uses `'2021年'`.
- Field synonyms follow analysts' words (营收 → 营业收入, 研发投入 → 研发费用, 员工人数 → 职工总数, 总资产 → 资产总计,
  总负债 → 负债合计, …); 营业收入 and 营业总收入 are kept apart (the SQL follows the question's words).
- Ratios follow the FinGLM train gold: the columns used, then `1.0 * num / den as <metric>` as a fraction (no `* 100`,
  no `round`; the answer sentence formats it). Growth rates follow the train gold too: the metric for the stated year
  and the year before (`select 年份, col … 年份 in (…)`); the engine's post-step computes the rate.
  Year-over-year differences use a self-join: `from big a join big b on a.公司名称 = b.公司名称`.
- "最低/最少" rankings add `… is not null` (SQLite sorts NULL first in ascending order).
- Every SQL was executed read-only and kept only when the result was non-empty and not all NULL; lookup, ratio,
  growth and arithmetic results were also compared with the value computed in Python from the same rows.
- `unsupported` questions (balance-sheet line items the database lacks such as 货币资金/存货/固定资产/应收账款/股本,
  company facts such as 外文名称/董事会秘书, ratios that need those items, stock prices, forecasts, opinions) have the
  target `{REFUSAL}`.
- Near-duplicates are removed (same question after dropping whitespace, punctuation and polite openers), each SQL is
  used at most {per_sql_cap} times, and any question equal to a question of an evaluation list
  (`nl2sql_valid.jsonl`, `lookup_b.jsonl`, `lookup_c.jsonl`; exact match after removing whitespace) is dropped, and so
  is one equal to an evaluation question after also removing punctuation and a polite opener ("near-equal").
  The evaluation lists are used for nothing else.

## Report (seed {a.seed}, scale {a.scale})

{table}

{summary}
""", encoding="utf-8")
    print(f"wrote {readme}")


if __name__ == "__main__":
    main()
