//! jieba with a user dictionary of our domain terms, so 「贵州茅台」「营业收入」
//! 「研发费用」 come out as single words, and a stopword filter.

use jieba_rs::Jieba;
use std::collections::HashSet;

pub struct Segmenter {
    jieba: Jieba,
    stopwords: HashSet<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    /// Char offset in the question.
    pub start: usize,
}

impl Segmenter {
    /// `terms`: column names, aliases, company names — kept whole by jieba.
    pub fn new<'a>(terms: impl IntoIterator<Item = &'a str>, stopwords: HashSet<String>) -> Segmenter {
        let mut jieba = Jieba::new();
        for t in terms {
            if t.chars().count() >= 2 {
                // A high frequency makes the dictionary path prefer the whole term.
                jieba.add_word(t, Some(100_000), None);
            }
        }
        Segmenter { jieba, stopwords }
    }

    pub fn load_stopwords(path: &std::path::Path) -> std::io::Result<HashSet<String>> {
        let text = std::fs::read_to_string(path)?;
        Ok(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect())
    }

    pub fn is_stopword(&self, w: &str) -> bool {
        self.stopwords.contains(w)
    }

    /// Words worth matching: no stopwords, no punctuation, 2+ chars or a meaningful single char.
    pub fn words(&self, question: &str) -> Vec<Word> {
        self.jieba
            .cut(question, true)
            .into_iter()
            .filter(|t| {
                let w = t.word.trim();
                !w.is_empty()
                    && !self.stopwords.contains(w)
                    && w.chars().any(|c| c.is_alphanumeric())
                    && (w.chars().count() >= 2 || is_meaningful_single(w))
            })
            .map(|t| Word { text: t.word.trim().to_string(), start: t.start })
            .collect()
    }
}

/// Single characters that still point at a column or an operation.
fn is_meaningful_single(w: &str) -> bool {
    matches!(w, "税" | "薪" | "股" | "债" | "利" | "费" | "息")
}
