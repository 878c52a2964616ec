#!/usr/bin/env python3
"""Template question -> SQL pairs over the FinGLM annual-report database (view `big`).

Standard library only. Every SQL is executed (database opened read-only, `big` copied once into
memory) and kept only when it returns 1-20 rows with no NULL in the first row; numeric templates
are also checked against the value computed in Python from the same rows. Two groups of classes:
FinGLM-style wording (lookup ... unsupported) and analyst-style wording (comparison, topn,
aggregate, threshold, growth_yoy, ratio_only, trend, short_name, columns, refusal) with short
forms of company names, stock codes, 亿/万 amounts and cities. About 12% of the pairs are
questions the database cannot answer (items it lacks, market data, years outside 2019-2021,
quarters, forecasts, opinions) whose target is the refusal marker.

    python3 train/gen_pairs.py            # from the repository root

writes datasets/generated/template_pairs.jsonl and datasets/generated/README.md.
Evaluation sets (FinGLM nl2sql_valid / lookup_b / lookup_c, analyst_dev, paraphrase,
paraphrase2) are read only for the final leakage check: a generated question equal to an
evaluation question (whitespace removed; also punctuation and openers removed) is dropped.
"""
import argparse
import collections
import json
import random
import re
import sqlite3
import sys
import tomllib
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

# ================================================================ analyst-style kinds
# Colloquial analyst wording (营收/净利/研发投入/员工 …), short forms of company names, units, cities.
# Target shapes: datasets/analyst_dev/README.md "Gold SQL conventions" (growth rates computed in SQL as
# a fraction over a self-join); 注册 reads 注册地址,
# a bare city or 办公/总部 reads 办公地址 (schemas/finglm.toml [places]).

# key, SQL expression, analyst names, kind (money / people / eps), columns needed
AM = [
    ("营业收入", ["营收", "营业收入", "收入", "营业额", "营收"], "money"),
    ("净利润", ["净利", "净利润", "净利", "利润"], "money"),
    ("研发费用", ["研发投入", "研发费用", "研发支出", "研发投入"], "money"),
    ("职工总数", ["员工人数", "员工数", "员工总数", "职工人数", "在职员工数"], "people"),
    ("资产总计", ["总资产", "资产总额", "资产规模", "总资产"], "money"),
    ("负债合计", ["总负债", "负债总额", "负债"], "money"),
    ("营业成本", ["营业成本", "成本"], "money"),
    ("营业利润", ["营业利润"], "money"),
    ("利润总额", ["利润总额", "税前利润"], "money"),
    ("经营活动产生的现金流量净额", ["经营现金流", "经营活动现金流净额", "经营性现金流"], "money"),
    ("销售费用", ["销售费用", "销售费"], "money"),
    ("管理费用", ["管理费用"], "money"),
    ("财务费用", ["财务费用"], "money"),
    ("研发人员", ["研发人员", "研发人数", "研发人员数量"], "people"),
    ("基本每股收益", ["每股收益", "EPS", "基本每股收益"], "eps"),
    ("营业总收入", ["营业总收入", "总营收"], "money"),
    ("归属于母公司股东的净利润", ["归母净利润", "归母净利"], "money"),
]
AM_W = [14, 14, 8, 8, 7, 5, 3, 3, 3, 4, 2, 2, 2, 3, 2, 2, 1]
# name, SQL, analyst names, columns, denominator, percent-type
AR = [
    ("毛利率", "1.0 * (营业收入 - 营业成本) / 营业收入", ["毛利率", "销售毛利率", "毛利率"], ["营业收入", "营业成本"], "营业收入", True),
    ("净利率", "1.0 * 净利润 / 营业收入", ["净利率", "净利润率", "销售净利率"], ["净利润", "营业收入"], "营业收入", True),
    ("资产负债率", "1.0 * 负债合计 / 资产总计", ["资产负债率", "负债率", "资产负债率"], ["负债合计", "资产总计"], "资产总计", True),
    ("研发费用率", "1.0 * 研发费用 / 营业收入", ["研发费用率", "研发投入占营收比", "研发投入占营收的比例", "研发强度", "研发费用占营收比"],
     ["研发费用", "营业收入"], "营业收入", True),
    ("营业利润率", "1.0 * 营业利润 / 营业收入", ["营业利润率", "经营利润率"], ["营业利润", "营业收入"], "营业收入", True),
    ("销售费用率", "1.0 * 销售费用 / 营业收入", ["销售费用率", "销售费用占营收比"], ["销售费用", "营业收入"], "营业收入", True),
    ("管理费用率", "1.0 * 管理费用 / 营业收入", ["管理费用率", "管理费用占营收比"], ["管理费用", "营业收入"], "营业收入", True),
    ("流动比率", "1.0 * 流动资产合计 / 流动负债合计", ["流动比率"], ["流动资产合计", "流动负债合计"], "流动负债合计", False),
    ("研发人员占比", "1.0 * 研发人员 / 职工总数", ["研发人员占比", "研发人员占员工的比例", "研发人员占员工总数的比例"],
     ["研发人员", "职工总数"], "职工总数", True),
    ("三费比重", "1.0 * (销售费用 + 管理费用 + 财务费用) / 营业收入", ["三费比重", "三费占营收的比例"],
     ["销售费用", "管理费用", "财务费用", "营业收入"], "营业收入", True),
    ("期间费用率", "1.0 * (销售费用 + 管理费用 + 财务费用 + 研发费用) / 营业收入", ["期间费用率"],
     ["销售费用", "管理费用", "财务费用", "研发费用", "营业收入"], "营业收入", True),
    ("硕士及以上占比", "1.0 * (硕士 + 博士) / 职工总数", ["硕士及以上占比", "硕士以上员工占比"], ["硕士", "博士", "职工总数"], "职工总数", True),
]
AR_W = [10, 10, 9, 7, 3, 3, 3, 3, 3, 2, 1, 1]

PLACES = ["北京", "上海", "天津", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西",
          "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古",
          "广西", "西藏", "宁夏", "新疆", "香港", "澳门", "中国", "中华"] + CITIES + [
          "温州", "金华", "义乌", "泉州", "漳州", "洛阳", "唐山", "石家庄", "太原", "呼和浩特", "南宁", "桂林", "柳州",
          "扬州", "徐州", "镇江", "泰州", "盐城", "连云港", "宜昌", "襄阳", "株洲", "湘潭", "岳阳", "潍坊", "威海",
          "日照", "临沂", "江门", "中山", "惠州", "肇庆", "清远", "揭阳", "潮州", "湛江", "茂名", "韶关", "梅州",
          "三亚", "绵阳", "德阳", "宜宾", "泸州", "遵义", "曲靖", "玉溪", "宝鸡", "咸阳", "银川", "西宁", "拉萨",
          "鞍山", "抚顺", "本溪", "丹东", "锦州", "营口", "吉林", "四平", "大庆", "齐齐哈尔", "牡丹江", "包头",
          "鄂尔多斯", "赣州", "九江", "景德镇", "萍乡", "上饶", "宜春", "安庆", "蚌埠", "马鞍山", "铜陵", "滁州",
          "舟山", "丽水", "衢州", "莆田", "三明", "龙岩", "南平", "宁德", "开封", "新乡", "焦作", "许昌", "平顶山",
          "安阳", "南阳", "信阳", "十堰", "荆州", "黄石", "衡阳", "常德", "益阳", "郴州", "永州", "怀化", "东营",
          "滨州", "德州", "聊城", "菏泽", "济宁", "泰安", "枣庄", "莱芜", "廊坊", "保定", "邯郸", "邢台", "沧州",
          "秦皇岛", "承德", "张家口", "大同", "长治", "晋城", "阳泉", "运城", "北海", "梧州", "张家港", "昆山",
          "江阴", "宜兴", "常熟", "慈溪", "余姚", "诸暨", "海宁", "东方", "华东", "华南", "华北", "华中", "西部",
          "东北", "西北", "西南", "珠江", "长江", "黄河", "浦东", "江南"]
LEGAL = ["股份有限公司", "有限责任公司", "有限公司", "集团", "控股", "股份", "公司"]
COLL_BLOCK = ["科技", "股份", "集团", "控股", "实业", "发展", "电子", "医药", "国际", "投资", "能源", "电气", "技术",
              "新材", "材料", "环境", "环保", "智能", "信息", "网络", "文化", "传媒", "食品", "生物", "药业", "机械",
              "电力", "化工", "建设", "工程", "银行", "证券", "保险", "汽车", "重工", "精密", "光电", "数据", "软件",
              "通信", "设备", "装备", "新能", "健康", "医疗", "制药", "农业", "电器", "家居", "服饰", "物流", "航空",
              "有限", "责任", "公司", "年报", "营收", "利润", "收入", "成本", "费用", "资产", "负债", "员工", "研发",
              "多少", "哪家", "同比", "增长", "比例", "现金", "平均", "最高", "最低", "前五", "排名", "东方", "长城",
              "新华", "华夏", "中信", "中科", "高新", "特变", "国电", "中航", "华润", "万科", "第一", "宏达", "天地"]
SUFFIX_BLOCK = ("公司", "股份", "集团")

ABSENT = ["货币资金", "应收账款", "存货", "固定资产", "无形资产", "商誉", "短期借款", "长期借款", "应付账款", "股本",
          "未分配利润", "资本公积", "在建工程", "预付款项", "合同负债", "应付职工薪酬", "交易性金融资产", "应收票据",
          "应付票据", "所有者权益合计", "归属于母公司所有者权益合计", "其他流动资产", "其他非流动资产", "应交税费",
          "应收款项融资", "长期股权投资", "开发支出", "递延所得税资产", "盈余公积", "使用权资产", "租赁负债",
          "存货周转率", "应收账款周转天数", "速动比率", "现金比率", "每股净资产", "有息负债", "合同资产", "预计负债",
          "长期应收款", "投资性房地产", "一年内到期的非流动负债"]
MARKET = ["市值", "总市值", "流通市值", "市盈率", "PE", "市净率", "PB", "股价", "收盘价", "涨幅", "涨跌幅", "成交量",
          "成交额", "换手率", "股息率", "机构持仓", "北向资金持股", "融资余额", "目标价"]
QUARTER = ["一季度", "第一季度", "二季度", "第二季度", "三季度", "第三季度", "四季度", "第四季度", "上半年", "下半年",
           "前三季度", "半年报", "Q1", "Q3", "中报", "一季报", "三季报"]

# every column of `big`: analyst words (besides the column name); ambiguous aliases of finglm.toml left out
COL_WORDS = {
    "营业收入": ["营收", "营业额", "销售收入"], "净利润": ["净利", "税后利润", "纯利润"],
    "税金及附加": ["营业税金及附加", "税金附加"], "所得税费用": ["所得税", "企业所得税费用"],
    "收回投资收到的现金": ["收回投资的现金", "投资收回的现金"],
    "期末现金及现金等价物余额": ["期末现金余额", "年末现金及现金等价物余额", "期末现金及等价物"],
    "对联营企业和合营企业的投资收益": ["对联营和合营企业的投资收益", "联营合营企业投资收益", "权益法投资收益"],
    "现金的期末余额": ["现金期末余额"], "资产总计": ["总资产", "资产总额"], "负债合计": ["总负债", "负债总额"],
    "职工总数": ["员工人数", "员工总数", "在职员工数"], "研发费用": ["研发投入", "研发支出"],
    "营业总收入": ["总营收", "营业总收入金额"], "营业总成本": ["总成本", "营业总成本金额"],
    "基本每股收益": ["每股收益", "EPS"], "稀释每股收益": ["稀释EPS", "摊薄每股收益"],
    "归属于母公司股东的净利润": ["归母净利润", "归母净利"], "经营活动产生的现金流量净额": ["经营现金流", "经营活动现金流净额"],
    "投资活动产生的现金流量净额": ["投资现金流", "投资活动现金流净额"], "筹资活动产生的现金流量净额": ["筹资现金流", "融资现金流净额"],
    "购建固定资产、无形资产和其他长期资产支付": ["资本开支", "购建长期资产支付的现金"],
    "处置固定资产、无形资产和其他长期资产收回": ["处置长期资产收回的现金"],
    "分配股利、利润或偿付利息支付的现金": ["分红付息支付的现金", "分配股利支付的现金"],
    "销售商品、提供劳务收到的现金": ["销售商品收到的现金", "销售回款"],
    "购买商品、接受劳务支付的现金": ["采购支付的现金", "购买商品支付的现金"],
    "支付给职工以及为职工支付的现金": ["支付给职工的现金", "职工薪酬支出"],
    "研发人员比率": ["研发人员占比", "研发人员比例"], "硕士": ["硕士人数", "硕士学历员工"], "博士": ["博士人数", "博士学历员工"],
    "硕士以上人数": ["硕士及以上人数", "硕士及以上学历人数"], "博士以上人数": ["博士及以上人数", "博士及以上学历人数"],
    "负债和所有者权益总计": ["负债和股东权益总计", "负债及所有者权益总计"],
}

q_ = q
AM_KIND = {k: kind for k, _, kind in AM}
CN_NUM = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五", 6: "六", 7: "七", 8: "八", 9: "九", 10: "十"}


def amount_text(v, people=False, rng=None):
    """A threshold in analyst words: 2000亿 / 1.5万亿 / 500万 / 5万人; (text, exact number)."""
    if people:
        if v >= 10000 and v % 10000 == 0:
            return rng.choice([f"{v // 10000}万人", f"{v // 10000}万名员工" if False else f"{v // 10000}万人"])
        return f"{v}人"
    if v >= 10 ** 12:
        x = v / 10 ** 12
        s = f"{x:g}万亿"
    elif v >= 10 ** 8:
        x = v / 10 ** 8
        s = f"{x:g}亿"
        if x == 1000 and rng.random() < 0.5:
            s = "千亿"
        elif x == 100 and rng.random() < 0.5:
            s = "百亿"
    else:
        s = f"{v / 10 ** 4:g}万"
    return s + (rng.choice(["", "", "元"]) if not s.endswith("亿") or rng.random() < 0.7 else "元")


class AnalystKinds:
    # ---- set-up (called from Gen.__init__)
    def init_analyst(self):
        self.short_forms = self.build_short_forms()
        self.city_n = {}

    def build_short_forms(self):
        """Unique short forms: a 2-3 character part of exactly one company's short or full name."""
        names = collections.defaultdict(set)  # company -> its names
        for (co, _), r in self.rows.items():
            names[co].add(co)
            if r["股票简称"]:
                names[co].add(r["股票简称"])
        index = collections.defaultdict(set)
        for co, ns in names.items():
            for n in ns:
                for k in (2, 3):
                    for i in range(len(n) - k + 1):
                        index[n[i:i + k]].add(co)
        short_of = collections.defaultdict(set)
        for (co, _), r in self.rows.items():
            short_of[co].add(r["股票简称"] or "")
        out = {}
        for co, ns in names.items():
            stem = co
            changed = True
            while changed:
                changed = False
                for p in sorted(PLACES, key=len, reverse=True):
                    if stem.startswith(p):
                        stem = stem[len(p):].lstrip("省市自治区")
                        changed = True
            for s in LEGAL:
                stem = stem.replace(s, "")
            cands = []
            # two characters at the start of the stock short name, else of the full name without place and
            # legal suffix (爱尔眼科 → 爱尔, 通策医疗 → 通策), four characters or more; unique among every company's names
            if any(0 < len(x) <= 3 for x in short_of[co]):
                continue  # a short name of three characters or fewer (新和成, 好太太) is itself the short form
            for base in sorted(x for x in short_of[co] if x) + [stem]:
                if cands:
                    break
                if len(base) < 4 or re.search(r"[A-Za-z0-9*＊\s（）()]", base):
                    continue  # a three-character short name (新和成) is used whole
                c = base[:2]
                if len(c) < 2 or c in ns:
                    continue
                if any(p in c or c in p for p in PLACES) or any(b in c for b in COLL_BLOCK):
                    continue
                if c.endswith(SUFFIX_BLOCK) or index.get(c) != {co}:
                    continue
                cands.append(c)
            if cands:
                out[co] = sorted(set(cands), key=lambda c: (len(c), c))
        return out

    def coref(self, r, styles=None):
        """Colloquial company mention: stock short name, unique short form, full name, stock code."""
        sf = self.short_forms.get(r["公司名称"])
        w = styles or {"short": 36, "form": 22 if sf else 0, "full": 24, "code": 18}
        style = self.rng.choices(list(w), list(w.values()))[0]
        if style == "short" and r["股票简称"]:
            return r["股票简称"]
        if style == "form" and sf:
            return sf[0]
        if style == "code":
            c = r["股票代码"]
            return self.ch([c, f"{c}", f"股票代码{c}", f"代码{c}的公司", f"{c}这只股票", f"证券代码为{c}的公司"])
        return r["公司名称"]

    def ayear(self, y):
        return self.rng.choices([f"{y}年", f"{y % 100}年", f"{y}", f"{y}年度"], [6, 4, 1, 1])[0]

    def am(self, kinds=("money", "people", "eps")):
        while True:
            i = self.rng.choices(range(len(AM)), AM_W)[0]
            if AM[i][2] in kinds:
                return AM[i]

    def ar(self):
        return AR[self.rng.choices(range(len(AR)), AR_W)[0]]

    def okr(self, r, cols, den=None):
        if r is None:
            return False
        for c in cols:
            if not self.ok(c, r):
                return False
        return den is None or (r.get(den) not in (None, 0))

    def pick_n(self, cols, n, y=None, den=None, distinct=None):
        """n different companies of one year with the values present."""
        y = y or self.ch(YEARS)
        pool = self.by_year[y]
        out, seen = [], set()
        for _ in range(300):
            r = self.ch(pool)
            if r["公司名称"] in seen or not self.okr(r, cols, den):
                continue
            if distinct and any(distinct(r) == distinct(o) for o in out):
                continue
            out.append(r)
            seen.add(r["公司名称"])
            if len(out) == n:
                return out, y
        return None, y

    def place(self, y, need=1, cols=()):
        """A city filter: (question words, SQL condition); 注册 -> 注册地址, a bare city or 办公/总部 -> 办公地址."""
        c = self.ch(CITIES)
        style = self.rng.choices(["bare", "reg", "off"], [45, 30, 25])[0]
        field = "注册地址" if style == "reg" else "办公地址"
        key = (c, y, field, tuple(cols))
        if key not in self.city_n:
            self.city_n[key] = sum(1 for r in self.by_year[y] if r[field] and c in r[field]
                                   and all(r[x] is not None for x in cols))
        if self.city_n[key] < need:
            return None
        if style == "bare":
            w = self.ch([f"{c}的", f"{c}的", f"{c}", f"{c}本地的", f"{c}地区的"])
        elif style == "reg":
            w = self.ch([f"注册在{c}的", f"注册地在{c}的", f"在{c}注册的", f"注册地址在{c}的"])
        else:
            w = self.ch([f"办公地在{c}的", f"在{c}办公的", f"总部在{c}的", f"办公地址在{c}的"])
        return w, f"{field} like '%{c}%'"

    def who(self):
        return self.ch(["公司", "公司", "上市公司", "企业", "家公司"[1:]])

    # ---------------------------------------------------------- comparison (2-3 companies)
    def comparison(self):
        use_ratio = self.rng.random() < 0.22
        if use_ratio:
            key, expr, names, cols, den, _ = self.ar()
            kind = "ratio"
        else:
            key, names, kind = self.am()
            expr, cols, den = key, [key], None
        n = 2 if self.rng.random() < 0.78 else 3
        mode = self.rng.choices(["which", "diff", "times"], [55, 30, 15])[0]
        if use_ratio and mode == "times":
            mode = "which"
        if n == 3:
            mode = "which"
        rs, y = self.pick_n(cols, n, den=den)
        if rs is None:
            return None
        val = {r["公司名称"]: self.con.execute(f"select {expr} from big where 公司名称 = ? and 年份 = ?",
                                              (r["公司名称"], f"{y}年")).fetchone()[0] for r in rs}
        if any(v is None for v in val.values()) or len(set(val.values())) < n:
            return "skip"
        f, yr = self.ch(names), self.ayear(y)
        ms = [self.coref(r) for r in rs]
        if len(set(ms)) < n:
            return "skip"
        yc = f"年份 = '{y}年'"
        if mode == "which":
            high = self.rng.random() < 0.72
            if kind == "people":
                hw = self.ch(["多", "更多", "多一些"]) if high else self.ch(["少", "更少"])
            else:
                hw = self.ch(["高", "更高", "多", "更多", "大"]) if high else self.ch(["低", "更低", "少", "更少"])
            both = "、".join(ms[:-1]) + self.ch(["和", "与", "跟", "还是"]) + ms[-1] if n == 3 else None
            a, b = ms[0], ms[-1]
            if n == 2:
                t = self.ch([
                    "{y}{a}和{b}谁的{f}{h}？", "{a}跟{b}{y}的{f}谁{h}", "{y}{a}和{b}哪家{f}{h}", "{a}和{b}比，{y}{f}谁{h}？",
                    "{y}{f}{a}还是{b}{h}？", "{a}与{b}{y}{f}哪个{h}？", "{y}年报里{a}和{b}谁的{f}{h}一些", "比较一下{a}和{b}{y}的{f}，谁{h}？",
                    "{a}{y}的{f}和{b}比谁{h}", "{y}，{a}、{b}两家哪家{f}{h}？",
                ])
                q = t.format(y=yr, a=a, b=b, f=f, h=hw)
            else:
                t = self.ch(["{y}{s}三家谁的{f}最{h}？", "{s}这三家公司{y}哪家{f}最{h}", "{y}{s}中{f}最{h}的是哪家？",
                             "{s}，{y}谁的{f}最{h}？按{f}排一下", "{y}{s}三家{f}比一比，谁最{h}"])
                q = t.format(y=yr, s=both if self.rng.random() < 0.5 else "、".join(ms), f=f, h=hw.lstrip("更").replace("多一些", "多"))
            inl = ", ".join(q_(r["公司名称"]) for r in rs)
            sel = f"{expr} as {key}" if use_ratio else expr
            ob = key if use_ratio else expr
            sql = (f"select 公司名称, {sel} from big where {yc} and 公司名称 in ({inl}) "
                   f"order by {ob} {'desc' if high else 'asc'}")
            return q, sql, None
        r1, r2 = rs
        if val[r1["公司名称"]] < val[r2["公司名称"]]:
            r1, r2 = r2, r1
            ms = ms[::-1]
        a, b = ms
        sub = lambda r: f"(select {expr} from big where 公司名称 = {q_(r['公司名称'])} and {yc})"
        if mode == "diff":
            style = self.rng.choices(["more", "less", "gap"], [45, 20, 35])[0]
            u = "" if kind != "money" else self.ch(["", "", "多少亿", "多少钱"])
            u = u[2:] if u else ""
            if style == "more":
                t = self.ch(["{y}{a}的{f}比{b}多多少{u}？", "{a}{y}{f}比{b}高多少{u}", "{y}{a}比{b}{f}多了多少{u}",
                             "{a}{y}的{f}比{b}高出多少{u}？", "{y}{f}方面{a}比{b}多多少{u}"])
                sql = f"select {sub(r1)} - {sub(r2)}"
            elif style == "less":
                t = self.ch(["{y}{b}的{f}比{a}少多少{u}？", "{b}{y}{f}比{a}低多少{u}", "{y}{b}比{a}{f}少了多少{u}",
                             "{b}{y}的{f}比{a}差多少{u}？"])
                sql = f"select {sub(r1)} - {sub(r2)}"
            else:
                x, z = (a, b) if self.rng.random() < 0.5 else (b, a)
                t = self.ch(["{y}{x}和{z}的{f}差多少{u}？", "{x}和{z}{y}{f}相差多少{u}", "{y}{x}跟{z}的{f}差距有多大",
                             "{x}与{z}{y}的{f}差了多少{u}？", "{y}{f}{x}和{z}差多少"])
                t = t.replace("{x}", x).replace("{z}", z)
                sql = f"select {sub(r1)} - {sub(r2)}"
            if use_ratio:
                t = t.replace("多少{u}", "多少").replace("{u}", "")
            q = t.format(y=yr, a=a, b=b, f=f, u=u)
            v = val[r1["公司名称"]] - val[r2["公司名称"]]
            return q, sql, (v, 1e-6 * abs(v) + 1e-6)
        if val[r2["公司名称"]] <= 0 or val[r1["公司名称"]] <= 0:
            return "skip"
        t = self.ch(["{y}{a}的{f}是{b}的几倍？", "{a}{y}{f}是{b}的多少倍", "{y}{a}{f}相当于{b}的几倍", "{a}的{f}是{b}的几倍？（{y}）",
                     "{y}，{a}的{f}大概是{b}的多少倍？", "{y}{a}和{b}比，{f}是它的几倍"])
        q = t.format(y=yr, a=a, b=b, f=f)
        sql = f"select 1.0 * {sub(r1)} / {sub(r2)}"
        v = val[r1["公司名称"]] / val[r2["公司名称"]]
        return q, sql, (v, 1e-6 * abs(v) + 1e-9)

    # ---------------------------------------------------------- ranking (top N, Nth, both directions)
    def topn(self):
        y = self.ch(YEARS)
        use_ratio = self.rng.random() < 0.2
        loss = (not use_ratio) and self.rng.random() < 0.1
        if use_ratio:
            key, expr, names, cols, den, _ = self.ar()
        elif loss:
            key, names, kind, expr, cols = "净利润", ["净利润"], "money", "净利润", ["净利润"]
        else:
            key, names, kind = self.am()
            expr, cols = key, [key]
        where = [f"年份 = '{y}年'"]
        pl = None
        if self.rng.random() < 0.45 or use_ratio:
            pl = self.place(y, 8, tuple(cols))
            if pl is None:
                return "skip"
            where.insert(0, pl[1])
        f, yr, who = self.ch(names), self.ayear(y), self.ch(["公司", "公司", "上市公司", "企业"])
        s = pl[0] if pl else self.ch(["", "", "全市场", "A股", "所有公司中"])
        mode = self.rng.choices(["top", "nth"], [80, 20])[0]
        high = self.rng.random() < 0.7
        n = self.ch([2, 3, 3, 5, 5, 10]) if mode == "top" else self.ch([2, 3, 4, 5])
        nn = self.ch([str(n), CN_NUM[n]])
        if loss:
            high = False
            t = self.ch(["{y}{s}亏得最多的{n}家{w}", "{y}{s}亏损最严重的{n}家{w}是哪些", "{s}{y}亏钱最多的前{n}家{w}",
                         "{y}{s}净利润最低的{n}家{w}和净利润", "{y}{s}亏得最多的{w}是谁？", "{s}{y}哪家{w}亏得最多"])
            if "谁" in t or "哪家" in t:
                n, mode = 1, "top"
            q = t.format(y=yr, s=s, n=nn, w=who)
        elif mode == "top":
            hw = self.ch(["最高", "最多", "最大", "排名前"[:0] + "最高"]) if high else self.ch(["最低", "最少", "最小"])
            if n == 1 or self.rng.random() < 0.15:
                n = 1
                t = self.ch(["{y}{s}{f}{h}的{w}是哪家？", "{y}{s}哪家{w}{f}{h}？多少？", "{s}{y}{f}{h}的是谁，{f}多少",
                             "{y}{s}{f}第一的{w}" if high else "{y}{s}{f}垫底的{w}"])
            else:
                t = self.ch(["{y}{s}{f}前{n}的{w}", "{y}{s}{f}{h}的{n}家{w}是哪些？", "{s}{y}{f}排名前{n}的{w}及{f}",
                             "列出{y}{s}{f}{h}的{n}家{w}", "{y}{s}{f}top{n}", "{y}{s}{f}{h}的前{n}家是谁？各多少",
                             "{s}{w}里{y}{f}{h}的{n}家", "{y}{s}{w}按{f}排前{n}名"] if high else
                            ["{y}{s}{f}{h}的{n}家{w}", "{y}{s}{f}倒数前{n}的{w}", "{s}{y}{f}{h}的{n}家{w}是哪些？",
                             "{y}{s}{f}排名倒数{n}的{w}", "{y}{s}{w}里{f}{h}的{n}家", "{y}{s}{f}垫底的{n}家{w}"])
                if "top" in t:
                    nn = str(n)
            q = t.format(y=yr, s=s, f=f, h=hw, n=nn, w=who)
        else:
            t = self.ch(["{y}{s}{f}第{n}高的{w}是哪家？", "{y}{s}{f}排第{n}的是谁", "{s}{y}{f}排名第{n}的{w}",
                         "{y}{s}{f}第{n}名是哪家{w}，多少"] if high else
                        ["{y}{s}{f}倒数第{n}的{w}", "{y}{s}{f}第{n}低的{w}是哪家？"])
            q = t.format(y=yr, s=s, f=f, n=self.ch([str(n), NUM_CN[n]]), w=who)
        q = q.replace("全市场{w}".format(w=who), "全市场" + who)
        sel = f"{expr} as {key}" if use_ratio else expr
        ob = key if use_ratio else expr
        lim = f"limit {n}" if mode == "top" else f"limit 1 offset {n - 1}"
        sql = (f"select 公司名称, {sel} from big where {' and '.join(where)} and {expr} is not null "
               f"order by {ob} {'desc' if high else 'asc'} {lim}")
        if loss:
            res = self.run(sql)
            if not res or any(v[1] is None or v[1] >= 0 for v in res):
                return "skip"
        return q, sql, None

    # ---------------------------------------------------------- aggregate (count / avg / sum / max / min)
    def aggregate(self):
        scope = self.rng.choices(["city", "market", "set", "years"], [35, 15, 25, 25])[0]
        agg = self.rng.choices(["count", "avg", "sum", "max", "min"], [20, 28, 26, 18, 8])[0]
        if scope in ("set", "years") and agg == "count":
            agg = "avg"
        key, names, kind = self.am()
        f = self.ch(names)
        y = self.ch(YEARS)
        yr = self.ayear(y)
        AW = {"avg": ["平均", "平均", "均值", "平均下来"], "sum": ["一共", "合计", "加起来", "总共", "累计"],
              "max": ["最高", "最多", "最大"], "min": ["最低", "最少"]}
        aw = self.ch(AW.get(agg, [""]))
        if scope == "years":
            ys = self.ch([[2019, 2020, 2021], [2019, 2020, 2021], [2020, 2021], [2019, 2020]])
            rs = self.company_years([key], ys)
            if rs is None:
                return None
            co = self.coref(rs[-1])
            yp = ("近三年" if self.rng.random() < 0.4 else self.ch(["2019-2021年", "19到21年", "2019到2021年", "这三年", "19-21年"])) \
                if len(ys) == 3 else self.ch([f"{ys[0] % 100}-{ys[1] % 100}年", f"{ys[0]}-{ys[1]}年", f"{ys[0]}和{ys[1]}年", f"{ys[0]}到{ys[1]}年"])
            if agg == "sum":
                t = self.ch(["{co}{yp}{f}{a}多少？", "{co}{yp}{a}{f}是多少", "{yp}{co}的{f}{a}有多少", "{co}{yp}{f}三年累计多少" if len(ys) == 3 else "{co}{yp}{f}加总多少"])
            elif agg == "avg":
                t = self.ch(["{co}{yp}{a}{f}是多少？", "{co}{yp}的{f}{a}多少", "{yp}{co}{f}的平均值", "{co}{yp}年均{f}多少"])
            else:
                t = self.ch(["{co}{yp}{f}{a}的时候是多少？", "{co}{yp}里{f}{a}是多少", "{yp}{co}{f}{a}一年是多少"])
            q = t.format(co=co, yp=yp, f=f, a=aw)
            yin = ", ".join(f"'{x}年'" for x in ys)
            sql = f"select {agg}({key}) from big where 公司名称 = {q_(rs[-1]['公司名称'])} and 年份 in ({yin})"
            vals = [r[key] for r in rs]
            v = {"sum": sum(vals), "avg": sum(vals) / len(vals), "max": max(vals), "min": min(vals)}[agg]
            return q, sql, (v, 1e-6 * abs(v) + 1e-6)
        if scope == "set":
            n = self.ch([2, 3, 3, 4, 5])
            rs, y = self.pick_n([key], n, y=y)
            if rs is None:
                return None
            ms = [self.coref(r) for r in rs]
            if len(set(ms)) < n:
                return "skip"
            s = "、".join(ms[:-1]) + self.ch(["和", "、", "与"]) + ms[-1]
            t = {"sum": ["{y}{s}的{f}{a}多少？", "{s}{y}{f}{a}是多少", "{s}这{n}家{y}{f}{a}多少", "{y}{s}{n}家公司{f}{a}"],
                 "avg": ["{y}{s}的{a}{f}是多少？", "{s}{y}{f}{a}多少", "{s}这{n}家{y}的{a}{f}"],
                 "max": ["{y}{s}里{f}{a}是多少？", "{s}{y}{f}{a}的那家是多少", "{s}这{n}家{y}{f}{a}是多少"],
                 "min": ["{y}{s}里{f}{a}是多少？", "{s}这{n}家{y}{f}{a}是多少"]}[agg]
            q = self.ch(t).format(y=yr, s=s, f=f, a=aw, n=CN_NUM[n])
            inl = ", ".join(q_(r["公司名称"]) for r in rs)
            sql = f"select {agg}({key}) from big where 年份 = '{y}年' and 公司名称 in ({inl})"
            vals = [r[key] for r in rs]
            v = {"sum": sum(vals), "avg": sum(vals) / len(vals), "max": max(vals), "min": min(vals)}[agg]
            return q, sql, (v, 1e-6 * abs(v) + 1e-6)
        where = [f"年份 = '{y}年'"]
        if scope == "city":
            pl = self.place(y, 5, (key,) if agg != "count" else ())
            if pl is None:
                return "skip"
            s = pl[0]
            where.insert(0, pl[1])
        else:
            s = self.ch(["所有", "全部", "A股", "全市场", "库里"])
        w = self.ch(["公司", "上市公司", "企业"])
        if agg == "count":
            t = self.ch(["{y}{s}{w}有几家？", "{s}{w}{y}有多少家", "{y}一共有多少家{s}{w}", "{y}{s}的{w}数量是多少",
                         "数一下{y}{s}{w}有几家", "{y}{s}有年报数据的{w}有多少"])
            q = t.format(y=yr, s=s, w=w).replace("所有公司有几家", "有几家公司")
            sql = f"select count(*) from big where {' and '.join(where)}"
        else:
            t = {"avg": ["{y}{s}{w}的{a}{f}是多少？", "{s}{w}{y}{f}{a}多少", "{y}{s}{w}{f}的平均值", "{y}{s}{w}{a}{f}有多少"],
                 "sum": ["{y}{s}{w}的{f}{a}多少？", "{s}{w}{y}{f}{a}是多少", "{y}{s}{w}{f}总和是多少", "{y}{s}{w}{f}加在一起有多少"],
                 "max": ["{y}{s}{w}里{f}{a}是多少？", "{s}{w}{y}{f}{a}的是多少", "{y}{s}{w}{f}的最大值"],
                 "min": ["{y}{s}{w}里{f}{a}是多少？", "{y}{s}{w}{f}的最小值是多少"]}[agg]
            q = self.ch(t).format(y=yr, s=s, w=w, f=f, a=aw)
            sql = f"select {agg}({key}) from big where {' and '.join(where)}"
        return q, sql, None

    # ---------------------------------------------------------- threshold with units
    def threshold(self):
        y = self.ch(YEARS)
        yr = self.ayear(y)
        use_ratio = self.rng.random() < 0.25
        as_count = self.rng.random() < 0.45
        where = [f"年份 = '{y}年'"]
        pl = None
        if self.rng.random() < (0.5 if not as_count else 0.35):
            pl = self.place(y, 5)
            if pl is None:
                return "skip"
            where.insert(0, pl[1])
        s = pl[0] if pl else ""
        w = self.ch(["公司", "公司", "上市公司", "企业"])
        up = self.rng.random() < 0.65
        if use_ratio:
            key, expr, names, cols, den, pct = self.ar()
            f = self.ch(names)
            if pct:
                p = self.ch([5, 10, 15, 20, 25, 30, 40, 50, 60, 70, 80])
                vt, vs = f"{p}%", f"{p / 100:g}"
            else:
                p = self.ch([1, 1.5, 2, 3, 0.5])
                vt, vs = f"{p:g}", f"{p:g}"
            cond_expr, sel = expr, f"{expr} as {key}"
            base_w = " and ".join(where)
            n_in = self.con.execute(f"select count(*) from big where {base_w} and {expr} {'>' if up else '<'} {vs}").fetchone()[0]
            total = self.con.execute(f"select count(*) from big where {base_w} and {expr} is not null").fetchone()[0]
            if not (1 <= n_in <= (0.8 * total if as_count else 20)):
                return "skip"
        elif self.rng.random() < 0.12:
            key, f, cond_expr, sel = "净利润", "", "净利润", "净利润"
            loss_amt = self.ch([0, 0, 10 ** 8, 5 * 10 ** 8, 10 ** 9, 5 * 10 ** 9, 10 ** 10])
            vs = str(-loss_amt)
            up = False
            if loss_amt == 0:
                ph = self.ch(["亏损的", "净利润为负的", "亏钱的", "净利为负的"])
            else:
                at = amount_text(loss_amt, rng=self.rng)
                ph = self.ch([f"亏损超过{at}的", f"亏了{at}以上的", f"净亏损超过{at}的"])
            op = "<"
            vt = None
        else:
            key, names, kind = self.am(("money", "people"))
            f = self.ch(names)
            cond_expr, sel = key, key
            if kind == "people":
                cands = [100, 200, 300, 500, 1000, 2000, 3000, 5000, 10000, 20000, 30000, 50000, 100000, 200000]
            else:
                cands = [m * 10 ** k for k in range(6, 12) for m in (1, 2, 3, 5)] + [10 ** 12, 15 * 10 ** 11, 2 * 10 ** 12]
            self.rng.shuffle(cands)
            # an amount that splits the companies in scope sensibly: a short list, or a count that is not everyone
            base_w = " and ".join(where)
            total = self.con.execute(f"select count(*) from big where {base_w} and {key} is not null").fetchone()[0]
            m = None
            for c in cands:
                n_in = self.con.execute(f"select count(*) from big where {base_w} and {key} {'>' if up else '<'} {c}").fetchone()[0]
                if as_count and 1 <= n_in <= 0.8 * total:
                    m = c
                    break
                if not as_count and 1 <= n_in <= (60 if up else 20):
                    m = c
                    break
            if m is None:
                return "skip"
            vt = amount_text(m, people=(kind == "people"), rng=self.rng)
            vs = str(m)
        if vt is not None:
            if up:
                opw = self.rng.choices([("超过", ">"), ("高于", ">"), ("大于", ">"), ("破", ">"), ("过", ">"), ("以上", ">="),
                                        ("不低于", ">="), ("至少", ">=")], [6, 3, 2, 3, 1, 3, 1, 1])[0]
            else:
                opw = self.rng.choices([("不到", "<"), ("低于", "<"), ("少于", "<"), ("小于", "<"), ("以下", "<="),
                                        ("不超过", "<=")], [4, 4, 2, 1, 2, 2])[0]
            word, op = opw
            if word == "破" and not (vt.startswith(("千亿", "百亿")) or "万亿" in vt):
                word = "突破"
            if word in ("以上", "以下"):
                ph = f"{f}{vt}{word}的" if not use_ratio else f"{f}在{vt}{word}的"
            elif word == "至少":
                ph = f"{f}至少{vt}的"
            else:
                ph = f"{f}{word}{vt}的"
        cond = f"{cond_expr} {op} {vs}"
        where.append(cond)
        if as_count:
            t = self.ch(["{y}{s}{ph}{w}有几家？", "{y}{s}{ph}{w}有多少家", "{s}{ph}{w}{y}一共有几家", "{y}{ph}{s}{w}数量",
                         "{y}{s}{w}中{ph}有多少个", "数一下{y}{s}{ph}{w}"])
            q = t.format(y=yr, s=s, ph=ph, w=w)
            sql = f"select count(*) from big where {' and '.join(where)}"
            res = self.run(sql)
            if not res or res[0][0] == 0:
                return "skip"
            return q, sql, None
        base = f"select 公司名称, {sel} from big where {' and '.join(where)}"
        res = self.con.execute(base).fetchmany(400)
        if not res:
            return "skip"
        if len(res) <= 20 and self.rng.random() < 0.8:
            t = self.ch(["{y}{s}{ph}{w}有哪些？", "{y}{s}{ph}{w}", "列出{y}{s}{ph}{w}", "{s}{y}{ph}{w}都有谁",
                         "{y}哪些{s}{w}{ph2}", "{y}{s}{ph}{w}名单和数值"])
            q = t.format(y=yr, s=s, ph=ph, ph2=ph[:-1], w=w)
            return q, base, None
        if not up:
            return "skip"
        n = self.ch([3, 5, 5, 10])
        direction = "desc"
        rk = key if use_ratio else cond_expr
        hw = "最高" if up else "最低"
        t = self.ch(["{y}{s}{ph}{w}里{f}{h}的{n}家", "{y}{s}{ph}{w}中按{f}排前{n}", "{y}{s}{ph}{w}，{f}{h}的前{n}家是哪些？"])
        q = t.format(y=yr, s=s, ph=ph, w=w, f=f or "净利润", h=hw if f else ("亏得最多" if not up else "最高"), n=self.ch([str(n), CN_NUM[n]]))
        sql = f"{base} order by {rk} {direction} limit {n}"
        return q, sql, None

    # ---------------------------------------------------------- growth, colloquial (the rate computed in SQL)
    def growth_yoy(self):
        if self.rng.random() < 0.3:
            return self._delta()
        key, names, kind = self.am()
        y = self.ch([2020, 2021, 2021])
        rs = self.company_years([key], [y - 1, y], nonzero=(key,))
        if rs is None:
            return None
        b, a = rs
        if b[key] < 0 and self.rng.random() < 0.9:
            return "skip"
        co, f, yr = self.coref(a), self.ch(names), self.ayear(y)
        t = self.ch([
            "{co}{y}{f}同比增长多少？", "{co}{y}的{f}增速是多少", "{y}{co}{f}同比增长了百分之几？", "{co}{y}{f}比上年增长了多少个百分点"[:0] + "{co}{y}{f}比上年增长了百分之多少",
            "{co}{y}{f}同比增速", "{co}{f}{y}同比涨了多少", "{co}{y}{f}较{py}年增长率是多少？", "{y}{co}的{f}同比变化多少",
            "{co}{y}{f}yoy是多少", "{co}{y}{f}的同比增幅", "{co}{y}相比{py}年{f}增长了几成", "{co}{y}{f}增长率多少？",
            "{co}{y}{f}比去年涨了百分之几", "{py}到{y}年{co}{f}增速多少",
        ])
        q = t.format(co=co, y=yr, f=f, py=self.ch([str(y - 1), str((y - 1) % 100)]))
        # The rate itself, computed in SQL (issue 15: growth 「in SQL」; analyst_dev's convention), as a fraction.
        sql = (f"select 1.0 * (a.{key} - b.{key}) / b.{key} from big a join big b on a.公司名称 = b.公司名称 "
               f"where a.公司名称 = {q_(a['公司名称'])} and a.年份 = '{y}年' and b.年份 = '{y - 1}年'")
        v = (a[key] - b[key]) / b[key]
        return q, sql, (v, 1e-9 + 1e-6 * abs(v))

    def _delta(self):
        key, names, kind = self.am(("money", "people"))
        y = self.ch([2020, 2021])
        rs = self.company_years([key], [y - 1, y])
        if rs is None:
            return None
        b, a = rs
        if a[key] == b[key]:
            return "skip"
        co, f, yr = self.coref(a), self.ch(names), self.ayear(y)
        up = a[key] > b[key]
        if up:
            t = self.ch(["{co}{y}{f}比上年多了多少？", "{co}{y}的{f}比去年增加了多少", "{y}{co}{f}同比增加了多少",
                         "{co}{y}比{py}年{f}多了多少"])
            expr = f"a.{key} - b.{key}"
        else:
            t = self.ch(["{co}{y}{f}比上年减少了多少？", "{co}{y}的{f}比去年少了多少", "{y}{co}{f}同比减少了多少",
                         "{co}{y}比{py}年{f}下降了多少"])
            expr = f"b.{key} - a.{key}"
        q = t.format(co=co, y=yr, f=f, py=y - 1)
        sql = (f"select {expr} from big a join big b on a.公司名称 = b.公司名称 "
               f"where a.公司名称 = {q_(a['公司名称'])} and a.年份 = '{y}年' and b.年份 = '{y - 1}年'")
        v = (a[key] - b[key]) if up else (b[key] - a[key])
        return q, sql, (v, 1e-6 * abs(v) + 1e-6)

    # ---------------------------------------------------------- ratio alone
    def ratio_only(self):
        key, expr, names, cols, den, pct = self.ar()
        r, y = self.pick(cols, nonzero=(den,))
        if r is None:
            return None
        co, n, yr = self.coref(r), self.ch(names), self.ayear(y)
        t = self.ch(["{co}{y}{n}多少？", "{co}{y}的{n}是多少", "{y}{co}{n}有多少", "{co}{y}{n}大概多少", "算一下{co}{y}的{n}",
                     "{co}{y}年报{n}", "{y}{co}的{n}怎么样，多少？", "{co}{y}{n}为多少", "{co}在{y}的{n}是几", "{co}{y}{n}几个点"
                     if pct else "{co}{y}{n}是几倍"[:0] + "{co}{y}的{n}数值"])
        q = t.format(co=co, y=yr, n=n).replace("年年报", "年报")
        sql = f"select {expr} from big where 公司名称 = {q_(r['公司名称'])} and 年份 = '{y}年'"
        v = self.con.execute(f"select {expr} from big where 公司名称 = ? and 年份 = ?", (r["公司名称"], f"{y}年")).fetchone()[0]
        return q, sql, (v, 1e-9)

    # ---------------------------------------------------------- trend
    def trend(self):
        use_ratio = self.rng.random() < 0.25
        if use_ratio:
            key, expr, names, cols, den, _ = self.ar()
        else:
            key, names, kind = self.am()
            expr, cols, den = key, [key], None
        ys = self.rng.choices([[2019, 2020, 2021], [2020, 2021], [2019, 2020]], [65, 25, 10])[0]
        rs = self.company_years(cols, ys, nonzero=(den,) if den else ())
        if rs is None:
            return None
        co, f = self.coref(rs[-1]), self.ch(names)
        if len(ys) == 3:
            yp = self.ch(["近三年", "近三年", "2019-2021年", "2019到2021年", "19-21年", "这三年", "2019至2021年", "19年到21年", "过去三年"])
        elif ys[0] == 2020:
            yp = self.ch(["20-21年", "2020-2021年", "20到21年", "2020和2021年", "近两年", "20、21两年"])
        else:
            yp = self.ch(["19-20年", "2019-2020年", "19到20年", "2019和2020年"])
        t = self.ch(["{co}{yp}{f}", "{co}{yp}的{f}分别是多少？", "{co}{yp}{f}变化趋势", "{co}{yp}每年的{f}", "{yp}{co}{f}走势怎么样",
                     "{co}{f}{yp}的情况", "列一下{co}{yp}的{f}", "{co}{yp}{f}逐年是多少", "{co}{yp}{f}是涨是跌？", "看看{co}{yp}的{f}"])
        q = t.format(co=co, yp=yp, f=f)
        yin = ", ".join(f"'{x}年'" for x in ys)
        sql = f"select 年份, {expr} from big where 公司名称 = {q_(rs[-1]['公司名称'])} and 年份 in ({yin}) order by 年份"
        res = self.run(sql)
        if res is None or len(res) != len(ys) or any(v is None for row in res for v in row):
            return "skip"
        return q, sql, None

    # ---------------------------------------------------------- lookups by short form / code / short name
    def short_name(self):
        multi = self.rng.random() < 0.3
        if multi:
            ks = self.rng.sample(range(len(AM)), 2)
            keys = [AM[i][0] for i in ks]
            fs = [self.ch(AM[i][1]) for i in ks]
        else:
            k = self.am()
            keys, fs = [k[0]], [self.ch(k[1])]
        r, y = self.pick(keys)
        if r is None:
            return None
        styles = self.rng.choices([{"form": 1}, {"code": 1}, {"short": 1}], [55, 25, 20])[0]
        if "form" in styles and r["公司名称"] not in self.short_forms:
            return "skip"
        co, yr = self.coref(r, styles), self.ayear(y)
        f = fs[0] if not multi else self.ch([f"{fs[0]}和{fs[1]}", f"{fs[0]}、{fs[1]}", f"{fs[0]}跟{fs[1]}"])
        t = self.ch(["{co}{y}{f}多少？", "{co}{y}的{f}是多少", "{y}{co}{f}有多少", "{co}{y}{f}多少亿" if AM_KIND[keys[0]] == "money" else "{co}{y}{f}多少",
                     "查下{co}{y}{f}", "{co}{y}年报里{f}是多少", "{co}{y}{f}", "{co}{y}{f}大概多少", "{co}{y}的{f}为多少？", "{y}{co}的{f}是？"])
        if multi:
            t = self.ch(["{co}{y}{f}分别多少？", "{co}{y}的{f}各是多少", "{y}{co}{f}", "{co}{y}{f}都是多少"])
        q = t.format(co=co, y=yr, f=f).replace("年年报", "年报")
        sql = f"select {', '.join(keys)} from big where 公司名称 = {q_(r['公司名称'])} and 年份 = '{y}年'"
        return q, sql, r[keys[0]]

    # ---------------------------------------------------------- every column of `big`
    def columns(self):
        col = self.col_cycle[self.col_i % len(self.col_cycle)]
        self.col_i += 1
        people = self.col_unit.get(col) == "人"
        if col in ("公司名称", "股票代码", "股票简称", "年份"):
            return self._id_column(col)
        r, y = self.pick([col], tries=2000) if col not in self.rare_rows else (self.ch(self.rare_rows[col]), None)
        if r is None:
            return None
        y = y or int(r["年份"][:4])
        if people and not r[col]:
            return "skip"
        words = [col] * 2 + COL_WORDS.get(col, []) + [a for a in self.col_alias.get(col, []) if len(a) >= 3][:3]
        f = self.ch(words)
        co, yr = self.coref(r), self.ayear(y)
        unit = self.col_unit.get(col, "")
        if unit == "元":
            ends = ["是多少？", "多少钱", "有多少", "是多少元", "多少亿", "为多少？", ""]
        elif unit == "人":
            ends = ["有多少人？", "是多少", "多少人", "有几个人", ""]
        elif col in TEXT:
            ends = TEXT[col][1] + [""]
        else:
            ends = ["是多少？", "多少", "为多少？", ""]
        t = self.ch(["{co}{y}的{f}{e}", "{y}{co}{f}{e}", "{co}{y}年报里的{f}{e}", "查一下{co}{y}的{f}", "{co}在{y}的{f}{e}",
                     "{co}{y}{f}{e}", "{y}年报中{co}披露的{f}{e}", "{co}{y}{f}这一项{e}", "请问{co}{y}的{f}{e}", "{f}：{co}，{y}"])
        q = t.format(co=co, y=yr, f=f, e=self.ch(ends)).replace("年年报", "年报")
        sql = f"select {col} from big where 公司名称 = {q_(r['公司名称'])} and 年份 = '{y}年'"
        return q, sql, r[col]

    def _id_column(self, col):
        r, y = self.pick(["股票简称"])
        if col == "公司名称":
            who = self.ch([r["股票简称"], r["股票代码"], f"股票代码{r['股票代码']}", f"{r['股票简称']}这家公司"])
            t = self.ch(["{w}的公司全称是什么？", "{w}的全称叫什么", "{w}的公司名称是？", "{w}全名是什么", "{w}对应的公司全称",
                         "{w}的企业全称", "{w}的注册名称是什么公司"[:0] + "{w}公司全名叫啥", "{w}是哪家公司（全称）"])
            q = t.format(w=who)
            sql = f"select 公司名称 from big where 公司名称 = {q_(r['公司名称'])} and 年份 = '{y}年'"
            return q, sql, r["公司名称"]
        if col == "年份":
            co = self.coref(r, {"short": 1, "full": 1, "form": 1 if r["公司名称"] in self.short_forms else 0})
            t = self.ch(["{co}有哪几年的年报数据？", "库里有{co}哪些年份的数据", "{co}的年报覆盖哪些年份", "{co}有几年的数据，分别是哪年",
                         "{co}的报告年份有哪些", "查一下{co}有数据的年份", "{co}哪几年有年报", "{co}数据覆盖的年份"])
            q = t.format(co=co)
            sql = f"select 年份 from big where 公司名称 = {q_(r['公司名称'])} order by 年份"
            return q, sql, None
        co = self.coref(r, {"full": 3, "form": 2 if r["公司名称"] in self.short_forms else 0,
                            "short": 0 if col == "股票简称" else 2})
        fw = self.ch(["股票代码", "代码", "证券代码", "A股代码"] if col == "股票代码" else ["股票简称", "简称", "证券简称"])
        t = self.ch(["{co}的{f}是多少？", "{co}{f}是什么", "{co}的{f}", "{y}{co}的{f}是？", "查一下{co}的{f}", "{co}对应的{f}",
                     "{co}{y}年报上的{f}", "请问{co}的{f}是多少"])
        q = t.format(co=co, f=fw, y=self.ayear(y)).replace("年年报", "年报")
        sql = f"select {col} from big where 公司名称 = {q_(r['公司名称'])} and 年份 = '{y}年'"
        return q, sql, r[col]

    # ---------------------------------------------------------- refusals
    def refusal(self):
        r, y = self.pick(["公司名称"])
        co, yr = self.coref(r), self.ayear(y)
        f = self.ch(["营收", "净利润", "净利", "研发投入", "总资产", "员工人数", "营业收入", "经营现金流"])
        kind = self.rng.choices(["absent", "market", "year", "quarter", "forecast", "absent_rank"], [30, 18, 16, 16, 12, 8])[0]
        if kind == "absent":
            m = self.ch(ABSENT)
            t = self.ch(["{co}{y}{m}多少？", "{co}{y}的{m}是多少", "{y}{co}{m}有多少", "{co}{y}{m}同比增长多少", "{co}{y}{m}和{f}分别多少",
                         "{co}近三年{m}", "{co}和同行比{y}{m}谁高", "查下{co}{y}的{m}"])
        elif kind == "market":
            m = self.ch(MARKET)
            t = self.ch(["{co}现在{m}多少？", "{co}{y}末的{m}是多少", "{co}的{m}", "{y}{co}{m}多少", "{co}{m}高不高",
                         "{co}{y}年底{m}是多少", "{y}{m}最高的公司是哪家", "{co}今天的{m}"])
        elif kind == "year":
            yy = self.ch([2016, 2017, 2018, 2018, 2022, 2022, 2023])
            yw = self.ch([f"{yy}年", f"{yy % 100}年", f"{yy}年度"])
            m = ""
            t = self.ch([f"{{co}}{yw}{{f}}多少？", f"{yw}{{co}}的{{f}}是多少", f"{{co}}{yw}{{f}}同比增长多少", f"{yw}{{f}}最高的五家公司",
                         f"{{co}}{yw}年报里的{{f}}", f"{{co}}{yw}到2021年{{f}}趋势" if yy < 2019 else f"{{co}}2021到{yw}{{f}}变化",
                         f"{yw}苏州的公司{{f}}合计多少", f"查下{{co}}{yw}的{{f}}"])
        elif kind == "quarter":
            m = self.ch(QUARTER)
            t = self.ch(["{co}{y}{m}{f}多少？", "{y}{m}{co}的{f}是多少", "{co}{y}{m}{f}同比增长多少", "{co}{y}{m}的{f}",
                         "{y}{m}{f}最高的公司", "{co}{y}{m}{f}环比多少", "查一下{co}{y}{m}的{f}", "{co}{y}年{m}报{f}"[:0] + "{co}{y}{m}业绩{f}"])
        elif kind == "forecast":
            m = ""
            t = self.ch(["{co}明年{f}能到多少？", "预测一下{co}2022年的{f}", "{co}2023年{f}预计多少", "{co}未来三年{f}会增长吗",
                         "{co}今年{f}能超过去年吗", "{co}{f}2025年能翻倍吗", "估计{co}下一年的{f}", "{co}2022年{f}预期是多少",
                         "按趋势推算{co}2022年{f}"])
        else:
            m = self.ch(ABSENT[:20])
            t = self.ch(["{y}{m}最高的五家公司", "{y}苏州的公司{m}合计多少", "{y}{m}超过10亿的公司有几家", "{y}{m}排名前十的公司",
                         "{y}全部公司平均{m}是多少", "{y}{m}最少的公司是哪家"])
        q = t.format(co=co, y=yr, f=f, m=m)
        return q, REFUSAL, None



class Gen(AnalystKinds):
    def __init__(self, db, seed):
        self.rng = random.Random(seed)
        # The database file is opened read-only and `big` (a view over six joined tables) is copied once
        # into an in-memory table of the same name, indexed on company and year: every SQL below runs
        # on exactly the view's rows, about ten times faster than re-joining the tables per query.
        self.con = sqlite3.connect("file::memory:", uri=True)
        self.con.execute("attach database ? as src", (Path(db).resolve().as_uri() + "?mode=ro",))
        self.con.execute("create table big as select * from src.big")
        self.con.execute("create index big_co_y on big(公司名称, 年份)")
        self.con.execute("create index big_y on big(年份)")
        self.con.execute("detach database src")
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
        doc = {c["name"]: c for c in tomllib.loads((ROOT / "schemas/finglm.toml").read_text(encoding="utf-8"))["column"]}
        self.col_unit = {c: doc.get(c, {}).get("unit", "") for c in cols}
        self.col_alias = {c: doc.get(c, {}).get("aliases", []) for c in cols}
        self.col_cycle = list(cols)
        self.col_i = 0
        self.rare_rows = {}
        for c in cols:
            have = [r for r in self.rows.values() if r[c] is not None and not (self.col_unit[c] == "人" and r[c] == 0)]
            if len(have) < 3000:
                self.rare_rows[c] = sorted(have, key=lambda r: (r["公司名称"], r["年份"]))
        self.init_analyst()
        self.col_hits = collections.Counter()

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

    def valid(self, sql):
        """1 to MAX_ROWS rows and no NULL in the first row."""
        try:
            res = self.con.execute(sql).fetchmany(MAX_ROWS + 1)
        except sqlite3.Error:
            return False
        return 1 <= len(res) <= MAX_ROWS and all(v is not None for v in res[0])

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
    # analyst-style kinds
    ("comparison", 360), ("topn", 360), ("aggregate", 340), ("threshold", 340), ("growth_yoy", 260),
    ("ratio_only", 260), ("trend", 260), ("short_name", 300), ("columns", 96 * 6), ("refusal", 420),
]
# answer_type written with each pair (the kind of answer the engine gives)
ANSWER_TYPE = {
    "lookup": "lookup", "multi_year": "multi-year", "growth": "growth", "ratio": "ratio", "arith": "arithmetic",
    "ranking": "ranking", "count": "aggregate", "compare": "comparison", "unsupported": "refusal",
    "comparison": "comparison", "topn": "ranking", "aggregate": "aggregate", "threshold": "threshold",
    "growth_yoy": "growth", "ratio_only": "ratio", "trend": "trend", "short_name": "lookup", "columns": "lookup",
    "refusal": "refusal",
}
MAX_ROWS = 20


VERBS = ("计算", "统计", "列出", "预测", "比较", "推荐", "查询")


def tidy(question):
    """Whitespace and doubled punctuation out; no polite opener before an imperative verb."""
    question = re.sub(r"\s+", "", question.strip()).replace("？？", "？").replace("，，", "，").replace("在在", "在")
    question = re.sub(r"(?<!\d)(\d{6})(?=\d)", r"\1 ", question)  # 600519 2021年, not 6005192021年
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
    ap.add_argument("--eval", nargs="*", default=[str(ROOT / n) for n in (
        "datasets/finglm/nl2sql_valid.jsonl", "datasets/finglm/lookup_b.jsonl", "datasets/finglm/lookup_c.jsonl",
        "datasets/analyst_dev/analyst_dev.jsonl", "datasets/paraphrase/paraphrase.jsonl",
        "datasets/paraphrase/paraphrase2.jsonl", "datasets/conversations/conversations.jsonl",
        "datasets/columns_dev/columns.jsonl", "datasets/analyst_dev2/analyst_dev2.jsonl")],
                    help="evaluation sets: only their questions are read, to drop generated questions equal to theirs")
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
                if not g.valid(sql):
                    g.failed[cls] += 1
                    stats[cls]["failed"] += 1
                    continue
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
            if cls == "columns":
                g.col_hits[re.match(r"select (\S+) from", sql).group(1)] += 1
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
                item = json.loads(line)
                # a conversation: every turn as typed and as its standalone wording
                qs = [q for t in item["turns"] for q in (t["question"], t["standalone"])] if "turns" in item else [item["question"]]
                for eq in qs:
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
                                "class": x["class"], "answer_type": ANSWER_TYPE[x["class"]], "source": "template"}, ensure_ascii=False) + "\n")

    try:
        rel_out = out.resolve().relative_to(ROOT)
    except ValueError:
        rel_out = out
    counts = collections.Counter(x["class"] for x in kept)
    all_cos = {co for co, _ in g.rows}
    companies = {c for x in kept for c in re.findall(r"'([^']*)'", x["sql"]) if c in all_cos}
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
    n_ref = counts["unsupported"] + counts["refusal"]
    share = n_ref / max(1, total)
    summary = (f"{total} pairs written to {rel_out} ({n_ref} refusals (unsupported + refusal) = {share:.1%}; {len(companies)} distinct companies); "
               f"{sum(g.failed.values())} SQL failed execution, {sum(g.mismatch.values())} disagreed with the Python-side value, "
               f"{len(leaked)} dropped as equal to an evaluation question and {len(leaked_near)} more as near-equal "
               f"(same text without punctuation/openers) ({', '.join(eval_files) or 'no lists found'}).")
    table = "\n".join(lines)
    print(table)
    print(summary)

    cmd = "python3 train/gen_pairs.py" + ("" if a.seed == 20261124 else f" --seed {a.seed}") + \
          ("" if a.scale == 1.0 else f" --scale {a.scale}")
    readme = Path(a.readme) if a.readme else out.parent / "README.md"
    col_cov = [g.col_hits[c] for c in g.col_cycle]
    coverage = (f"Column coverage (class `columns`): {sum(1 for n in col_cov if n)} of {len(col_cov)} columns of `big` asked "
                f"about, {min(col_cov)}–{max(col_cov)} questions each.")
    print(coverage)
    kinds_tbl = "\n".join(["| class | answer_type | pairs |", "|---|---|---:|"] +
                           [f"| {c} | {ANSWER_TYPE[c]} | {counts[c]} |" for c, _ in CLASSES])
    readme.write_text(f"""# Template question → SQL pairs

`{rel_out}`: {total} question → SQL pairs generated from templates over `datasets/finglm/finglm.sqlite`
(view `big`, one row per company-year). Fields: `id`, `question`, `sql`, `class`, `answer_type`, `source` (`"template"`).

Regenerate (Python 3.11 standard library only, deterministic for a given seed and database, well under a minute):

```sh
{cmd}
```

**Data note:** every value used here comes from the FinGLM annual-report database (`datasets/finglm/`, derived from
GitHub `MetaGLM/FinGLM`, SMP2023 ChatGLM financial challenge; the source repository has no license). **For research use
only**; nothing here is investment advice.

## Summary

{total} pairs; refusals (`{REFUSAL}`: classes `unsupported` + `refusal`) {n_ref} = {share:.1%};
{len(companies)} distinct companies in the SQL. {coverage}

{kinds_tbl}

## How the pairs are built
- Company/year combinations are sampled from the database so that every value the SQL needs is non-NULL (and, for
  headcounts, non-zero); denominators are never zero. Every SQL returns 1–{MAX_ROWS} rows with no NULL in the first row.
- The first nine classes (lookup … unsupported) use FinGLM-style wording. Questions name the company by full name,
  stock short name (股票简称) or stock code (股票代码); the SQL always filters on the full registered name `公司名称`.
  Years are written 2021年 / 2021年度 / 2021 / 21年; the SQL always uses `'2021年'`.
- Field synonyms follow analysts' words (营收 → 营业收入, 研发投入 → 研发费用, 员工人数 → 职工总数, 总资产 → 资产总计,
  总负债 → 负债合计, …); 营业收入 and 营业总收入 are kept apart (the SQL follows the question's words).
- FinGLM-style ratios (`ratio`) follow the FinGLM train gold: the columns used, then `1.0 * num / den as <metric>` as a
  fraction (no `* 100`, no `round`; the answer sentence formats it). Growth rates of the FinGLM-style `growth` class follow the
  train gold too: the metric for the stated year and the year before (`select 年份, col … 年份 in (…)`); the engine's
  post-step computes the rate. Year-over-year differences use a self-join: `from big a join big b on a.公司名称 = b.公司名称`
  (比上年减少了多少 → `b.x - a.x`, a positive drop).
- "最低/最少" rankings add `… is not null` (SQLite sorts NULL first in ascending order).
- Lookup, ratio, growth, comparison and arithmetic results were also compared with the value computed in Python.
- `unsupported` questions (balance-sheet line items the database lacks such as 货币资金/存货/固定资产/应收账款/股本,
  company facts such as 外文名称/董事会秘书, ratios that need those items, stock prices, forecasts, opinions) have the
  target `{REFUSAL}`.

### Analyst-style classes
Colloquial wording (营收/净利/研发投入/员工/总资产/负债率/毛利率/净利率, 亿/万 amounts, 同比, 谁更高, 差多少, 有几家,
平均, 前五, 近三年, 20-21年), 8 or more templates per class. Companies are named by 股票简称, by full name, by stock
code (bare `600519`, 股票代码600519, 600519这只股票 …) or by a **unique short form**: two characters at the start of
the stock short name (else of the full name without place and legal suffix), only for a short name of four characters
or more (a three-character one, 新和成, is used whole), kept only when that string occurs in the
names (full or short, any year) of exactly one company and is not a place, a legal suffix or a common industry word
(爱尔眼科 → 爱尔). The SQL always filters on `公司名称`; years as `年份 = '2021年'`.
- `comparison` (2–3 companies): 谁更高/哪家多 → `select 公司名称, x … 公司名称 in (…) order by x desc` (`asc` for
  更低/更少); 多多少/高多少 → `select (select x … a) - (select x … b)` with the larger first (少多少: the same
  difference, the smaller company named first in the question); 相差多少 → larger minus smaller; 几倍 →
  `select 1.0 * (select x … a) / (select x … b)`. Ratios (毛利率 …) as `expr as 名称` ordered by the alias.
- `topn`: 前N / 最…的N家 / top N / 倒数前N / 第N名 (`limit 1 offset N-1`), whole market or a city; name and value:
  `select 公司名称, x … and x is not null order by x desc|asc limit N`. 亏得最多/亏损最严重 = `净利润` ascending (only
  when every listed value is a loss).
- Places (all classes here): 注册 (注册在/注册地在) → `注册地址 like '%苏州%'`; a bare city (苏州的, 苏州本地的),
  办公 or 总部 (在苏州办公的, 总部在苏州的) → `办公地址 like '%苏州%'` (schemas/finglm.toml `[places]`).
- `aggregate`: 有几家 → `count(*)`, 平均/均值/年均 → `avg`, 一共/合计/累计/加起来 → `sum`, 最高/最多是多少 → `max`,
  最低 → `min`, over a year (whole market), a city, a set of 2–5 companies, or one company's years (近三年 = 2019–2021).
- `threshold`: amounts converted exactly (亿 = 1e8, 万 = 1e4, 万亿 = 1e12, 千亿 = 1e11, 百亿 = 1e10, 5万人 = 50000);
  超过/高于/大于/破/突破/过 → `>`, 以上/不低于/至少 → `>=`, 不到/低于/少于/小于 → `<`, 以下/不超过 → `<=`; a percent on a
  computed ratio compares the fraction (负债率超过60% → `1.0 * 负债合计 / 资产总计 > 0.6`); 亏损 → `净利润 < 0`, 亏损超过1亿
  → `净利润 < -100000000`. The amount is chosen from the data so that the condition splits the companies in scope: a
  list `select 公司名称, x … where x > N` of at most 20, else (only for 超过-type conditions) `… order by x desc limit N`
  (…里净利最高的5家), or `count(*)`. The question holds only the words (「2000亿」); the engine's prompt states the number.
- `growth_yoy`: 同比增长/增速/增长了百分之几/yoy/增幅 → the rate itself, computed in SQL as a fraction:
  `select 1.0 * (a.x - b.x) / b.x from big a join big b on a.公司名称 = b.公司名称 where a.公司名称 = … and a.年份 = '2021年'
  and b.年份 = '2020年'` (the FinGLM-style `growth` class keeps the two-year shape of the FinGLM gold); 比上年多了/增加了多少 → `a.x - b.x`,
  减少了/少了/下降了多少 → `b.x - a.x`.
- `ratio_only`: the ratio alone, formulas of `schemas/synonyms.toml` (毛利率 `1.0 * (营业收入 - 营业成本) / 营业收入`,
  净利率, 资产负债率/负债率, 研发费用率/研发投入占营收比/研发强度, 营业利润率, 销售/管理费用率, 流动比率, 研发人员占比,
  三费比重, 期间费用率, 硕士及以上占比 `(硕士 + 博士) / 职工总数`): `select 1.0 * 净利润 / 营业收入 from big where …`.
- `trend`: one company over 近三年/2019-2021年/19到21年/过去三年 or 20-21年/近两年 or 19-20年 →
  `select 年份, x … 年份 in (…) order by 年份` (x may be a ratio).
- `short_name`: one- and two-field lookups where the company is named by its unique short form, stock code or stock
  short name.
- `columns`: every one of the 96 columns of `big` (rare ones included: 所得税费用, 税金及附加/营业税金及附加,
  收回投资收到的现金, 期末现金及现金等价物余额, 对联营企业和合营企业的投资收益, 已赚保费 …) asked about in several
  wordings (the column name, analyst words, the longer aliases of `schemas/finglm.toml`), the exact column in the target;
  公司名称/股票代码/股票简称/年份 asked as 全称/代码/简称/有哪几年的数据. No refusal is ever taught for a column that exists.
- `refusal` (target `{REFUSAL}`): items `big` lacks (货币资金, 应收账款, 存货, 固定资产, 短期借款, 商誉 …, see
  `schemas/absent.txt`), market data (市值, 市盈率, 市净率, 股价, 涨幅, 成交量 …), years outside 2019–2021 (2016–2018,
  2022, 2023), quarters and half years (一季度, 上半年, 前三季度, 中报, Q1 …), forecasts (明年, 预测2022年, 预计 …), and
  rankings/aggregates over a missing item.

### Deduplication and evaluation sets
Near-duplicates are removed (same question after dropping whitespace, punctuation and polite openers), each SQL is used
at most {per_sql_cap} times, and any question equal to a question of an evaluation set (`datasets/finglm/nl2sql_valid.jsonl`,
`lookup_b.jsonl`, `lookup_c.jsonl`, `datasets/analyst_dev/analyst_dev.jsonl`, `datasets/analyst_dev2/analyst_dev2.jsonl`, `datasets/paraphrase/paraphrase.jsonl`,
`paraphrase2.jsonl`; exact match after removing whitespace) is dropped, and so is one equal to an evaluation question
after also removing punctuation and a polite opener ("near-equal"). The evaluation sets are used for nothing else (only
their question strings are read, after generation, for this comparison); no template was written from them.

Speed: the database file is opened read-only and the view `big` is copied once into an in-memory table of the same
name (same rows and values), indexed on company and year; every SQL is executed there.

## Report (seed {a.seed}, scale {a.scale})

{table}

{summary}
""", encoding="utf-8")
    print(f"wrote {readme}")


if __name__ == "__main__":
    main()
