//! Edit-distance matching of question words against column names and aliases.
//! Catches near-misses (「负债总金额」→ 负债合计 is left to BM25; 「营业收人」→ 营业收入
//! is caught here) and serves as the lexical gate for dense hits.

/// Similarity of a question word to a name, in [0, 1].
pub fn similarity(word: &str, name: &str) -> f32 {
    if word == name {
        return 1.0;
    }
    let (lw, ln) = (word.chars().count() as f32, name.chars().count() as f32);
    let lev = strsim::normalized_levenshtein(word, name) as f32;
    // Containment is strong evidence for Chinese compounds (「研发」 in 「研发费用」).
    let contain = if lw >= 2.0 && name.contains(word) {
        0.5 + 0.45 * lw / ln
    } else if ln >= 2.0 && word.contains(name) {
        0.5 + 0.45 * ln / lw
    } else {
        0.0
    };
    lev.max(contain)
}

/// Best similarity of `word` to a column's name or any alias.
pub fn best_similarity(word: &str, name: &str, aliases: &[String]) -> f32 {
    aliases.iter().map(|a| similarity(word, a)).fold(similarity(word, name), f32::max)
}
