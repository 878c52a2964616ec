//! Follow-up questions end to end: each kind of follow-up is completed by the
//! `Session` from the turn before, the completed question is answered by the real
//! model on the real database, and what ran is checked. Questions written for this
//! test (none from an evaluation list or the conversation dev set).

use engine::eval::results_match;
use engine::{Config, Engine, FollowUp, Session};
use guard::{ExecLimits, Executor};
use std::sync::OnceLock;

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::open(Config { show_progress: false, ..Config::default() }).expect("engine"))
}

fn gold(sql: &str) -> guard::QueryResult {
    let e = engine();
    let exec = Executor::open(&catalog::default_db_path(), ExecLimits::default()).unwrap();
    exec.run(&e.guard.check(sql).unwrap()).unwrap()
}

struct Turn<'a> {
    asked: &'a str,
    follow_up: FollowUp,
    /// Words the completed question must contain.
    understood_has: &'a [&'a str],
    /// Gold SQL whose rows the answer must equal (unordered), if the model is to be held to it.
    gold: Option<&'a str>,
    /// Full names the SQL that ran must name.
    sql_names: &'a [&'a str],
}

fn run(turns: &[Turn]) {
    let e = engine();
    let mut s = Session::new();
    for t in turns {
        let a = s.ask(e, t.asked, &e.gen_options()).unwrap_or_else(|err| panic!("{}: {err}", t.asked));
        let u = a.understood.clone().unwrap();
        assert_eq!(u.follow_up, t.follow_up, "{} → {}", t.asked, u.question);
        for w in t.understood_has {
            assert!(u.question.contains(w), "「{}」 understood as 「{}」 lacks 「{w}」", t.asked, u.question);
        }
        assert_eq!(a.question, u.question, "the model sees the completed question");
        let sql = a.sql.clone().unwrap_or_else(|| panic!("{} ({}): no SQL ran: {}", t.asked, u.question, a.sentence));
        for n in t.sql_names {
            assert!(sql.to_uppercase().contains(&n.to_uppercase()), "{} ({}): SQL lacks {n}: {sql}", t.asked, u.question);
        }
        if let Some(g) = t.gold {
            let r = a.result.as_ref().unwrap();
            assert!(results_match(r, &gold(g), false), "{} ({}): {sql} gave {:?}", t.asked, u.question, r.rows);
        }
    }
}

const BYD: &str = "比亚迪股份有限公司";
const GWM: &str = "长城汽车股份有限公司";

#[test]
fn year_company_metric_and_column_follow_ups() {
    run(&[
        Turn { asked: "比亚迪2021年营收多少？", follow_up: FollowUp::Standalone, understood_has: &["比亚迪2021年营收"], gold: Some("SELECT 营业收入 FROM big WHERE 公司名称 = '比亚迪股份有限公司' AND 年份 = '2021年'"), sql_names: &[BYD] },
        Turn { asked: "那2020年呢？", follow_up: FollowUp::Year, understood_has: &["比亚迪", "2020年", "营收"], gold: Some("SELECT 营业收入 FROM big WHERE 公司名称 = '比亚迪股份有限公司' AND 年份 = '2020年'"), sql_names: &[BYD] },
        Turn { asked: "换成长城汽车", follow_up: FollowUp::Company, understood_has: &["长城汽车", "2020年", "营收"], gold: Some("SELECT 营业收入 FROM big WHERE 公司名称 = '长城汽车股份有限公司' AND 年份 = '2020年'"), sql_names: &[GWM] },
        Turn { asked: "那净利润呢", follow_up: FollowUp::Metric, understood_has: &["长城汽车", "2020年", "净利润"], gold: Some("SELECT 净利润 FROM big WHERE 公司名称 = '长城汽车股份有限公司' AND 年份 = '2020年'"), sql_names: &[GWM] },
        Turn { asked: "再加上研发费用", follow_up: FollowUp::Column, understood_has: &["净利润和研发费用"], gold: Some("SELECT 净利润, 研发费用 FROM big WHERE 公司名称 = '长城汽车股份有限公司' AND 年份 = '2020年'"), sql_names: &[GWM] },
    ]);
}

#[test]
fn compare_rank_topn_and_trend_follow_ups() {
    run(&[
        Turn { asked: "比亚迪2021年净利润是多少？", follow_up: FollowUp::Standalone, understood_has: &[], gold: None, sql_names: &[BYD] },
        Turn { asked: "和长城汽车比呢", follow_up: FollowUp::Compare, understood_has: &["比亚迪和长城汽车", "2021年", "净利润", "谁更高"], gold: None, sql_names: &[BYD, GWM] },
    ]);
    run(&[
        Turn { asked: "比亚迪、长城汽车和长安汽车2021年的营收分别是多少？", follow_up: FollowUp::Standalone, understood_has: &[], gold: None, sql_names: &[BYD, GWM] },
        Turn { asked: "按净利润排一下", follow_up: FollowUp::Rank, understood_has: &["比亚迪、长城汽车和长安汽车", "2021年", "按净利润从高到低排名"], gold: None, sql_names: &[BYD, GWM, "ORDER BY"] },
    ]);
    run(&[
        Turn { asked: "2021年营业收入最高的3家公司是哪些？", follow_up: FollowUp::Standalone, understood_has: &[], gold: None, sql_names: &["LIMIT 3"] },
        Turn { asked: "前五名呢", follow_up: FollowUp::TopN, understood_has: &["2021年营业收入最高的五家公司"], gold: None, sql_names: &["LIMIT 5"] },
    ]);
    run(&[
        Turn { asked: "宁德时代2020年研发费用是多少？", follow_up: FollowUp::Standalone, understood_has: &[], gold: None, sql_names: &["宁德时代新能源科技股份有限公司"] },
        Turn { asked: "每年的呢", follow_up: FollowUp::Trend, understood_has: &["宁德时代", "2019年到2021年每年", "研发费用"], gold: None, sql_names: &["2019年", "2021年"] },
    ]);
}

#[test]
fn a_complete_question_is_left_alone_and_new_starts_over() {
    let e = engine();
    let mut s = Session::new();
    s.ask(e, "比亚迪2021年营收多少？", &e.gen_options()).unwrap();
    let u = s.understand("贵州茅台2020年的净利润是多少？", &e.recaller).unwrap();
    assert_eq!(u.follow_up, FollowUp::Standalone);
    assert_eq!(u.question, "贵州茅台2020年的净利润是多少？");
    assert_eq!(s.understand("那2020年呢？", &e.recaller).unwrap().follow_up, FollowUp::Year);
    s.reset();
    let after = s.understand("那2020年呢？", &e.recaller).unwrap();
    assert_eq!(after.follow_up, FollowUp::Standalone, "no context after a reset");
    assert_eq!(after.question, "那2020年呢？");
}
