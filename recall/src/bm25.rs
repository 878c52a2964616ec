//! BM25 over column docs (name + aliases + description), tokenized as jieba words
//! plus character bigrams so partial overlaps (「负债总金额」 vs 「负债合计」) still score.

use std::collections::HashMap;

pub struct Bm25 {
    docs: Vec<HashMap<String, f32>>,
    lengths: Vec<f32>,
    avg_len: f32,
    idf: HashMap<String, f32>,
    k1: f32,
    b: f32,
}

/// Character bigrams of the CJK/alphanumeric runs of `s`.
pub fn bigrams(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().filter(|c| c.is_alphanumeric()).collect();
    chars.windows(2).map(|w| w.iter().collect()).collect()
}

impl Bm25 {
    pub fn new(docs: Vec<Vec<String>>) -> Bm25 {
        let n = docs.len().max(1) as f32;
        let mut df: HashMap<String, f32> = HashMap::new();
        let mut tf_docs = Vec::with_capacity(docs.len());
        let mut lengths = Vec::with_capacity(docs.len());
        for d in docs {
            let mut tf: HashMap<String, f32> = HashMap::new();
            for t in &d {
                *tf.entry(t.clone()).or_default() += 1.0;
            }
            for t in tf.keys() {
                *df.entry(t.clone()).or_default() += 1.0;
            }
            lengths.push(d.len() as f32);
            tf_docs.push(tf);
        }
        let avg_len = lengths.iter().sum::<f32>() / n;
        let idf = df.into_iter().map(|(t, f)| (t, ((n - f + 0.5) / (f + 0.5) + 1.0).ln())).collect();
        Bm25 { docs: tf_docs, lengths, avg_len, idf, k1: 1.2, b: 0.75 }
    }

    /// Raw BM25 score of every doc for the query terms.
    pub fn scores(&self, query: &[String]) -> Vec<f32> {
        self.docs
            .iter()
            .zip(&self.lengths)
            .map(|(tf, &len)| {
                query
                    .iter()
                    .filter_map(|t| {
                        let f = *tf.get(t)?;
                        let idf = *self.idf.get(t)?;
                        Some(idf * f * (self.k1 + 1.0) / (f + self.k1 * (1.0 - self.b + self.b * len / self.avg_len)))
                    })
                    .sum()
            })
            .collect()
    }
}
