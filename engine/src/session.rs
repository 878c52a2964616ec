//! Conversations: a follow-up that lacks a company, a year, a metric or a set is
//! completed from the previous turn by typed rules on both turns' `RecallResult`s
//! (no hidden model call). The completed question is what the model sees and what the
//! user is shown (「理解为：…」), so the adapter needs no multi-turn training.

use crate::answer::{Answer, Engine, Error};
use llm::GenOptions;
use recall::{MatchPath, RecallResult, Recaller};
use serde::Serialize;

/// What a turn took from the one before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUp {
    /// Complete on its own; left as typed.
    Standalone,
    /// 「那2020年呢」: the year(s) replaced.
    Year,
    /// 「换成宁德时代」「宁德时代呢」: the company replaced.
    Company,
    /// 「再加上净利润」「还有研发费用呢」: a column added.
    Column,
    /// 「那净利润呢」: the metric replaced.
    Metric,
    /// 「和长城汽车比呢」: a second company to compare with.
    Compare,
    /// 「按净利排一下」: the previous set ranked by a metric.
    Rank,
    /// 「前五名呢」: the N of the previous ranking changed.
    #[serde(rename = "topn")]
    TopN,
    /// 「每年的呢」「近三年呢」: the previous lookup over every year.
    Trend,
}

impl FollowUp {
    pub fn as_str(&self) -> &'static str {
        match self {
            FollowUp::Standalone => "standalone",
            FollowUp::Year => "year",
            FollowUp::Company => "company",
            FollowUp::Column => "column",
            FollowUp::Metric => "metric",
            FollowUp::Compare => "compare",
            FollowUp::Rank => "rank",
            FollowUp::TopN => "topn",
            FollowUp::Trend => "trend",
        }
    }
}

/// A question as the engine understood it in its conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Understood {
    /// What the user typed.
    pub asked: String,
    /// The complete question the model sees (equal to `asked` when standalone).
    pub question: String,
    pub follow_up: FollowUp,
}

/// One conversation: the previous turn's complete question and its recall.
#[derive(Default)]
pub struct Session {
    last: Option<(String, RecallResult)>,
    turns: usize,
}

impl Session {
    pub fn new() -> Session {
        Session::default()
    }

    /// Start over (`:new` in the REPL, a new session id in the service).
    pub fn reset(&mut self) {
        self.last = None;
        self.turns = 0;
    }

    pub fn turns(&self) -> usize {
        self.turns
    }

    /// Complete `asked` from the previous turn when it is a follow-up.
    pub fn understand(&self, asked: &str, recaller: &Recaller) -> Result<Understood, Error> {
        let asked = asked.trim();
        let standalone = Understood { asked: asked.to_string(), question: asked.to_string(), follow_up: FollowUp::Standalone };
        let Some((prev_q, prev)) = &self.last else { return Ok(standalone) };
        let now = recaller.recall(asked)?;
        Ok(match complete(asked, &now, prev_q, prev) {
            Some((question, follow_up)) => Understood { asked: asked.to_string(), question, follow_up },
            None => standalone,
        })
    }

    /// Answer a turn: complete it, answer the complete question, remember it.
    pub fn ask(&mut self, engine: &Engine, asked: &str, gen: &GenOptions) -> Result<Answer, Error> {
        let understood = self.understand(asked, &engine.recaller)?;
        let mut answer = engine.answer_with(&understood.question, gen)?;
        // Only a turn that was understood becomes context (an error leaves the last one).
        self.last = Some((understood.question.clone(), answer.recall.clone()));
        self.turns += 1;
        answer.understood = Some(understood);
        Ok(answer)
    }

    /// Remember a turn answered elsewhere (the harness scores turns one by one).
    pub fn record(&mut self, question: &str, recall: RecallResult) {
        self.last = Some((question.to_string(), recall));
        self.turns += 1;
    }
}

/// What a question names by itself.
struct Named<'a> {
    companies: Vec<&'a str>,
    has_year: bool,
    /// Metric mentions as typed (column names, aliases, metric names).
    metrics: Vec<String>,
}

fn named(r: &RecallResult) -> Named<'_> {
    let mut metrics: Vec<String> = Vec::new();
    for c in r.columns.iter().filter(|c| !c.mandatory) {
        for e in &c.evidence {
            if matches!(e.path, MatchPath::Name | MatchPath::Alias) && r.question.contains(e.word.as_str()) && !metrics.contains(&e.word) {
                metrics.push(e.word.clone());
            }
        }
    }
    for m in &r.metrics {
        let hit = std::iter::once(&m.name).chain(m.aliases.iter()).find(|w| r.question.contains(w.as_str()));
        if let Some(w) = hit {
            if !metrics.contains(w) {
                metrics.push(w.clone());
            }
        }
    }
    // A shorter mention inside a longer one (「利润」 in 「净利润」) is the same mention.
    let all = metrics.clone();
    metrics.retain(|m| !all.iter().any(|o| o != m && o.contains(m.as_str())));
    Named { companies: r.entities.companies.iter().map(|c| c.mention.as_str()).collect(), has_year: !r.entities.years.is_empty(), metrics }
}

/// Words that make a short question lean on the one before.
const LEAD_WORDS: [&str; 12] = ["那", "那么", "换成", "换", "再", "还有", "加上", "顺便", "和", "跟", "与", "按"];
const TREND_WORDS: [&str; 7] = ["每年", "每一年", "近三年", "历年", "这几年", "三年", "逐年"];
const RANK_WORDS: [&str; 4] = ["排", "排序", "排名", "排列"];
const ADD_WORDS: [&str; 7] = ["再加", "加上", "还有", "顺便", "以及", "另外", "也看"];
const COMPARE_WORDS: [&str; 4] = ["比", "对比", "相比", "比较"];

fn leans_on_context(q: &str) -> bool {
    let q = q.trim_end_matches(|c: char| "？?。！! ".contains(c));
    q.ends_with('呢') || LEAD_WORDS.iter().any(|w| q.starts_with(w)) || q.chars().count() <= 8
}

/// The completed question and what it took, or None for a standalone question.
fn complete(asked: &str, now: &RecallResult, prev_q: &str, prev: &RecallResult) -> Option<(String, FollowUp)> {
    if !leans_on_context(asked) {
        return None;
    }
    let n = named(now);
    let p = named(prev);
    let says = |ws: &[&str]| ws.iter().any(|w| asked.contains(w));
    // A question with its own company and metric needs nothing from before.
    if !n.companies.is_empty() && !n.metrics.is_empty() && !says(&COMPARE_WORDS) {
        return None;
    }
    if n.companies.is_empty() && n.metrics.is_empty() {
        if let (Some(new_n), recall::Intent::Rank { .. }) = (rank_number(asked), prev.intent) {
            return replace_rank_number(prev_q, &new_n).map(|q| (q, FollowUp::TopN));
        }
    }
    // Ranking the previous set needs a set; a ranking of the market re-ranked by
    // another metric is a metric replacement (below).
    if says(&RANK_WORDS) && n.companies.is_empty() && p.companies.len() >= 2 {
        let metric = n.metrics.first().or(p.metrics.first())?;
        let years = year_phrase(prev_q).map(|(s, e)| prev_q[s..e].to_string()).unwrap_or_default();
        let dir = if asked.contains("从低到高") || asked.contains("升序") || asked.contains("最低") { "从低到高" } else { "从高到低" };
        let set = join_names(&p.companies);
        return Some((format!("{set}{years}按{metric}{dir}排名，各是多少？"), FollowUp::Rank));
    }
    if !n.companies.is_empty() && n.metrics.is_empty() {
        let last = *p.companies.last()?;
        if says(&COMPARE_WORDS) || asked.starts_with('和') || asked.starts_with('跟') || asked.starts_with('与') {
            let with = join_names(&n.companies);
            let at = prev_q.rfind(last)? + last.len();
            let q = format!("{}和{}{}", &prev_q[..at], with, &prev_q[at..]);
            let verdict = if asked.contains("低") || asked.contains("少") { "谁更低？" } else { "谁更高？" };
            return Some((format!("{}{verdict}", strip_ask_tail(&q)), FollowUp::Compare));
        }
        let mut q = prev_q.to_string();
        let new = join_names(&n.companies);
        if p.companies.len() == 1 {
            q = q.replacen(last, &new, 1);
        } else {
            let at = q.rfind(last)?;
            q.replace_range(at..at + last.len(), &new);
        }
        return Some((q, FollowUp::Company));
    }
    if n.companies.is_empty() && !n.metrics.is_empty() {
        let last = p.metrics.iter().filter_map(|m| prev_q.rfind(m.as_str()).map(|i| (i, m))).max_by_key(|(i, _)| *i)?;
        let (at, old) = (last.0, last.1.as_str());
        let mut q = prev_q.to_string();
        let new = n.metrics.join("和");
        if says(&ADD_WORDS) || asked.starts_with('和') {
            q.insert_str(at + old.len(), &format!("和{new}"));
            return Some((q, FollowUp::Column));
        }
        q.replace_range(at..at + old.len(), &new);
        return Some((q, FollowUp::Metric));
    }
    if n.companies.is_empty() && n.metrics.is_empty() {
        if says(&TREND_WORDS) {
            let span = "2019年到2021年每年";
            let q = match year_phrase(prev_q) {
                Some((s, e)) => format!("{}{}{}", &prev_q[..s], span, &prev_q[e..]),
                None => format!("{span}{prev_q}"),
            };
            return Some((q, FollowUp::Trend));
        }
        if n.has_year {
            let (s, e) = year_phrase(asked)?;
            let new = &asked[s..e];
            let q = match year_phrase(prev_q) {
                Some((ps, pe)) => format!("{}{}{}", &prev_q[..ps], new, &prev_q[pe..]),
                None => format!("{new}{prev_q}"),
            };
            return Some((q, FollowUp::Year));
        }
    }
    None
}

fn join_names(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{}和{}", init.join("、"), last),
    }
}

/// Byte span of the year phrase: from the first year mention to the end of the last
/// (「2019年到2021年」, 「2021年」, 「20-21年」).
fn year_phrase(q: &str) -> Option<(usize, usize)> {
    let b = q.as_bytes();
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let s = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let digits = &q[s..i];
            let rest = &q[i..];
            let yearish = (digits.len() == 4 && digits.starts_with("20")) || (digits.len() == 2 && (rest.starts_with('年') || rest.starts_with('-')));
            if yearish {
                let e = if rest.starts_with('年') { i + '年'.len_utf8() } else { i };
                spans.push((s, e));
            }
        } else {
            i += 1;
        }
    }
    let first = spans.first()?;
    let last = spans.last()?;
    Some((first.0, last.1))
}

/// The N a ranking question asks for, as typed (「前五名呢」 → 「五」, 「换成前10」 → 「10」).
fn rank_number(q: &str) -> Option<String> {
    let at = q.find('前')? + '前'.len_utf8();
    let n: String = q[at..].chars().take_while(|c| c.is_ascii_digit() || "一二两三四五六七八九十".contains(*c)).collect();
    (!n.is_empty()).then_some(n)
}

/// Replace the N of 「前三」「前3名」「最高的3家」 in the previous question.
fn replace_rank_number(prev_q: &str, new_n: &str) -> Option<String> {
    let is_num = |c: char| c.is_ascii_digit() || "一二两三四五六七八九十".contains(c);
    for marker in ["前", "的"] {
        let mut from = 0;
        while let Some(i) = prev_q[from..].find(marker) {
            let at = from + i + marker.len();
            let n: String = prev_q[at..].chars().take_while(|c| is_num(*c)).collect();
            if !n.is_empty() {
                let after = &prev_q[at + n.len()..];
                if marker == "前" || after.starts_with('家') || after.starts_with('名') || after.starts_with('个') {
                    return Some(format!("{}{}{}", &prev_q[..at], new_n, after));
                }
            }
            from = at;
        }
    }
    None
}

/// The question without its asking tail (「…是多少？」 → 「…」), for a new verdict.
fn strip_ask_tail(q: &str) -> &str {
    let mut q = q.trim_end_matches(|c: char| "？?。！! ".contains(c));
    for tail in ["分别是多少", "各是多少", "是多少元", "是多少", "有多少", "为多少", "多少元", "多少", "怎么样", "如何", "呢", "是"] {
        if let Some(s) = q.strip_suffix(tail) {
            q = s;
        }
    }
    q.trim_end_matches('的')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_phrases() {
        let q = "比亚迪2019年到2021年营收";
        let (s, e) = year_phrase(q).unwrap();
        assert_eq!(&q[s..e], "2019年到2021年");
        let q = "那21年呢";
        let (s, e) = year_phrase(q).unwrap();
        assert_eq!(&q[s..e], "21年");
        assert!(year_phrase("营收多少").is_none());
        assert!(year_phrase("前10名").is_none());
    }

    #[test]
    fn rank_numbers() {
        assert_eq!(rank_number("前五名呢").as_deref(), Some("五"));
        assert_eq!(rank_number("换成前10").as_deref(), Some("10"));
        assert_eq!(replace_rank_number("2021年净利润最高的3家公司是哪些？", "五").as_deref(), Some("2021年净利润最高的五家公司是哪些？"));
        assert_eq!(replace_rank_number("2020年营收前十的公司", "20").as_deref(), Some("2020年营收前20的公司"));
        assert_eq!(replace_rank_number("比亚迪的营收", "5"), None);
    }

    #[test]
    fn ask_tails() {
        assert_eq!(strip_ask_tail("比亚迪和长城汽车2021年营收是多少？"), "比亚迪和长城汽车2021年营收");
        assert_eq!(strip_ask_tail("毛利率呢"), "毛利率");
    }
}
