"""Build schemas/finglm.toml: one doc per column name of every table/view.

Descriptions start from datasets/finglm/schema.md's meanings and are refined by
hand below; aliases are hand-written (analyst wording, checked against the train
questions only); examples are read from the database. Re-run after editing:
    python3 schemas/tools/make_docs.py
"""
import re, sqlite3, pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
DB = ROOT / "datasets/finglm/finglm.sqlite"

TABLE_DOCS = {
    "big": ("view", "每家上市公司每个报告年份一行的宽表（视图），汇总基本信息、员工、资产负债合计、利润表和现金流量表；问题一律查询此表"),
    "company_annual_reports": ("table", "年报清单：每份年报（公司-年份）一行，含公司全称、股票代码、简称、年份"),
    "baseinfo": ("table", "公司基本信息：办公地址、注册地址、邮箱、法定代表人、网址"),
    "balance_static": ("table", "资产负债表合计项（仅流动/非流动资产与负债四个合计）"),
    "profit_statement": ("table", "合并利润表（单位：元）"),
    "cash_flow": ("table", "合并现金流量表（单位：元）"),
    "people": ("table", "员工情况：职工人数、研发人员、学历构成、专业构成"),
}

# name -> (description override or None, aliases)
DOCS = {
    "公司名称": ("公司的注册全称，如'贵州茅台酒股份有限公司'；按公司筛选时用全称", ["公司全称", "企业名称", "公司全名"]),
    "股票代码": ("6位股票代码文本，保留前导0，如'600519'", ["证券代码", "代码", "股票编号"]),
    "股票简称": ("股票简称，如'贵州茅台'", ["证券简称", "简称", "公司简称"]),
    "年份": ("年报对应的年份，文本如'2021年'", ["年度", "报告年份", "报告期"]),
    "办公地址": (None, ["办公地点", "公司地址", "办公所在地"]),
    "注册地址": ("公司注册地址，按城市筛选注册地时用 LIKE '%城市%'", ["注册地", "注册地点", "注册城市", "注册所在地"]),
    "电子信箱": ("公司电子邮箱", ["邮箱", "电子邮箱", "邮箱地址", "公司邮箱", "电子邮件"]),
    "法定代表人": (None, ["法人", "法人代表", "法定代表"]),
    "网址": ("公司网址", ["公司网址", "官网", "网站", "官方网站", "公司网站"]),
    "流动资产合计": ("资产负债表流动资产合计（元）", ["流动资产", "流动资产总额"]),
    "非流动资产合计": ("资产负债表非流动资产合计（元）", ["非流动资产", "非流动资产总额"]),
    "流动负债合计": ("资产负债表流动负债合计（元）", ["流动负债", "流动负债总额"]),
    "非流动负债合计": ("资产负债表非流动负债合计（元）", ["非流动负债", "非流动负债总额"]),
    "资产总计": ("资产总计（元），派生：流动资产合计 + 非流动资产合计", ["总资产", "资产总额", "资产总金额", "资产合计", "总资产金额"]),
    "负债合计": ("负债合计（元），派生：流动负债合计 + 非流动负债合计；区别于只含流动部分的流动负债合计", ["总负债", "负债总额", "负债总金额", "负债总计"]),
    "负债和所有者权益总计": ("负债和所有者权益总计（元），等于资产总计（派生）", ["负债和所有者权益", "负债及所有者权益总计", "权益总计"]),
    "营业总收入": ("营业总收入（元），含营业收入及利息、保费、手续费等收入；与营业收入不同", ["总营收", "营业总额"]),
    "营业总成本": ("营业总成本（元），含营业成本、税金及附加和各项期间费用", ["总成本"]),
    "营业收入": ("营业收入（元），主营及其他业务收入；与营业总收入不同", ["营收", "营业额", "销售收入", "收入"]),
    "营业成本": ("营业成本（元）", ["成本"]),
    "研发费用": (None, ["研发投入", "研发支出", "研究开发费用", "研发开支", "研发经费"]),
    "销售费用": (None, ["销售开支", "营销费用"]),
    "管理费用": (None, ["管理开支"]),
    "财务费用": (None, []),
    "税金及附加": (None, ["营业税金及附加"]),
    "利息支出": (None, []),
    "利息收入": (None, []),
    "公允价值变动收益": (None, ["公允价值变动损益"]),
    "投资收益": ("投资收益（元），含对联营企业和合营企业的投资收益", ["投资回报"]),
    "营业利润": (None, ["经营利润"]),
    "营业外收入": (None, []),
    "营业外支出": (None, []),
    "利润总额": (None, ["税前利润", "总利润"]),
    "所得税费用": (None, ["所得税"]),
    "净利润": ("净利润（元），合并口径，含少数股东损益", ["净利", "纯利润", "净收益"]),
    "归属于母公司股东的净利润": ("归属于母公司股东（所有者）的净利润（元）", ["归母净利润", "归属母公司净利润", "归属于母公司所有者的净利润", "归属母公司所有者净利润"]),
    "其他收益": (None, []),
    "综合收益总额": (None, ["综合收益"]),
    "基本每股收益": ("基本每股收益（元/股）", ["每股收益", "EPS"]),
    "稀释每股收益": ("稀释每股收益（元/股）", ["稀释EPS"]),
    "对联营企业和合营企业的投资收益": (None, ["联营合营企业投资收益"]),
    "已赚保费": ("已赚保费（元），保险公司", []),
    "手续费及佣金收入": (None, ["佣金收入"]),
    "手续费及佣金支出": (None, ["佣金支出"]),
    "资产减值损失": (None, []),
    "信用减值损失": (None, []),
    "资产处置收益": (None, []),
    "持续经营净利润": (None, []),
    "终止经营净利润": (None, []),
    "少数股东损益": (None, []),
    "经营活动产生的现金流量净额": (None, ["经营现金流", "经营活动现金流量净额", "经营性现金流净额", "经营活动现金流"]),
    "投资活动产生的现金流量净额": (None, ["投资现金流", "投资活动现金流量净额", "投资活动现金流"]),
    "筹资活动产生的现金流量净额": (None, ["筹资现金流", "筹资活动现金流量净额", "筹资活动现金流"]),
    "期末现金及现金等价物余额": (None, ["期末现金余额", "期末现金及等价物"]),
    "期初现金及现金等价物余额": (None, ["期初现金余额"]),
    "现金的期末余额": (None, []),
    "支付给职工以及为职工支付的现金": (None, ["职工薪酬支出", "支付职工现金"]),
    "支付的各项税费": (None, ["缴纳税费", "支付税费"]),
    "收到的税费返还": (None, ["税费返还"]),
    "销售商品、提供劳务收到的现金": (None, ["销售商品收到的现金"]),
    "购买商品、接受劳务支付的现金": (None, ["购买商品支付的现金"]),
    "取得借款收到的现金": (None, ["借款收到的现金"]),
    "偿还债务支付的现金": (None, ["偿还债务"]),
    "分配股利、利润或偿付利息支付的现金": (None, ["分红支付的现金"]),
    "职工总数": ("员工总人数（人）", ["职工人数", "员工人数", "员工总数", "员工总人数", "职工总人数", "员工数量", "在职员工"]),
    "职工人数": ("员工总人数（人），people 表原名", ["员工人数"]),
    "研发人员": ("研发人员人数（人）；区别于技术人员", ["研发人员数", "研发人数", "研发人员人数", "研发员工"]),
    "研发人员比率": ("研发人员占职工总数的比例（%）", ["研发人员占比", "研发人员比例"]),
    "硕士": ("硕士学历员工人数（人）", ["硕士人数", "硕士员工人数", "硕士学历人数", "硕士员工"]),
    "硕士人数": ("硕士学历员工人数（人），people 表原名", []),
    "硕士以上人数": ("硕士及以上学历员工人数（人）；区别于仅硕士的人数", ["硕士及以上人数", "硕士及以上"]),
    "博士": ("博士学历员工人数（人）；本库口径下常用作博士及以上", ["博士人数", "博士员工人数", "博士员工", "博士及以上"]),
    "博士人数": ("博士学历员工人数（人），people 表原名", []),
    "博士以上人数": ("博士及以上学历员工人数（人）", ["博士及以上人数", "博士及以上"]),
    "生产人员": ("生产人员人数（人）", ["生产人员人数", "生产员工"]),
    "销售人员": ("销售人员人数（人）", ["销售人员人数", "销售员工"]),
    "技术人员": ("技术人员人数（人）；区别于研发人员", ["技术人员人数", "技术员工"]),
    "财务人员": ("财务人员人数（人）", ["财务人员人数", "财务员工"]),
    "行政人员": ("行政人员人数（人）", ["行政人员人数", "行政员工"]),
    "公司邮箱": ("公司电子邮箱（baseinfo 表原名，big 中为电子信箱）", []),
    "公司网址": ("公司网址（baseinfo 表原名，big 中为网址）", []),
    "report_date": ("年报发布日期", []),
    "company_full_name": ("公司全称（big 中为公司名称）", []),
    "stock_code": ("股票代码（big 中为股票代码）", []),
    "company_short_name": ("股票简称（big 中为股票简称）", []),
    "report_year": ("报告年份，文本如'2021年'（big 中为年份）", []),
    "report_type": ("报告类型（年报）", []),
    "file_name": ("年报文件名", []),
}

PEOPLE_TABLE = "people"

def main():
    con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    meanings = {}
    for line in (ROOT / "datasets/finglm/schema.md").read_text().splitlines():
        m = re.match(r"\| (.+?) \| (\w+) \| [\d,]+ \| (.+?) \|$", line)
        if m:
            meanings.setdefault(m.group(1), m.group(3))
    cols = {}  # name -> dict(tables, type)
    for t in TABLE_DOCS:
        for _, name, typ, *_ in con.execute(f"pragma table_info('{t}')"):
            d = cols.setdefault(name, {"tables": [], "type": typ or ""})
            d["tables"].append(t)
            if t == "big":
                d["type"] = typ or d["type"]
    out = []
    for t, (kind, desc) in TABLE_DOCS.items():
        out.append(f'[[table]]\nname = "{t}"\nkind = "{kind}"\ndescription = "{desc}"\n')
    for name, d in cols.items():
        over, aliases = DOCS.get(name, (None, []))
        desc = over or meanings.get(name) or name
        t0 = "big" if "big" in d["tables"] else d["tables"][0]
        ex = [str(r[0])[:40] for r in con.execute(f'SELECT DISTINCT "{name}" FROM "{t0}" WHERE "{name}" IS NOT NULL LIMIT 3')]
        typ = d["type"].upper()
        people = PEOPLE_TABLE in d["tables"] and typ == "INTEGER"
        unit = "人" if people else ("元" if typ == "REAL" and "每股" not in name and "比率" not in name else ("元/股" if "每股" in name else ("%" if "比率" in name else "")))
        q = lambda s: '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'
        out.append(
            f"[[column]]\nname = {q(name)}\ntables = [{', '.join(q(x) for x in d['tables'])}]\ntype = {q(typ)}\n"
            f"description = {q(desc)}\naliases = [{', '.join(q(a) for a in aliases)}]\nunit = {q(unit)}\n"
            f"examples = [{', '.join(q(e) for e in ex)}]\n"
        )
    (ROOT / "schemas/finglm.toml").write_text("# Column docs for finglm.sqlite, generated by schemas/tools/make_docs.py (edit DOCS there).\n\n" + "\n".join(out))
    print(len(cols), "column docs")

main()
