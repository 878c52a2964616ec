//! Prompt-lookup drafts for speculative decoding. SQL copies most of its tokens from
//! the prompt (column names, company names, years): when the last few tokens of the
//! text so far occurred before, the tokens that followed them then are a cheap guess
//! at what comes next. The model checks a whole guess in one batched step
//! (`generate`), so a right guess costs about one token's weight reads.

/// Longest and shortest suffix matched against earlier text.
pub(crate) const MAX_NGRAM: usize = 3;
const MIN_NGRAM: usize = 2;

/// Up to `max` tokens that followed the most recent earlier occurrence of the last
/// n tokens of `context` (n from `MAX_NGRAM` down to `MIN_NGRAM`); empty when none.
pub fn lookup(context: &[u32], max: usize) -> Vec<u32> {
    lookup_ngram(context, max).map(|(d, _)| d).unwrap_or_default()
}

/// `lookup` with the length n of the suffix that matched.
pub fn lookup_ngram(context: &[u32], max: usize) -> Option<(Vec<u32>, usize)> {
    lookup_ngram_in(context, &[], max)
}

/// `lookup_ngram` that also looks in `reference`, a guess at the output the caller
/// made and never shown to the model (the engine's SQL skeleton from recall). For each
/// n, longest first, the text so far is searched before the reference, so a reference
/// only fills in where the prompt and output have no match of that length.
pub fn lookup_ngram_in(context: &[u32], reference: &[u32], max: usize) -> Option<(Vec<u32>, usize)> {
    if max == 0 {
        return None;
    }
    for n in (MIN_NGRAM..=MAX_NGRAM).rev() {
        if context.len() <= n {
            continue;
        }
        let tail = &context[context.len() - n..];
        // The text so far (not the tail itself), then the reference.
        let found = follows_latest(context, tail, context.len() - n, max)
            .or_else(|| follows_latest(reference, tail, (reference.len() + 1).saturating_sub(n), max));
        if let Some(draft) = found {
            return Some((draft, n));
        }
    }
    None
}

/// Up to `max` tokens after the most recent occurrence of `tail` in `hay` that starts
/// before `starts_before` (the newest copy is the likeliest to continue alike); none
/// when nothing follows it.
fn follows_latest(hay: &[u32], tail: &[u32], starts_before: usize, max: usize) -> Option<Vec<u32>> {
    let n = tail.len();
    let i = (0..starts_before.min((hay.len() + 1).saturating_sub(n))).rev().find(|&i| &hay[i..i + n] == tail)?;
    let (from, to) = (i + n, (i + n + max).min(hay.len()));
    (from < to).then(|| hay[from..to].to_vec())
}

/// How many drafted tokens to verify per step, from what a step costs and how often
/// drafts are kept, both learnt while decoding. Verifying m tokens costs more than
/// one on every CPU, and much more where the matmul is compute-bound at a few rows
/// (AVX2: eight rows take about six times one row's time, AVX-512 VNNI far less), so
/// a fixed length that pays off on one machine loses on another. The length L
/// chosen maximizes expected tokens per second: (1 + Σ_{j≤L} Π_{i≤j} p_i) / c(1 + L),
/// with p_i the rate at which the i-th drafted token is kept once those before it
/// were (per matched n-gram length), and c(m) the measured time of an m-token step.
/// The output never depends on it: every kept token is the model's own greedy pick.
#[derive(Debug, Clone)]
pub struct DraftPolicy {
    /// Seconds per forward step of m tokens (index m), smoothed; 0 where not seen.
    cost: Vec<f64>,
    /// Per matched n-gram length (index n − MIN_NGRAM) and draft position i (0-based):
    /// (tried, kept) with one kept of two as the prior.
    kept: Vec<Vec<(f64, f64)>>,
    /// Steps that drafted nothing though a draft was there, to try one now and then
    /// (so a rate or cost that changed is seen again).
    skipped: usize,
}

/// Weight of a new observation in the smoothed costs and rates.
const LEARN: f64 = 0.1;
/// Until an m-token step has been timed, it is guessed as this fraction more per token.
const PRIOR_EXTRA_PER_TOKEN: f64 = 0.1;
/// A skipped draft is tried (one token) once in this many steps.
const EXPLORE_EVERY: usize = 16;

impl DraftPolicy {
    pub fn new(max: usize) -> DraftPolicy {
        DraftPolicy { cost: vec![0.0; max + 2], kept: vec![vec![(2.0, 1.0); max]; MAX_NGRAM - MIN_NGRAM + 1], skipped: 0 }
    }

    /// The longest draft this policy was made for.
    pub fn max(&self) -> usize {
        self.kept[0].len()
    }

    /// The time of an m-token step: measured, else from the nearest measured size
    /// below it plus the prior extra per token.
    fn step_cost(&self, m: usize) -> f64 {
        let m = m.min(self.cost.len() - 1);
        if self.cost[m] > 0.0 {
            return self.cost[m];
        }
        match (1..m).rev().find(|&j| self.cost[j] > 0.0) {
            Some(j) => self.cost[j] * (1.0 + PRIOR_EXTRA_PER_TOKEN * (m - j) as f64),
            None => 1.0 + PRIOR_EXTRA_PER_TOKEN * (m - 1) as f64,
        }
    }

    /// How many of the `available` drafted tokens (found with an n-gram of length n)
    /// to verify with the next step.
    pub fn length(&mut self, available: usize, n: usize) -> usize {
        let available = available.min(self.max());
        let rates = &self.kept[n.clamp(MIN_NGRAM, MAX_NGRAM) - MIN_NGRAM];
        let (mut best, mut best_rate) = (0, 1.0 / self.step_cost(1));
        let (mut expected, mut chain) = (1.0, 1.0);
        for l in 1..=available {
            let (tried, kept) = rates[l - 1];
            chain *= kept / tried;
            expected += chain;
            let rate = expected / self.step_cost(1 + l);
            if rate > best_rate {
                (best, best_rate) = (l, rate);
            }
        }
        if best == 0 && available > 0 {
            self.skipped += 1;
            if self.skipped.is_multiple_of(EXPLORE_EVERY) {
                return 1;
            }
        }
        best
    }

    /// A step of m tokens took `secs`.
    pub fn record_step(&mut self, m: usize, secs: f64) {
        if m == 0 || m >= self.cost.len() || !secs.is_finite() || secs <= 0.0 {
            return;
        }
        let c = &mut self.cost[m];
        *c = if *c > 0.0 { *c + LEARN * (secs - *c) } else { secs };
    }

    /// Of `drafted` tokens found with an n-gram of length n, the first `kept` were kept.
    pub fn record_draft(&mut self, n: usize, drafted: usize, kept: usize) {
        let rates = &mut self.kept[n.clamp(MIN_NGRAM, MAX_NGRAM) - MIN_NGRAM];
        // Position i was tried when all before it were kept; it was kept when i < kept.
        for (i, (tried, k)) in rates.iter_mut().enumerate().take(drafted.min(kept + 1)) {
            *tried = *tried * (1.0 - LEARN) + 1.0;
            *k = *k * (1.0 - LEARN) + if i < kept { 1.0 } else { 0.0 };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_drafts_long_where_steps_are_cheap_and_drafts_kept() {
        // Cheap extra rows (AVX-512-like) and drafts always kept: the whole draft.
        let mut p = DraftPolicy::new(8);
        for m in 1..=9 {
            p.record_step(m, 0.020 + 0.001 * m as f64);
        }
        for _ in 0..50 {
            p.record_draft(3, 8, 8);
        }
        assert_eq!(p.length(8, 3), 8);
        assert_eq!(p.length(3, 3), 3, "never more than is available");
        // Expensive extra rows (AVX2-like: 8 rows cost 6 times one) and one draft in
        // five kept: no draft, except the occasional probe of one token.
        let mut p = DraftPolicy::new(8);
        for m in 1..=9 {
            p.record_step(m, 0.020 * (1.0 + 0.7 * (m - 1) as f64));
        }
        for _ in 0..50 {
            p.record_draft(2, 8, 0);
        }
        let picks: Vec<usize> = (0..32).map(|_| p.length(8, 2)).collect();
        assert_eq!(picks.iter().filter(|&&l| l == 0).count(), 30, "{picks:?}");
        assert!(picks.iter().all(|&l| l <= 1), "{picks:?}");
        // The same costs with drafts always kept: drafting pays again.
        for _ in 0..50 {
            p.record_draft(2, 8, 8);
        }
        assert!(p.length(8, 2) >= 4);
        // Rates are kept per n-gram length: 3-gram drafts were never seen, so they keep the prior.
        assert!(p.length(8, 3) <= p.length(8, 2));
        // Bad observations are ignored.
        p.record_step(0, 1.0);
        p.record_step(3, f64::NAN);
        p.record_step(99, 1.0);
    }

    #[test]
    fn lookup_reports_the_matched_ngram_length() {
        let ctx = [1, 2, 3, 7, 8, 9, 4, 1, 2, 3];
        assert_eq!(lookup_ngram(&ctx, 2), Some((vec![7, 8], 3)));
        let ctx = [5, 2, 3, 7, 8, 1, 2, 3];
        assert_eq!(lookup_ngram(&ctx, 1), Some((vec![7], 2)));
        assert_eq!(lookup_ngram(&ctx, 0), None);
    }

    #[test]
    fn a_reference_fills_in_where_the_text_has_no_match() {
        // 8 9 after 1 2 is only in the reference.
        let reference = [1, 2, 8, 9, 5];
        assert_eq!(lookup_ngram_in(&[4, 1, 2], &reference, 2), Some((vec![8, 9], 2)));
        // The text's own match of the same length wins over the reference's.
        assert_eq!(lookup_ngram_in(&[1, 2, 7, 1, 2], &reference, 2), Some((vec![7, 1], 2)));
        // A longer match in the reference beats a shorter one in the text.
        assert_eq!(lookup_ngram_in(&[2, 6, 0, 1, 2], &[0, 1, 2, 3], 4), Some((vec![3], 3)));
        // A match at the reference's end has nothing to draft; an empty reference is none.
        assert_eq!(lookup_ngram_in(&[4, 8, 9, 5], &reference, 3), None);
        assert_eq!(lookup_ngram_in(&[4, 1, 2], &[], 2), None);
        assert_eq!(lookup_ngram_in(&[1, 2], &reference, 2), None, "no tail longer than the context");
        assert_eq!(lookup_ngram_in(&[4, 1, 2], &reference, 0), None);
    }

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
