//! Each repair on a real example, each rule's refusal, and name resolution
//! (aliases, CTEs, derived tables, correlated subqueries) checked against SQLite.

mod common;

use guard::{ExecLimits, Executor, GuardError, Repair};

fn exec() -> Executor {
    Executor::open(&catalog::default_db_path(), ExecLimits::default()).unwrap()
}

/// Check, run, and return the repairs and the SQL that ran.
fn run_ok(sql: &str) -> (Vec<Repair>, String, guard::QueryResult) {
    let c = common::guard().check(sql).unwrap_or_else(|e| panic!("refused [{}] {e}: {sql}", e.rule()));
    let r = exec().run(&c).unwrap_or_else(|e| panic!("{e}: {}", c.sql));
    (c.repairs.clone(), c.sql.clone(), r)
}

const WULIANGYE_2021: f64 = 66209053612.11; // 营业收入 of 五粮液, 2021年, as stored

fn revenue(r: &guard::QueryResult) -> f64 {
    match r.rows.first().and_then(|row| row.first()) {
        Some(guard::Value::Real(v)) => *v,
        other => panic!("{other:?}"),
    }
}

#[test]
fn markdown_fence_is_stripped() {
    let (rep, sql, r) = run_ok("下面是查询：\n```sql\nSELECT 营业收入 FROM big WHERE 年份 = '2021年' AND 股票简称 = '五粮液'\n```\n它返回营业收入。");
    assert_eq!(rep, vec![Repair::StrippedMarkdownFence]);
    assert_eq!(sql, "SELECT 营业收入 FROM big WHERE 年份 = '2021年' AND 股票简称 = '五粮液'");
    assert_eq!(revenue(&r), WULIANGYE_2021);
}

#[test]
fn trailing_prose_is_stripped_but_second_statements_are_not() {
    let g = common::guard();
    let (rep, sql, _) = run_ok("SELECT 营业收入 FROM big WHERE 年份 = '2021年' AND 股票简称 = '五粮液';\n这条查询返回五粮液2021年的营业收入。");
    assert_eq!(rep, vec![Repair::StrippedTrailingText]);
    assert!(sql.ends_with("'五粮液'"));
    // Prose without a `;` on its own line.
    let (rep, _, _) = run_ok("SELECT 营业收入 FROM big WHERE 年份 = '2021年' AND 股票简称 = '五粮液'\n\n说明：营业收入单位为元。");
    assert_eq!(rep, vec![Repair::StrippedTrailingText]);
    // Real statements after `;`, however hidden, are refused, never cut off.
    for s in [
        "SELECT 1 FROM big; DELETE FROM big",
        "SELECT 1 FROM big; -- note\nDROP TABLE big",
        "SELECT 1 FROM big; /* x */ UPDATE big SET 年份 = 1",
        "SELECT 1 FROM big; SELECT 2 FROM big",
    ] {
        assert!(matches!(g.check(s), Err(GuardError::MultipleStatements(2))), "{s}: {:?}", g.check(s).map(|c| c.sql.clone()));
    }
    // Full-width letters are not folded into SQL, but the text after `；` is kept, so it is refused.
    assert_eq!(g.check("SELECT 1 FROM big；ＤＲＯＰ TABLE big").unwrap_err().rule(), "one-statement");
    // Prose that mentions a write is not trusted to be prose.
    assert!(g.check("SELECT 1 FROM big; 然后 drop table big").is_err());
}

#[test]
fn leading_prose_is_stripped() {
    let (rep, sql, _) = run_ok("SQL如下：SELECT 营业收入 FROM big WHERE 年份 = '2021年' AND 股票简称 = '五粮液'");
    assert_eq!(rep, vec![Repair::StrippedLeadingText]);
    assert!(sql.starts_with("SELECT"));
    assert!(common::guard().check("DELETE FROM big WHERE 1 = 1 OR SELECT").is_err());
}

#[test]
fn full_width_punctuation_outside_strings() {
    let (rep, sql, r) = run_ok("SELECT 营业收入 FROM big WHERE 年份 ＝ ‘2019年’ AND 股票简称 IN （'贵州茅台'，'五粮液'） ORDER BY 营业收入 DESC；");
    assert_eq!(rep, vec![Repair::FullWidthPunctuation]);
    assert_eq!(sql, "SELECT 营业收入 FROM big WHERE 年份 = '2019年' AND 股票简称 IN ('贵州茅台','五粮液') ORDER BY 营业收入 DESC");
    assert_eq!(r.rows.len(), 2);
    // Full-width text inside a literal is a value and stays.
    let c = common::guard().check("SELECT 公司名称 FROM big WHERE 公司名称 = '（测试），公司'").unwrap();
    assert!(c.repairs.is_empty());
    assert!(c.sql.contains("'（测试），公司'"));
}

#[test]
fn glued_keywords_get_a_space() {
    let (rep, sql, _) = run_ok("SELECT营业收入FROM big WHERE 年份 = '2021年' AND 股票简称 = '五粮液'");
    assert_eq!(rep, vec![Repair::SpacedKeyword]);
    assert!(sql.starts_with("SELECT 营业收入 FROM big"));
}

#[test]
fn year_literals_compared_with_nianfen() {
    for (input, from) in [
        ("SELECT 营业收入 FROM big WHERE 年份 = 2021 AND 股票简称 = '五粮液'", "2021"),
        ("SELECT 营业收入 FROM big WHERE 年份 = '2021' AND 股票简称 = '五粮液'", "'2021'"),
        ("SELECT 营业收入 FROM big WHERE 2021 = 年份 AND 股票简称 = '五粮液'", "2021"),
        ("SELECT 营业收入 FROM big WHERE 年份 = 2021年 AND 股票简称 = '五粮液'", "2021年"),
        ("SELECT b.营业收入 FROM big b WHERE b.年份 = 2021 AND b.股票简称 = '五粮液'", "2021"),
    ] {
        let (rep, sql, r) = run_ok(input);
        assert_eq!(rep, vec![Repair::YearLiteral { from: from.into(), to: "2021年".into() }], "{input}");
        assert!(sql.contains("'2021年'"), "{sql}");
        assert_eq!(revenue(&r), WULIANGYE_2021, "{input}");
    }
    let (rep, sql, r) = run_ok("SELECT 年份, 营业收入 FROM big WHERE 年份 IN ('2021', 2020) AND 股票简称 = '五粮液' ORDER BY 年份");
    assert_eq!(rep.len(), 2);
    assert!(sql.contains("IN ('2021年', '2020年')"), "{sql}");
    assert_eq!(r.rows.len(), 2);
    let (rep, sql, r) = run_ok("SELECT count(*) FROM big WHERE 年份 BETWEEN 2019 AND 2021 AND 股票简称 = '五粮液'");
    assert_eq!(rep.len(), 2);
    assert!(sql.contains("BETWEEN '2019年' AND '2021年'"), "{sql}");
    assert_eq!(r.rows[0][0], guard::Value::Integer(3));
    // Years elsewhere are values as written.
    let c = common::guard().check("SELECT 公司名称 FROM big WHERE 注册地址 LIKE '%2021%' AND 营业收入 > 2021").unwrap();
    assert!(c.repairs.is_empty());
}

#[test]
fn quoted_column_names_and_double_quoted_values() {
    let (rep, sql, r) = run_ok("SELECT 公司名称 FROM big WHERE 年份 = '2021年' ORDER BY '营业收入' DESC LIMIT 1");
    assert_eq!(rep, vec![Repair::QuotedChineseIdentifier("营业收入".into())]);
    assert!(sql.contains("ORDER BY \"营业收入\" DESC"), "{sql}");
    assert_eq!(r.rows[0][0], guard::Value::Text("上海汽车集团股份有限公司".into()), "sorted by the column, not a constant");
    let (rep, _, r) = run_ok("SELECT max('营业收入') FROM big WHERE 年份 = '2021年'");
    assert_eq!(rep, vec![Repair::QuotedChineseIdentifier("营业收入".into())]);
    assert!(matches!(r.rows[0][0], guard::Value::Real(_)));
    let (rep, sql, r) = run_ok("SELECT 营业收入 FROM big WHERE 年份 = \"2021年\" AND 股票简称 = \"五粮液\"");
    assert_eq!(rep, vec![Repair::DoubleQuotedString("2021年".into()), Repair::DoubleQuotedString("五粮液".into())]);
    assert!(sql.contains("股票简称 = '五粮液'"), "{sql}");
    assert_eq!(revenue(&r), WULIANGYE_2021);
    // A label next to its column stays a label; a double-quoted column stays a column.
    let c = common::guard().check("SELECT '营业收入', 营业收入 FROM big WHERE 年份 = '2021年' AND \"股票简称\" = '五粮液'").unwrap();
    assert!(c.repairs.is_empty(), "{:?}", c.repairs);
}

#[test]
fn extra_semicolons_are_noted_a_single_one_is_not() {
    let g = common::guard();
    let c = g.check("SELECT 公司名称 FROM big LIMIT 1;").unwrap();
    assert!(c.repairs.is_empty());
    assert_eq!(c.sql, "SELECT 公司名称 FROM big LIMIT 1");
    let c = g.check("SELECT 公司名称 FROM big LIMIT 1;; -- done").unwrap();
    assert_eq!(c.repairs, vec![Repair::TrailingSemicolon]);
    assert_eq!(c.sql, "SELECT 公司名称 FROM big LIMIT 1");
}

#[test]
fn repairs_display_in_both_languages() {
    for r in [
        Repair::StrippedMarkdownFence,
        Repair::StrippedLeadingText,
        Repair::StrippedTrailingText,
        Repair::FullWidthPunctuation,
        Repair::SpacedKeyword,
        Repair::QuotedChineseIdentifier("营业收入".into()),
        Repair::DoubleQuotedString("五粮液".into()),
        Repair::YearLiteral { from: "2021".into(), to: "2021年".into() },
        Repair::TrailingSemicolon,
    ] {
        let s = r.to_string();
        assert!(s.chars().any(|c| c.is_ascii_alphabetic()) && s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)), "{s}");
        assert!(serde_json_value(&r).is_some());
    }
}

fn serde_json_value(r: &Repair) -> Option<serde_json::Value> {
    serde_json::to_value(r).ok()
}

#[test]
fn unknown_names_suggest_nearest() {
    let g = common::guard();
    match g.check("SELECT 营业收人 FROM big WHERE 年份 = '2021年'") {
        Err(e @ GuardError::UnknownColumn { .. }) => {
            assert_eq!(e.rule(), "known-columns");
            let GuardError::UnknownColumn { name, nearest } = &e else { unreachable!() };
            assert_eq!(name, "营业收人");
            assert_eq!(nearest.first().map(String::as_str), Some("营业收入"), "{nearest:?}");
            assert!(e.to_string().contains("营业收入"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    match g.check("SELECT 公司名称 FROM big ORDER BY 净利闰 DESC") {
        Err(GuardError::UnknownColumn { nearest, .. }) => assert_eq!(nearest.first().map(String::as_str), Some("净利润"), "{nearest:?}"),
        other => panic!("{other:?}"),
    }
    match g.check("SELECT 营业收入 FROM bigg") {
        Err(e @ GuardError::UnknownTable { .. }) => {
            assert_eq!(e.rule(), "known-tables");
            assert!(matches!(&e, GuardError::UnknownTable { nearest, .. } if nearest.contains(&"big".to_string())));
        }
        other => panic!("{other:?}"),
    }
    // A qualified column must belong to that table.
    match g.check("SELECT p.营业收入 FROM people p") {
        Err(GuardError::UnknownColumn { name, .. }) => assert_eq!(name, "营业收入"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn names_resolve_through_aliases_ctes_derived_tables_and_subqueries() {
    for sql in [
        "SELECT a.净利润 - b.净利润 AS 差 FROM big a JOIN big b ON a.公司名称 = b.公司名称 WHERE a.年份 = '2021年' AND b.年份 = '2020年' ORDER BY 差 DESC LIMIT 3",
        "WITH t AS (SELECT 公司名称, 营业收入 AS r FROM big WHERE 年份 = '2021年') SELECT 公司名称 FROM t ORDER BY r DESC LIMIT 1",
        "WITH t(名, r) AS (SELECT 公司名称, 营业收入 FROM big WHERE 年份 = '2021年') SELECT t.名 FROM t ORDER BY t.r DESC LIMIT 1",
        "WITH t AS (SELECT * FROM big WHERE 年份 = '2021年'), u AS (SELECT 公司名称, 营业收入 FROM t) SELECT u.公司名称 FROM u LIMIT 2",
        "SELECT x.n FROM (SELECT count(*) AS n FROM big) x",
        "SELECT n FROM (SELECT count(*) AS n FROM big)",
        "SELECT \"count(*)\" FROM (SELECT count(*) FROM big)",
        "SELECT 公司名称, rank() OVER (ORDER BY 营业收入 DESC) AS rk FROM big WHERE 年份 = '2021年' LIMIT 3",
        "SELECT 公司名称 FROM big o WHERE 年份 = '2021年' AND 营业收入 > (SELECT avg(i.营业收入) FROM big i WHERE i.年份 = o.年份) LIMIT 3",
        "SELECT 公司名称 FROM big WHERE EXISTS (SELECT 1 FROM people p WHERE p.股票代码 = big.股票代码) LIMIT 2",
        "SELECT 股票代码 FROM people UNION SELECT 股票代码 FROM baseinfo ORDER BY 股票代码 LIMIT 2",
        "SELECT 公司名称 AS n FROM big UNION ALL SELECT 股票简称 FROM big ORDER BY n LIMIT 2",
        "SELECT 年份, count(*) AS c FROM big GROUP BY 年份 HAVING c > 1 ORDER BY c DESC",
        "SELECT b.公司名称, p.职工人数 FROM big b LEFT JOIN people p ON p.股票代码 = b.股票代码 AND p.年份 = b.年份 LIMIT 2",
        "SELECT 公司名称 FROM big JOIN people USING (股票代码, 年份) LIMIT 2",
        "SELECT big.* FROM big LIMIT 1",
        "SELECT t.* FROM (SELECT 公司名称 FROM big) t LIMIT 1",
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) SELECT x FROM c",
        "SELECT CAST(营业收入 AS INTEGER), round(净利润 / 营业收入, 4), iif(营业收入 > 0, 'y', 'n') FROM big LIMIT 1",
        "SELECT 公司名称 FROM BIG WHERE 年份 = '2021年' LIMIT 1",
        "SELECT [公司名称], `股票代码` FROM big LIMIT 1",
        "SELECT 1",
        "VALUES (1, 2)",
    ] {
        let (rep, _, _) = run_ok(sql);
        assert!(rep.is_empty(), "{sql}: {rep:?}");
    }
}

#[test]
fn out_of_scope_names_are_refused() {
    let g = common::guard();
    for (sql, rule) in [
        ("SELECT a.营业收入 FROM big b", "known-tables"),
        ("WITH t AS (SELECT 公司名称 FROM big) SELECT 营业收入 FROM t", "known-columns"),
        ("SELECT x.营业收入 FROM (SELECT 公司名称 FROM big) x", "known-columns"),
        ("SELECT 营业收入 FROM (SELECT 公司名称 FROM big)", "known-columns"),
        ("SELECT 职工人数 FROM big", "known-columns"),
        ("SELECT 公司名称", "known-columns"),
        ("SELECT rowid FROM big", "known-columns"),
        ("SELECT * FROM sqlite_master", "known-tables"),
        ("SELECT * FROM main.big", "allowed-constructs"),
        ("SELECT * FROM pragma_table_info('big')", "allowed-constructs"),
        ("SELECT 1 FROM big WHERE 公司名称 = ?", "allowed-constructs"),
        ("SELECT * INTO t FROM big", "allowed-constructs"),
        ("SELECT hex(公司名称) FROM big", "allowed-functions"),
        ("SELECT main.abs(1) FROM big", "allowed-functions"),
        ("WITH x AS (DELETE FROM people RETURNING *) SELECT * FROM x", "read-only"),
        ("SELECT * FROM (DELETE FROM people RETURNING *)", "read-only"),
        ("PRAGMA query_only = 0", "read-only"),
        ("SELECT 1 FROM big; SELECT 2 FROM big", "one-statement"),
        ("SELECT FROM WHERE", "parse"),
    ] {
        match g.check(sql) {
            Err(e) => assert_eq!(e.rule(), rule, "{sql}: {e}"),
            Ok(c) => panic!("{sql} passed as {}", c.sql),
        }
    }
}

#[test]
fn referenced_columns_lists_catalog_columns() {
    let g = common::guard();
    let c = g.check("SELECT a.公司名称, 营业收入 AS r FROM big a WHERE 年份 = '2021年' ORDER BY r").unwrap();
    let cols: Vec<String> = guard::referenced_columns(&c.statement, &common::catalog()).into_iter().collect();
    assert_eq!(cols, vec!["公司名称", "年份", "营业收入"]);
}

/// sqlparser reads these calls as expressions of their own, not `Expr::Function`;
/// they meet the same allow-list (before, `ceil`, `POSITION`, `->` passed the guard).
#[test]
fn special_expression_functions_meet_the_allow_list() {
    let g = common::guard();
    for (sql, name) in [
        ("SELECT ceil(营业收入) FROM big", "ceil"),
        ("SELECT FLOOR(营业收入) FROM big", "floor"),
        ("SELECT POSITION('银行' IN 公司名称) FROM big", "position"),
        ("SELECT EXTRACT(YEAR FROM 年份) FROM big", "extract"),
        ("SELECT 公司名称 -> '$.a' FROM big", "-> (json)"),
        ("SELECT 公司名称 ->> '$.a' FROM big", "->> (json)"),
        ("SELECT 公司名称 FROM big WHERE ceil(营业收入) > 1", "ceil"),
    ] {
        match g.check(sql) {
            Err(GuardError::ForbiddenFunction(f)) => assert_eq!(f.to_lowercase(), name, "{sql}"),
            other => panic!("{sql}: {:?}", other.map(|c| c.sql.clone())),
        }
    }
    for sql in ["SELECT SUBSTRING(公司名称, 1, 2) FROM big", "SELECT TRIM(公司名称) FROM big", "SELECT substr(公司名称, 1, 2) FROM big"] {
        assert!(g.check(sql).is_ok(), "{sql}");
    }
}

/// A statement rewritten after approval is only runnable through `recheck`.
#[test]
fn recheck_validates_a_rewritten_statement_again() {
    let g = common::guard();
    let first = g.check("SELECT 营业收入 FROM big WHERE 公司名称 = '比亚迪' AND 年份 = 2021").unwrap();
    let parse = |s: &str| sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::SQLiteDialect {}, s).unwrap().remove(0);
    let fixed = parse("SELECT 营业收入 FROM big WHERE 公司名称 = '比亚迪股份有限公司' AND 年份 = '2021年'");
    let again = g.recheck(&first, &fixed).unwrap();
    assert_eq!(again.sql, "SELECT 营业收入 FROM big WHERE 公司名称 = '比亚迪股份有限公司' AND 年份 = '2021年'");
    assert_eq!(again.original, first.original);
    assert_eq!(again.repairs, first.repairs);
    for bad in ["SELECT readfile('/etc/passwd') FROM big", "SELECT 不存在 FROM big", "SELECT * FROM sqlite_master", "SELECT ceil(营业收入) FROM big"] {
        assert!(g.recheck(&first, &parse(bad)).is_err(), "{bad}");
    }
    let delete = parse("DELETE FROM big");
    assert!(matches!(g.recheck(&first, &delete), Err(GuardError::NotAQuery(_))));
}

/// The invariant the `repair` fuzz target asserts, over the committed corpus and
/// glued/fenced variants of it: the scanner's output stays in proportion to its input.
#[test]
fn repair_scanner_output_stays_in_proportion() {
    let g = common::guard();
    for item in common::read_jsonl("tests/data/guard_adversarial.jsonl") {
        let sql = item["sql"].as_str().unwrap();
        for text in [sql.to_string(), format!("```sql\n{sql}\n```\n说明：查询"), sql.replace(' ', ""), sql.replace(' ', "　").replace('=', "＝")] {
            let (out, repairs) = g.repair_text(&text);
            assert!(out.len() <= 2 * text.len() + 64, "{} bytes from {}: {text:?}", out.len(), text.len());
            assert!(repairs.len() <= text.len() + 8, "{text:?}");
        }
    }
}
