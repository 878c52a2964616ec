//! Column recall: from a Chinese question to the few columns and entities the
//! model needs, each with the evidence that put it there.
//!
//! Data flows one way: `Segmenter` (jieba + stopwords) → matchers (`exact` spans of
//! names/aliases/metrics, `lexical` edit distance, `bm25`, `dense` embeddings gated
//! by edit distance) →
//! `fusion` → mandatory columns → `RecallResult`, with `entities` linked alongside.

pub mod amounts;
pub mod bm25;
pub mod dense;
pub mod entities;
pub mod exact;
pub mod fusion;
pub mod intent;
pub mod lexical;
mod matchers;
pub mod segment;
pub mod synonyms;

pub use dense::{DenseError, DenseMatcher, Embedder};
pub use amounts::{find_amounts, number_literal, Amount, AmountKind, Comparison};
pub use entities::{AddressKind, AmbiguousCompany, CompanyMatch, Entities, EntityLinker, LinkedBy, NameRules, PlaceFilter, UnknownCompany};
pub use intent::{Aggregate, CompareKind, Intent, Order};
pub use fusion::{FusionConfig, Recaller};
pub use synonyms::Metric;

use serde::Serialize;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RecallError {
    #[error("问题为空 (empty question)")]
    Empty,
    #[error("问题过长：{len} 个字符，上限 {max} (question too long)")]
    TooLong { len: usize, max: usize },
    #[error("问题中没有可识别的中文内容 (no Chinese text to work with): {0:?}")]
    NotChinese(String),
    #[error("recall set-up failed: {0}")]
    Setup(String),
    #[error("dense recall: {0}")]
    Dense(#[from] DenseError),
}

/// Which matcher produced a piece of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchPath {
    /// The column name appears verbatim in the question.
    Name,
    /// One of the column's aliases appears verbatim.
    Alias,
    /// A derived metric (资产负债率…) named in the question needs this column.
    Metric,
    /// A question word is close to the name/alias by edit distance.
    Lexical,
    /// BM25 over the column docs.
    Bm25,
    /// Cosine of the word's m3e embedding with the column doc's.
    Dense,
    /// Nothing else matched: cosine of the whole clause (the question without its
    /// company and year) with the column doc's. A guess, shown as one.
    DenseClause,
    /// A value in the question (a city name) points at the column holding it.
    Value,
    /// Head counts come with the staff total, which ratios and shares need.
    Companion,
    /// Always present (company, code, short name, year).
    Mandatory,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub word: String,
    pub path: MatchPath,
    pub score: f32,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecalledColumn {
    pub name: String,
    pub sql_type: String,
    pub score: f32,
    pub mandatory: bool,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecallResult {
    pub question: String,
    /// Question words after stopword removal.
    pub words: Vec<String>,
    /// Content columns first (best first), then the mandatory ones.
    pub columns: Vec<RecalledColumn>,
    pub entities: Entities,
    /// Metrics (资产负债率…) the question names, with their formulas.
    pub metrics: Vec<Metric>,
    /// What the question asks to be done with the values.
    pub intent: Intent,
    pub elapsed_us: u64,
}

impl RecallResult {
    pub fn column_names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }
    pub fn contains(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c.name == column)
    }
}

/// Validate the question's shape before any matcher sees it.
pub fn check_question(q: &str, max_chars: usize) -> Result<&str, RecallError> {
    let q = q.trim();
    if q.is_empty() {
        return Err(RecallError::Empty);
    }
    let len = q.chars().count();
    if len > max_chars {
        return Err(RecallError::TooLong { len, max: max_chars });
    }
    if !q.chars().any(is_cjk) {
        return Err(RecallError::NotChinese(q.chars().take(40).collect()));
    }
    Ok(q)
}

pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}')
}
