//! Amounts with units in a question: 「2000亿」「1.5万亿」「500万元」「5万人」「40%」
//! 「百分之三十」「破千亿」「3块钱」 → exact numbers in the unit the columns store
//! (money in 元, head counts in 人, a percent as a fraction), with the comparison
//! the words around them ask for (超过/不到/以上 …). A bare number (「前3」「2021年」)
//! is not an amount: it needs a magnitude, a unit or a percent sign.

use serde::Serialize;

/// What an amount counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AmountKind {
    /// 元 (money columns are stored in 元).
    Money,
    /// 人 (head-count columns).
    People,
    /// A percent, stored here as a fraction (40% → 0.4).
    Percent,
    /// A magnitude with no unit word (「2000亿」 with no 元): money or a count, as the column says.
    Plain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Above,
    AtLeast,
    Below,
    AtMost,
}

impl Comparison {
    pub fn sql_op(self) -> &'static str {
        match self {
            Comparison::Above => ">",
            Comparison::AtLeast => ">=",
            Comparison::Below => "<",
            Comparison::AtMost => "<=",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Amount {
    /// The words as typed, e.g. 「2000亿」.
    pub mention: String,
    /// In 元 / 人, or a fraction for a percent.
    pub value: f64,
    pub kind: AmountKind,
    pub comparison: Option<Comparison>,
    /// Char span [start, end) of the mention.
    pub span: (usize, usize),
}

impl Amount {
    /// The value as SQL would write it: an integer when whole, else up to 10 decimals.
    pub fn sql_literal(&self) -> String {
        number_literal(self.value)
    }
}

pub fn number_literal(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e18 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.10}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Whether a word is one of the comparison words around amounts (超过, 不到, 以上 …).
pub fn is_comparison_word(w: &str) -> bool {
    BEFORE.iter().chain(AFTER.iter()).any(|(c, _)| w.contains(c) && c.chars().count() >= 2)
}

/// Magnitude words, longest first.
const MAGNITUDES: [(&str, f64); 9] =
    [("万亿", 1e12), ("千亿", 1e11), ("百亿", 1e10), ("十亿", 1e9), ("亿", 1e8), ("千万", 1e7), ("百万", 1e6), ("十万", 1e5), ("万", 1e4)];

const BEFORE: [(&str, Comparison); 21] = [
    ("不低于", Comparison::AtLeast),
    ("不少于", Comparison::AtLeast),
    ("不小于", Comparison::AtLeast),
    ("不超过", Comparison::AtMost),
    ("不高于", Comparison::AtMost),
    ("不多于", Comparison::AtMost),
    ("未超过", Comparison::AtMost),
    ("至少", Comparison::AtLeast),
    ("超过", Comparison::Above),
    ("高于", Comparison::Above),
    ("大于", Comparison::Above),
    ("多于", Comparison::Above),
    ("突破", Comparison::Above),
    ("低于", Comparison::Below),
    ("小于", Comparison::Below),
    ("少于", Comparison::Below),
    ("不到", Comparison::Below),
    ("不足", Comparison::Below),
    ("破", Comparison::Above),
    // 「超10亿」「过百亿」: the short forms, after every longer word that ends the same way.
    ("超", Comparison::Above),
    ("过", Comparison::Above),
];

const AFTER: [(&str, Comparison); 4] = [("以上", Comparison::AtLeast), ("之上", Comparison::AtLeast), ("以下", Comparison::AtMost), ("之下", Comparison::AtMost)];

fn cn_digit(c: char) -> Option<f64> {
    "零一二三四五六七八九".chars().position(|d| d == c).map(|p| p as f64).or((c == '两').then_some(2.0))
}

/// A Chinese numeral like 五十、一百二十、三 at `chars[i..]`: (value, chars used).
fn cn_number(chars: &[char], i: usize) -> Option<(f64, usize)> {
    let mut total = 0.0;
    let mut cur: Option<f64> = None;
    let mut j = i;
    while j < chars.len() {
        let c = chars[j];
        if let Some(d) = cn_digit(c) {
            if cur.is_some() {
                break;
            }
            cur = Some(d);
        } else if let Some(unit) = match c {
            '十' => Some(10.0),
            '百' => Some(100.0),
            '千' => Some(1000.0),
            _ => None,
        } {
            // 「百亿」「千亿」 with no digit before are magnitudes, handled by the caller.
            if cur.is_none() && j == i && c != '十' {
                return None;
            }
            // 「五千亿」: 千 belongs to the magnitude word when 亿/万 follows.
            if c != '十' && matches!(chars.get(j + 1), Some('亿') | Some('万')) {
                break;
            }
            total += cur.unwrap_or(1.0) * unit;
            cur = None;
        } else {
            break;
        }
        j += 1;
    }
    let v = total + cur.unwrap_or(0.0);
    (j > i && v > 0.0).then_some((v, j - i))
}

/// An arabic number (digits, one optional decimal point, thousands commas) at `chars[i..]`.
fn arabic_number(chars: &[char], i: usize) -> Option<(f64, usize)> {
    let mut j = i;
    let mut s = String::new();
    while j < chars.len() {
        let c = chars[j];
        if c.is_ascii_digit() {
            s.push(c);
        } else if c == '.' && !s.contains('.') && chars.get(j + 1).is_some_and(|n| n.is_ascii_digit()) {
            s.push(c);
        } else if c == ',' && chars.get(j + 1).is_some_and(|n| n.is_ascii_digit()) && !s.is_empty() {
        } else {
            break;
        }
        j += 1;
    }
    s.parse::<f64>().ok().map(|v| (v, j - i))
}

fn starts_with_at(chars: &[char], i: usize, word: &str) -> bool {
    let w: Vec<char> = word.chars().collect();
    chars.len() >= i + w.len() && chars[i..i + w.len()] == w[..]
}

/// Every amount in `q`, left to right.
pub fn find_amounts(q: &str) -> Vec<Amount> {
    let chars: Vec<char> = q.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match amount_at(&chars, i) {
            Some(a) => {
                i = a.span.1;
                out.push(a);
            }
            None => i += 1,
        }
    }
    out
}

fn amount_at(chars: &[char], i: usize) -> Option<Amount> {
    // Not inside a longer number or a word like 「第三」.
    if i > 0 && (chars[i - 1].is_ascii_digit() || chars[i - 1] == '.' || "第前后".contains(chars[i - 1])) {
        return None;
    }
    let percent_prefix = starts_with_at(chars, i, "百分之");
    let num_start = if percent_prefix { i + 3 } else { i };
    let (mut value, used) = match arabic_number(chars, num_start).or_else(|| cn_number(chars, num_start)) {
        Some(x) => x,
        // 「破千亿」「百亿级」: a bare magnitude word means one of it.
        None if !percent_prefix && MAGNITUDES[1..4].iter().any(|(w, _)| starts_with_at(chars, i, w)) => (1.0, 0),
        None => return None,
    };
    let mut j = num_start + used;
    if percent_prefix {
        return Some(finish(chars, i, j, value / 100.0, AmountKind::Percent));
    }
    // A year is not an amount.
    if chars.get(j) == Some(&'年') {
        return None;
    }
    let mut magnitude = false;
    if let Some((w, m)) = MAGNITUDES.iter().find(|(w, _)| starts_with_at(chars, j, w)) {
        value *= m;
        j += w.chars().count();
        magnitude = true;
    }
    let kind = if chars.get(j) == Some(&'%') || chars.get(j) == Some(&'％') {
        j += 1;
        value /= 100.0;
        AmountKind::Percent
    } else if starts_with_at(chars, j, "个百分点") {
        j += 4;
        value /= 100.0;
        AmountKind::Percent
    } else if let Some(w) = ["块钱", "元", "块"].iter().find(|w| starts_with_at(chars, j, w)) {
        j += w.chars().count();
        AmountKind::Money
    } else if let Some(w) = ["人", "名员工"].iter().find(|w| starts_with_at(chars, j, w)) {
        j += w.chars().count();
        AmountKind::People
    } else if magnitude {
        AmountKind::Plain
    } else {
        return None;
    };
    Some(finish(chars, i, j, value, kind))
}

fn finish(chars: &[char], start: usize, end: usize, value: f64, kind: AmountKind) -> Amount {
    let before: String = chars[start.saturating_sub(4)..start].iter().collect();
    let after: String = chars[end..(end + 2).min(chars.len())].iter().collect();
    let comparison = AFTER
        .iter()
        .find(|(w, _)| after.starts_with(w))
        .map(|&(_, c)| c)
        .or_else(|| BEFORE.iter().find(|(w, _)| before.ends_with(w)).map(|&(_, c)| c));
    Amount { mention: chars[start..end].iter().collect(), value, kind, comparison, span: (start, end) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(q: &str) -> Amount {
        let a = find_amounts(q);
        assert_eq!(a.len(), 1, "{q}: {a:?}");
        a.into_iter().next().unwrap()
    }

    #[test]
    fn magnitudes_and_units_become_exact_numbers() {
        assert_eq!(one("营收超过2000亿的公司").value, 200_000_000_000.0);
        assert_eq!(one("资产超过1.5万亿").value, 1_500_000_000_000.0);
        assert_eq!(one("净利润不到500万元").value, 5_000_000.0);
        assert_eq!(one("员工5万人以上").value, 50_000.0);
        assert_eq!(one("员工5万人以上").kind, AmountKind::People);
        assert_eq!(one("每股收益超过3块钱").value, 3.0);
        assert_eq!(one("每股收益超过3块钱").kind, AmountKind::Money);
        assert_eq!(one("营收破千亿").value, 100_000_000_000.0);
        assert_eq!(one("营收五千亿以上").value, 500_000_000_000.0);
        assert_eq!(one("净利润五十亿").value, 5_000_000_000.0);
        assert_eq!(one("收入1,200万").value, 12_000_000.0);
    }

    #[test]
    fn percents_are_fractions() {
        let a = one("负债率低于40%的公司");
        assert!((a.value - 0.4).abs() < 1e-12);
        assert_eq!(a.kind, AmountKind::Percent);
        assert!((one("毛利率超过百分之三十").value - 0.3).abs() < 1e-12);
        assert!((one("增长了12.5%").value - 0.125).abs() < 1e-12);
    }

    #[test]
    fn comparisons_come_from_the_words_around() {
        assert_eq!(one("营收超过2000亿的公司").comparison, Some(Comparison::Above));
        assert_eq!(one("员工5万人以上").comparison, Some(Comparison::AtLeast));
        assert_eq!(one("净利润不到5亿").comparison, Some(Comparison::Below));
        assert_eq!(one("净利润超10亿").comparison, Some(Comparison::Above));
        assert_eq!(one("营收过百亿").comparison, Some(Comparison::Above));
        assert_eq!(one("营收不超过5亿").comparison, Some(Comparison::AtMost));
        assert_eq!(one("营收破千亿").comparison, Some(Comparison::Above));
        assert_eq!(one("营收不低于100亿").comparison, Some(Comparison::AtLeast));
        assert_eq!(one("营收100亿").comparison, None);
    }

    #[test]
    fn years_counts_and_codes_are_not_amounts() {
        assert!(find_amounts("2021年营收前3的公司").is_empty());
        assert!(find_amounts("股票代码600519的2020年净利润").is_empty());
        assert!(find_amounts("第三名是谁").is_empty());
        assert!(find_amounts("21年有几家").is_empty());
    }

    #[test]
    fn literals_are_plain_numbers() {
        assert_eq!(one("超过2000亿").sql_literal(), "200000000000");
        assert_eq!(one("低于40%").sql_literal(), "0.4");
    }
}
