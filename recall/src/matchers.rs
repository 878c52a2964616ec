//! The column matchers that read the question's remaining words (those no entity or
//! exact name took), behind one trait: each turns words into scored hits per column,
//! and fusion (`Recaller::recall`) weighs them and combines them per column. The exact
//! matcher (`ExactMatcher`) runs before them: its spans decide which words they see,
//! and its hits pin columns instead of scoring them.

use crate::bm25::{bigrams, Bm25};
use crate::dense::{self, DenseMatcher};
use crate::fusion::FusionConfig;
use crate::lexical::best_similarity;
use crate::segment::Word;
use crate::{MatchPath, RecallError};

/// A column of the query table as the matchers see it.
pub(crate) struct ColumnEntry {
    pub name: String,
    pub sql_type: String,
    pub aliases: Vec<String>,
    pub unit: String,
}

/// One column's score from one matcher, in [0, 1], and the word(s) behind it.
pub(crate) struct ColumnHit {
    pub column: usize,
    pub score: f32,
    pub word: String,
}

/// How a matcher's weighted hits join a column's fused score.
#[derive(Clone, Copy)]
pub(crate) enum Combine {
    /// The larger of the two (near-miss names: one good match is enough).
    Max,
    /// The sum (dense and BM25 reinforce what others found).
    Add,
}

pub(crate) trait WordMatcher {
    fn path(&self) -> MatchPath;
    fn combine(&self) -> Combine;
    fn weight(&self, cfg: &FusionConfig) -> f32;
    fn hits(&self, words: &[Word], cfg: &FusionConfig) -> Result<Vec<ColumnHit>, RecallError>;
}

/// Edit distance of each word to each column's name and aliases.
pub(crate) struct Lexical<'a>(pub &'a [ColumnEntry]);

impl Lexical<'_> {
    /// Words that look like some column's name (similarity ≥ 0.5): not a company mention.
    pub fn explained(&self, words: &[Word]) -> Vec<bool> {
        self.explained_at(words, |_| 0.5)
    }

    /// `explained` where a two-character word needs both characters right: one of two
    /// (「保利」 against 毛利, 「华润」 against 利润) is as much a company's short form as a
    /// column's, so such a word may still be read as a short form.
    pub fn explained_strictly(&self, words: &[Word]) -> Vec<bool> {
        self.explained_at(words, |w| if w.text.chars().count() <= 2 { 1.0 } else { 0.5 })
    }

    fn explained_at(&self, words: &[Word], min: impl Fn(&Word) -> f32) -> Vec<bool> {
        words.iter().map(|w| self.0.iter().any(|c| best_similarity(&w.text, &c.name, &c.aliases) >= min(w))).collect()
    }
}

impl WordMatcher for Lexical<'_> {
    fn path(&self) -> MatchPath {
        MatchPath::Lexical
    }
    fn combine(&self) -> Combine {
        Combine::Max
    }
    fn weight(&self, cfg: &FusionConfig) -> f32 {
        cfg.w_lexical
    }
    fn hits(&self, words: &[Word], cfg: &FusionConfig) -> Result<Vec<ColumnHit>, RecallError> {
        let mut hits = Vec::new();
        for w in words {
            for (i, c) in self.0.iter().enumerate() {
                let s = best_similarity(&w.text, &c.name, &c.aliases);
                if s >= cfg.lexical_min {
                    hits.push(ColumnHit { column: i, score: s, word: w.text.clone() });
                }
            }
        }
        Ok(hits)
    }
}

/// Each word's nearest columns by m3e cosine, gated by edit distance; the best word per column counts.
pub(crate) struct DenseWords<'a> {
    pub dense: &'a DenseMatcher,
    pub columns: &'a [ColumnEntry],
}

impl WordMatcher for DenseWords<'_> {
    fn path(&self) -> MatchPath {
        MatchPath::Dense
    }
    fn combine(&self) -> Combine {
        Combine::Add
    }
    fn weight(&self, cfg: &FusionConfig) -> f32 {
        // Cosine is in [0, 1] for these unit vectors and weighted as is, so a
        // confident hit (w_dense · cos ≥ min_score) can keep a column on its own.
        cfg.w_dense
    }
    fn hits(&self, words: &[Word], cfg: &FusionConfig) -> Result<Vec<ColumnHit>, RecallError> {
        let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
        let all = self.dense.column_scores(&texts)?;
        let mut best: Vec<Option<(f32, usize)>> = vec![None; self.columns.len()];
        for (wi, scores) in all.iter().enumerate() {
            for (i, cos) in dense::top_k_of(scores, cfg.dense_top_k) {
                if cos < cfg.dense_min {
                    break;
                }
                let c = &self.columns[i];
                // Embeddings put 营业收入 near 营业成本 and every 费用 near every
                // other: a hit must also look like the column's name or an alias,
                // unless the model is very sure.
                if cfg.dense_gate && cos < cfg.gate_cos_bypass && best_similarity(&words[wi].text, &c.name, &c.aliases) < cfg.gate_lexical_min {
                    continue;
                }
                if best[i].is_none_or(|(b, _)| cos > b) {
                    best[i] = Some((cos, wi));
                }
            }
        }
        Ok(best
            .into_iter()
            .enumerate()
            .filter_map(|(i, b)| b.map(|(cos, wi)| ColumnHit { column: i, score: cos, word: words[wi].text.clone() }))
            .collect())
    }
}

/// BM25 over the column docs with the words and their bigrams, normalized by the best column.
impl WordMatcher for Bm25 {
    fn path(&self) -> MatchPath {
        MatchPath::Bm25
    }
    fn combine(&self) -> Combine {
        Combine::Add
    }
    fn weight(&self, cfg: &FusionConfig) -> f32 {
        cfg.w_bm25
    }
    fn hits(&self, words: &[Word], _cfg: &FusionConfig) -> Result<Vec<ColumnHit>, RecallError> {
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut terms: Vec<String> = Vec::new();
        for w in words {
            terms.push(w.text.clone());
            terms.extend(bigrams(&w.text));
        }
        let raw = self.scores(&terms);
        let max = raw.iter().copied().fold(0f32, f32::max);
        if max <= 0.0 {
            return Ok(Vec::new());
        }
        let joined = words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
        Ok(raw
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i, r / max))
            .filter(|&(_, s)| s > 0.3)
            .map(|(i, s)| ColumnHit { column: i, score: s, word: joined.clone() })
            .collect())
    }
}
