//! Prompt-lookup drafts for speculative decoding. SQL copies most of its tokens from
//! the prompt (column names, company names, years): when the last few tokens of the
//! text so far occurred before, the tokens that followed them then are a cheap guess
//! at what comes next. The model checks a whole guess in one batched step
//! (`generate`), so a right guess costs about one token's weight reads.

/// Longest and shortest suffix matched against earlier text.
const MAX_NGRAM: usize = 3;
const MIN_NGRAM: usize = 2;

/// Up to `max` tokens that followed the most recent earlier occurrence of the last
/// n tokens of `context` (n from `MAX_NGRAM` down to `MIN_NGRAM`); empty when none.
pub fn lookup(context: &[u32], max: usize) -> Vec<u32> {
    if max == 0 {
        return Vec::new();
    }
    for n in (MIN_NGRAM..=MAX_NGRAM).rev() {
        if context.len() <= n {
            continue;
        }
        let tail = &context[context.len() - n..];
        // Most recent first: the newest copy is the likeliest to continue alike.
        let found = (0..context.len() - n).rev().find(|&i| &context[i..i + n] == tail);
        if let Some(i) = found {
            let from = i + n;
            let to = (from + max).min(context.len());
            if from < to {
                return context[from..to].to_vec();
            }
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_copy_what_followed_the_latest_earlier_match() {
        // ... 1 2 3 [7 8 9] ... 1 2 3 [5 6] ... 2 3 -> 5 6 (most recent copy wins)
        let ctx = [1, 2, 3, 7, 8, 9, 4, 1, 2, 3, 5, 6, 0, 2, 3];
        assert_eq!(lookup(&ctx, 2), vec![5, 6]);
        assert_eq!(lookup(&ctx, 8), vec![5, 6, 0, 2, 3]);
        assert_eq!(lookup(&ctx, 0), Vec::<u32>::new());
        // A 3-gram match is preferred over a later 2-gram one.
        let ctx = [1, 2, 3, 7, 9, 2, 3, 8, 1, 2, 3];
        assert_eq!(lookup(&ctx, 1), vec![7]);
        assert!(lookup(&[1, 2, 3, 4], 4).is_empty(), "no repeated suffix, no draft");
        assert!(lookup(&[5], 4).is_empty());
    }
}
