//! The guard against the real database: hostile corpus, gold SQL, repairs, limits.

use guard::{ExecError, ExecLimits, Executor, GuardError, Repair, SqlGuard, Value};
use sha2::{Digest, Sha256};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

fn catalog() -> Arc<catalog::Catalog> {
    static C: OnceLock<Arc<catalog::Catalog>> = OnceLock::new();
    C.get_or_init(|| Arc::new(catalog::Catalog::load_default().expect("catalog"))).clone()
}

fn db_hash() -> String {
    let bytes = std::fs::read(catalog::default_db_path()).expect("db");
    hex::encode(Sha256::digest(bytes))
}

fn read_jsonl(rel: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(catalog::repo_root().join(rel)).expect(rel);
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect("json")).collect()
}

#[test]
fn adversarial_corpus_is_refused_or_bounded_and_db_unchanged() {
    let before = db_hash();
    let guard = SqlGuard::new(catalog());
    let exec = Executor::open(&catalog::default_db_path(), ExecLimits { timeout: Duration::from_secs(2), max_rows: 1000 }).unwrap();
    let items = read_jsonl("tests/data/guard_adversarial.jsonl");
    assert!(items.len() >= 150, "corpus has {} items", items.len());
    let mut refused = 0;
    for item in &items {
        let sql = item["sql"].as_str().unwrap();
        let expect = item["expect"].as_str().unwrap();
        let id = item["id"].as_str().unwrap();
        match guard.check(sql) {
            Err(e) => {
                assert_eq!(expect, "refuse", "{id}: {sql:?} was refused ({e}) but should run");
                assert!(!e.rule().is_empty());
                refused += 1;
            }
            Ok(checked) => {
                assert_eq!(expect, "run", "{id}: {sql:?} passed the guard as {:?}", checked.sql);
                let t0 = Instant::now();
                match exec.run(&checked) {
                    Ok(r) => assert!(r.rows.len() <= 1000, "{id}: row cap broken"),
                    Err(ExecError::Timeout { .. }) => {}
                    Err(e) => panic!("{id}: unexpected execution error {e}"),
                }
                assert!(t0.elapsed() < Duration::from_secs(4), "{id}: ran {:?}", t0.elapsed());
            }
        }
    }
    assert_eq!(db_hash(), before, "database file changed");
    eprintln!("adversarial corpus: {} items, {} refused, {} bounded", items.len(), refused, items.len() - refused);
}

#[test]
fn huge_input_is_refused_without_panic() {
    let guard = SqlGuard::new(catalog());
    let huge = format!("SELECT 公司名称 FROM big WHERE 公司名称 = '{}'", "x".repeat(10 * 1024 * 1024));
    assert!(matches!(guard.check(&huge), Err(GuardError::TooLong { .. })));
    assert!(matches!(guard.check("SELECT 1\0"), Err(GuardError::NulByte)));
    assert!(matches!(guard.check("  "), Err(GuardError::Empty)));
}

#[test]
fn every_executing_gold_sql_passes_unchanged() {
    let guard = SqlGuard::new(catalog());
    let mut n = 0;
    for set in ["datasets/finglm/nl2sql_train.jsonl", "datasets/finglm/nl2sql_valid.jsonl"] {
        for item in read_jsonl(set) {
            if item["executes"].as_bool() != Some(true) {
                continue;
            }
            let sql = item["sql"].as_str().unwrap();
            let checked = guard.check(sql).unwrap_or_else(|e| panic!("false refusal of {sql:?}: {e}"));
            assert!(checked.repairs.is_empty(), "gold SQL was repaired: {sql:?} {:?}", checked.repairs);
            assert_eq!(checked.sql, sql.trim().trim_end_matches(';').trim_end());
            n += 1;
        }
    }
    assert_eq!(n, 1043 + 88, "executing gold SQL count");
}

#[test]
fn repairs_fix_common_model_slips() {
    let guard = SqlGuard::new(catalog());
    let c = guard.check("```sql\nSELECT 营业收入 FROM big WHERE 年份 = 2021 AND 公司名称 = '贵州茅台酒股份有限公司';\n```").unwrap();
    assert!(c.repairs.contains(&Repair::StrippedMarkdownFence));
    assert!(c.repairs.iter().any(|r| matches!(r, Repair::YearLiteral { to, .. } if to == "2021年")));
    assert!(c.sql.contains("'2021年'"), "{}", c.sql);
    let c = guard.check("SELECT 营业收入 FROM big WHERE 年份 IN ('2020', '2021')").unwrap();
    assert!(c.sql.contains("'2020年'") && c.sql.contains("'2021年'"), "{}", c.sql);
    let c = guard.check("SELECT 营业收入 FROM big WHERE 年份 ＝ '2021年'；").unwrap();
    assert!(c.repairs.contains(&Repair::FullWidthPunctuation));
    let c = guard.check("SELECT研发费用 FROM big WHERE 股票代码 = '600519'").unwrap();
    assert!(c.repairs.contains(&Repair::SpacedKeyword));
    let c = guard.check("SELECT 营业收入 FROM big WHERE 年份 = '2021年';\n这条查询返回营业收入。").unwrap();
    assert!(c.repairs.iter().any(|r| matches!(r, Repair::StrippedTrailingText(_))));
    // A second real statement is never silently dropped.
    assert!(matches!(guard.check("SELECT 1 FROM big; DELETE FROM big"), Err(GuardError::MultipleStatements(2))));
    // A year literal inside a string stays as written.
    let c = guard.check("SELECT 公司名称 FROM big WHERE 注册地址 LIKE '%2021%'").unwrap();
    assert!(c.repairs.is_empty());
}

#[test]
fn unknown_names_suggest_nearest() {
    let guard = SqlGuard::new(catalog());
    match guard.check("SELECT 营业收人 FROM big") {
        Err(GuardError::UnknownColumn { name, nearest }) => {
            assert_eq!(name, "营业收人");
            assert!(nearest.contains(&"营业收入".to_string()), "{nearest:?}");
        }
        other => panic!("{other:?}"),
    }
    match guard.check("SELECT 营业收入 FROM bigg") {
        Err(GuardError::UnknownTable { nearest, .. }) => assert!(nearest.contains(&"big".to_string())),
        other => panic!("{other:?}"),
    }
    // Aliases, CTEs and derived tables resolve.
    for ok in [
        "SELECT a.净利润 - b.净利润 AS 差 FROM big a JOIN big b ON a.公司名称 = b.公司名称 WHERE a.年份 = '2021年' AND b.年份 = '2020年' ORDER BY 差 DESC LIMIT 3",
        "WITH t AS (SELECT 公司名称, 营业收入 AS r FROM big WHERE 年份 = '2021年') SELECT 公司名称 FROM t ORDER BY r DESC LIMIT 1",
        "SELECT x.n FROM (SELECT count(*) AS n FROM big) x",
        "SELECT 公司名称, rank() OVER (ORDER BY 营业收入 DESC) AS rk FROM big WHERE 年份 = '2021年' LIMIT 3",
    ] {
        guard.check(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
}

#[test]
fn time_limit_and_row_cap_hold() {
    let guard = SqlGuard::new(catalog());
    let slow = guard.check("SELECT count(*) FROM big a, big b, big c").unwrap();
    let exec = Executor::open(&catalog::default_db_path(), ExecLimits { timeout: Duration::from_millis(100), max_rows: 5 }).unwrap();
    let t0 = Instant::now();
    assert!(matches!(exec.run(&slow), Err(ExecError::Timeout { limit_ms: 100 })));
    assert!(t0.elapsed() < Duration::from_secs(2));
    let many = guard.check("SELECT 公司名称 FROM big").unwrap();
    let r = exec.run(&many).unwrap();
    assert_eq!(r.rows.len(), 5);
    assert!(r.truncated);
    // The connection is still usable after a timeout.
    let one = guard.check("SELECT 营业收入 FROM big WHERE 公司名称 = '贵州茅台酒股份有限公司' AND 年份 = '2019年'").unwrap();
    let r = exec.run(&one).unwrap();
    assert!(matches!(r.rows[0][0], Value::Real(v) if (v - 85429573467.25).abs() < 0.01));
}

#[test]
fn executor_is_shared_across_threads() {
    let guard = SqlGuard::new(catalog());
    let exec = Executor::open(&catalog::default_db_path(), ExecLimits::default()).unwrap();
    let q = guard.check("SELECT count(*) FROM big WHERE 年份 = '2021年'").unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let r = exec.run(&q).unwrap();
                assert_eq!(r.rows[0][0], Value::Integer(4268));
            });
        }
    });
}

/// Deterministic mutation stress of the validator (stands in for cargo-fuzz on stable).
#[test]
fn mutated_inputs_never_panic() {
    let guard = SqlGuard::new(catalog());
    let seeds: Vec<String> = read_jsonl("tests/data/guard_adversarial.jsonl").iter().map(|i| i["sql"].as_str().unwrap().to_string()).collect();
    let mut x: u64 = 0x9E3779B97F4A7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let alphabet: Vec<char> = "'\";()-*/ 年份营业收入bigSELECTFROMWHERE\n\t\\%_,.=<>0123456789".chars().collect();
    for _ in 0..5000 {
        let a = &seeds[(next() % seeds.len() as u64) as usize];
        let b = &seeds[(next() % seeds.len() as u64) as usize];
        let mut chars: Vec<char> = a.chars().collect();
        match next() % 4 {
            0 if !chars.is_empty() => {
                let i = (next() % chars.len() as u64) as usize;
                chars[i] = alphabet[(next() % alphabet.len() as u64) as usize];
            }
            1 => chars.truncate((next() % (chars.len() as u64 + 1)) as usize),
            2 => {
                let i = (next() % (chars.len() as u64 + 1)) as usize;
                let tail: Vec<char> = b.chars().collect();
                chars.splice(i..i, tail);
            }
            _ => chars.insert((next() % (chars.len() as u64 + 1)) as usize, alphabet[(next() % alphabet.len() as u64) as usize]),
        }
        let s: String = chars.into_iter().collect();
        let _ = guard.check(&s);
    }
}
