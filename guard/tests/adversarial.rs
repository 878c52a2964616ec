//! The committed hostile corpus (tests/data/guard_adversarial.jsonl) through
//! check + execute: refusals where expected, bounded runs otherwise, no panic,
//! and the database file byte-for-byte unchanged.

mod common;

use guard::{ExecError, ExecLimits, Executor, GuardError};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

#[test]
fn adversarial_corpus_is_refused_or_bounded_and_db_unchanged() {
    let db = catalog::default_db_path();
    let before = common::sha256_file(&db);
    let meta_before = std::fs::metadata(&db).unwrap();
    let guard = common::guard();
    let exec = Executor::open(&db, ExecLimits { timeout: Duration::from_secs(2), max_rows: 1000 }).unwrap();
    let items = common::read_jsonl("tests/data/guard_adversarial.jsonl");
    assert!(items.len() >= 400, "corpus has {} items", items.len());

    // category -> (refused, ran ok, timed out, hit another limit, truncated)
    let mut tally: BTreeMap<String, [usize; 5]> = BTreeMap::new();
    let mut rules: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    for item in &items {
        let id = item["id"].as_str().unwrap();
        let sql = item["sql"].as_str().unwrap();
        let expect = item["expect"].as_str().unwrap();
        let cat = item["category"].as_str().unwrap().to_string();
        let t = tally.entry(cat).or_default();
        let checked = match catch_unwind(AssertUnwindSafe(|| guard.check(sql))) {
            Ok(r) => r,
            Err(_) => {
                failures.push(format!("{id}: check panicked on {sql:?}"));
                continue;
            }
        };
        match checked {
            Err(e) => {
                t[0] += 1;
                *rules.entry(e.rule()).or_default() += 1;
                if expect != "refuse" {
                    failures.push(format!("{id}: refused [{}] {e} but should run: {sql:?}", e.rule()));
                }
            }
            Ok(c) => {
                if expect == "refuse" {
                    failures.push(format!("{id}: passed the guard as {:?} but should be refused: {sql:?}", c.sql));
                    continue;
                }
                let t0 = Instant::now();
                let outcome = catch_unwind(AssertUnwindSafe(|| exec.run(&c)));
                let took = t0.elapsed();
                if took > slowest.0 {
                    slowest = (took, id.to_string());
                }
                if took > Duration::from_millis(2500) {
                    failures.push(format!("{id}: execution took {took:?}"));
                }
                match outcome {
                    Err(_) => failures.push(format!("{id}: execution panicked")),
                    Ok(Ok(r)) => {
                        t[1] += 1;
                        if expect == "limit" {
                            failures.push(format!("{id}: ran to an answer but should hit a limit: {sql:?}"));
                        }
                        if r.truncated {
                            t[4] += 1;
                        }
                        if r.rows.len() > 1000 {
                            failures.push(format!("{id}: {} rows, over the cap", r.rows.len()));
                        }
                    }
                    Ok(Err(ExecError::Timeout { limit_ms })) => {
                        assert_eq!(limit_ms, 2000);
                        t[2] += 1;
                    }
                    Ok(Err(ExecError::ResourceLimit(_) | ExecError::ResultTooLarge { .. })) => t[3] += 1,
                    Ok(Err(e)) => failures.push(format!("{id}: unexpected execution error {e}")),
                }
            }
        }
    }
    let after = common::sha256_file(&db);
    let meta_after = std::fs::metadata(&db).unwrap();

    eprintln!("{:<18} {:>7} {:>4} {:>8} {:>9} {:>9}", "category", "refused", "ran", "timeout", "val-limit", "truncated");
    for (cat, t) in &tally {
        eprintln!("{cat:<18} {:>7} {:>4} {:>8} {:>9} {:>9}", t[0], t[1], t[2], t[3], t[4]);
    }
    eprintln!("refusals by rule: {rules:?}");
    eprintln!("slowest execution: {:?} ({})", slowest.0, slowest.1);
    eprintln!("database sha256 before {before}\n                after  {after}");

    assert!(failures.is_empty(), "{} corpus failures:\n{}", failures.len(), failures.join("\n"));
    assert_eq!(after, before, "database file changed");
    assert_eq!(meta_after.len(), meta_before.len());
    assert_eq!(meta_after.modified().ok(), meta_before.modified().ok(), "database mtime changed");
    for suffix in ["-journal", "-wal"] {
        let side = db.with_file_name(format!("{}{suffix}", db.file_name().unwrap().to_string_lossy()));
        assert!(!side.exists(), "{} appeared", side.display());
    }
}

#[test]
fn ten_megabyte_input_is_too_long_without_panic() {
    let guard = common::guard();
    let huge = format!("SELECT 公司名称 FROM big WHERE 公司名称 = '{}'", "x".repeat(10 * 1024 * 1024));
    let t0 = Instant::now();
    let r = guard.check(&huge);
    let took = t0.elapsed();
    match r {
        Err(GuardError::TooLong { len, max }) => {
            assert_eq!(max, guard::MAX_SQL_CHARS);
            assert_eq!(len, huge.chars().count());
        }
        other => panic!("{other:?}"),
    }
    eprintln!("10 MB input refused in {took:?}");
    assert!(took < Duration::from_millis(500));
    // Exactly at the limit is looked at; one over is not.
    let pad = |n: usize| format!("SELECT 1 FROM big WHERE 公司名称 = '{}'", "x".repeat(n));
    let base = pad(0).chars().count();
    assert!(guard.check(&pad(guard::MAX_SQL_CHARS - base)).is_ok());
    assert!(matches!(guard.check(&pad(guard::MAX_SQL_CHARS - base + 1)), Err(GuardError::TooLong { .. })));
}

#[test]
fn nul_bytes_and_blank_inputs_are_refused() {
    let guard = common::guard();
    for s in ["SELECT 1\0", "\0", "SELECT 公司名称 FROM big WHERE 公司名称 = '\0'"] {
        assert_eq!(guard.check(s).unwrap_err(), GuardError::NulByte);
    }
    for s in ["", "   ", "\n\t", ";", ";;", "-- c", "/* c */", "```sql\n```"] {
        let e = guard.check(s).unwrap_err();
        assert_eq!(e, GuardError::Empty, "{s:?}");
        assert_eq!(e.rule(), "non-empty");
    }
}

#[test]
fn deeply_nested_input_is_handled_on_a_small_stack() {
    // Worst shapes that fit under the limits, on a 2 MiB thread (the default for
    // spawned threads) and a 256 KiB one: refusal or approval, never a stack overflow.
    let cases = [
        format!("SELECT 1{} FROM big", "+1".repeat(9_990)),
        format!("SELECT 1{} FROM big", "+1".repeat(497)),
        format!("SELECT 1 FROM big WHERE {}1=1", "1=1 AND ".repeat(2_490)),
        format!("SELECT 1 FROM big WHERE {}1=1", "1=1 AND ".repeat(247)),
        format!("SELECT {}1{} FROM big", "(".repeat(9_000), ")".repeat(9_000)),
        format!("SELECT {}1{} FROM big", "(".repeat(490), ")".repeat(490)),
        format!("SELECT {}1 FROM big", "- ".repeat(990)),
        format!("SELECT 1 FROM big WHERE {}1", "NOT ".repeat(990)),
        format!("SELECT {}1{}", "(SELECT ".repeat(330), ")".repeat(330)),
        format!("SELECT 1{}", " UNION SELECT 1".repeat(1_300)),
        format!("SELECT 1{}", " UNION SELECT 1".repeat(249)),
        format!("SELECT 公司名称{} FROM big", "||公司名称".repeat(330)),
        format!("SELECT {} 1 {} FROM big", "CASE WHEN 1 THEN".repeat(240), " END".repeat(240)),
    ];
    for stack_kib in [2048, 256] {
        let cases = cases.clone();
        let handle = std::thread::Builder::new()
            .stack_size(stack_kib << 10)
            .spawn(move || {
                let guard = common::guard();
                cases.iter().map(|c| guard.check(c).map(|_| ()).map_err(|e| e.rule())).collect::<Vec<_>>()
            })
            .unwrap();
        let results = handle.join().expect("no stack overflow or panic");
        eprintln!("deep inputs on {stack_kib} KiB: {results:?}");
        // The long chains are over the token limit; the ones at the limit are approved.
        assert_eq!(results[0], Err("max-length"));
        assert_eq!(results[1], Ok(()));
        assert_eq!(results[3], Ok(()));
        assert_eq!(results[10], Ok(()));
    }
}
