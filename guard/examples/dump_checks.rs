//! The guard's verdict on every SQL text of some files, one JSON line each: the
//! approved SQL and its repairs, or the rule that refused it. Two dumps taken before
//! and after a guard change show every query it now treats differently.
//!
//! `cargo run --release -p guard --example dump_checks -- OUT.jsonl FILE…` where each
//! FILE is a JSON-lines set (`sql` of each item) or an eval report (`items[].sql`).

use std::io::Write;

fn sql_texts(path: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let of = |v: &serde_json::Value| v["sql"].as_str().map(str::to_string);
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(report) => report["items"].as_array().map(|a| a.iter().filter_map(of).collect()).unwrap_or_default(),
        Err(_) => text.lines().filter_map(|l| serde_json::from_str(l).ok()).filter_map(|v| of(&v)).collect(),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().expect("usage: dump_checks OUT.jsonl FILE…");
    let guard = guard::SqlGuard::new(std::sync::Arc::new(catalog::Catalog::load_default().expect("catalog")));
    let mut w = std::io::BufWriter::new(std::fs::File::create(&out).expect("create OUT"));
    let mut n = 0;
    for file in args {
        for sql in sql_texts(&file) {
            let line = match guard.check(&sql) {
                Ok(c) => serde_json::json!({"in": sql, "sql": c.sql, "repairs": format!("{:?}", c.repairs)}),
                Err(e) => serde_json::json!({"in": sql, "refused": e.rule()}),
            };
            writeln!(w, "{line}").unwrap();
            n += 1;
        }
    }
    eprintln!("{n} verdicts in {out}");
}
