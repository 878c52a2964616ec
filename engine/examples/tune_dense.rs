//! Grid search for the dense matcher's weights and gate thresholds, on the TRAIN
//! pairs only (valid stays held out). One recaller is loaded once; each grid point
//! only changes `recaller.config`, and word embeddings are cached after the first pass.
//!
//! `cargo run --release -p engine --example tune_dense -- datasets/finglm/nl2sql_train.jsonl`
//! prints, per setting, recall_strict and avg_columns for the fused recaller and for
//! the dense matcher alone (gate included).

use engine::eval::{load_set, recall_report};
use recall::{FusionConfig, Recaller};
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let set = std::env::args().nth(1).unwrap_or_else(|| "datasets/finglm/nl2sql_train.jsonl".into());
    assert!(!set.contains("valid"), "tune on train only");
    let catalog = catalog::Catalog::load_default()?;
    let items = load_set(std::path::Path::new(&set))?;
    let guard = guard::SqlGuard::new(Arc::new(catalog.clone()));
    let base = FusionConfig { use_dense: true, ..FusionConfig::default() };
    let mut recaller = Recaller::open_with(&catalog, base.clone())?;
    let mut run = |cfg: FusionConfig, label: &str| {
        recaller.config = cfg.clone();
        let fused = recall_report(&catalog, &recaller, &guard, &items);
        recaller.config = FusionConfig { use_exact: false, use_lexical: false, use_bm25: false, ..cfg };
        let noex = recall_report(&catalog, &recaller, &guard, &items);
        println!(
            "{label:<60} fused {:.4}/{:.2}  dense-only {:.4}/{:.2}  p50 {:.2}ms",
            fused.recall_strict.unwrap_or(0.0),
            fused.avg_columns,
            noex.recall_strict.unwrap_or(0.0),
            noex.avg_columns,
            fused.p50_ms
        );
    };
    run(FusionConfig { use_dense: false, ..base.clone() }, "no dense");
    run(FusionConfig { dense_gate: false, ..base.clone() }, "default, gate off");
    let grid = |name: &str| std::env::var(name).ok().map(|v| v.split(',').filter_map(|x| x.parse::<f32>().ok()).collect::<Vec<_>>());
    let mins = grid("MINS").unwrap_or(vec![0.85, 0.88, 0.9, 0.92]);
    let ks = grid("KS").unwrap_or(vec![1.0, 2.0, 3.0]);
    let ws = grid("WS").unwrap_or(vec![0.4, 0.5, 0.6]);
    let lexes = grid("LEXES").unwrap_or(vec![0.4, 0.5, 0.6]);
    let bypasses = grid("BYPASSES").unwrap_or(vec![0.93, 0.95, 0.97]);
    for &dense_min in &mins {
        for &top_k in &ks {
            let top_k = top_k as usize;
            for &w in &ws {
                for (lex, bypass) in lexes.iter().flat_map(|&l| bypasses.iter().map(move |&b| (l, b))) {
                    let cfg = FusionConfig { dense_min, dense_top_k: top_k, w_dense: w, gate_lexical_min: lex, gate_cos_bypass: bypass, ..base.clone() };
                    run(cfg, &format!("min {dense_min} k {top_k} w {w} gate lex {lex} bypass {bypass}"));
                }
            }
        }
    }
    Ok(())
}
