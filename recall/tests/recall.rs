//! Recall on real questions against the real catalog: each matcher, entities,
//! bad input. Questions here are written for the tests, not taken from eval lists.

use recall::{LinkedBy, MatchPath, RecallError, Recaller};
use std::sync::OnceLock;

fn recaller() -> &'static Recaller {
    static R: OnceLock<Recaller> = OnceLock::new();
    R.get_or_init(|| {
        let c = catalog::Catalog::load_default().expect("catalog");
        Recaller::open_default(&c).expect("recaller")
    })
}

fn paths(r: &recall::RecallResult, col: &str) -> Vec<MatchPath> {
    r.columns.iter().find(|c| c.name == col).map(|c| c.evidence.iter().map(|e| e.path).collect()).unwrap_or_default()
}

#[test]
fn exact_name_and_alias() {
    let r = recaller().recall("2021年贵州茅台的营业收入是多少元？").unwrap();
    assert!(paths(&r, "营业收入").contains(&MatchPath::Name));
    assert!(!r.contains("营业总收入"), "{:?}", r.column_names());
    let r = recaller().recall("2020年贵州茅台的营收和研发投入分别是多少").unwrap();
    assert!(paths(&r, "营业收入").contains(&MatchPath::Alias));
    assert!(paths(&r, "研发费用").contains(&MatchPath::Alias));
}

#[test]
fn longer_mention_wins_over_contained_one() {
    let r = recaller().recall("2021年贵州茅台归属于母公司股东的净利润是多少？").unwrap();
    assert!(r.contains("归属于母公司股东的净利润"));
    assert!(!paths(&r, "净利润").contains(&MatchPath::Name), "净利润 should not be an exact hit inside the longer name");
}

#[test]
fn mandatory_columns_always_present() {
    let r = recaller().recall("2021年贵州茅台的营业收入是多少元？").unwrap();
    for m in ["公司名称", "股票代码", "股票简称", "年份"] {
        assert!(r.columns.iter().any(|c| c.name == m && c.mandatory), "{m} missing");
    }
}

#[test]
fn metrics_bring_their_columns() {
    let r = recaller().recall("请计算2021年贵州茅台的资产负债率，保留两位小数").unwrap();
    assert!(r.contains("负债合计") && r.contains("资产总计"), "{:?}", r.column_names());
    assert_eq!(r.metrics[0].name, "资产负债率");
}

#[test]
fn lexical_catches_a_typo_in_a_column_name() {
    let r = recaller().recall("2021年贵州茅台的营业收人是多少").unwrap();
    assert!(paths(&r, "营业收入").contains(&MatchPath::Lexical), "{:?}", r.columns.iter().map(|c| (&c.name, &c.evidence)).collect::<Vec<_>>());
}

#[test]
fn place_names_point_at_the_address() {
    // A bare city reads the office address ([places] in the schema file); 注册 the registered one.
    let r = recaller().recall("2020年扬州市净利润最高的公司是哪家？").unwrap();
    assert!(paths(&r, "办公地址").contains(&MatchPath::Value), "{:?}", r.column_names());
    assert_eq!(r.entities.places.first().map(|p| (p.place.as_str(), p.column.as_str())), Some(("扬州", "办公地址")));
    assert!(r.contains("净利润"));
    let r = recaller().recall("2020年注册在扬州的公司中净利润最高的是哪家？").unwrap();
    assert!(paths(&r, "注册地址").contains(&MatchPath::Value), "{:?}", r.column_names());
    assert_eq!(r.entities.places.first().map(|p| p.column.as_str()), Some("注册地址"));
}

#[test]
fn companies_by_full_name_short_name_code_and_typo() {
    let r = recaller().recall("贵州茅台酒股份有限公司2019年的法定代表人是谁").unwrap();
    assert_eq!(r.entities.companies[0].linked_by, LinkedBy::FullName);
    let r = recaller().recall("股票代码600519的公司2019年的营业收入").unwrap();
    assert_eq!(r.entities.companies[0].full_name, "贵州茅台酒股份有限公司");
    assert_eq!(r.entities.companies[0].linked_by, LinkedBy::StockCode);
    let r = recaller().recall("贵州茅台2019年的营业收入").unwrap();
    assert_eq!(r.entities.companies[0].linked_by, LinkedBy::ShortName);
    let r = recaller().recall("贵州茅苔2019年的营业收入是多少").unwrap();
    assert_eq!(r.entities.companies.first().map(|c| c.full_name.as_str()), Some("贵州茅台酒股份有限公司"), "{:?}", r.entities);
    assert_eq!(r.entities.companies[0].linked_by, LinkedBy::Fuzzy);
}

#[test]
fn company_name_does_not_leak_columns() {
    // 「上海汽车集团」 contains no column, but company spans must block column hits inside them.
    let r = recaller().recall("上海汽车集团股份有限公司2021年的营业收入").unwrap();
    assert_eq!(r.entities.companies.len(), 1);
}

#[test]
fn unknown_company_is_reported_with_nearest_names() {
    let r = recaller().recall("2021年火星矿业股份有限公司的营业收入是多少？").unwrap();
    let u = r.entities.unknown_company.expect("unknown company");
    assert!(u.mention.contains("火星矿业"), "{u:?}");
    assert!(!u.nearest.is_empty());
    let r = recaller().recall("股票代码为999999的公司2021年营业收入").unwrap();
    assert!(r.entities.unknown_company.is_some());
    // A count is not a company.
    let r = recaller().recall("2021年净利润最高的十家公司是哪些").unwrap();
    assert!(r.entities.unknown_company.is_none(), "{:?}", r.entities);
}

#[test]
fn years_in_every_form() {
    let y = |q: &str| recaller().recall(q).unwrap().entities.years;
    assert_eq!(y("2021年贵州茅台的营业收入"), vec!["2021年"]);
    assert_eq!(y("21年贵州茅台的营业收入"), vec!["2021年"]);
    assert_eq!(y("贵州茅台2019-2021年的营业收入"), vec!["2019年", "2020年", "2021年"]);
    assert_eq!(y("从2019年到2021年贵州茅台的法定代表人是否相同"), vec!["2019年", "2020年", "2021年"]);
    assert_eq!(y("2021年贵州茅台的法定代表人与上年是否相同"), vec!["2021年", "2020年"]);
    assert_eq!(y("2021年贵州茅台的法定代表人与前两年是否相同"), vec!["2021年", "2020年", "2019年"]);
    assert_eq!(y("2021年贵州茅台营业收入增长率"), vec!["2021年", "2020年"]);
    // A stock code is not a year.
    assert!(y("股票代码600519的营业收入").is_empty());
}

#[test]
fn bad_input_is_a_clear_error_never_a_panic() {
    assert_eq!(recaller().recall("").unwrap_err(), RecallError::Empty);
    assert_eq!(recaller().recall("   \n").unwrap_err(), RecallError::Empty);
    assert!(matches!(recaller().recall(&"营业收入".repeat(1250)).unwrap_err(), RecallError::TooLong { .. }));
    assert!(matches!(recaller().recall("What was revenue in 2021?").unwrap_err(), RecallError::NotChinese(_)));
    assert!(matches!(recaller().recall("？？！！。。").unwrap_err(), RecallError::NotChinese(_)));
    assert!(matches!(recaller().recall("🙂🙂🙂").unwrap_err(), RecallError::NotChinese(_)));
    // Chinese but nothing to match: an empty content recall, mandatory columns only.
    let r = recaller().recall("今天天气怎么样").unwrap();
    assert!(r.columns.iter().all(|c| c.mandatory), "{:?}", r.column_names());
}

#[test]
fn every_column_carries_evidence() {
    let r = recaller().recall("2020年在南京注册的公司中研发费用最高的是哪家").unwrap();
    for c in &r.columns {
        assert!(!c.evidence.is_empty(), "{} has no evidence", c.name);
    }
    assert!(r.columns.len() <= 10);
}

#[test]
fn company_named_resolves_whole_literals_to_the_full_name() {
    let linker = recaller().linker();
    let full = |s: &str| linker.company_named(s).map(|c| c.full_name.clone());
    let dp = Some("东鹏饮料集团股份有限公司".to_string());
    assert_eq!(full("东鹏饮料集团股份有限公司"), dp);
    assert_eq!(full("东鹏饮料"), dp, "short name");
    assert_eq!(full("605499"), dp, "stock code");
    assert_eq!(full("东鹏饮料集团"), dp, "without 股份有限公司");
    assert_eq!(full(" 东鹏饮料 "), dp, "surrounding blanks");
    // Half a legal suffix, a part of a name, or nothing: no company.
    assert_eq!(full("东鹏饮料集团股份有限"), None);
    assert_eq!(full("东鹏"), None);
    assert_eq!(full(""), None);
    assert_eq!(full("营业收入"), None);
}

#[test]
fn stated_years_the_data_lacks_are_reported() {
    let r = recaller().recall("宁德时代2018年的净利润").unwrap();
    assert_eq!(r.entities.years_not_held, vec!["2018年"]);
    let r = recaller().recall("宁德时代2019到2023年的营业收入").unwrap();
    assert_eq!(r.entities.years_not_held, vec!["2023年"]);
    // 2019's growth needs 2018, but the question does not ask for 2018.
    let r = recaller().recall("2019年宁德时代营业收入同比增长多少").unwrap();
    assert!(r.entities.years.contains(&"2018年".to_string()));
    assert!(r.entities.years_not_held.is_empty(), "{:?}", r.entities.years_not_held);
    let r = recaller().recall("21年宁德时代的营业收入").unwrap();
    assert!(r.entities.years_not_held.is_empty());
    // An amount of four digits is not a year.
    let r = recaller().recall("2021年营业收入超过2000亿的公司").unwrap();
    assert_eq!((r.entities.years.clone(), r.entities.years_not_held.len()), (vec!["2021年".to_string()], 0), "{:?}", r.entities);
}

#[test]
fn latin_names_where_a_company_stands_are_foreign_names() {
    let r = recaller().recall("CATL 2021年营业收入是多少").unwrap();
    assert_eq!(r.entities.foreign_name.as_deref(), Some("CATL"), "{:?}", r.entities);
    assert!(r.entities.companies.is_empty());
    // Latin letters inside a registered short name, and a ranking's top5, are not foreign names.
    let r = recaller().recall("TCL科技2021年营业收入是多少").unwrap();
    assert!(r.entities.foreign_name.is_none() && !r.entities.companies.is_empty(), "{:?}", r.entities);
    let r = recaller().recall("top5 2021年营业收入最高的公司").unwrap();
    assert!(r.entities.foreign_name.is_none(), "{:?}", r.entities);
}

#[test]
fn words_cut_across_an_amount_are_not_company_names() {
    let r = recaller().recall("2020年净利润在10亿到20亿之间的公司有哪些").unwrap();
    assert!(r.entities.unknown_company.is_none(), "{:?}", r.entities.unknown_company);
    assert_eq!(r.entities.amounts.len(), 2);
}

#[test]
fn a_two_character_short_form_one_character_off_a_column_is_still_a_company() {
    // 「伊利」 is one character off 毛利, 「保利」 too, 「华润」 off 利润: short forms first.
    let r = recaller().recall("伊利2019年净利润是多少").unwrap();
    assert_eq!(r.entities.companies.iter().map(|c| c.full_name.as_str()).collect::<Vec<_>>(), ["内蒙古伊利实业集团股份有限公司"]);
    for (q, mention) in [("保利2020年营业收入", "保利"), ("2019年华润的净利润", "华润")] {
        let r = recaller().recall(q).unwrap();
        let a = r.entities.ambiguous_company.as_ref().unwrap_or_else(|| panic!("{q}: {:?}", r.entities));
        assert_eq!(a.mention, mention);
        assert!(a.candidates.len() >= 2, "{q}: {:?}", a.candidates);
    }
    // Words that fit no company stay column-like: no unknown company from 「所有」 or 「员工」.
    for q in ["2020年所有公司的营业收入合计", "2021年员工超过3万人的公司"] {
        let r = recaller().recall(q).unwrap();
        assert!(r.entities.unknown_company.is_none() && r.entities.ambiguous_company.is_none(), "{q}: {:?}", r.entities);
    }
}
