//! Verbatim mentions of column names, aliases and metric names, found with one
//! Aho-Corasick pass. A mention inside a longer mention is dropped, so
//! 「归属于母公司股东的净利润」 does not also recall 「净利润」.

use crate::entities::{char_index, strictly_inside, Span};
use crate::MatchPath;
use aho_corasick::{AhoCorasick, MatchKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Column(usize),
    Metric(usize),
    /// A place name: evidence for the address column.
    Place,
}

#[derive(Debug, Clone)]
pub struct ExactHit {
    pub mention: String,
    pub span: Span,
    pub target: Target,
    pub path: MatchPath,
}

pub struct ExactMatcher {
    automaton: AhoCorasick,
    targets: Vec<(Target, MatchPath)>,
}

impl ExactMatcher {
    /// `columns`: (name, aliases) per column; `metrics`: (name, aliases) per metric.
    pub fn new(columns: &[(String, Vec<String>)], metrics: &[(String, Vec<String>)], places: &[String]) -> Result<ExactMatcher, String> {
        let mut patterns = Vec::new();
        let mut targets = Vec::new();
        for (i, (name, aliases)) in columns.iter().enumerate() {
            patterns.push(name.clone());
            targets.push((Target::Column(i), MatchPath::Name));
            for a in aliases {
                if a.chars().count() >= 2 {
                    patterns.push(a.clone());
                    targets.push((Target::Column(i), MatchPath::Alias));
                }
            }
        }
        for (i, (name, aliases)) in metrics.iter().enumerate() {
            for m in std::iter::once(name).chain(aliases) {
                patterns.push(m.clone());
                targets.push((Target::Metric(i), MatchPath::Metric));
            }
        }
        for p in places {
            patterns.push(p.clone());
            targets.push((Target::Place, MatchPath::Value));
        }
        let automaton = AhoCorasick::builder().match_kind(MatchKind::Standard).build(&patterns).map_err(|e| e.to_string())?;
        Ok(ExactMatcher { automaton, targets })
    }

    /// Hits not inside a longer hit nor inside a `blocked` span (company names).
    pub fn find(&self, q: &str, blocked: &[Span]) -> Vec<ExactHit> {
        let to_char = char_index(q);
        let hits: Vec<ExactHit> = self
            .automaton
            .find_overlapping_iter(q)
            .map(|m| {
                let (target, path) = self.targets[m.pattern().as_usize()];
                ExactHit { mention: q[m.start()..m.end()].to_string(), span: (to_char(m.start()), to_char(m.end())), target, path }
            })
            .collect();
        let spans: Vec<Span> = hits.iter().map(|h| h.span).chain(blocked.iter().copied()).collect();
        hits.into_iter().filter(|h| !strictly_inside(h.span, &spans) && !blocked.contains(&h.span)).collect()
    }
}
