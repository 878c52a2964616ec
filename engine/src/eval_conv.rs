//! Conversations in the harness: each turn is completed by a `Session` and scored
//! like a single question against its gold SQL; the gold `standalone` wording of
//! the same turn is also asked alone, so turn-level accuracy can be set against the
//! single-question accuracy on the same questions.

use crate::answer::Engine;
use crate::eval::{evaluate_item_with, ratio, summarize, EvalItem, EvalItemReport, EvalReport};
use crate::session::{FollowUp, Session};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
pub struct Turn {
    pub question: String,
    pub sql: String,
    /// The follow-up kind (`standalone`, `year`, `company`, …).
    pub kind: String,
    /// The complete question the turn means.
    pub standalone: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Conversation {
    pub id: String,
    pub turns: Vec<Turn>,
}

/// Whether a set file holds conversations (its first item has `turns`).
pub fn is_conversation_set(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.lines().find(|l| !l.trim().is_empty()).map(|l| l.to_string()))
        .and_then(|l| serde_json::from_str::<serde_json::Value>(&l).ok())
        .is_some_and(|v| v.get("turns").is_some())
}

pub fn load_conversations(path: &Path) -> Result<Vec<Conversation>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let c: Conversation = serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        if c.turns.is_empty() {
            return Err(format!("{}:{}: conversation {} has no turns", path.display(), i + 1, c.id));
        }
        out.push(c);
    }
    if out.is_empty() {
        return Err(format!("{}: no conversations", path.display()));
    }
    Ok(out)
}

/// Every question text of a set file, single questions or conversations (each turn
/// as typed and as its standalone wording): what training must never contain.
pub fn set_questions(path: &Path) -> Result<Vec<String>, String> {
    if is_conversation_set(path) {
        Ok(load_conversations(path)?.into_iter().flat_map(|c| c.turns).flat_map(|t| [t.question, t.standalone]).collect())
    } else {
        Ok(crate::eval::load_set(path)?.into_iter().map(|i| i.question).collect())
    }
}

#[derive(Debug, Serialize)]
pub struct TurnReport {
    pub conversation: String,
    pub turn: usize,
    /// The gold follow-up kind.
    pub kind: String,
    /// What the session completed the turn into, and which rule it took.
    pub understood: String,
    pub follow_up: FollowUp,
    /// The gold standalone wording asked alone: correct?
    pub single_correct: bool,
    #[serde(flatten)]
    pub item: EvalItemReport,
}

#[derive(Debug, Serialize, Default)]
pub struct KindStat {
    pub n: usize,
    pub correct: usize,
    pub answer_correct: usize,
    pub single_correct: usize,
    /// Turns whose rule was the gold kind.
    pub rule_match: usize,
}

#[derive(Debug, Serialize)]
pub struct ConversationReport {
    pub conversations: usize,
    pub turns: usize,
    /// Turn-level execution match (the turn's SQL against its gold).
    pub turn_accuracy: Option<f64>,
    pub turn_answer_accuracy: Option<f64>,
    /// Conversations whose every turn matched.
    pub conversation_accuracy: Option<f64>,
    /// The same turns' gold standalone wording asked alone.
    pub single_accuracy: Option<f64>,
    /// turn_accuracy / single_accuracy.
    pub turn_vs_single: Option<f64>,
    pub by_kind: BTreeMap<String, KindStat>,
    /// The per-turn items summarized like a single-question set.
    pub summary: EvalReport,
    pub items: Vec<TurnReport>,
}

fn turn_item(c: &Conversation, i: usize, question: &str) -> EvalItem {
    let t = &c.turns[i];
    EvalItem { id: Some(format!("{}#{}", c.id, i + 1)), question: question.to_string(), sql: Some(t.sql.clone()), answer_type: Some(t.kind.clone()), ..EvalItem::default() }
}

pub fn evaluate_conversations(engine: &Engine, convs: &[Conversation], progress: bool, model: serde_json::Value) -> ConversationReport {
    let total: usize = convs.iter().map(|c| c.turns.len()).sum();
    let bar = if progress { indicatif::ProgressBar::new(total as u64) } else { indicatif::ProgressBar::hidden() };
    let mut items: Vec<TurnReport> = Vec::new();
    for c in convs {
        let mut session = Session::new();
        for (i, t) in c.turns.iter().enumerate() {
            let understood = session.understand(&t.question, &engine.recaller);
            let (asked, follow_up) = match &understood {
                Ok(u) => (u.question.clone(), u.follow_up),
                Err(_) => (t.question.clone(), FollowUp::Standalone),
            };
            let mut recall = None;
            let item = evaluate_item_with(engine, &turn_item(c, i, &t.question), |_| {
                let a = engine.answer(&asked);
                if let Ok(a) = &a {
                    recall = Some(a.recall.clone());
                }
                a
            });
            if let Some(r) = recall {
                session.record(&asked, r);
            }
            // The standalone wording alone; the same text needs no second run.
            let single_correct = if asked == t.standalone { item.correct } else { evaluate_item_with(engine, &turn_item(c, i, &t.standalone), |q| engine.answer(q)).correct };
            items.push(TurnReport { conversation: c.id.clone(), turn: i + 1, kind: t.kind.clone(), understood: asked, follow_up, single_correct, item });
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let mut by_kind: BTreeMap<String, KindStat> = BTreeMap::new();
    for t in &items {
        let k = by_kind.entry(t.kind.clone()).or_default();
        k.n += 1;
        k.correct += usize::from(t.item.correct);
        k.answer_correct += usize::from(t.item.answer_correct);
        k.single_correct += usize::from(t.single_correct);
        k.rule_match += usize::from(t.follow_up.as_str() == t.kind);
    }
    let correct = items.iter().filter(|t| t.item.correct).count();
    let single = items.iter().filter(|t| t.single_correct).count();
    let whole = convs.iter().filter(|c| items.iter().filter(|t| t.conversation == c.id).all(|t| t.item.correct)).count();
    ConversationReport {
        conversations: convs.len(),
        turns: items.len(),
        turn_accuracy: ratio(correct, items.len()),
        turn_answer_accuracy: ratio(items.iter().filter(|t| t.item.answer_correct).count(), items.len()),
        conversation_accuracy: ratio(whole, convs.len()),
        single_accuracy: ratio(single, items.len()),
        turn_vs_single: ratio(correct, single),
        by_kind,
        summary: {
            let mut s = summarize(items.iter().map(|t| t.item.clone()).collect(), model);
            s.items.clear(); // they are in `items`, with their turns
            s
        },
        items,
    }
}
