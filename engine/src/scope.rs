//! Questions the database cannot answer, told from recall's output before any SQL
//! is written: a generated query would only be a confident wrong answer (2022 read
//! as 2021, a half year read as the year, 「BYD」 translated into a guess).

use crate::classify;
use catalog::Catalog;
use recall::RecallResult;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum OutOfScope {
    /// An instruction to the engine (drop the rules, show the prompt, run this SQL).
    Instruction,
    /// An opinion, a reason or a forecast, with nothing the table holds named.
    Opinion,
    /// Years the question states that the table does not hold.
    YearsNotHeld { asked: Vec<String>, held: Vec<String> },
    /// A half year, a quarter: the table holds whole years.
    SubAnnual { word: String },
    /// A company named in Latin letters; the table has Chinese names only.
    ForeignName { mention: String },
}

impl OutOfScope {
    pub fn sentence(&self) -> String {
        match self {
            OutOfScope::Instruction => {
                "不予执行：这是对引擎的指令（改变规则、索要提示或执行给定的SQL），不是关于数据的问题。SQL请用 `nl2sql sql` 经校验执行。".into()
            }
            OutOfScope::Opinion => "无法从数据库回答：这个问题需要数据库以外的信息（观点、原因或预测）。".into(),
            OutOfScope::YearsNotHeld { asked, held } => {
                let span = match (held.first(), held.last()) {
                    (Some(a), Some(b)) if a != b => format!("{a}至{b}"),
                    (Some(a), _) => a.clone(),
                    _ => "任何年份".into(),
                };
                format!("无法从数据库回答：数据库只有{span}的年报数据，没有{}的数据。", asked.join("、"))
            }
            OutOfScope::SubAnnual { word } => {
                format!("无法从数据库回答：数据库只有年报的全年数据，没有「{word}」这样的半年或季度数据。")
            }
            OutOfScope::ForeignName { mention } => {
                format!("无法从数据库回答：数据库只收录公司的中文名称，「{mention}」对不上；请用中文全称、简称或股票代码提问。")
            }
        }
    }
}

/// Words that ask about years after the data's last one.
const FORECAST: [&str; 4] = ["预测", "预计", "明年", "后年"];

/// The first reason the question is out of the database's reach, if any.
pub fn check(recall: &RecallResult, catalog: &Catalog) -> Option<OutOfScope> {
    let q = recall.question.as_str();
    if classify::is_instruction(q) {
        return Some(OutOfScope::Instruction);
    }
    // A forecast is out of reach even when it names a column (「预测明年的利润」).
    if classify::is_open(recall) || FORECAST.iter().any(|w| q.contains(w)) {
        return Some(OutOfScope::Opinion);
    }
    // Company names can hold such words (「四季…」): look outside the linked mentions.
    let mut lower = q.to_lowercase();
    for c in &recall.entities.companies {
        lower = lower.replace(&c.mention.to_lowercase(), " ");
    }
    if let Some(word) = catalog.dataset().sub_annual_words.iter().find(|w| lower.contains(&w.to_lowercase())) {
        return Some(OutOfScope::SubAnnual { word: word.clone() });
    }
    if !recall.entities.years_not_held.is_empty() {
        return Some(OutOfScope::YearsNotHeld { asked: recall.entities.years_not_held.clone(), held: catalog.years().to_vec() });
    }
    if let Some(mention) = &recall.entities.foreign_name {
        return Some(OutOfScope::ForeignName { mention: mention.clone() });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_as_sentences() {
        let years = OutOfScope::YearsNotHeld { asked: vec!["2022年".into()], held: vec!["2019年".into(), "2020年".into(), "2021年".into()] };
        assert_eq!(years.sentence(), "无法从数据库回答：数据库只有2019年至2021年的年报数据，没有2022年的数据。");
        assert!(OutOfScope::SubAnnual { word: "上半年".into() }.sentence().contains("「上半年」"));
        assert!(OutOfScope::ForeignName { mention: "BYD".into() }.sentence().contains("「BYD」"));
    }
}
