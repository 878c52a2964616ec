//! The one prompt builder, used for serving and for `export-sft`, so training
//! and serving see the same text. It holds only what recall found.

use catalog::Catalog;
use llm::ChatPrompt;
use recall::RecallResult;

/// Fixed for every question: its KV cache is computed once and reused.
pub const SYSTEM_PROMPT: &str = "你是SQLite专家。根据给出的表 big 的列和问题，写一条 SQLite 查询。\
只输出SQL，不要解释。规则：年份列的值带“年”字，如 '2021年'；公司名称用给出的全称；\
只用给出的列；比率/增长率在SQL中计算；若给出的列无法回答问题，只输出：-- 无法回答";

/// Marker the model emits when the recalled columns cannot answer the question.
pub const REFUSAL_MARKER: &str = "-- 无法回答";

pub fn build_prompt(recall: &RecallResult, catalog: &Catalog) -> ChatPrompt {
    let mut u = String::from("表 big 的列：\n");
    for c in &recall.columns {
        u.push_str(&c.name);
        u.push(' ');
        u.push_str(&c.sql_type);
        if let Some(note) = column_note(&c.name, catalog) {
            u.push_str(" -- ");
            u.push_str(&note);
        }
        u.push('\n');
    }
    let e = &recall.entities;
    if !e.companies.is_empty() || !e.years.is_empty() || !e.amounts.is_empty() || !e.places.is_empty() {
        u.push_str("已识别：");
        let mut parts: Vec<String> = e
            .companies
            .iter()
            .map(|c| if c.mention == c.full_name { format!("公司名称='{}'", c.full_name) } else { format!("「{}」即 公司名称='{}'", c.mention, c.full_name) })
            .collect();
        if !e.years.is_empty() {
            parts.push(format!("年份={}", e.years.iter().map(|y| format!("'{y}'")).collect::<Vec<_>>().join(",")));
        }
        // Amounts in the columns' units, so 「2000亿」 is never written as 20000000.
        parts.extend(e.amounts.iter().map(|a| format!("「{}」={}", a.mention, a.sql_literal())));
        // The address column the words point to (注册 → registered, else office), so the
        // model never has to guess between the two.
        parts.extend(e.places.iter().map(|p| format!("地点：{} like '%{}%'", p.column, p.place)));
        u.push_str(&parts.join("；"));
        u.push('\n');
    }
    for m in &recall.metrics {
        u.push_str(&format!("指标：{} = {}\n", m.name, m.formula));
    }
    u.push_str("问题：");
    u.push_str(&recall.question);
    ChatPrompt { system: SYSTEM_PROMPT.to_string(), user: u }
}

/// After a refusal: the question's words that name a content column verbatim (its
/// name or an alias of three characters or more), as 「word」即 column; none when no
/// column was named so. A two-character alias (「收入」) is also the tail of items the
/// table lacks (「液态奶收入」), so it does not contradict a refusal.
pub fn named_columns_note(recall: &RecallResult) -> Option<String> {
    let mut named: Vec<String> = Vec::new();
    for c in recall.columns.iter().filter(|c| !c.mandatory) {
        let names_it = |e: &&recall::Evidence| matches!(e.path, recall::MatchPath::Name | recall::MatchPath::Alias) && e.word.chars().count() >= 3;
        for e in c.evidence.iter().filter(names_it) {
            let item = if e.word == c.name { format!("「{}」", c.name) } else { format!("「{}」即 {}", e.word, c.name) };
            if !named.contains(&item) {
                named.push(item);
            }
        }
    }
    (!named.is_empty()).then(|| format!("问题中的{}是表 big 中的列，可以回答。请写SQL，只输出SQL。", named.join("、")))
}

/// A guess at the SQL from recall alone, which the decoder may copy drafts from
/// (`GenOptions::draft_reference`): the shape most answers take, with the recalled
/// content columns, the years and the linked companies, then an ordering on the first
/// content column. It is never shown to the model, so a wrong guess costs only a
/// rejected draft and cannot change the SQL.
pub fn sql_skeleton(recall: &RecallResult, catalog: &Catalog) -> String {
    let d = catalog.dataset();
    let quoted = |values: Vec<&str>| values.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", ");
    let content: Vec<&str> = recall.columns.iter().filter(|c| !c.mandatory).map(|c| c.name.as_str()).collect();
    let mut sql = format!("select {}", d.company_column);
    for c in &content {
        sql.push_str(", ");
        sql.push_str(c);
    }
    sql.push_str(&format!(" from {} where {} in ({})", d.query_table, d.year_column, quoted(recall.entities.years.iter().map(String::as_str).collect())));
    let e = &recall.entities;
    if !e.companies.is_empty() {
        sql.push_str(&format!(" and {} in ({})", d.company_column, quoted(e.companies.iter().map(|c| c.full_name.as_str()).collect())));
    }
    if let Some(first) = content.first() {
        sql.push_str(&format!(" order by {first} desc limit "));
    }
    sql
}

/// A short note where the name alone is ambiguous (units, value format).
fn column_note(name: &str, catalog: &Catalog) -> Option<String> {
    match name {
        "年份" => return Some("如'2021年'".into()),
        "公司名称" => return Some("公司全称".into()),
        "股票代码" => return Some("6位文本".into()),
        _ => {}
    }
    let doc = catalog.doc(name)?;
    if doc.unit == "人" {
        Some("人数".into())
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skeleton_holds_what_recall_linked() {
        let root = catalog::repo_root();
        let catalog = std::sync::Arc::new(Catalog::load(&root.join("datasets/finglm/finglm.sqlite"), &root.join("schemas/finglm.toml")).unwrap());
        let recaller = recall::Recaller::open_default(&catalog).unwrap();
        let r = recaller.recall("2020年和2021年比亚迪的营业收入分别是多少？").unwrap();
        let sql = sql_skeleton(&r, &catalog);
        assert!(sql.starts_with("select 公司名称, 营业收入"), "{sql}");
        assert!(sql.contains(" from big where 年份 in ('2020年', '2021年') and 公司名称 in ('比亚迪股份有限公司')"), "{sql}");
        assert!(sql.ends_with(" order by 营业收入 desc limit "), "{sql}");
        // No company: no company filter, and nothing the recall did not give.
        let r = recaller.recall("2021年研发费用最高的3家公司是哪些？").unwrap();
        let sql = sql_skeleton(&r, &catalog);
        assert!(sql.contains("研发费用") && sql.contains("年份 in ('2021年')") && !sql.contains(" and 公司名称 in"), "{sql}");
        // After a refusal: a column named verbatim is pointed out; a two-character alias is not.
        let r = recaller.recall("2019年年底宁德时代的流动资产合计是多少").unwrap();
        let note = named_columns_note(&r).unwrap_or_default();
        assert!(note.contains("「流动资产合计」"), "{note}");
        let r = recaller.recall("2020年海天味业酱油的收入是多少").unwrap();
        assert_eq!(named_columns_note(&r), None);
        // The skeleton is a guess at the SQL, so it must parse as the start of one.
        let complete = format!("{sql}3");
        assert!(guard::SqlGuard::new(catalog.clone()).check(&complete).is_ok(), "{complete}");
    }
}
