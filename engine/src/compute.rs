//! Typed post-steps for computed answers the SQL leaves to us. Growth rates:
//! where the model (like the FinGLM gold it learned from) returns the metric for
//! the stated year and the year before, the rate is computed here, exactly, as
//! (this year − last year) / last year; where it computes the rate in SQL, the
//! sentence states it (`sentence`). Ratios are computed in SQL by the model.

use guard::{QueryResult, Value};
use recall::RecallResult;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Growth {
    pub column: String,
    pub year: String,
    pub previous_year: String,
    pub current: f64,
    pub previous: f64,
    /// Percent, e.g. -25.70 for a 25.70% fall; (this − last) / last, as the
    /// official formula states it (a negative base flips the sign).
    pub rate_pct: f64,
}

/// Words that ask for a rate (not an amount: 「增长了多少」 alone asks for the difference).
pub(crate) const GROWTH_WORDS: [&str; 10] = ["增长率", "增长幅度", "增速", "同比增长", "变化率", "涨幅", "增幅", "增长比例", "增长的比例", "百分之几"];

/// A numeric cell as f64 (text and NULL are not numbers).
pub(crate) fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Real(r) => Some(*r),
        _ => None,
    }
}

fn year_num(y: &str) -> Option<i32> {
    y.trim_end_matches('年').parse().ok()
}

/// A growth rate when the question asks for one and the rows hold the metric
/// for the stated year and the year before.
pub fn growth(recall: &RecallResult, result: &QueryResult) -> Option<Growth> {
    if !GROWTH_WORDS.iter().any(|w| recall.question.contains(w)) {
        return None;
    }
    let year_col = result.columns.iter().position(|c| c == "年份")?;
    let metric_col = result.columns.iter().enumerate().position(|(i, _)| i != year_col && result.rows.iter().any(|r| number(&r[i]).is_some()))?;
    let stated = recall.entities.years.first().and_then(|y| year_num(y))?;
    let find = |y: i32| result.rows.iter().find(|r| matches!(&r[year_col], Value::Text(t) if year_num(t) == Some(y))).and_then(|r| number(&r[metric_col]));
    let (current, previous) = (find(stated)?, find(stated - 1)?);
    if previous == 0.0 {
        return None;
    }
    Some(Growth {
        column: result.columns[metric_col].clone(),
        year: format!("{stated}年"),
        previous_year: format!("{}年", stated - 1),
        current,
        previous,
        rate_pct: (current - previous) / previous * 100.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rows: Vec<(&str, f64)>) -> QueryResult {
        QueryResult {
            columns: vec!["年份".into(), "净利润".into()],
            rows: rows.into_iter().map(|(y, v)| vec![Value::Text(y.into()), Value::Real(v)]).collect(),
            truncated: false,
            elapsed_ms: 0.0,
        }
    }

    fn recall(q: &str, years: &[&str]) -> RecallResult {
        RecallResult {
            question: q.into(),
            words: vec![],
            columns: vec![],
            entities: recall::Entities { years: years.iter().map(|s| s.to_string()).collect(), ..Default::default() },
            metrics: vec![],
            intent: recall::Intent::Growth,
            elapsed_us: 0,
        }
    }

    #[test]
    fn growth_from_two_years_in_any_order() {
        let g = growth(&recall("2020年净利润增长率是多少", &["2020年", "2019年"]), &result(vec![("2019年", 200.0), ("2020年", 148.6)])).unwrap();
        assert!((g.rate_pct - -25.7).abs() < 1e-9, "{g:?}");
        assert_eq!(g.previous_year, "2019年");
    }

    #[test]
    fn no_growth_without_the_words_or_the_previous_year() {
        assert!(growth(&recall("2020年净利润是多少", &["2020年"]), &result(vec![("2019年", 1.0), ("2020年", 2.0)])).is_none());
        assert!(growth(&recall("2020年净利润增长率", &["2020年", "2019年"]), &result(vec![("2020年", 2.0)])).is_none());
        assert!(growth(&recall("2020年净利润增长率", &["2020年", "2019年"]), &result(vec![("2019年", 0.0), ("2020年", 2.0)])).is_none());
    }

    #[test]
    fn colloquial_rate_words_ask_for_the_rate() {
        for q in ["2021年净利同比涨幅", "2021年营收增长的比例", "2021年营收增长了百分之几"] {
            assert!(growth(&recall(q, &["2021年", "2020年"]), &result(vec![("2020年", 100.0), ("2021年", 150.0)])).is_some(), "{q}");
        }
    }

    #[test]
    fn a_negative_base_follows_the_plain_formula() {
        let g = growth(&recall("2021年净利润增长率", &["2021年", "2020年"]), &result(vec![("2020年", -100.0), ("2021年", 50.0)])).unwrap();
        assert!((g.rate_pct - -150.0).abs() < 1e-9);
    }
}
