//! Evaluation: execution match against gold SQL and answer match against expected
//! values, with the comparison rules of design.md, plus recall metrics.

use crate::answer::{Answer, Engine, Error};
use catalog::Catalog;
use guard::{Executor, QueryResult, SqlGuard, Value};
use recall::Recaller;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

#[derive(Debug, Clone, Deserialize)]
pub struct EvalItem {
    #[serde(default)]
    pub id: Option<String>,
    pub question: String,
    #[serde(default)]
    pub sql: Option<String>,
    #[serde(default)]
    pub expected: Option<Json>,
    #[serde(default)]
    pub answer_type: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub year: Option<String>,
    #[serde(default)]
    pub years: Option<Vec<String>>,
}

pub fn load_set(path: &Path) -> Result<Vec<EvalItem>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut items = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let item: EvalItem = serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        if item.sql.is_none() && item.expected.is_none() {
            return Err(format!("{}:{}: item has neither `sql` nor `expected`", path.display(), i + 1));
        }
        items.push(item);
    }
    Ok(items)
}

// ---------- comparison rules ----------

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Real(r) => Some(*r),
        Value::Text(t) => t.trim().trim_end_matches('%').replace(',', "").parse().ok(),
        Value::Null => None,
    }
}

/// Decimals in the shortest representation of a gold number.
fn decimals_of(x: f64) -> usize {
    let s = format!("{x}");
    s.split_once('.').map(|(_, f)| f.len()).unwrap_or(0)
}

fn round_to(x: f64, d: usize) -> f64 {
    let p = 10f64.powi(d.min(12) as i32);
    (x * p).round() / p
}

/// Cell equality for execution match (gold on the right).
pub fn cells_equal(pred: &Value, gold: &Value) -> bool {
    match (pred, gold) {
        (Value::Null, Value::Null) => true,
        (Value::Text(a), Value::Text(b)) => a.trim() == b.trim(),
        (p, g) => match (as_f64(p), as_f64(g)) {
            (Some(a), Some(b)) if !matches!(p, Value::Text(_)) && !matches!(g, Value::Text(_)) => {
                (a - b).abs() <= 1e-6 * a.abs().max(b.abs()) || round_to(a, decimals_of(b)) == round_to(b, decimals_of(b))
            }
            _ => false,
        },
    }
}

fn rows_equal(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| cells_equal(x, y))
}

/// Execution match: multisets of rows, ordered only when the gold has ORDER BY.
pub fn results_match(pred: &QueryResult, gold: &QueryResult, ordered: bool) -> bool {
    if pred.rows.len() != gold.rows.len() {
        return false;
    }
    if ordered {
        return pred.rows.iter().zip(&gold.rows).all(|(a, b)| rows_equal(a, b));
    }
    let mut used = vec![false; pred.rows.len()];
    gold.rows.iter().all(|g| {
        let hit = pred.rows.iter().enumerate().find(|(i, p)| !used[*i] && rows_equal(p, g)).map(|(i, _)| i);
        hit.map(|i| used[i] = true).is_some()
    })
}

fn has_order_by(sql: &str) -> bool {
    let up = sql.to_uppercase();
    up.split_whitespace().collect::<Vec<_>>().windows(2).any(|w| w[0] == "ORDER" && w[1] == "BY")
}

/// One expected value against the result cells and the sentence.
fn expected_matches(exp: &Json, cells: &[&Value], sentence: &str) -> bool {
    match exp {
        Json::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            cells.iter().filter_map(|c| as_f64(c)).any(|v| (v - x).abs() <= 0.011 || (v - x).abs() <= 1e-6 * v.abs().max(x.abs()))
        }
        Json::String(s) => {
            let s = s.trim();
            if let Some(p) = s.strip_suffix('%') {
                if let Ok(x) = p.parse::<f64>() {
                    return cells.iter().filter_map(|c| as_f64(c)).any(|v| (v - x).abs() <= 0.005 || (v - x / 100.0).abs() <= 0.00005)
                        || sentence.contains(s);
                }
            }
            if let Ok(x) = s.parse::<f64>() {
                let d = s.split_once('.').map(|(_, f)| f.len()).unwrap_or(0);
                return cells.iter().filter_map(|c| as_f64(c)).any(|v| (round_to(v, d) - x).abs() < 1e-9);
            }
            if s == "相同" {
                return cells.iter().any(|c| matches!(c, Value::Text(t) if t.trim() == s)) || (sentence.contains("相同") && !sentence.contains("不相同"));
            }
            cells.iter().any(|c| matches!(c, Value::Text(t) if t.trim() == s)) || sentence.contains(s)
        }
        Json::Array(a) => a.iter().all(|e| expected_matches(e, cells, sentence)),
        Json::Object(o) => o.values().all(|e| expected_matches(e, cells, sentence)),
        Json::Bool(_) | Json::Null => false,
    }
}

/// Answer match; more than 20 rows or cells is a shotgun answer and wrong.
pub fn answer_matches(exp: &Json, result: Option<&QueryResult>, sentence: &str) -> bool {
    let cells: Vec<&Value> = result.map(|r| r.rows.iter().flatten().collect()).unwrap_or_default();
    if cells.len() > 20 || result.is_some_and(|r| r.rows.len() > 20) {
        return false;
    }
    expected_matches(exp, &cells, sentence)
}

// ---------- gold columns and recall metrics ----------

/// Columns of `big` the gold SQL uses, or None if the gold does not pass the guard.
pub fn gold_columns(guard: &SqlGuard, catalog: &Catalog, sql: &str) -> Option<BTreeSet<String>> {
    Some(big_columns(&guard.check(sql).ok()?.statement, catalog))
}

/// Columns of `big` a checked statement uses.
fn big_columns(stmt: &sqlparser::ast::Statement, catalog: &Catalog) -> BTreeSet<String> {
    let big: BTreeSet<&str> = catalog.query_columns().iter().map(|c| c.name.as_str()).collect();
    guard::referenced_columns(stmt, catalog).into_iter().filter(|c| big.contains(c.as_str())).collect()
}

#[derive(Debug, Serialize)]
pub struct RecallItem {
    pub id: Option<String>,
    pub question: String,
    pub recalled: Vec<String>,
    pub gold: Option<Vec<String>>,
    pub missing: Vec<String>,
    pub strict: Option<bool>,
    pub company_ok: Option<bool>,
    pub year_ok: Option<bool>,
    pub error: Option<String>,
    pub us: u64,
}

#[derive(Debug, Serialize)]
pub struct RecallReport {
    pub n: usize,
    pub recall_strict: Option<f64>,
    pub recall_column: Option<f64>,
    pub avg_columns: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub entity_company_acc: Option<f64>,
    pub entity_year_acc: Option<f64>,
    pub items: Vec<RecallItem>,
}

pub fn percentile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    s[((s.len() - 1) as f64 * p).round() as usize]
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

fn expected_years(item: &EvalItem) -> Vec<String> {
    let mut ys: Vec<String> = item.years.clone().unwrap_or_default();
    if let Some(y) = &item.year {
        ys.push(y.clone());
    }
    ys
}

pub fn recall_report(catalog: &Catalog, recaller: &Recaller, guard: &SqlGuard, items: &[EvalItem]) -> RecallReport {
    let mut out = Vec::new();
    let (mut strict_n, mut strict_ok, mut gold_cols, mut gold_hit) = (0, 0, 0, 0);
    let (mut comp_n, mut comp_ok, mut year_n, mut year_ok) = (0, 0, 0, 0);
    let mut lat = Vec::new();
    let mut ncols = Vec::new();
    for item in items {
        let gold = item.sql.as_deref().and_then(|s| gold_columns(guard, catalog, s));
        let r = recaller.recall(&item.question);
        let mut ri = RecallItem {
            id: item.id.clone(),
            question: item.question.clone(),
            recalled: Vec::new(),
            gold: gold.as_ref().map(|g| g.iter().cloned().collect()),
            missing: Vec::new(),
            strict: None,
            company_ok: None,
            year_ok: None,
            error: None,
            us: 0,
        };
        match r {
            Err(e) => ri.error = Some(e.to_string()),
            Ok(r) => {
                ri.us = r.elapsed_us;
                lat.push(r.elapsed_us as f64 / 1e3);
                ncols.push(r.columns.len() as f64);
                ri.recalled = r.column_names().iter().map(|s| s.to_string()).collect();
                if let Some(g) = &gold {
                    ri.missing = g.iter().filter(|c| !r.contains(c)).cloned().collect();
                    ri.strict = Some(ri.missing.is_empty());
                }
                if let Some(c) = &item.company {
                    ri.company_ok = Some(r.entities.companies.iter().any(|m| &m.full_name == c));
                }
                let ys = expected_years(item);
                if !ys.is_empty() {
                    ri.year_ok = Some(ys.iter().all(|y| r.entities.years.contains(y)));
                }
            }
        }
        if let Some(g) = &gold {
            strict_n += 1;
            strict_ok += usize::from(ri.strict == Some(true));
            gold_cols += g.len();
            gold_hit += g.len() - if ri.error.is_some() { g.len() } else { ri.missing.len() };
        }
        if let Some(ok) = ri.company_ok.or(item.company.as_ref().map(|_| false)) {
            comp_n += 1;
            comp_ok += usize::from(ok);
        }
        if let Some(ok) = ri.year_ok.or((!expected_years(item).is_empty()).then_some(false)) {
            year_n += 1;
            year_ok += usize::from(ok);
        }
        out.push(ri);
    }
    RecallReport {
        n: items.len(),
        recall_strict: ratio(strict_ok, strict_n),
        recall_column: ratio(gold_hit, gold_cols),
        avg_columns: if ncols.is_empty() { 0.0 } else { ncols.iter().sum::<f64>() / ncols.len() as f64 },
        p50_ms: percentile(&lat, 0.5),
        p95_ms: percentile(&lat, 0.95),
        entity_company_acc: ratio(comp_ok, comp_n),
        entity_year_acc: ratio(year_ok, year_n),
        items: out,
    }
}

// ---------- the harness ----------

#[derive(Debug, Serialize, Clone)]
pub struct EvalItemReport {
    pub id: Option<String>,
    pub question: String,
    pub class: String,
    pub sql: Option<String>,
    pub answer: String,
    pub rows: Vec<Vec<Value>>,
    pub correct: bool,
    pub error: Option<String>,
    pub ms: f64,
    #[serde(skip)]
    pub kind: Option<String>,
    #[serde(skip)]
    pub scored: bool,
    #[serde(skip)]
    pub mode_exec: bool,
    #[serde(skip)]
    pub strict: Option<bool>,
    #[serde(skip)]
    pub ncols: usize,
    #[serde(skip)]
    pub valid_sql: bool,
}

#[derive(Debug, Serialize, Default, Clone)]
pub struct TypeStat {
    pub n: usize,
    pub correct: usize,
}

#[derive(Debug, Serialize)]
pub struct EvalReport {
    pub n: usize,
    pub scored: usize,
    pub gold_errors: usize,
    pub ex_accuracy: Option<f64>,
    pub answer_accuracy: Option<f64>,
    pub valid_sql_rate: Option<f64>,
    pub recall_strict: Option<f64>,
    pub avg_columns: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub by_type: BTreeMap<String, TypeStat>,
    pub errors: BTreeMap<String, usize>,
    pub model: serde_json::Value,
    pub items: Vec<EvalItemReport>,
}

/// The gold query's rows and the `big` columns it uses (one guard check for both).
fn run_gold(guard: &SqlGuard, exec: &Executor, catalog: &Catalog, sql: &str) -> Option<(QueryResult, BTreeSet<String>)> {
    let checked = guard.check(sql).ok()?;
    Some((exec.run(&checked).ok()?, big_columns(&checked.statement, catalog)))
}

pub fn evaluate_item(engine: &Engine, item: &EvalItem) -> EvalItemReport {
    let t0 = std::time::Instant::now();
    let mut rep = EvalItemReport {
        id: item.id.clone(),
        question: item.question.clone(),
        class: String::new(),
        sql: None,
        answer: String::new(),
        rows: Vec::new(),
        correct: false,
        error: None,
        ms: 0.0,
        kind: item.answer_type.clone(),
        scored: true,
        mode_exec: item.sql.is_some(),
        strict: None,
        ncols: 0,
        valid_sql: false,
    };
    let gold = match &item.sql {
        Some(sql) => match run_gold(&engine.guard, &engine.executor, &engine.catalog, sql) {
            Some((g, cols)) => Some((g, has_order_by(sql), cols)),
            None => {
                rep.scored = false;
                rep.error = Some("gold_error".into());
                return rep;
            }
        },
        None => None,
    };
    let ans: Result<Answer, Error> = engine.answer(&item.question);
    rep.ms = t0.elapsed().as_secs_f64() * 1e3;
    match ans {
        Err(e) => {
            rep.class = "error".into();
            rep.error = Some(match e {
                Error::UnknownCompany { .. } => format!("recall_miss: {e}"),
                _ => format!("unsupported: {e}"),
            });
        }
        Ok(a) => {
            rep.class = a.class.as_str().to_string();
            rep.sql = a.sql.clone();
            rep.answer = a.sentence.clone();
            rep.valid_sql = a.sql.is_some();
            rep.ncols = a.recall.columns.len();
            if let Some((_, _, gc)) = &gold {
                rep.strict = Some(gc.iter().all(|c| a.recall.contains(c)));
            }
            if let Some(r) = &a.result {
                rep.rows = r.rows.iter().take(20).cloned().collect();
            }
            rep.correct = match (&gold, &item.expected, &a.result) {
                (Some((g, ordered, _)), _, Some(r)) => results_match(r, g, *ordered),
                (None, Some(exp), r) => answer_matches(exp, r.as_ref(), &a.sentence),
                _ => false,
            };
            if !rep.correct {
                rep.error = Some(if a.class == crate::QuestionClass::Unsupported {
                    "unsupported".into()
                } else if rep.strict == Some(false) {
                    "recall_miss".into()
                } else if a.sql.is_none() && a.attempts.iter().all(|t| t.sql.is_none()) {
                    "invalid_sql".into()
                } else if a.result.is_none() {
                    "exec_error".into()
                } else {
                    "wrong_result".into()
                });
            }
        }
    }
    rep
}

pub fn evaluate(engine: &Engine, items: &[EvalItem], jobs: usize, progress: bool, model: serde_json::Value) -> EvalReport {
    let bar = if progress { indicatif::ProgressBar::new(items.len() as u64) } else { indicatif::ProgressBar::hidden() };
    bar.set_style(indicatif::ProgressStyle::with_template("eval [{bar:30}] {pos}/{len} {msg} ({eta})").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
    let next = AtomicUsize::new(0);
    let correct_so_far = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<EvalItemReport>>> = Mutex::new(vec![None; items.len()]);
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= items.len() {
                    break;
                }
                let r = evaluate_item(engine, &items[i]);
                if r.correct {
                    correct_so_far.fetch_add(1, Ordering::SeqCst);
                }
                bar.set_message(format!("correct {}", correct_so_far.load(Ordering::SeqCst)));
                bar.inc(1);
                if let Ok(mut v) = results.lock() {
                    v[i] = Some(r);
                }
            });
        }
    });
    bar.finish_and_clear();
    let items_out: Vec<EvalItemReport> = results.into_inner().unwrap_or_default().into_iter().flatten().collect();
    summarize(items_out, model)
}

fn summarize(items: Vec<EvalItemReport>, model: serde_json::Value) -> EvalReport {
    let scored: Vec<&EvalItemReport> = items.iter().filter(|i| i.scored).collect();
    let exec: Vec<_> = scored.iter().filter(|i| i.mode_exec).collect();
    let ans: Vec<_> = scored.iter().filter(|i| !i.mode_exec).collect();
    let mut by_type: BTreeMap<String, TypeStat> = BTreeMap::new();
    let mut errors: BTreeMap<String, usize> = ["recall_miss", "invalid_sql", "exec_error", "wrong_result", "unsupported"].iter().map(|k| (k.to_string(), 0)).collect();
    for i in &scored {
        let t = by_type.entry(i.kind.clone().unwrap_or_else(|| i.class.clone())).or_default();
        t.n += 1;
        t.correct += usize::from(i.correct);
        if let Some(e) = &i.error {
            let key = e.split(':').next().unwrap_or("").to_string();
            if let Some(c) = errors.get_mut(&key) {
                *c += 1;
            }
        }
    }
    let ms: Vec<f64> = scored.iter().map(|i| i.ms).collect();
    let strict: Vec<bool> = scored.iter().filter_map(|i| i.strict).collect();
    EvalReport {
        n: items.len(),
        scored: scored.len(),
        gold_errors: items.len() - scored.len(),
        ex_accuracy: ratio(exec.iter().filter(|i| i.correct).count(), exec.len()),
        answer_accuracy: ratio(ans.iter().filter(|i| i.correct).count(), ans.len()),
        valid_sql_rate: ratio(scored.iter().filter(|i| i.valid_sql).count(), scored.len()),
        recall_strict: ratio(strict.iter().filter(|&&b| b).count(), strict.len()),
        avg_columns: if scored.is_empty() { 0.0 } else { scored.iter().map(|i| i.ncols as f64).sum::<f64>() / scored.len() as f64 },
        p50_ms: percentile(&ms, 0.5),
        p95_ms: percentile(&ms, 0.95),
        by_type,
        errors,
        model,
        items,
    }
}

/// Items whose correctness differs between two reports (matched by id or question).
pub fn compare(a: &Json, b: &Json) -> Vec<(String, bool, bool)> {
    let key = |i: &Json| i["id"].as_str().map(str::to_string).unwrap_or_else(|| i["question"].as_str().unwrap_or("").to_string());
    let empty = Vec::new();
    let bmap: BTreeMap<String, bool> = b["items"].as_array().unwrap_or(&empty).iter().map(|i| (key(i), i["correct"].as_bool().unwrap_or(false))).collect();
    a["items"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter_map(|i| {
            let k = key(i);
            let ca = i["correct"].as_bool().unwrap_or(false);
            let cb = *bmap.get(&k)?;
            (ca != cb).then_some((k, ca, cb))
        })
        .collect()
}

