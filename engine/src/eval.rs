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

#[derive(Debug, Clone, Default, Deserialize)]
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
    /// For questions with no answer in the database: what the engine must do instead.
    #[serde(default)]
    pub outcome: Option<Outcome>,
}

/// The expected behaviour for a question the database cannot answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Declined (unsupported, or a refusal before generation).
    Refuse,
    /// 「未找到公司」.
    UnknownCompany,
    /// The mention fits several companies: the candidates are listed.
    AmbiguousCompany,
}

pub fn load_set(path: &Path) -> Result<Vec<EvalItem>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut items = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let item: EvalItem = serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        if item.sql.is_none() && item.expected.is_none() && item.outcome.is_none() {
            return Err(format!("{}:{}: item has none of `sql`, `expected`, `outcome`", path.display(), i + 1));
        }
        items.push(item);
    }
    if items.is_empty() {
        return Err(format!("{}: no items", path.display()));
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

/// Whether `token` (like `5.73%` or `贵州茅台`) appears in the sentence on its own:
/// not inside a longer number, and a number not preceded by a minus sign.
pub fn sentence_has(sentence: &str, token: &str) -> bool {
    let numeric = token.trim_start_matches('-').starts_with(|c: char| c.is_ascii_digit());
    if !numeric {
        return !token.is_empty() && sentence.contains(token);
    }
    sentence.match_indices(token).any(|(i, _)| {
        let before = sentence[..i].chars().next_back();
        let rest = &sentence[i + token.len()..];
        let longer_before = before.is_some_and(|c| c.is_ascii_digit() || c == '.' || c == ',');
        let minus_before = before == Some('-') && !token.starts_with('-');
        let longer_after = !token.ends_with('%')
            && (rest.starts_with(|c: char| c.is_ascii_digit()) || (rest.starts_with('.') && rest[1..].starts_with(|c: char| c.is_ascii_digit())));
        !longer_before && !minus_before && !longer_after
    })
}

/// Numbers written in a sentence, with 亿/万 and % applied: 「1,234.5亿元」 → 1.2345e11,
/// 「-25.70%」 → -0.257. Each number is also returned as written, for fraction ⇄ ×100.
pub fn sentence_numbers(sentence: &str) -> Vec<f64> {
    let chars: Vec<char> = sentence.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let neg = chars[i] == '-' && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit());
        let start = if neg { i + 1 } else { i };
        if !chars.get(start).is_some_and(|c| c.is_ascii_digit()) || (start > 0 && chars[start - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut j = start;
        let mut text = String::new();
        while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == ',' || (chars[j] == '.' && chars.get(j + 1).is_some_and(|c| c.is_ascii_digit()))) {
            if chars[j] != ',' {
                text.push(chars[j]);
            }
            j += 1;
        }
        if let Ok(mut v) = text.parse::<f64>() {
            if neg {
                v = -v;
            }
            out.push(v);
            match chars.get(j) {
                Some('%') => out.push(v / 100.0),
                Some('亿') => out.push(v * 1e8),
                Some('万') if chars.get(j + 1) == Some(&'亿') => out.push(v * 1e12),
                Some('万') => out.push(v * 1e4),
                _ => {}
            }
        }
        i = j.max(i + 1);
    }
    out
}

fn close_rel(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) || (a == 0.0 && b == 0.0)
}

/// A gold cell among the result's cells: text trimmed-equal, numbers within 1e-4
/// relative, a fraction also as its value ×100 and the reverse.
fn gold_cell_found(gold: &Value, cells: &[&Value]) -> bool {
    match gold {
        Value::Null => true,
        Value::Text(t) => cells.iter().any(|c| matches!(c, Value::Text(x) if x.trim() == t.trim())),
        g => {
            let Some(x) = as_f64(g) else { return false };
            cells.iter().filter(|c| !matches!(c, Value::Text(_))).filter_map(|c| as_f64(c)).any(|v| close_rel(v, x, 1e-4) || close_rel(v, x * 100.0, 1e-4) || close_rel(v * 100.0, x, 1e-4))
        }
    }
}

/// A single gold value stated in the sentence (its numbers, 亿/万/% applied, or the text).
fn gold_in_sentence(gold: &Value, sentence: &str) -> bool {
    match gold {
        Value::Text(t) => sentence_has(sentence, t.trim()),
        Value::Null => false,
        g => {
            let Some(x) = as_f64(g) else { return false };
            // Sentences round to 2 decimals: allow that much on percents and plain values.
            sentence_numbers(sentence).iter().any(|&v| close_rel(v, x, 1e-4) || close_rel(v / 100.0, x, 1e-4) || (x.abs() < 10.0 && ((v / 100.0 - x).abs() <= 0.00005 || (v - x).abs() <= 0.005)))
        }
    }
}

/// Answer match on a gold-SQL item: every non-NULL gold cell among the result's
/// cells (at most 50 of them), or a single gold value in the sentence.
pub fn gold_answer_matches(gold: &QueryResult, pred: Option<&QueryResult>, sentence: &str) -> bool {
    let gold_cells: Vec<&Value> = gold.rows.iter().flatten().filter(|v| !matches!(v, Value::Null)).collect();
    if gold_cells.is_empty() {
        return pred.is_some_and(|p| p.rows.iter().flatten().all(|v| matches!(v, Value::Null)));
    }
    if gold_cells.len() == 1 && gold_in_sentence(gold_cells[0], sentence) {
        return true;
    }
    let Some(pred) = pred else { return false };
    let cells: Vec<&Value> = pred.rows.iter().flatten().collect();
    cells.len() <= 50 && gold_cells.iter().all(|g| gold_cell_found(g, &cells))
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
                        || sentence_has(sentence, s);
                }
            }
            if let Ok(x) = s.parse::<f64>() {
                let d = s.split_once('.').map(|(_, f)| f.len()).unwrap_or(0);
                return cells.iter().filter_map(|c| as_f64(c)).any(|v| (round_to(v, d) - x).abs() < 1e-9);
            }
            if s == "相同" {
                return cells.iter().any(|c| matches!(c, Value::Text(t) if t.trim() == s)) || (sentence.contains("相同") && !sentence.contains("不相同"));
            }
            cells.iter().any(|c| matches!(c, Value::Text(t) if t.trim() == s)) || sentence_has(sentence, s)
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

pub(crate) fn ratio(num: usize, den: usize) -> Option<f64> {
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
    /// Execution match for gold-SQL items; answer match for `expected`; the outcome for `outcome`.
    pub correct: bool,
    /// Answer match (every gold cell among the result's, or a single gold value in the
    /// sentence) for gold-SQL items; the same as `correct` for the other kinds.
    pub answer_correct: bool,
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
    /// Strict: execution match (gold SQL), answer match (`expected`), the outcome.
    pub correct: usize,
    /// Answer match (gold cells among the result's cells, or in the sentence).
    pub answer_correct: usize,
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
    evaluate_item_with(engine, item, |q| engine.answer(q))
}

/// `evaluate_item` with the question answered by `ask` (a conversation's session).
pub fn evaluate_item_with(engine: &Engine, item: &EvalItem, ask: impl FnOnce(&str) -> Result<Answer, Error>) -> EvalItemReport {
    let t0 = std::time::Instant::now();
    let mut rep = EvalItemReport {
        id: item.id.clone(),
        question: item.question.clone(),
        class: String::new(),
        sql: None,
        answer: String::new(),
        rows: Vec::new(),
        correct: false,
        answer_correct: false,
        error: None,
        ms: 0.0,
        kind: item.answer_type.clone(),
        scored: true,
        mode_exec: item.sql.is_some() || item.outcome.is_some(),
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
    let ans: Result<Answer, Error> = ask(&item.question);
    rep.ms = t0.elapsed().as_secs_f64() * 1e3;
    if let Some(outcome) = item.outcome {
        score_outcome(&mut rep, outcome, &ans);
        return rep;
    }
    match ans {
        Err(e) => {
            rep.class = "error".into();
            rep.error = Some(match e {
                Error::UnknownCompany { .. } | Error::AmbiguousCompany { .. } => format!("recall_miss: {e}"),
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
            (rep.correct, rep.answer_correct) = match (&gold, &item.expected, &a.result) {
                (Some((g, ordered, _)), _, r) => {
                    (r.as_ref().is_some_and(|r| results_match(r, g, *ordered)), a.class != crate::QuestionClass::Unsupported && gold_answer_matches(g, r.as_ref(), &a.sentence))
                }
                (None, Some(exp), r) => {
                    let ok = answer_matches(exp, r.as_ref(), &a.sentence);
                    (ok, ok)
                }
                _ => (false, false),
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

/// A question without an answer in the database: right when the engine declines it
/// the expected way.
fn score_outcome(rep: &mut EvalItemReport, outcome: Outcome, ans: &Result<Answer, Error>) {
    let (class, ok, note) = match ans {
        Err(Error::UnknownCompany { .. }) => ("unknown-company", outcome == Outcome::UnknownCompany, String::new()),
        Err(Error::AmbiguousCompany { .. }) => ("ambiguous-company", outcome == Outcome::AmbiguousCompany, String::new()),
        Err(Error::Question(_)) => ("refused", outcome == Outcome::Refuse, String::new()),
        Err(e) => ("error", false, e.to_string()),
        Ok(a) => {
            rep.sql = a.sql.clone();
            rep.answer = a.sentence.clone();
            rep.valid_sql = a.sql.is_some();
            rep.ncols = a.recall.columns.len();
            if let Some(r) = &a.result {
                rep.rows = r.rows.iter().take(20).cloned().collect();
            }
            let declined = a.class == crate::QuestionClass::Unsupported || a.result.is_none();
            (a.class.as_str(), declined && outcome == Outcome::Refuse, String::new())
        }
    };
    rep.class = class.to_string();
    rep.correct = ok;
    rep.answer_correct = ok;
    if !ok {
        rep.error = Some(if note.is_empty() { format!("wrong_outcome: expected {outcome:?}, got {class}") } else { format!("wrong_outcome: {note}") });
    }
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

pub fn summarize(items: Vec<EvalItemReport>, model: serde_json::Value) -> EvalReport {
    let scored: Vec<&EvalItemReport> = items.iter().filter(|i| i.scored).collect();
    let exec: Vec<_> = scored.iter().filter(|i| i.mode_exec).collect();
    // Gold-SQL and outcome items are scored strictly (ex); every item by answer match.
    let ans = &scored;
    let mut by_type: BTreeMap<String, TypeStat> = BTreeMap::new();
    let mut errors: BTreeMap<String, usize> = ["recall_miss", "invalid_sql", "exec_error", "wrong_result", "unsupported", "wrong_outcome"].iter().map(|k| (k.to_string(), 0)).collect();
    for i in &scored {
        let t = by_type.entry(i.kind.clone().unwrap_or_else(|| i.class.clone())).or_default();
        t.n += 1;
        t.correct += usize::from(i.correct);
        t.answer_correct += usize::from(i.answer_correct);
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
        answer_accuracy: ratio(ans.iter().filter(|i| i.answer_correct).count(), ans.len()),
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


#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn result(columns: &[&str], rows: Vec<Vec<Value>>) -> QueryResult {
        QueryResult { columns: columns.iter().map(|c| c.to_string()).collect(), rows, truncated: false, elapsed_ms: 0.0 }
    }

    #[test]
    fn sentence_tokens_are_exact() {
        assert!(sentence_has("增长率为5.73%。", "5.73%"));
        assert!(!sentence_has("增长率为-5.73%。", "5.73%"));
        assert!(!sentence_has("增长率为15.73%。", "5.73%"));
        assert!(sentence_has("增长率为-5.73%。", "-5.73%"));
        assert!(!sentence_has("为1,234.5元", "234.5"));
        assert!(!sentence_has("为12.345元", "12.34"));
        assert!(sentence_has("贵州茅台的法定代表人为丁雄军。", "丁雄军"));
    }

    #[test]
    fn percent_strings_match_cells_and_sentences_without_sign_flips() {
        let r = result(&["x"], vec![vec![Value::Real(-0.257)]]);
        assert!(answer_matches(&json!("-25.70%"), Some(&r), ""));
        assert!(!answer_matches(&json!("25.70%"), Some(&r), "增长率为-25.70%"));
        assert!(answer_matches(&json!("5.73%"), None, "增长率为5.73%"));
        assert!(!answer_matches(&json!("5.73%"), None, "增长率为15.73%"));
    }

    #[test]
    fn gold_cells_among_result_cells() {
        let gold = result(&["公司名称", "营业收入"], vec![vec![Value::Text("甲".into()), Value::Real(100.0)]]);
        // Extra columns are forgiven by answer match …
        let padded = result(&["公司名称", "营业收入", "营业成本"], vec![vec![Value::Text("甲".into()), Value::Real(100.00001), Value::Real(50.0)]]);
        assert!(gold_answer_matches(&gold, Some(&padded), ""));
        assert!(!results_match(&padded, &gold, false));
        // … a missing gold cell is not.
        let other = result(&["公司名称", "营业收入"], vec![vec![Value::Text("乙".into()), Value::Real(100.0)]]);
        assert!(!gold_answer_matches(&gold, Some(&other), ""));
        // A fraction matches its percent and the reverse.
        let frac = result(&["r"], vec![vec![Value::Real(0.3796)]]);
        let pct = result(&["r"], vec![vec![Value::Real(37.96)]]);
        assert!(gold_answer_matches(&frac, Some(&pct), ""));
        assert!(gold_answer_matches(&pct, Some(&frac), ""));
        // More than 50 cells is a shotgun answer.
        let many = result(&["v"], (0..51).map(|i| vec![Value::Real(if i == 0 { 100.0 } else { i as f64 })]).collect());
        let one = result(&["v"], vec![vec![Value::Real(100.0)]]);
        assert!(!gold_answer_matches(&one, Some(&many), ""));
    }

    #[test]
    fn a_single_gold_value_may_be_in_the_sentence() {
        let gold = result(&["g"], vec![vec![Value::Real(0.379612)]]);
        assert!(gold_answer_matches(&gold, None, "比亚迪2021年营业收入增长率为37.96%（…）。"));
        assert!(!gold_answer_matches(&gold, None, "比亚迪2021年营业收入增长率为-37.96%。"));
        let big = result(&["v"], vec![vec![Value::Integer(216_142_395_000)]]);
        assert!(gold_answer_matches(&big, None, "营业收入为216,142,395,000元（约2161.42亿元）。"));
        assert!(!gold_answer_matches(&big, None, "营业收入为116,142,395,000元。"));
        let name = result(&["公司名称"], vec![vec![Value::Text("比亚迪股份有限公司".into())]]);
        assert!(gold_answer_matches(&name, None, "营收更高的是比亚迪股份有限公司。"));
    }

    #[test]
    fn sentence_numbers_apply_units() {
        let v = sentence_numbers("约2,161.42亿元，增长-25.70%，员工5万人");
        assert!(v.iter().any(|x| (x - 216_142_000_000.0).abs() < 1.0));
        assert!(v.iter().any(|x| (x + 0.257).abs() < 1e-12));
        assert!(v.iter().any(|x| (x - 50_000.0).abs() < 1e-9));
    }

    #[test]
    fn outcome_items_load_and_empty_sets_are_refused() {
        let dir = std::env::temp_dir().join(format!("nl2sql-eval-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("set.jsonl");
        std::fs::write(&p, "{\"question\":\"招商2021年净利\",\"outcome\":\"ambiguous_company\"}\n").unwrap();
        assert_eq!(load_set(&p).unwrap()[0].outcome, Some(Outcome::AmbiguousCompany));
        std::fs::write(&p, "\n").unwrap();
        assert!(load_set(&p).is_err());
        std::fs::write(&p, "{\"question\":\"x\"}\n").unwrap();
        assert!(load_set(&p).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
