//! Entity linking: companies (full name, short name, stock code, name without its
//! legal suffix, or a near-miss typo) → the canonical `公司名称`; years in any
//! common form → the stored `'2021年'`. An unresolvable company mention becomes
//! `UnknownCompany` with the nearest names instead of a silent guess.

use crate::is_cjk;
use aho_corasick::{AhoCorasick, MatchKind};
use catalog::Company;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkedBy {
    FullName,
    ShortName,
    StockCode,
    /// Full name without 股份有限公司/有限公司…
    NameStem,
    /// Near-miss spelling of a short or full name.
    Fuzzy,
    /// A part of exactly one company's short or full name (「爱尔」 → 爱尔眼科).
    Abbreviation,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CompanyMatch {
    pub mention: String,
    pub full_name: String,
    pub short_name: String,
    pub code: String,
    pub linked_by: LinkedBy,
    pub score: f32,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UnknownCompany {
    pub mention: String,
    pub nearest: Vec<String>,
}

/// A mention that is part of several companies' names (「招商」): never a guess.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AmbiguousCompany {
    pub mention: String,
    /// (full name, short name) of every company the mention fits, at most `MAX_CANDIDATES`.
    pub candidates: Vec<(String, String)>,
}

/// Which address a place filter reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    /// Where the company works (the default).
    Office,
    /// Where it is registered (the question says 注册).
    Registered,
}

/// A city or province the question filters on, and the column that holds it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlaceFilter {
    pub place: String,
    pub address: AddressKind,
    pub column: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Entities {
    pub companies: Vec<CompanyMatch>,
    /// Canonical year values in order of mention, e.g. `2021年`.
    pub years: Vec<String>,
    /// Years the question states (「2018年」「2022」) that the database does not hold.
    pub years_not_held: Vec<String>,
    /// A name in Latin letters where a company name stands (「BYD 2021年净利润」), when
    /// no company was linked: the database holds Chinese names only.
    pub foreign_name: Option<String>,
    pub unknown_company: Option<UnknownCompany>,
    pub ambiguous_company: Option<AmbiguousCompany>,
    /// Amounts with units (「2000亿」 → 200000000000).
    pub amounts: Vec<crate::amounts::Amount>,
    pub places: Vec<PlaceFilter>,
}

/// What `link_years` found: canonical years (stated, in ranges, or implied by
/// 上年/同比/近三年), the spans of the stated ones, and stated years the data lacks.
pub struct YearLinks {
    pub years: Vec<String>,
    pub spans: Vec<Span>,
    pub not_held: Vec<String>,
}

/// Companies listed at most for an ambiguous mention; a mention that fits more is a
/// common word (科技, 中国), not a company mention.
pub const MAX_CANDIDATES: usize = 12;

/// Words that are parts of many names but never name a company on their own.
const GENERIC_WORDS: [&str; 24] = [
    "公司", "企业", "集团", "股份", "控股", "上市公司", "科技", "中国", "国际", "发展", "实业", "投资", "银行", "证券", "医药",
    "电子", "能源", "技术", "有限", "哪家", "哪些", "几家", "多少", "分别",
];

/// Whether `m` fits a company: part of its bare short name or of its full name
/// without the legal suffix.
pub enum Fit<'a> {
    One(&'a Company),
    Many(Vec<&'a Company>),
    NoFit,
}

fn exact_names(companies: &[Company], rules: &NameRules) -> HashMap<String, usize> {
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut ambiguous = HashSet::new();
    for (i, c) in companies.iter().enumerate() {
        // 「公司」 also ends 「股份有限公司」: skip stems that are a suffix cut in half.
        let stems = rules.all_stems(&c.full_name);
        let bare = c.short_name.trim_start_matches('*').trim_start_matches("ST");
        let keys = [c.short_name.as_str(), bare, c.code.as_str()].into_iter().chain(stems);
        for k in keys.filter(|k| k.chars().count() >= 2) {
            if let Some(prev) = names.insert(k.to_string(), i) {
                if companies[prev].full_name != c.full_name {
                    ambiguous.insert(k.to_string());
                }
            }
        }
    }
    for k in ambiguous {
        names.remove(&k);
    }
    // A full name always names its own company, whatever else shares it.
    for (i, c) in companies.iter().enumerate() {
        names.insert(c.full_name.clone(), i);
    }
    names
}

/// How the dataset writes names and years (`[dataset]` in the schema file).
#[derive(Debug, Clone)]
pub struct NameRules {
    /// Longest first.
    pub legal_suffixes: Vec<String>,
    pub suffix_fragments: Vec<String>,
    /// (lead, tail) around a full name spelled out in a question.
    pub name_phrases: Vec<(String, String)>,
    pub year_format: catalog::YearFormat,
}

impl From<&catalog::DatasetSpec> for NameRules {
    fn from(ds: &catalog::DatasetSpec) -> NameRules {
        NameRules {
            legal_suffixes: ds.legal_suffixes.clone(),
            suffix_fragments: ds.suffix_fragments.clone(),
            name_phrases: ds.name_phrases.clone(),
            year_format: ds.year_format.clone(),
        }
    }
}

impl NameRules {
    /// A full name without its first matching legal suffix (「XX股份有限公司」 → 「XX」).
    fn first_stem<'a>(&self, full_name: &'a str) -> Option<&'a str> {
        self.legal_suffixes.iter().find_map(|s| full_name.strip_suffix(s.as_str()))
    }

    /// The stem, or the name itself.
    fn stem<'a>(&self, full_name: &'a str) -> &'a str {
        self.first_stem(full_name).unwrap_or(full_name)
    }

    /// The name without each legal suffix it ends with, except stems that are a
    /// suffix cut in half (「公司」 also ends 「股份有限公司」).
    fn all_stems<'a>(&'a self, full_name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.legal_suffixes
            .iter()
            .filter_map(move |s| full_name.strip_suffix(s.as_str()))
            .filter(|st| !self.suffix_fragments.iter().any(|f| st.ends_with(f.as_str())))
    }
}

/// Char span of a mention in the question: [start, end).
pub type Span = (usize, usize);

/// Words that end company-like mentions (「火星矿业」「某某科技」).
const COMPANY_MARKERS: [&str; 16] =
    ["公司", "集团", "股份", "矿业", "科技", "银行", "证券", "药业", "电子", "控股", "实业", "能源", "电气", "化工", "医药", "传媒"];

pub struct EntityLinker {
    companies: Vec<Company>,
    automaton: AhoCorasick,
    /// pattern index → (company index, how)
    targets: Vec<(usize, LinkedBy)>,
    /// Exact literal → company index, for `company_named`. Wider than the
    /// automaton's patterns (every legal suffix stripped, short stems kept):
    /// a SQL literal is a whole value, so a short key cannot fire inside
    /// unrelated text the way a pattern in a question could.
    names: HashMap<String, usize>,
    /// Per company, (bare short name, suffix-less full name): what a short form must be part of.
    short_forms: Vec<(String, String)>,
    years: Vec<String>,
    rules: NameRules,
}

impl EntityLinker {
    pub fn new(companies: &[Company], years: &[String], rules: NameRules) -> Result<EntityLinker, String> {
        let mut patterns: Vec<String> = Vec::new();
        let mut targets = Vec::new();
        for (i, c) in companies.iter().enumerate() {
            let mut add = |p: &str, how: LinkedBy| {
                if p.chars().count() >= 2 {
                    patterns.push(p.to_string());
                    targets.push((i, how));
                }
            };
            add(&c.full_name, LinkedBy::FullName);
            if !c.short_name.is_empty() {
                add(&c.short_name, LinkedBy::ShortName);
                // 「*ST华铁」 is often typed as 「ST华铁」 or 「华铁」.
                let bare = c.short_name.trim_start_matches('*').trim_start_matches("ST").trim_start_matches("ST");
                if bare != c.short_name && bare.chars().count() >= 2 {
                    add(bare, LinkedBy::ShortName);
                }
            }
            if c.code.len() == 6 {
                add(&c.code, LinkedBy::StockCode);
            }
            if let Some(stem) = rules.first_stem(&c.full_name) {
                if stem.chars().count() >= 3 {
                    add(stem, LinkedBy::NameStem);
                }
            }
        }
        let automaton = AhoCorasick::builder().match_kind(MatchKind::Standard).build(&patterns).map_err(|e| e.to_string())?;
        let short_forms = companies
            .iter()
            .map(|c| (c.short_name.trim_start_matches('*').trim_start_matches("ST").to_string(), rules.stem(&c.full_name).to_string()))
            .collect();
        let names = exact_names(companies, &rules);
        Ok(EntityLinker { companies: companies.to_vec(), automaton, targets, names, short_forms, years: years.to_vec(), rules })
    }

    /// The company a whole literal names: its full name, short name, stock
    /// code, or full name without any legal suffix (「XX集团股份有限公司」 →
    /// 「XX集团」 and 「XX」). A key two companies share names neither.
    pub fn company_named(&self, literal: &str) -> Option<&Company> {
        self.names.get(literal.trim()).map(|&i| &self.companies[i])
    }

    pub fn companies(&self) -> &[Company] {
        &self.companies
    }

    /// The companies whose bare short name or suffix-less full name contains `m`.
    /// Too common a fragment (more than `MAX_CANDIDATES`, or a generic word) fits none.
    pub fn abbreviation(&self, m: &str) -> Fit<'_> {
        let m = m.trim();
        if m.chars().count() < 2 || !m.chars().all(is_cjk) || GENERIC_WORDS.contains(&m) || is_count_phrase(m) {
            return Fit::NoFit;
        }
        let mut hits: Vec<&Company> = Vec::new();
        for (c, (bare, stem)) in self.companies.iter().zip(&self.short_forms) {
            if bare.contains(m) || stem.contains(m) {
                hits.push(c);
                if hits.len() > MAX_CANDIDATES {
                    return Fit::NoFit;
                }
            }
        }
        match hits.len() {
            0 => Fit::NoFit,
            1 => Fit::One(hits[0]),
            _ => Fit::Many(hits),
        }
    }

    /// Company mentions and their char spans (for suppressing column matches inside names).
    pub fn link_companies(&self, q: &str) -> (Vec<CompanyMatch>, Vec<Span>) {
        let byte_to_char = char_index(q);
        let mut found: Vec<(Span, usize, LinkedBy)> = self
            .automaton
            .find_overlapping_iter(q)
            .map(|m| ((byte_to_char(m.start()), byte_to_char(m.end())), self.targets[m.pattern().as_usize()].0, self.targets[m.pattern().as_usize()].1))
            // A code must not be part of a longer number.
            .filter(|&((s, e), _, how)| how != LinkedBy::StockCode || !digit_around(q, s, e))
            .collect();
        let spans: Vec<Span> = found.iter().map(|f| f.0).collect();
        found.retain(|(sp, _, _)| !strictly_inside(*sp, &spans));
        let mut out: Vec<CompanyMatch> = Vec::new();
        let mut kept_spans = Vec::new();
        for ((s, e), idx, how) in found {
            let c = &self.companies[idx];
            if out.iter().any(|m| m.full_name == c.full_name) {
                continue;
            }
            kept_spans.push((s, e));
            out.push(CompanyMatch {
                mention: q.chars().skip(s).take(e - s).collect(),
                full_name: c.full_name.clone(),
                short_name: c.short_name.clone(),
                code: c.code.clone(),
                linked_by: how,
                score: 1.0,
            });
        }
        (out, kept_spans)
    }

    /// Years and year ranges: 2021年, 2021, 21年, 2019-2021年, 2019年到2021年.
    pub fn link_years(&self, q: &str) -> YearLinks {
        let chars: Vec<char> = q.chars().collect();
        let mut found: Vec<(u32, Span)> = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_digit()) {
                i += 1;
                continue;
            }
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            let digits: String = chars[i..j].iter().collect();
            let has_nian = chars.get(j) == Some(&'年');
            let year = match digits.len() {
                // 「2000亿」「1990万元」 are amounts, not years.
                4 if !has_nian && chars.get(j).is_some_and(|c| "亿万千百元人%％块".contains(*c)) => None,
                4 => digits.parse::<u32>().ok().filter(|y| (1990..=2099).contains(y)),
                2 if has_nian || two_digit_range_follows(&chars, j) => digits.parse::<u32>().ok().map(|y| 2000 + y),
                _ => None,
            };
            if let Some(y) = year {
                found.push((y, (i, if has_nian { j + 1 } else { j })));
            }
            i = j;
        }
        // Expand ranges: a year, a range word, then another year.
        let mut years: Vec<u32> = Vec::new();
        for (k, &(y, (_, e))) in found.iter().enumerate() {
            years.push(y);
            if let Some(&(y2, (s2, _))) = found.get(k + 1) {
                let between: String = chars[e..s2].iter().collect();
                let between = between.trim();
                if matches!(between, "-" | "~" | "至" | "到" | "—" | "–" | "～") && y2 > y && y2 - y <= 10 {
                    years.extend(y + 1..y2);
                }
            }
        }
        // Years relative to the one stated: 上年 / 前两年 / 前年, and growth needs the previous year.
        if let Some(&anchor) = years.last() {
            let rel: &[(&str, &[u32])] = &[
                ("前三年", &[1, 2, 3]),
                ("前两年", &[1, 2]),
                ("前二年", &[1, 2]),
                ("上一年", &[1]),
                ("上年", &[1]),
                ("去年", &[1]),
                ("前一年", &[1]),
                ("同比", &[1]),
                ("增长", &[1]),
                ("增速", &[1]),
            ];
            for (word, back) in rel {
                if q.contains(word) {
                    years.extend(back.iter().map(|b| anchor - b));
                }
            }
            if q.replace("前两年", "").replace("前一年", "").replace("前三年", "").replace("前二年", "").contains("前年") {
                years.push(anchor - 2);
            }
        }
        // Spans over the database's years: 近三年 / 这三年 / 历年 (no year stated).
        if years.is_empty() {
            if let Some((w, n)) = SPAN_WORDS.iter().find(|(w, _)| q.contains(w)).map(|&(w, n)| (w, n)) {
                if let Some(b) = q.find(w) {
                    let s = q[..b].chars().count();
                    found.push((0, (s, s + w.chars().count())));
                }
                let known: Vec<u32> = self.years.iter().filter_map(|y| self.rules.year_format.parse(y)).collect();
                let take = n.unwrap_or(known.len()).min(known.len());
                years.extend(known[known.len() - take..].iter().copied());
            }
        }
        let mut out: Vec<String> = Vec::new();
        for y in years {
            let v = self.rules.year_format.render(y);
            if !out.contains(&v) {
                out.push(v);
            }
        }
        // Only years typed in the question count here: 「2019年同比」 needs 2018 but does not ask for it.
        let mut not_held: Vec<String> = Vec::new();
        for v in found.iter().filter(|f| f.0 != 0).map(|f| self.rules.year_format.render(f.0)) {
            if !self.known_year(&v) && !not_held.contains(&v) {
                not_held.push(v);
            }
        }
        YearLinks { years: out, spans: found.into_iter().map(|f| f.1).collect(), not_held }
    }

    pub fn known_year(&self, y: &str) -> bool {
        self.years.iter().any(|k| k == y)
    }

    /// For a mention no exact pattern caught: the nearest companies by edit distance.
    pub fn nearest(&self, mention: &str, k: usize) -> Vec<(f32, &Company)> {
        // A shared legal suffix says nothing about which company is meant.
        let mention = self.rules.stem(mention);
        let mut scored: Vec<(f32, &Company)> = self
            .companies
            .iter()
            .map(|c| {
                let s1 = strsim::normalized_levenshtein(mention, &c.short_name) as f32;
                let stem = self.rules.stem(&c.full_name);
                let s2 = strsim::normalized_levenshtein(mention, stem) as f32;
                (s1.max(s2), c)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.truncate(k);
        scored
    }

    /// Try to resolve company-like mentions that matched nothing exactly:
    /// near-miss typos are linked (`Fuzzy`), the rest reported as unknown.
    /// `extended`: leftovers with a few characters before them, tried only for a fuzzy link.
    /// `subjects`: leftovers standing where a company name stands (「字节跳动2021年…」).
    pub fn resolve_leftover(&self, q: &str, leftovers: &[String], extended: &[String], subjects: &[String]) -> (Option<CompanyMatch>, Option<UnknownCompany>) {
        for m in extended {
            if is_count_phrase(m) {
                continue;
            }
            if let Some(&(score, c)) = self.nearest(m, 1).first() {
                if score >= FUZZY_MIN {
                    return (Some(fuzzy_match(m, score, c)), None);
                }
            }
        }
        let mut candidates: Vec<String> = leftovers.to_vec();
        // 「公司名称为X的公司」「股票代码为123456」 name the company explicitly.
        for (lead, tail) in &self.rules.name_phrases {
            if let Some(rest) = q.split_once(lead).map(|(_, r)| r) {
                let m = rest.split(tail).next().unwrap_or(rest).trim();
                if !m.is_empty() {
                    candidates.insert(0, m.to_string());
                }
            }
        }
        let chars: Vec<char> = q.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit()) {
                let j = (i..chars.len()).find(|&j| !chars[j].is_ascii_digit()).unwrap_or(chars.len());
                if j - i == 6 {
                    let code: String = chars[i..j].iter().collect();
                    return (None, Some(UnknownCompany { mention: code, nearest: Vec::new() }));
                }
                i = j;
            } else {
                i += 1;
            }
        }
        for m in candidates {
            if m.chars().filter(|&c| is_cjk(c)).count() < 2 || is_count_phrase(&m) {
                continue;
            }
            let near = self.nearest(&m, 3);
            if let Some(&(score, c)) = near.first() {
                if score >= FUZZY_MIN {
                    return (Some(fuzzy_match(&m, score, c)), None);
                }
            }
            if COMPANY_MARKERS.iter().any(|s| m.ends_with(s)) || q.contains(&format!("{m}公司")) || subjects.contains(&m) {
                return (None, Some(UnknownCompany { mention: m, nearest: near.iter().map(|(_, c)| c.full_name.clone()).collect() }));
            }
        }
        (None, None)
    }
}

/// Span words and how many of the latest years they cover (None: all).
const SPAN_WORDS: [(&str, Option<usize>); 12] = [
    ("近三年", Some(3)),
    ("近3年", Some(3)),
    ("这三年", Some(3)),
    ("三年", Some(3)),
    ("3年", Some(3)),
    ("近两年", Some(2)),
    ("近2年", Some(2)),
    ("这两年", Some(2)),
    ("历年", None),
    ("各年", None),
    ("每年", None),
    ("逐年", None),
];

/// 「20-21年」: a two-digit year followed by a range sign and a two-digit year with 年.
fn two_digit_range_follows(chars: &[char], j: usize) -> bool {
    matches!(chars.get(j), Some('-' | '~' | '至' | '到' | '—' | '–' | '～'))
        && chars.get(j + 1).is_some_and(|c| c.is_ascii_digit())
        && chars.get(j + 2).is_some_and(|c| c.is_ascii_digit())
        && chars.get(j + 3) == Some(&'年')
        && !chars.get(j + 3).is_some_and(|c| c.is_ascii_digit())
}

/// Similarity a near-miss mention needs to be linked to a company.
const FUZZY_MIN: f32 = 0.75;

fn fuzzy_match(mention: &str, score: f32, c: &Company) -> CompanyMatch {
    CompanyMatch {
        mention: mention.to_string(),
        full_name: c.full_name.clone(),
        short_name: c.short_name.clone(),
        code: c.code.clone(),
        linked_by: LinkedBy::Fuzzy,
        score,
    }
}

/// 「十家」「前五名」「三个」: a count, not a company.
fn is_count_phrase(m: &str) -> bool {
    m.chars().all(|c| c.is_ascii_digit() || "零一二两三四五六七八九十百千几前第多家个名位只".contains(c))
}

/// Map byte offsets to char offsets for one string.
pub fn char_index(s: &str) -> impl Fn(usize) -> usize + '_ {
    move |b: usize| s[..b].chars().count()
}

fn digit_around(q: &str, s: usize, e: usize) -> bool {
    let chars: Vec<char> = q.chars().collect();
    (s > 0 && chars[s - 1].is_ascii_digit()) || chars.get(e).is_some_and(|c| c.is_ascii_digit())
}

/// True when `sp` lies inside a strictly longer span of `all`.
pub fn strictly_inside(sp: Span, all: &[Span]) -> bool {
    all.iter().any(|&o| o.0 <= sp.0 && sp.1 <= o.1 && (o.1 - o.0) > (sp.1 - sp.0))
}
