//! Supervised fine-tuning data: each example's input is exactly the serving prompt
//! built from real recall output, so training and serving never drift apart.

use crate::eval::EvalItem;
use crate::prompt::{build_prompt, REFUSAL_MARKER};
use catalog::Catalog;
use guard::{Executor, SqlGuard};
use recall::Recaller;
use serde::Serialize;
use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

/// What `export_sft` wrote.
#[derive(Debug, Default, Serialize)]
pub struct SftReport {
    pub examples: usize,
    pub sql_examples: usize,
    pub refusal_examples: usize,
    pub dropped_recall_error: usize,
    pub dropped_gold_failed: usize,
    pub unanswerable_seen: usize,
    /// Questions dropped because they appear in an evaluation list.
    pub dropped_eval_overlap: usize,
    /// Gold queries whose column was swapped for the near-twin the question names.
    pub gold_twin_fixes: usize,
}

/// Questions compared for leakage: whitespace removed.
pub fn normalize_question(q: &str) -> String {
    q.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Pairs of columns where one name is the other with characters inserted
/// (营业成本 / 营业总成本). Annotators slip between such twins; the question's
/// literal wording is the better label.
pub struct ColumnTwins {
    pairs: Vec<(String, String)>,
}

fn is_subsequence(short: &str, long: &str) -> bool {
    let mut it = long.chars();
    short.chars().all(|c| it.any(|l| l == c))
}

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Byte offsets of `name` standing alone (not part of a longer identifier or word).
fn standalone(text: &str, name: &str) -> Vec<usize> {
    text.match_indices(name)
        .filter(|(i, _)| {
            let before = text[..*i].chars().next_back();
            let after = text[i + name.len()..].chars().next();
            !before.is_some_and(is_name_char) && !after.is_some_and(is_name_char)
        })
        .map(|(i, _)| i)
        .collect()
}

/// Occurrences of `name` in a question that are not inside an occurrence of `longer`.
fn mentions_outside(question: &str, name: &str, longer: &str) -> bool {
    let covered: Vec<(usize, usize)> = question.match_indices(longer).map(|(i, s)| (i, i + s.len())).collect();
    question
        .match_indices(name)
        .any(|(i, s)| !covered.iter().any(|&(a, b)| i >= a && i + s.len() <= b))
}

impl ColumnTwins {
    pub fn from_catalog(catalog: &Catalog) -> ColumnTwins {
        let names: Vec<&str> = catalog.query_columns().iter().map(|c| c.name.as_str()).collect();
        let mut pairs = Vec::new();
        for a in &names {
            for b in &names {
                let (na, nb) = (a.chars().count(), b.chars().count());
                if na >= 3 && nb > na && nb - na <= 2 && is_subsequence(a, b) {
                    pairs.push((a.to_string(), b.to_string()));
                }
            }
        }
        ColumnTwins { pairs }
    }

    /// The gold SQL with a twin column replaced by the one the question names
    /// literally, when the question names only that one and the SQL uses only
    /// the other. `None` when nothing applies.
    pub fn fix(&self, question: &str, sql: &str) -> Option<String> {
        let mut out = sql.to_string();
        let mut changed = false;
        for (short, long) in &self.pairs {
            let asks_long = question.contains(long.as_str());
            let asks_short = mentions_outside(question, short, long);
            let (from, to) = match (asks_short, asks_long) {
                (false, true) => (short, long),
                (true, false) => (long, short),
                _ => continue,
            };
            if standalone(&out, to).is_empty() && !standalone(&out, from).is_empty() {
                for i in standalone(&out, from).into_iter().rev() {
                    out.replace_range(i..i + from.len(), to);
                }
                changed = true;
            }
        }
        changed.then_some(out)
    }
}

/// Training examples: the target is the gold SQL when it passes the guard and
/// executes, or the refusal marker when the gold needs columns the database does
/// not have (kept to about `max_refusal_share` of the data).
#[allow(clippy::too_many_arguments)]
pub fn export_sft(
    catalog: &Catalog,
    recaller: &Recaller,
    guard: &SqlGuard,
    executor: &Executor,
    items: &[EvalItem],
    exclude: &HashSet<String>,
    out: &Path,
    chatml: bool,
    max_refusal_share: f64,
) -> Result<SftReport, String> {
    let twins = ColumnTwins::from_catalog(catalog);
    let mut rep = SftReport::default();
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut refusals: Vec<(String, String, String)> = Vec::new();
    for item in items {
        let Some(gold) = &item.sql else { continue };
        if exclude.contains(&normalize_question(&item.question)) {
            rep.dropped_eval_overlap += 1;
            continue;
        }
        let Ok(r) = recaller.recall(&item.question) else {
            rep.dropped_recall_error += 1;
            continue;
        };
        let p = build_prompt(&r, catalog);
        if gold.trim() == REFUSAL_MARKER {
            rep.unanswerable_seen += 1;
            refusals.push((p.system, p.user, REFUSAL_MARKER.to_string()));
            continue;
        }
        let fixed = twins.fix(&item.question, gold);
        let sql = fixed.as_deref().unwrap_or(gold);
        match guard.check(sql) {
            Ok(c) if executor.run(&c).is_ok() => {
                rep.gold_twin_fixes += usize::from(fixed.is_some());
                rows.push((p.system, p.user, c.sql.clone()));
            }
            Err(guard::GuardError::UnknownColumn { .. }) => {
                rep.unanswerable_seen += 1;
                refusals.push((p.system, p.user, REFUSAL_MARKER.to_string()));
            }
            _ => rep.dropped_gold_failed += 1,
        }
    }
    // Spread the kept refusals evenly over those seen.
    let cap = ((rows.len() as f64) * max_refusal_share / (1.0 - max_refusal_share)).floor() as usize;
    let step = (refusals.len() as f64 / cap.max(1) as f64).max(1.0);
    let kept: Vec<_> = (0..cap.min(refusals.len())).map(|k| refusals[(k as f64 * step) as usize].clone()).collect();
    rep.sql_examples = rows.len();
    rep.refusal_examples = kept.len();
    let mut f = std::io::BufWriter::new(std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?);
    for (system, user, target) in rows.into_iter().chain(kept) {
        let line = if chatml {
            serde_json::json!({"messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
                {"role": "assistant", "content": target}]})
        } else {
            serde_json::json!({"instruction": system, "input": user, "output": target})
        };
        writeln!(f, "{line}").map_err(|e| e.to_string())?;
        rep.examples += 1;
    }
    f.flush().map_err(|e| e.to_string())?;
    Ok(rep)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn twins() -> ColumnTwins {
        ColumnTwins { pairs: vec![("营业成本".into(), "营业总成本".into()), ("营业收入".into(), "营业总收入".into())] }
    }

    #[test]
    fn question_wording_wins_over_a_twin_slip() {
        let t = twins();
        let q = "2019年哪5家在天津注册的上市公司，营业总成本最高？金额是？";
        let sql = "select 公司名称, 营业成本 from big where 年份 = '2019年' order by 营业成本 desc limit 5";
        assert_eq!(
            t.fix(q, sql).as_deref(),
            Some("select 公司名称, 营业总成本 from big where 年份 = '2019年' order by 营业总成本 desc limit 5")
        );
        // The other direction: the question names the short twin only.
        let q2 = "2021年A公司的营业收入是多少？";
        assert_eq!(t.fix(q2, "select 营业总收入 from big").as_deref(), Some("select 营业收入 from big"));
    }

    #[test]
    fn no_fix_when_the_question_names_both_or_the_sql_is_consistent() {
        let t = twins();
        assert_eq!(t.fix("营业成本和营业总成本分别是多少", "select 营业成本 from big"), None);
        assert_eq!(t.fix("营业总成本是多少", "select 营业总成本 from big"), None);
        // 营业成本率 is a different word; 营业成本 inside it is not a standalone column.
        assert_eq!(t.fix("营业总成本是多少", "select 营业成本率 from big"), None);
    }

    #[test]
    fn twins_come_from_the_real_catalog() {
        let root = catalog::repo_root();
        let c = Catalog::load(&root.join("datasets/finglm/finglm.sqlite"), &root.join("schemas/finglm.toml")).unwrap();
        let t = ColumnTwins::from_catalog(&c);
        assert!(t.pairs.iter().any(|(a, b)| a == "营业成本" && b == "营业总成本"), "{:?}", t.pairs);
    }
}
