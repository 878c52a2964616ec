//! The executor's own limits and layers: time limit, row cap, value-size cap,
//! threads. (The authorizer, which refuses SQL that never went through the guard,
//! is tested inside the crate: only the guard can make a `CheckedSql`.)

mod common;

use guard::{ExecError, ExecLimits, Executor, Value};
use std::time::{Duration, Instant};

fn exec(timeout_ms: u64, max_rows: usize) -> Executor {
    Executor::open(&catalog::default_db_path(), ExecLimits { timeout: Duration::from_millis(timeout_ms), max_rows }).unwrap()
}

#[test]
fn defaults() {
    let l = ExecLimits::default();
    assert_eq!(l.timeout, Duration::from_secs(2));
    assert_eq!(l.max_rows, 1000);
}

#[test]
fn timeout_fires_at_100_ms_and_connection_stays_usable() {
    let g = common::guard();
    let ex = exec(100, 5);
    let slow = g.check("SELECT count(*) FROM big a, big b, big c").unwrap();
    let t0 = Instant::now();
    let r = ex.run(&slow);
    let took = t0.elapsed();
    assert!(matches!(r, Err(ExecError::Timeout { limit_ms: 100 })), "{r:?}");
    eprintln!("100 ms limit fired after {took:?}");
    assert!(took >= Duration::from_millis(100) && took < Duration::from_millis(600), "{took:?}");
    let recursive = g.check("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT max(x) FROM c").unwrap();
    assert!(matches!(ex.run(&recursive), Err(ExecError::Timeout { .. })));
    // The pooled connection works after an interrupted query.
    let one = g.check("SELECT 营业收入 FROM big WHERE 股票简称 = '五粮液' AND 年份 = '2021年'").unwrap();
    let r = ex.run(&one).unwrap();
    assert_eq!(r.rows, vec![vec![Value::Real(66209053612.11)]]);
    assert!(!r.truncated);
}

#[test]
fn row_cap_flags_truncated() {
    let g = common::guard();
    let ex = exec(2000, 5);
    let r = ex.run(&g.check("SELECT 公司名称 FROM big").unwrap()).unwrap();
    assert_eq!(r.rows.len(), 5);
    assert!(r.truncated);
    assert_eq!(r.columns, vec!["公司名称"]);
    let r = ex.run(&g.check("SELECT 公司名称 FROM big LIMIT 5").unwrap()).unwrap();
    assert_eq!(r.rows.len(), 5);
    assert!(!r.truncated, "exactly max_rows rows is not truncated");
    // An endless recursive CTE stops at the cap, never hangs.
    let t0 = Instant::now();
    let r = exec(2000, 1000).run(&g.check("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT x FROM c").unwrap()).unwrap();
    assert_eq!(r.rows.len(), 1000);
    assert!(r.truncated);
    assert!(t0.elapsed() < Duration::from_secs(1));
}

#[test]
fn oversized_values_hit_the_length_cap() {
    let g = common::guard();
    let ex = exec(2000, 10);
    let t0 = Instant::now();
    let r = ex.run(&g.check("SELECT printf('%.*c', 1000000000, 'x') FROM big LIMIT 1").unwrap());
    assert!(matches!(r, Err(ExecError::ResourceLimit(_))), "{r:?}");
    assert!(t0.elapsed() < Duration::from_secs(1));
    // Just under the cap is fine.
    let r = ex.run(&g.check("SELECT length(printf('%.*c', 999999, 'x'))").unwrap()).unwrap();
    assert_eq!(r.rows[0][0], Value::Integer(999_999));
    assert_eq!(guard::MAX_VALUE_BYTES, 1_000_000);
}

/// One call of instr/replace/trim on megabyte values is a single VM step: with
/// SQLite's own functions these ran for 7 s to several minutes past a 2 s limit.
#[test]
fn one_function_call_on_megabyte_values_stays_inside_the_limit() {
    let g = common::guard();
    let ex = exec(2000, 10);
    for sql in [
        "SELECT instr(printf('%.*c', 999000, 'a'), printf('%.*c', 499000, 'a') || 'b') FROM big LIMIT 1",
        "SELECT length(replace(printf('%.*c', 999000, 'a'), printf('%.*c', 400000, 'a') || 'b', 'x')) FROM big LIMIT 1",
        "SELECT length(ltrim(printf('%.*c', 800000, 'a') || 'b', printf('%.*c', 50000, 'c') || 'a'))",
        "SELECT length(rtrim('b' || printf('%.*c', 800000, 'a'), printf('%.*c', 100000, 'c') || 'a'))",
        "SELECT instr(a, b) FROM (SELECT printf('%.*c', 600000, 'a') AS a, printf('%.*c', 300000, 'a') || 'b' AS b)",
        "SELECT printf('%.*c', 999000, 'a') LIKE '%' || printf('%.*c', 98, 'a') || 'b'",
    ] {
        let t0 = Instant::now();
        let r = ex.run(&g.check(sql).unwrap());
        let took = t0.elapsed();
        eprintln!("{took:?} {r:?} <- {sql}");
        assert!(took < Duration::from_millis(1500), "{took:?}: {sql}");
    }
    // A longer LIKE pattern is a clear refusal, not minutes of matching.
    let r = ex.run(&g.check("SELECT printf('%.*c', 999000, 'a') LIKE '%' || printf('%.*c', 250, 'a') || 'b'").unwrap());
    assert!(matches!(&r, Err(ExecError::ResourceLimit(m)) if m.contains("LIKE")), "{r:?}");
}

#[test]
fn result_bytes_are_capped_with_a_typed_refusal() {
    let g = common::guard();
    let ex = exec(2000, 1000);
    let r = ex.run(&g.check("SELECT printf('%.*c', 999000, 'a') FROM big LIMIT 50").unwrap());
    assert!(matches!(r, Err(ExecError::ResultTooLarge { limit_bytes }) if limit_bytes == guard::MAX_RESULT_BYTES), "{r:?}");
    // Under the cap: the whole column of company names in one cell.
    let r = ex.run(&g.check("SELECT group_concat(公司名称) FROM big").unwrap()).unwrap();
    assert!(matches!(&r.rows[0][0], Value::Text(t) if t.len() > 100_000));
}

/// A big sort, DISTINCT and recursion end within the limits (in memory; the
/// command-line tests watch that no temporary file appears).
#[test]
fn big_sorts_and_distinct_end_within_the_limits() {
    let g = common::guard();
    let ex = exec(2000, 10);
    for sql in [
        "SELECT a.公司名称 || printf('%.*c', 2000, 'x') AS k FROM big a, big b ORDER BY k LIMIT 1",
        "SELECT count(DISTINCT a.公司名称 || b.公司名称) FROM big a, big b",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION SELECT x+1 FROM c) SELECT count(*) FROM c",
    ] {
        let r = ex.run(&g.check(sql).unwrap());
        assert!(matches!(r, Ok(_) | Err(ExecError::Timeout { .. }) | Err(ExecError::ResourceLimit(_))), "{r:?}");
    }
}

#[test]
fn values_map_to_their_types() {
    let g = common::guard();
    let r = exec(2000, 10).run(&g.check("SELECT 1, 2.5, 'a', NULL, 0.1 + 0.2").unwrap()).unwrap();
    assert_eq!(r.rows[0][..4], [Value::Integer(1), Value::Real(2.5), Value::Text("a".into()), Value::Null]);
    assert_eq!(r.rows[0][4].to_string(), "0.3");
    let json = serde_json::to_string(&r.rows[0]).unwrap();
    assert!(json.starts_with("[1,2.5,\"a\",null,"), "{json}");
}

#[test]
fn executor_is_shared_across_threads() {
    let g = common::guard();
    let ex = Executor::open(&catalog::default_db_path(), ExecLimits::default()).unwrap();
    let q = g.check("SELECT count(*) FROM big WHERE 年份 = '2021年'").unwrap();
    let expected = ex.run(&q).unwrap().rows[0][0].clone();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..10 {
                    assert_eq!(ex.run(&q).unwrap().rows[0][0], expected);
                }
            });
        }
    });
}

#[test]
fn open_fails_cleanly_on_a_missing_file() {
    assert!(matches!(Executor::open(std::path::Path::new("/nonexistent/x.sqlite"), ExecLimits::default()), Err(ExecError::Open(_))));
}
