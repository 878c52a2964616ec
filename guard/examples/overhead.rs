//! Guard overhead on the executing gold SQL: `cargo run --release -p guard --example overhead`.
use std::time::Instant;

fn main() {
    let cat = std::sync::Arc::new(catalog::Catalog::load_default().expect("catalog"));
    let guard = guard::SqlGuard::new(cat);
    let mut gold = Vec::new();
    for set in ["datasets/finglm/nl2sql_train.jsonl", "datasets/finglm/nl2sql_valid.jsonl"] {
        let text = std::fs::read_to_string(catalog::repo_root().join(set)).expect(set);
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("json");
            if v["executes"].as_bool() == Some(true) {
                gold.push(v["sql"].as_str().unwrap_or_default().to_string());
            }
        }
    }
    let dialect = sqlparser::dialect::SQLiteDialect {};
    let time = |f: &dyn Fn(&str)| {
        for s in &gold {
            f(s);
        }
        let rounds = 10;
        let t0 = Instant::now();
        for _ in 0..rounds {
            for s in &gold {
                f(std::hint::black_box(s));
            }
        }
        t0.elapsed().as_secs_f64() * 1e6 / (rounds * gold.len()) as f64
    };
    let parse = time(&|s| {
        std::hint::black_box(sqlparser::parser::Parser::parse_sql(&dialect, s).is_ok());
    });
    let check = time(&|s| {
        std::hint::black_box(guard.check(s).is_ok());
    });
    let mean_len = gold.iter().map(|s| s.chars().count()).sum::<usize>() as f64 / gold.len() as f64;
    println!("{} gold SQL, mean {mean_len:.0} chars", gold.len());
    println!("sqlparser parse alone: {parse:.1} µs");
    println!("SqlGuard::check:       {check:.1} µs per call (repairs + parse + validate)");
}
