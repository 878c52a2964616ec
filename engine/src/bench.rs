//! `nl2sql bench`: latency and throughput on real questions, printed as numbers.
//! Timed here, never asserted in tests (the machine is noisy).

use crate::answer::Engine;
use crate::eval::percentile;
use llm::GenOptions;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct BenchReport {
    pub load_ms: f64,
    pub recall_p50_ms: f64,
    pub prompt_tokens: usize,
    pub prefill_tokens_per_s: f64,
    /// Decoded tokens per second of decoding, drafts included ("effective").
    pub decode_tokens_per_s: f64,
    /// Draft tokens verified per step at most (0 = plain greedy decoding).
    pub draft_tokens: usize,
    /// Tokens decoded per forward pass (1.0 without drafts).
    pub tokens_per_step: f64,
    /// Share of drafted tokens the model kept.
    pub draft_acceptance: f64,
    pub answer_p50_ms: f64,
    pub answer_p95_ms: f64,
    pub peak_rss_mb: f64,
    pub threads: usize,
    pub model: String,
    /// The matmul kernel of this process (`NL2SQL_KERNEL`, or the CPU's fastest).
    pub kernel: String,
    /// Prefill with the system-prefix cache cold (whole prompt), tokens/s.
    pub cold_prefill_tokens_per_s: f64,
    pub questions: usize,
    /// Mean `SqlGuard::check` time over the valid set's gold SQL, µs.
    pub guard_check_us: f64,
}

/// Mean guard time per query over a list of SQL texts.
pub fn guard_overhead_us(engine: &Engine, sqls: &[String]) -> f64 {
    if sqls.is_empty() {
        return 0.0;
    }
    let t0 = std::time::Instant::now();
    for _ in 0..5 {
        for s in sqls {
            let _ = engine.guard.check(s);
        }
    }
    t0.elapsed().as_secs_f64() * 1e6 / (5 * sqls.len()) as f64
}

pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

pub fn run(engine: &Engine, questions: &[String], gold_sql: &[String]) -> BenchReport {
    let mut recall_ms = Vec::new();
    for q in questions {
        for _ in 0..3 {
            if let Ok(r) = engine.recaller.recall(q) {
                recall_ms.push(r.elapsed_us as f64 / 1e3);
            }
        }
    }
    // Cold prefill: a prompt whose system text differs, so nothing is cached.
    let mut cold = 0.0;
    if let Some(q) = questions.first() {
        if let Ok(r) = engine.recaller.recall(q) {
            let mut p = engine.prompt_for(&r);
            p.system.push_str("\u{3000}");
            if let Ok(g) = engine.generator.generate(&p, &GenOptions { max_new_tokens: 1, ..engine.gen_options() }) {
                cold = g.prompt_tokens as f64 / (g.prefill_ms / 1e3);
            }
        }
    }
    let (mut pre_tok, mut pre_ms, mut dec_tok, mut dec_ms, mut prompt_tokens) = (0usize, 0f64, 0usize, 0f64, Vec::new());
    let (mut steps, mut drafted, mut accepted) = (0usize, 0usize, 0usize);
    let mut answer_ms = Vec::new();
    for q in questions {
        if let Ok(r) = engine.recaller.recall(q) {
            let p = engine.prompt_for(&r);
            if let Ok(g) = engine.generator.generate(&p, &engine.gen_options_for(&r, &engine.gen_options())) {
                pre_tok += g.prompt_tokens - g.cached_tokens;
                pre_ms += g.prefill_ms;
                dec_tok += g.new_tokens;
                dec_ms += g.decode_ms;
                steps += g.decode_steps;
                drafted += g.drafted;
                accepted += g.accepted;
                prompt_tokens.push(g.prompt_tokens as f64);
            }
        }
        if let Ok(a) = engine.answer(q) {
            answer_ms.push(a.timings.total_ms);
        }
    }
    BenchReport {
        load_ms: engine.load_ms,
        recall_p50_ms: percentile(&recall_ms, 0.5),
        prompt_tokens: percentile(&prompt_tokens, 0.5) as usize,
        prefill_tokens_per_s: if pre_ms > 0.0 { pre_tok as f64 / (pre_ms / 1e3) } else { 0.0 },
        decode_tokens_per_s: if dec_ms > 0.0 { dec_tok as f64 / (dec_ms / 1e3) } else { 0.0 },
        draft_tokens: engine.config.draft_tokens,
        tokens_per_step: if steps > 0 { dec_tok as f64 / steps as f64 } else { 0.0 },
        draft_acceptance: if drafted > 0 { accepted as f64 / drafted as f64 } else { 0.0 },
        answer_p50_ms: percentile(&answer_ms, 0.5),
        answer_p95_ms: percentile(&answer_ms, 0.95),
        peak_rss_mb: peak_rss_mb(),
        threads: engine.config.threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
        model: engine.generator.describe(),
        kernel: llm::Kernel::selected().map(|k| k.to_string()).unwrap_or_else(|e| e.to_string()),
        cold_prefill_tokens_per_s: cold,
        questions: questions.len(),
        guard_check_us: guard_overhead_us(engine, gold_sql),
    }
}
