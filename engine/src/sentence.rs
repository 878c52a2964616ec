//! The one-line Chinese answer: subject (company, year), the field and its value
//! with thousands separators and the precision the question asked for.

use crate::classify::QuestionClass;
use crate::compute::number as as_number;
use catalog::Catalog;
use guard::{QueryResult, Value};
use recall::RecallResult;

/// Decimals the question asks for (保留两位小数 / 保留2位小数), if any.
pub fn requested_decimals(q: &str) -> Option<usize> {
    let digits = [("一", 1), ("两", 2), ("二", 2), ("三", 3), ("四", 4), ("1", 1), ("2", 2), ("3", 3), ("4", 4)];
    digits.iter().find(|(d, _)| q.contains(&format!("保留{d}位小数"))).map(|&(_, n)| n)
}

pub fn format_number(v: f64, decimals: Option<usize>) -> String {
    let d = decimals.unwrap_or(if v.fract() == 0.0 { 0 } else { 2 });
    let s = format!("{:.*}", d, v.abs());
    let (int, frac) = s.split_once('.').map(|(a, b)| (a.to_string(), Some(b.to_string()))).unwrap_or((s.clone(), None));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

pub fn format_value(v: &Value, decimals: Option<usize>) -> String {
    match v {
        Value::Null => "空".into(),
        Value::Integer(i) => format_number(*i as f64, decimals.or(Some(0))),
        Value::Real(r) => format_number(*r, decimals),
        Value::Text(t) => t.clone(),
    }
}

/// The unit a column's values are in, from its doc in `schemas/finglm.toml`;
/// computed columns (ratios, aliases) have none.
fn unit_for<'a>(catalog: &'a Catalog, column: &str) -> &'a str {
    catalog.doc(column).map(|d| d.unit.as_str()).unwrap_or("")
}

/// How a sentence names the first linked company: its short name, else its full name.
fn first_company_label(recall: &RecallResult) -> String {
    recall.entities.companies.first().map(|c| if c.short_name.is_empty() { c.full_name.clone() } else { c.short_name.clone() }).unwrap_or_default()
}

/// 「比亚迪2021年营业收入增长率为37.96%（2021年…元，2020年…元）。」
pub fn growth_sentence(catalog: &Catalog, recall: &RecallResult, g: &crate::compute::Growth) -> String {
    let dec = requested_decimals(&recall.question).unwrap_or(2);
    let who = first_company_label(recall);
    let unit = unit_for(catalog, &g.column);
    format!(
        "{who}{}{}增长率为{}%（{}：{}{unit}，{}：{}{unit}）。",
        g.year,
        g.column,
        format!("{:.*}", dec, g.rate_pct),
        g.year,
        format_number(g.current, None),
        g.previous_year,
        format_number(g.previous, None)
    )
}

/// 「……是否相同」: compare the asked-about text column across the returned rows.
fn same_or_not(recall: &RecallResult, result: &QueryResult) -> Option<String> {
    let q = &recall.question;
    if !["相同", "一致", "有没有变化", "是否变化", "有无变化"].iter().any(|w| q.contains(w)) || result.rows.len() < 2 {
        return None;
    }
    // The last column that is not the year or a company identifier.
    let idx = result.columns.iter().rposition(|c| !matches!(c.as_str(), "年份" | "公司名称" | "股票简称" | "股票代码"))?;
    let values: Vec<String> = result.rows.iter().map(|r| r[idx].to_string().trim().to_string()).collect();
    let same = values.iter().all(|v| v == &values[0]);
    let who = recall.entities.companies.first().map(|c| c.short_name.clone()).unwrap_or_default();
    Some(format!(
        "{who}{}年间的{}{}（{}）。",
        recall.entities.years.len(),
        result.columns[idx],
        if same { "相同" } else { "不相同" },
        values.join("、")
    ))
}

/// A value with its unit, and large amounts of money also in 亿元 (「2,161.42亿元」).
pub fn with_unit(v: &Value, unit: &str, decimals: Option<usize>) -> String {
    let text = format!("{}{}", format_value(v, decimals), if matches!(v, Value::Text(_) | Value::Null) { "" } else { unit });
    match (v, unit) {
        (Value::Integer(_) | Value::Real(_), "元") => {
            let x = as_number(v).unwrap_or(0.0);
            if x.abs() >= 1e8 {
                format!("{text}（约{}亿元）", format_number(x / 1e8, Some(2)))
            } else {
                text
            }
        }
        _ => text,
    }
}


/// The best recalled column the question asks about (not one of the mandatory identity columns).
fn first_content_column(recall: &RecallResult) -> Option<String> {
    recall.columns.iter().find(|c| !c.mandatory).map(|c| c.name.clone())
}

/// The first text column that names a company or a year, and the first numeric one after it.
fn name_and_value(result: &QueryResult) -> Option<(usize, usize)> {
    let first = result.rows.first()?;
    let name = first.iter().position(|v| matches!(v, Value::Text(_)))?;
    let value = (0..first.len()).find(|&i| i != name && result.rows.iter().all(|r| as_number(&r[i]).is_some()))?;
    Some((name, value))
}

/// Sentences per kind of question: a comparison names the winner, both values and the
/// difference; a ranking lists names with values; a count or sum says what it counted;
/// a trend lists each year. None when the rows do not have the kind's shape.
fn kind_sentence(catalog: &Catalog, recall: &RecallResult, result: &QueryResult) -> Option<String> {
    use recall::{Aggregate, Intent, Order};
    let dec = requested_decimals(&recall.question);
    let year = if recall.entities.years.len() == 1 { recall.entities.years[0].clone() } else { String::new() };
    let single = (result.rows.len() == 1 && result.columns.len() == 1).then(|| &result.rows[0][0]);
    match recall.intent {
        Intent::Aggregate { op } if single.is_some_and(|v| as_number(v).is_some()) => {
            let v = single?;
            let col = &result.columns[0];
            let metric = first_content_column(recall).unwrap_or_else(|| col.clone());
            let unit = unit_for(catalog, &metric);
            Some(match op {
                Aggregate::Count => format!("{year}符合条件的公司共有{}家。", format_value(v, Some(0))),
                Aggregate::Sum => format!("{year}{metric}合计为{}。", with_unit(v, &unit, dec)),
                Aggregate::Average => format!("{year}{metric}平均为{}。", with_unit(v, &unit, dec.or(Some(2)))),
                Aggregate::Max => format!("{year}{metric}最高为{}。", with_unit(v, &unit, dec)),
                Aggregate::Min => format!("{year}{metric}最低为{}。", with_unit(v, &unit, dec)),
            })
        }
        // 「有几家」 answered with the list itself: the count is the number of distinct
        // companies listed (never when the row cap cut the list).
        Intent::Aggregate { op: Aggregate::Count } if !result.truncated && result.columns.len() <= 3 => {
            let distinct: std::collections::BTreeSet<String> = result.rows.iter().map(|r| r[0].to_string()).collect();
            let shown: Vec<String> = distinct.iter().take(5).cloned().collect();
            let more = if distinct.len() > 5 { "等" } else { "" };
            Some(format!("{year}符合条件的公司共有{}家（{}{more}）。", distinct.len(), shown.join("、")))
        }
        Intent::Compare { order, .. } | Intent::Rank { order, .. } if result.rows.len() >= 2 => {
            let (ni, vi) = name_and_value(result)?;
            let unit = unit_for(catalog, &result.columns[vi]);
            let mut rows: Vec<&Vec<Value>> = result.rows.iter().collect();
            if matches!(recall.intent, Intent::Compare { .. }) {
                rows.sort_by(|a, b| {
                    let (x, y) = (as_number(&a[vi]).unwrap_or(0.0), as_number(&b[vi]).unwrap_or(0.0));
                    if order == Order::Asc { x.total_cmp(&y) } else { y.total_cmp(&x) }
                });
                let (w, r) = (rows[0], rows[1]);
                let diff = (as_number(&w[vi])? - as_number(&r[vi])?).abs();
                let word = if order == Order::Asc { "更低" } else { "更高" };
                return Some(format!(
                    "{year}{}{word}的是{}（{}），{}为{}，相差{}。",
                    result.columns[vi],
                    format_value(&w[ni], None),
                    with_unit(&w[vi], &unit, dec),
                    format_value(&r[ni], None),
                    with_unit(&r[vi], &unit, dec),
                    with_unit(&Value::Real(diff), &unit, dec)
                ));
            }
            let list: Vec<String> = rows.iter().take(10).enumerate().map(|(i, r)| format!("{}. {}（{}）", i + 1, format_value(&r[ni], None), with_unit(&r[vi], &unit, dec))).collect();
            let more = if rows.len() > 10 { format!("等共{}家", rows.len()) } else { String::new() };
            Some(format!("{year}{}排名：{}{more}。", result.columns[vi], list.join("；")))
        }
        // A threshold list: how many passed, then names with the value they passed on.
        Intent::Filter if result.columns.len() >= 2 => {
            let (ni, vi) = name_and_value(result)?;
            let unit = unit_for(catalog, &result.columns[vi]);
            let list: Vec<String> = result.rows.iter().take(10).map(|r| format!("{}（{}）", format_value(&r[ni], None), with_unit(&r[vi], &unit, dec))).collect();
            let count = if result.truncated { format!("至少{}家（结果已截断）", result.rows.len()) } else { format!("{}家", result.rows.len()) };
            let more = if result.rows.len() > 10 { "等" } else { "" };
            Some(format!("{year}符合条件的公司共{count}，{}：{}{more}。", result.columns[vi], list.join("；")))
        }
        // A rate or a difference the SQL computed itself (one cell): a rate as a percent.
        Intent::Growth if single.is_some_and(|v| as_number(v).is_some()) => {
            let v = as_number(single?)?;
            let who = first_company_label(recall);
            let metric = first_content_column(recall).unwrap_or_default();
            if crate::compute::GROWTH_WORDS.iter().any(|w| recall.question.contains(w)) {
                let pct = format!("{:.*}", dec.unwrap_or(2), v * 100.0);
                Some(format!("{who}{year}{metric}同比增长率为{pct}%。"))
            } else {
                Some(format!("{who}{year}{metric}与上年相差{}。", with_unit(&Value::Real(v), unit_for(catalog, &metric), dec)))
            }
        }
        Intent::Trend if result.rows.len() >= 2 => {
            let (yi, vi) = name_and_value(result)?;
            let unit = unit_for(catalog, &result.columns[vi]);
            let who = first_company_label(recall);
            let list: Vec<String> = result.rows.iter().map(|r| format!("{}{}", format_value(&r[yi], None), with_unit(&r[vi], &unit, dec))).collect();
            Some(format!("{who}{}：{}。", result.columns[vi], list.join("；")))
        }
        _ => None,
    }
}

pub fn sentence(catalog: &Catalog, recall: &RecallResult, class: QuestionClass, result: &QueryResult) -> String {
    let dec = requested_decimals(&recall.question);
    if result.rows.is_empty() {
        return "没有查到符合条件的数据。".into();
    }
    if let Some(s) = same_or_not(recall, result) {
        return s;
    }
    if let Some(s) = kind_sentence(catalog, recall, result) {
        return s;
    }
    let e = &recall.entities;
    let mut subject = String::new();
    if e.companies.len() == 1 {
        let c = &e.companies[0];
        subject.push_str(if c.short_name.is_empty() { &c.full_name } else { &c.short_name });
    }
    if e.years.len() == 1 {
        subject.push_str(&e.years[0]);
    }
    let label = |col: &str| -> String {
        if col.chars().all(|c| recall::is_cjk(c) || "、，".contains(c)) {
            col.to_string()
        } else if let Some(m) = recall.metrics.first() {
            m.name.clone()
        } else if class == QuestionClass::Computed {
            "计算结果".into()
        } else {
            col.to_string()
        }
    };
    let cell = |col: &str, v: &Value| -> String { format!("{}为{}", label(col), with_unit(v, unit_for(catalog, col), dec)) };
    if result.rows.len() == 1 {
        let parts: Vec<String> = result.columns.iter().zip(&result.rows[0]).map(|(c, v)| cell(c, v)).collect();
        let lead = if subject.is_empty() { String::new() } else { format!("{subject}的") };
        return format!("{lead}{}。", parts.join("，"));
    }
    let shown: Vec<String> = result
        .rows
        .iter()
        .take(5)
        .map(|row| row.iter().zip(&result.columns).map(|(v, c)| format!("{}{}", format_value(v, dec), if matches!(v, Value::Text(_)) { "" } else { unit_for(catalog, c) })).collect::<Vec<_>>().join("，"))
        .collect();
    let more = if result.rows.len() > 5 { format!("等（共{}行{}）", result.rows.len(), if result.truncated { "，已截断" } else { "" }) } else { String::new() };
    format!("{}查询结果{}行：{}{}。", if subject.is_empty() { String::new() } else { format!("{subject}，") }, result.rows.len(), shown.join("；"), more)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn numbers_are_grouped_and_rounded() {
        assert_eq!(format_number(109464278662.33, None), "109,464,278,662.33");
        assert_eq!(format_number(-25.704, Some(2)), "-25.70");
        assert_eq!(format_number(1234.0, None), "1,234");
        assert_eq!(format_number(-0.001, Some(2)), "0.00");
        assert_eq!(requested_decimals("请保留两位小数"), Some(2));
        assert_eq!(requested_decimals("保留4位小数"), Some(4));
        assert_eq!(requested_decimals("是多少"), None);
    }

    #[test]
    fn units_come_from_the_column_docs() {
        let root = catalog::repo_root();
        let c = Catalog::load(&root.join("datasets/finglm/finglm.sqlite"), &root.join("schemas/finglm.toml")).unwrap();
        assert_eq!(unit_for(&c, "营业收入"), "元");
        assert_eq!(unit_for(&c, "职工总数"), "人");
        assert_eq!(unit_for(&c, "硕士"), "人");
        // Computed or aliased columns carry no unit rather than a guessed 元.
        assert_eq!(unit_for(&c, "毛利率"), "");
        assert_eq!(unit_for(&c, "博士及以上的员工人数"), "");
    }

    #[test]
    fn a_growth_rate_computed_in_sql_is_stated_as_a_percent() {
        let root = catalog::repo_root();
        let c = Catalog::load(&root.join("datasets/finglm/finglm.sqlite"), &root.join("schemas/finglm.toml")).unwrap();
        let recall = |q: &str| RecallResult {
            question: q.into(),
            words: vec![],
            columns: vec![recall::RecalledColumn { name: "营业收入".into(), sql_type: "REAL".into(), score: 1.0, mandatory: false, evidence: vec![] }],
            entities: recall::Entities { years: vec!["2021年".into()], ..Default::default() },
            metrics: vec![],
            intent: recall::Intent::Growth,
            elapsed_us: 0,
        };
        let one = |v: f64| QueryResult { columns: vec!["1.0 * (a.营业收入 - b.营业收入) / b.营业收入".into()], rows: vec![vec![Value::Real(v)]], truncated: false, elapsed_ms: 0.0 };
        let s = sentence(&c, &recall("2021年营收同比增速多少"), QuestionClass::Computed, &one(-0.25704));
        assert!(s.contains("营业收入同比增长率为-25.70%"), "{s}");
        // A difference (no rate word) keeps the column's unit.
        let s = sentence(&c, &recall("2021年营收比上年多了多少"), QuestionClass::Computed, &one(300000000.0));
        assert!(s.contains("相差300,000,000元"), "{s}");
    }
}
