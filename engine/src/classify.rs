//! Question classes, from the question's wording and what recall found. Used for
//! the answer sentence, the per-type report, and refusing open questions early.

use recall::{MatchPath, RecallResult};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum QuestionClass {
    Lookup,
    Computed,
    Ranking,
    Count,
    Unsupported,
}

impl QuestionClass {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionClass::Lookup => "lookup",
            QuestionClass::Computed => "computed",
            QuestionClass::Ranking => "ranking",
            QuestionClass::Count => "count",
            QuestionClass::Unsupported => "unsupported",
        }
    }
}

const RANKING: [&str; 9] = ["最高", "最低", "最多", "最少", "最大", "最小", "排名", "前", "第"];
const COUNT: [&str; 6] = ["多少家", "几家", "家数", "数量", "是否相同", "哪个更"];
const COMPUTED: [&str; 12] = ["增长率", "增长", "比率", "比例", "比重", "占比", "率", "差", "之和", "总和", "平均", "合计"];
/// Asking for opinions, forecasts or text the tables do not hold.
const OPEN: [&str; 10] = ["为什么", "原因", "怎么看", "如何评价", "预测", "未来", "建议", "分析一下", "简要介绍", "主要业务"];

pub fn classify(recall: &RecallResult) -> QuestionClass {
    let q = recall.question.as_str();
    // Clause-level dense guesses do not make an open question answerable.
    let content = recall.columns.iter().filter(|c| !c.mandatory && c.evidence.iter().any(|e| e.path != MatchPath::DenseClause)).count();
    if OPEN.iter().any(|w| q.contains(w)) && content == 0 {
        return QuestionClass::Unsupported;
    }
    if COUNT.iter().any(|w| q.contains(w)) {
        return QuestionClass::Count;
    }
    if RANKING.iter().any(|w| q.contains(w)) && recall.entities.companies.is_empty() {
        return QuestionClass::Ranking;
    }
    if !recall.metrics.is_empty() || COMPUTED.iter().any(|w| q.contains(w)) {
        return QuestionClass::Computed;
    }
    QuestionClass::Lookup
}
