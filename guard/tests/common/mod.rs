//! Shared helpers for the guard's integration tests.
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

pub fn catalog() -> Arc<catalog::Catalog> {
    static C: OnceLock<Arc<catalog::Catalog>> = OnceLock::new();
    C.get_or_init(|| Arc::new(catalog::Catalog::load_default().expect("catalog (run from the repository)"))).clone()
}

pub fn guard() -> guard::SqlGuard {
    guard::SqlGuard::new(catalog())
}

pub fn read_jsonl(rel: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(catalog::repo_root().join(rel)).expect(rel);
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect("json line")).collect()
}

/// Gold SQL whose `executes` is true, from both splits: (id, sql, rows).
pub fn executing_gold() -> Vec<(String, String, Option<u64>)> {
    let mut out = Vec::new();
    for set in ["datasets/finglm/nl2sql_train.jsonl", "datasets/finglm/nl2sql_valid.jsonl"] {
        for item in read_jsonl(set) {
            if item["executes"].as_bool() == Some(true) {
                out.push((item["id"].as_str().unwrap_or("").to_string(), item["sql"].as_str().unwrap().to_string(), item["rows"].as_u64()));
            }
        }
    }
    out
}

pub fn sha256_file(path: &std::path::Path) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(std::fs::read(path).expect("read database")))
}
