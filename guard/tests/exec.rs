//! The executor's own limits and layers: time limit, row cap, value-size cap,
//! threads, and the SQLite authorizer that refuses forged `CheckedSql` even
//! though it never went through the guard.

mod common;

use guard::{CheckedSql, ExecError, ExecLimits, Executor, Value};
use std::time::{Duration, Instant};

fn exec(timeout_ms: u64, max_rows: usize) -> Executor {
    Executor::open(&catalog::default_db_path(), ExecLimits { timeout: Duration::from_millis(timeout_ms), max_rows }).unwrap()
}

/// A `CheckedSql` made by hand, bypassing the guard, to test the lower layers.
fn forged(sql: &str) -> CheckedSql {
    let statement = sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::SQLiteDialect {}, "SELECT 1").unwrap().remove(0);
    CheckedSql { sql: sql.into(), original: sql.into(), repairs: Vec::new(), statement }
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
    let r = ex.run(&g.check("SELECT length(printf('%.*c', 1000000, 'x'))").unwrap()).unwrap();
    assert_eq!(r.rows[0][0], Value::Integer(1_000_000));
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
fn authorizer_refuses_forged_sql_that_skipped_the_guard() {
    let ex = exec(2000, 10);
    for sql in [
        "SELECT load_extension('/tmp/x.so')",
        "SELECT readfile('/etc/passwd')",
        "SELECT hex(randomblob(8))",
        "SELECT sqlite_version()",
        "SELECT name FROM sqlite_master",
        "SELECT * FROM pragma_table_info('big')",
        "PRAGMA query_only = 0",
        "ATTACH DATABASE ':memory:' AS m",
        "DELETE FROM people",
        "CREATE TEMP TABLE t(x)",
        "BEGIN",
        "SELECT 1; DROP TABLE big",
    ] {
        match ex.run(&forged(sql)) {
            Err(ExecError::Denied(_)) | Err(ExecError::Sqlite(_)) => {}
            other => panic!("{sql}: {other:?}"),
        }
    }
    // And the guard's own allow-list is allowed.
    assert!(ex.run(&forged("SELECT upper(公司名称), count(*) FROM big WHERE 公司名称 LIKE '%银行%' GROUP BY 1 LIMIT 1")).is_ok());
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
