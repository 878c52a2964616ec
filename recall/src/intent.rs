//! What the question asks to be done with the values: look one up, compare
//! companies, rank, count/sum/average, follow a trend, compute a growth or a ratio,
//! or list what passes a threshold. Read from the wording and what was linked
//! (how many companies and years, whether an amount carries a comparison); it
//! drives the answer sentence and the per-kind reports.

use crate::amounts::Amount;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Largest first (最高, 最多, 前N).
    Desc,
    /// Smallest first (最低, 最少, 亏得最多).
    Asc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    Count,
    Sum,
    Average,
    Max,
    Min,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareKind {
    /// 谁更高 / 哪家多: the winner with both values.
    Winner,
    /// 差多少 / 高多少: the difference.
    Difference,
    /// 是…的几倍: the quotient.
    Multiple,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Intent {
    Lookup,
    Compare { how: CompareKind, order: Order },
    Growth,
    Ratio,
    Rank { n: usize, order: Order },
    Aggregate { op: Aggregate },
    Trend,
    /// Companies passing a threshold (「营收超过2000亿的公司」).
    Filter,
}

impl Intent {
    /// The kind's name as the reports and dev sets spell it.
    pub fn kind(&self) -> &'static str {
        match self {
            Intent::Lookup => "lookup",
            Intent::Compare { .. } => "comparison",
            Intent::Growth => "growth",
            Intent::Ratio => "ratio",
            Intent::Rank { .. } => "ranking",
            Intent::Aggregate { .. } => "aggregate",
            Intent::Trend => "trend",
            Intent::Filter => "threshold",
        }
    }
}

/// What `detect` needs besides the words.
pub struct IntentInputs<'a> {
    pub question: &'a str,
    pub companies: usize,
    pub years: usize,
    pub amounts: &'a [Amount],
    pub has_metric: bool,
}

const ASC_WORDS: [&str; 9] = ["最低", "最少", "最小", "最差", "倒数", "垫底", "亏得最多", "亏损最多", "亏最多"];
const COMPARE_WORDS: [&str; 10] = ["谁", "哪家", "哪个", "更高", "更多", "更大", "更低", "更少", "相比", "对比"];
const DIFFERENCE_WORDS: [&str; 6] = ["差多少", "差了多少", "高多少", "多多少", "少多少", "差距"];
const GROWTH_WORDS: [&str; 9] = ["同比", "增长率", "增速", "增幅", "增长了", "增长多少", "比上年", "比去年", "变化率"];
const TREND_WORDS: [&str; 9] = ["每年", "历年", "趋势", "走势", "逐年", "各年", "每一年", "变化情况", "怎么变"];
const COUNT_WORDS: [&str; 6] = ["几家", "多少家", "家数", "有几个", "多少个公司", "数量"];
const SUM_WORDS: [&str; 7] = ["一共", "合计", "总共", "累计", "总和", "加起来", "之和"];
const AVG_WORDS: [&str; 3] = ["平均", "均值", "人均"];

fn any(q: &str, words: &[&str]) -> bool {
    words.iter().any(|w| q.contains(w))
}

/// 「前5」「前五名」「三家」「top3」: how many to rank, if said.
pub fn rank_count(q: &str) -> Option<usize> {
    let chars: Vec<char> = q.chars().collect();
    let cn = |c: char| "一二三四五六七八九十".chars().position(|d| d == c).map(|p| p + 1).or((c == '两').then_some(2));
    for (i, &c) in chars.iter().enumerate() {
        let lead = c == '前' || (c == 'p' && i > 1 && chars[i - 2..i] == ['t', 'o']);
        if lead || (i + 1 < chars.len() && "家名个位".contains(chars[i + 1]) && (c.is_ascii_digit() || cn(c).is_some())) {
            let start = if lead { i + 1 } else { i };
            let digits: String = chars[start..].iter().take_while(|c| c.is_ascii_digit()).collect();
            if let Ok(n) = digits.parse::<usize>() {
                return (n > 0).then_some(n);
            }
            if let Some(n) = chars.get(start).and_then(|&c| cn(c)) {
                return Some(n);
            }
        }
    }
    None
}

pub fn detect(x: &IntentInputs) -> Intent {
    let q = x.question;
    let order = if any(q, &ASC_WORDS) { Order::Asc } else { Order::Desc };
    if x.companies >= 2 && (any(q, &COMPARE_WORDS) || any(q, &DIFFERENCE_WORDS) || q.contains("几倍")) {
        let how = if q.contains("几倍") || q.contains("多少倍") {
            CompareKind::Multiple
        } else if any(q, &DIFFERENCE_WORDS) {
            CompareKind::Difference
        } else {
            CompareKind::Winner
        };
        let order = if any(q, &["更低", "更少", "更小"]) { Order::Asc } else { order };
        return Intent::Compare { how, order };
    }
    if x.companies <= 1 && any(q, &GROWTH_WORDS) {
        return Intent::Growth;
    }
    // 「有哪几家」 asks which, not how many: its 几家 is no count word.
    if any(&q.replace("哪几家", "").replace("哪几个", ""), &COUNT_WORDS) {
        return Intent::Aggregate { op: Aggregate::Count };
    }
    if any(q, &AVG_WORDS) {
        return Intent::Aggregate { op: Aggregate::Average };
    }
    if any(q, &SUM_WORDS) {
        return Intent::Aggregate { op: Aggregate::Sum };
    }
    let asks_which = any(q, &["哪", "谁", "排名", "排行", "前"]);
    let superlative = any(q, &["最高", "最多", "最大", "最低", "最少", "最小", "最差", "倒数", "垫底", "亏得最多", "亏损最多"]);
    if x.companies == 0 && (rank_count(q).is_some() || (superlative && asks_which) || q.contains("排名") || q.contains("排行")) {
        return Intent::Rank { n: rank_count(q).unwrap_or(1), order };
    }
    if x.companies == 0 && superlative {
        return Intent::Aggregate { op: if order == Order::Asc { Aggregate::Min } else { Aggregate::Max } };
    }
    if x.companies == 1 && x.years >= 2 && (any(q, &TREND_WORDS) || x.years >= 3) {
        return Intent::Trend;
    }
    if x.companies == 0 && x.amounts.iter().any(|a| a.comparison.is_some()) {
        return Intent::Filter;
    }
    if x.has_metric || any(q, &["率", "占比", "比重", "比例"]) {
        return Intent::Ratio;
    }
    Intent::Lookup
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amounts::find_amounts;

    fn intent(q: &str, companies: usize, years: usize) -> Intent {
        let amounts = find_amounts(q);
        detect(&IntentInputs { question: q, companies, years, amounts: &amounts, has_metric: false })
    }

    #[test]
    fn kinds_from_wording() {
        assert_eq!(intent("2021年比亚迪和长城汽车谁的营收更高", 2, 1), Intent::Compare { how: CompareKind::Winner, order: Order::Desc });
        assert_eq!(intent("茅台和五粮液2021年净利润差多少", 2, 1).kind(), "comparison");
        assert_eq!(intent("2021年茅台营收同比增长了多少", 1, 2), Intent::Growth);
        assert_eq!(intent("2020年净利超过50亿的公司有几家", 0, 1), Intent::Aggregate { op: Aggregate::Count });
        assert_eq!(intent("2021年苏州的公司平均营收是多少", 0, 1), Intent::Aggregate { op: Aggregate::Average });
        assert_eq!(intent("2021年研发费用前五的公司", 0, 1), Intent::Rank { n: 5, order: Order::Desc });
        assert_eq!(intent("2020年哪三家公司亏得最多", 0, 1), Intent::Rank { n: 3, order: Order::Asc });
        assert_eq!(intent("2021年营收最高是多少", 0, 1), Intent::Aggregate { op: Aggregate::Max });
        assert_eq!(intent("比亚迪2019到2021年每年的营收", 1, 3), Intent::Trend);
        assert_eq!(intent("2021年营收超过2000亿的公司有哪些", 0, 1), Intent::Filter);
        assert_eq!(intent("2021年营收超过2000亿的公司有哪几家", 0, 1), Intent::Filter);
        assert_eq!(intent("2021年营收超过2000亿的有几家，分别是哪几家", 0, 1), Intent::Aggregate { op: Aggregate::Count });
        assert_eq!(intent("2021年比亚迪的营收是多少", 1, 1), Intent::Lookup);
    }

    #[test]
    fn rank_counts() {
        assert_eq!(rank_count("前10名"), Some(10));
        assert_eq!(rank_count("最高的三家"), Some(3));
        assert_eq!(rank_count("top3"), Some(3));
        assert_eq!(rank_count("最高的公司"), None);
    }
}
