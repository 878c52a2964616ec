//! No false refusals: every gold SQL that executes passes the guard unchanged,
//! runs under the executor's authorizer with the recorded row count, and
//! survives a render/re-parse round trip. Also measures the guard's overhead.

mod common;

use guard::{ExecLimits, Executor};
use std::time::Instant;

#[test]
fn every_executing_gold_sql_passes_unchanged() {
    let guard = common::guard();
    let gold = common::executing_gold();
    assert!(gold.len() > 1000, "only {} executing gold SQL", gold.len());
    let mut failures = Vec::new();
    for (id, sql, _) in &gold {
        match guard.check(sql) {
            Err(e) => failures.push(format!("{id}: refused [{}] {e}: {sql}", e.rule())),
            Ok(c) => {
                if !c.repairs.is_empty() {
                    failures.push(format!("{id}: repaired {:?}: {sql}", c.repairs));
                }
                // Unchanged: the text that runs is the text given, less a final `;`.
                if c.sql != sql.trim().trim_end_matches(';').trim_end() {
                    failures.push(format!("{id}: changed to {:?}", c.sql));
                }
                assert_eq!(c.original, *sql);
            }
        }
    }
    eprintln!("gold SQL checked: {}, refused or repaired: {}", gold.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_executing_gold_sql_runs_with_its_recorded_rows() {
    let guard = common::guard();
    let exec = Executor::open(&catalog::default_db_path(), ExecLimits::default()).unwrap();
    let gold = common::executing_gold();
    let mut failures = Vec::new();
    for (id, sql, rows) in &gold {
        let c = guard.check(sql).unwrap();
        match exec.run(&c) {
            Ok(r) => {
                if let Some(n) = rows {
                    if !r.truncated && r.rows.len() as u64 != *n {
                        failures.push(format!("{id}: {} rows, gold says {n}", r.rows.len()));
                    }
                }
            }
            Err(e) => failures.push(format!("{id}: {e}: {sql}")),
        }
    }
    eprintln!("gold SQL executed: {}, failures: {}", gold.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Repaired SQL is re-rendered from the AST; rendering must keep the meaning.
#[test]
fn rendered_gold_sql_checks_again_and_returns_the_same_rows() {
    let guard = common::guard();
    let cat = common::catalog();
    let exec = Executor::open(&catalog::default_db_path(), ExecLimits::default()).unwrap();
    for (id, sql, _) in common::executing_gold() {
        let c = guard.check(&sql).unwrap();
        let rendered = c.statement.to_string();
        let again = guard.check(&rendered).unwrap_or_else(|e| panic!("{id}: rendered {rendered:?} refused: {e}"));
        assert_eq!(again.statement, c.statement, "{id}");
        assert_eq!(guard::referenced_columns(&again.statement, &cat), guard::referenced_columns(&c.statement, &cat));
        let (a, b) = (exec.run(&c).unwrap(), exec.run(&again).unwrap_or_else(|e| panic!("{id}: rendered {rendered:?}: {e}")));
        assert_eq!(a.rows, b.rows, "{id}: {rendered}");
    }
}

#[test]
fn guard_overhead_per_check() {
    let guard = common::guard();
    let gold: Vec<String> = common::executing_gold().into_iter().map(|g| g.1).collect();
    for s in &gold {
        let _ = guard.check(s); // warm up
    }
    let rounds = 5;
    let t0 = Instant::now();
    for _ in 0..rounds {
        for s in &gold {
            std::hint::black_box(guard.check(std::hint::black_box(s)).is_ok());
        }
    }
    let us = t0.elapsed().as_secs_f64() * 1e6 / (rounds * gold.len()) as f64;
    eprintln!("guard overhead: {us:.1} µs per check() (mean over {} gold SQL x {rounds})", gold.len());
    assert!(us < 5_000.0, "check() is unexpectedly slow: {us} µs");
}
