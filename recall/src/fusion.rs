//! The `Recaller`: runs every matcher, fuses their normalized scores linearly,
//! keeps the top-k content columns and adds the mandatory ones. Every kept column
//! carries the evidence (word, path, score) that put it there.

use crate::bm25::{bigrams, Bm25};
use crate::dense::{self, DenseMatcher, M3eEmbedder};
use crate::matchers::{ColumnEntry, Combine, DenseWords, Lexical, WordMatcher};
use crate::entities::{EntityLinker, NameRules, Span};
use crate::exact::{ExactMatcher, Target};
use crate::segment::Segmenter;
use crate::synonyms::{load_metrics, Metric};
use crate::is_cjk as recall_is_cjk;
use crate::entities::{AddressKind, PlaceFilter};
use crate::{check_question, Entities, Evidence, MatchPath, RecallError, RecallResult, RecalledColumn};
use catalog::Catalog;
use std::path::Path;
use std::time::Instant;

/// Weights and thresholds; tuned on the train pairs only.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FusionConfig {
    pub use_exact: bool,
    pub use_lexical: bool,
    pub use_bm25: bool,
    pub use_dense: bool,
    /// The edit-distance gate on dense hits (ablation switch).
    pub dense_gate: bool,
    pub w_exact: f32,
    pub w_lexical: f32,
    pub w_bm25: f32,
    pub w_dense: f32,
    /// Columns each word takes from its dense ranking.
    pub dense_top_k: usize,
    /// Cosine below which a dense hit is ignored.
    pub dense_min: f32,
    /// Gate: a dense hit needs this edit-distance similarity to the column's name or
    /// an alias (`lexical::best_similarity`) ...
    pub gate_lexical_min: f32,
    /// ... unless its cosine is at least this.
    pub gate_cos_bypass: f32,
    /// When no content column is found, keep the clause's `clause_top_k` nearest
    /// columns by dense cosine (at least `clause_min`): paraphrases like
    /// 「卖货一共收了多少钱」 carry their meaning in no single word. Never for a
    /// question naming an item the database lacks (`schemas/absent.txt`).
    pub clause_fallback: bool,
    pub clause_top_k: usize,
    pub clause_min: f32,
    /// A lexical match counts only at or above this similarity.
    pub lexical_min: f32,
    /// Content columns kept at most (exact and metric hits are never cut).
    pub top_k: usize,
    /// Fused score a non-exact column needs to be kept.
    pub min_score: f32,
    pub max_question_chars: usize,
}

impl Default for FusionConfig {
    fn default() -> Self {
        FusionConfig {
            use_exact: true,
            use_lexical: true,
            use_bm25: true,
            use_dense: true,
            dense_gate: true,
            w_exact: 1.0,
            w_lexical: 0.6,
            w_bm25: 0.4,
            // Grid-searched on nl2sql_train only (engine/examples/tune_dense.rs):
            // fused strict recall is the same for every setting there, so these
            // keep the fewest extra columns while the dense path alone stays best.
            w_dense: 0.6,
            dense_top_k: 2,
            dense_min: 0.88,
            gate_lexical_min: 0.7,
            gate_cos_bypass: 0.95,
            clause_fallback: true,
            clause_top_k: 3,
            clause_min: 0.8,
            lexical_min: 0.7,
            top_k: 6,
            min_score: 0.45,
            max_question_chars: 500,
        }
    }
}

pub struct Recaller {
    columns: Vec<ColumnEntry>,
    segmenter: Segmenter,
    exact: ExactMatcher,
    bm25: Bm25,
    linker: EntityLinker,
    metrics: Vec<Metric>,
    dense: Option<DenseMatcher>,
    /// Items the database lacks (`schemas/absent.txt`).
    absent: Vec<String>,
    /// The address columns place filters read (from the schema file).
    places: catalog::PlaceColumns,
    /// Columns every prompt carries (the dataset's identity columns).
    mandatory: Vec<String>,
    /// A head-count total that travels with other head counts (from the schema file).
    headcount_total: Option<String>,
    pub config: FusionConfig,
}

impl Recaller {
    pub fn new(catalog: &Catalog, stopwords: &Path, synonyms: &Path, absent: &Path, config: FusionConfig) -> Result<Recaller, RecallError> {
        let setup = |e: String| RecallError::Setup(e);
        let columns: Vec<ColumnEntry> = catalog
            .query_columns()
            .iter()
            .map(|c| ColumnEntry {
                name: c.name.clone(),
                sql_type: c.sql_type.as_str().to_string(),
                aliases: catalog.doc(&c.name).map(|d| d.aliases.clone()).unwrap_or_default(),
                unit: catalog.doc(&c.name).map(|d| d.unit.clone()).unwrap_or_default(),
            })
            .collect();
        let metrics: Vec<Metric> = load_metrics(synonyms)
            .map_err(setup)?
            .into_iter()
            .filter(|m| m.columns.iter().all(|c| columns.iter().any(|e| &e.name == c)))
            .collect();
        let absent: Vec<String> = std::fs::read_to_string(absent)
            .map_err(|e| setup(format!("{}: {e}", absent.display())))?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect();
        let stop = Segmenter::load_stopwords(stopwords).map_err(|e| setup(format!("{}: {e}", stopwords.display())))?;
        let companies = catalog.companies();
        let terms = columns
            .iter()
            .flat_map(|c| std::iter::once(c.name.as_str()).chain(c.aliases.iter().map(String::as_str)))
            .chain(metrics.iter().flat_map(|m| std::iter::once(m.name.as_str()).chain(m.aliases.iter().map(String::as_str))))
            .chain(companies.iter().flat_map(|c| [c.full_name.as_str(), c.short_name.as_str()]));
        let segmenter = Segmenter::new(terms, stop);
        let exact = ExactMatcher::new(
            &columns.iter().map(|c| (c.name.clone(), c.aliases.clone())).collect::<Vec<_>>(),
            &metrics.iter().map(|m| (m.name.clone(), m.aliases.clone())).collect::<Vec<_>>(),
            &catalog.places().iter().flat_map(|p| [p.clone(), format!("{p}市")]).collect::<Vec<_>>(),
        )
        .map_err(setup)?;
        let bm25 = Bm25::new(
            columns
                .iter()
                .map(|c| {
                    let mut toks: Vec<String> = Vec::new();
                    for s in std::iter::once(&c.name).chain(&c.aliases) {
                        toks.push(s.clone());
                        toks.extend(bigrams(s));
                    }
                    if let Some(d) = catalog.doc(&c.name) {
                        toks.extend(segmenter.words(&d.description).into_iter().map(|w| w.text));
                    }
                    toks
                })
                .collect(),
        );
        let linker = EntityLinker::new(companies, catalog.years(), NameRules::from(catalog.dataset())).map_err(setup)?;
        // Dense only when asked for, so `--no-dense` runs without ONNX Runtime.
        let dense = if config.use_dense {
            let embedder = M3eEmbedder::open(&dense::model_dir())?;
            Some(DenseMatcher::new(Box::new(embedder), &dense_views(catalog, &columns), Some(&dense::default_cache_dir()))?)
        } else {
            None
        };
        let places = catalog.place_columns().clone();
        let ds = catalog.dataset();
        let mandatory = ds.identity_columns().map(String::from).to_vec();
        let headcount_total = ds.headcount_total_column.clone();
        Ok(Recaller { columns, segmenter, exact, bm25, linker, metrics, dense, absent, places, mandatory, headcount_total, config })
    }

    /// The dense matcher, when dense recall is on.
    pub fn dense(&self) -> Option<&DenseMatcher> {
        self.dense.as_ref()
    }

    /// Recaller over the catalog and the word lists its schema file names.
    pub fn open_default(catalog: &Catalog) -> Result<Recaller, RecallError> {
        Recaller::open_with(catalog, FusionConfig::default())
    }

    /// Same files, other weights or matchers switched off (ablations).
    pub fn open_with(catalog: &Catalog, config: FusionConfig) -> Result<Recaller, RecallError> {
        let ds = catalog.dataset();
        let [stopwords, synonyms, absent] = [&ds.stopwords, &ds.synonyms, &ds.absent].map(|f| catalog.schema_relative(f));
        Recaller::new(catalog, &stopwords, &synonyms, &absent, config)
    }

    pub fn linker(&self) -> &EntityLinker {
        &self.linker
    }

    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }

    pub fn recall(&self, question: &str) -> Result<RecallResult, RecallError> {
        let t0 = Instant::now();
        let q = check_question(question, self.config.max_question_chars)?;
        let cfg = &self.config;
        let n = self.columns.len();
        let mut sc = Scores::new(n);

        let (mut companies, company_spans) = self.linker.link_companies(q);
        let crate::entities::YearLinks { years, spans: year_spans, not_held: years_not_held } = self.linker.link_years(q);
        // An amount inside a company name (北京三元食品) is part of the name.
        let amounts: Vec<_> = crate::amounts::find_amounts(q).into_iter().filter(|a| !company_spans.iter().any(|c| a.span.0 < c.1 && c.0 < a.span.1)).collect();
        let blocked: Vec<Span> = company_spans.iter().chain(&year_spans).copied().chain(amounts.iter().map(|a| a.span)).collect();

        // 1. Verbatim names, aliases, metrics; 2. the words outside entity and exact spans.
        let (hits, metrics) = self.exact_step(q, &blocked, &mut sc);
        let exact_spans: Vec<Span> = hits.iter().map(|h| h.span).collect();
        let words: Vec<_> = self
            .segmenter
            .words(q)
            .into_iter()
            .filter(|w| {
                let sp = (w.start, w.start + w.text.chars().count());
                !blocked.iter().chain(&exact_spans).any(|b| b.0 <= sp.0 && sp.1 <= b.1)
            })
            .collect();
        // 3. Lexical, dense and BM25 evidence for the remaining words.
        let (explained, explained_strictly) = self.word_matchers_step(&words, &mut sc)?;
        let Scores { score, evidence, pinned } = &mut sc;
        let (score, evidence, pinned) = (score, evidence, pinned);

        let mandatory: Vec<usize> = self.mandatory.iter().filter_map(|m| self.columns.iter().position(|c| &c.name == m)).collect();

        // 4b. Nothing found and nothing known to be absent: the clause's nearest columns.
        // A named mandatory column (「证券简称」) is a find too.
        let found = (0..n).any(|i| pinned[i] || (!mandatory.contains(&i) && score[i] >= cfg.min_score));
        let names_absent = self.absent.iter().any(|a| q.contains(a.as_str()));
        if let (false, false, true, Some(dense)) = (found, names_absent, cfg.clause_fallback, &self.dense) {
            let clause = clause_text(q, &blocked);
            if clause.chars().filter(|c| crate::is_cjk(*c)).count() >= 2 {
                let scores = dense.column_scores(&[clause.as_str()])?.pop().unwrap_or_default();
                let nearest = dense::top_k_of(&scores, n).into_iter().filter(|(i, _)| !mandatory.contains(i)).take(cfg.clause_top_k);
                for (i, cos) in nearest.filter(|&(_, cos)| cos >= cfg.clause_min) {
                    score[i] = cfg.min_score;
                    evidence[i].push(Evidence { word: clause.clone(), path: MatchPath::DenseClause, score: cos });
                }
            }
        }

        // 5. Select: pinned columns always, then the best others up to top_k.
        let mut order: Vec<usize> = (0..n).filter(|i| !mandatory.contains(i)).collect();
        order.sort_by(|&a, &b| pinned[b].cmp(&pinned[a]).then(score[b].total_cmp(&score[a])));
        let mut keep: Vec<usize> = Vec::new();
        for i in order {
            if pinned[i] || (keep.len() < cfg.top_k && score[i] >= cfg.min_score) {
                keep.push(i);
            }
        }
        // Head counts travel with the staff total (shares, ratios).
        if let Some(total) = self.headcount_total.as_ref().and_then(|t| self.columns.iter().position(|c| &c.name == t)) {
            if !keep.contains(&total) && keep.iter().any(|&i| pinned[i] && self.columns[i].unit == "人") {
                keep.push(total);
                evidence[total].push(Evidence { word: String::new(), path: MatchPath::Companion, score: 1.0 });
            }
        }
        let mut columns: Vec<RecalledColumn> = keep
            .into_iter()
            .map(|i| RecalledColumn {
                name: self.columns[i].name.clone(),
                sql_type: self.columns[i].sql_type.clone(),
                score: score[i],
                mandatory: false,
                evidence: std::mem::take(&mut evidence[i]),
            })
            .collect();
        for i in mandatory {
            let mut ev = std::mem::take(&mut evidence[i]);
            ev.push(Evidence { word: String::new(), path: MatchPath::Mandatory, score: 1.0 });
            columns.push(RecalledColumn { name: self.columns[i].name.clone(), sql_type: self.columns[i].sql_type.clone(), score: score[i], mandatory: true, evidence: ev });
        }

        // 6. Company mentions nothing matched exactly: a short form, a typo, or an unknown company.
        let leftovers = leftover_words(&words, &explained, &blocked);
        let short_form_words = leftover_words(&words, &explained_strictly, &blocked);
        let linked = self.link_leftovers(q, &short_form_words, &leftovers, companies.is_empty());
        for c in linked.companies {
            if !companies.iter().any(|k| k.full_name == c.full_name) {
                companies.push(c);
            }
        }
        let places = self.place_filters(q, &hits);
        // A column's own name says nothing about what to do with it: 「流动资产合计」 asks
        // for a value, not a sum. Intent words are looked for outside the columns' exact
        // names (a metric's name, 「总资产增长率」, does say what to compute, and an alias such as
        // 「资产合计」 is worded like a question).
        let column_spans: Vec<Span> = hits.iter().filter(|h| matches!(h.target, Target::Column(_)) && h.path == MatchPath::Name).map(|h| h.span).collect();
        let intent_text: String = q.chars().enumerate().map(|(i, c)| if column_spans.iter().any(|s| s.0 <= i && i < s.1) { '\u{3000}' } else { c }).collect();
        let intent = crate::intent::detect(&crate::intent::IntentInputs {
            question: &intent_text,
            companies: companies.len(),
            years: years.len(),
            amounts: &amounts,
            has_metric: !metrics.is_empty(),
        });

        Ok(RecallResult {
            question: q.to_string(),
            words: words.iter().map(|w| w.text.clone()).collect(),
            columns,
            entities: Entities {
                companies,
                years,
                years_not_held,
                foreign_name: linked.foreign,
                unknown_company: linked.unknown,
                ambiguous_company: linked.ambiguous,
                amounts,
                places,
            },
            intent,
            metrics,
            elapsed_us: t0.elapsed().as_micros() as u64,
        })
    }
}

/// Words that make a leftover a question phrase rather than a company name.
const QUESTION_MARKS: [&str; 10] = ["最", "排名", "第", "哪", "多少", "几", "什么", "是否", "怎么", "如何"];

/// Per-column fused score, evidence and whether an exact match pinned it.
struct Scores {
    score: Vec<f32>,
    evidence: Vec<Vec<Evidence>>,
    pinned: Vec<bool>,
}

impl Scores {
    fn new(n: usize) -> Scores {
        Scores { score: vec![0f32; n], evidence: vec![Vec::new(); n], pinned: vec![false; n] }
    }

    /// Keep the larger of the old score and `v` (exact and lexical hits).
    fn raise(&mut self, i: usize, v: f32, ev: Evidence) {
        self.score[i] = self.score[i].max(v);
        self.evidence[i].push(ev);
    }

    /// Add `v` to the score (dense and BM25 hits reinforce what others found).
    fn add(&mut self, i: usize, v: f32, ev: Evidence) {
        self.score[i] += v;
        self.evidence[i].push(ev);
    }
}

impl Recaller {
    /// Verbatim names, aliases, metrics and places: pinned columns, and the metrics named.
    fn exact_step(&self, q: &str, blocked: &[Span], sc: &mut Scores) -> (Vec<crate::exact::ExactHit>, Vec<Metric>) {
        let mut metrics: Vec<Metric> = Vec::new();
        let hits = if self.config.use_exact { self.exact.find(q, blocked) } else { Vec::new() };
        for h in &hits {
            let cols: Vec<usize> = match h.target {
                Target::Column(i) => vec![i],
                Target::Metric(m) => {
                    let metric = &self.metrics[m];
                    if !metrics.contains(metric) {
                        metrics.push(metric.clone());
                    }
                    metric.columns.iter().filter_map(|c| self.columns.iter().position(|e| &e.name == c)).collect()
                }
                Target::Place => {
                    let column = self.place_column(q);
                    self.columns.iter().position(|e| e.name == column).into_iter().collect()
                }
            };
            for i in cols {
                sc.pinned[i] = true;
                sc.raise(i, self.config.w_exact, Evidence { word: h.mention.clone(), path: h.path, score: 1.0 });
            }
        }
        (hits, metrics)
    }

    /// Lexical, dense and BM25 hits for the remaining words, weighed and combined per
    /// column. Returns which words look like some column (for company linking), read
    /// loosely and strictly (`Lexical::explained_strictly`).
    fn word_matchers_step(&self, words: &[crate::segment::Word], sc: &mut Scores) -> Result<(Vec<bool>, Vec<bool>), RecallError> {
        let cfg = &self.config;
        let lexical = Lexical(&self.columns);
        let dense = self.dense.as_ref().map(|dense| DenseWords { dense, columns: &self.columns });
        let mut matchers: Vec<&dyn WordMatcher> = Vec::new();
        if cfg.use_lexical {
            matchers.push(&lexical);
        }
        if let (true, Some(d)) = (cfg.use_dense, &dense) {
            matchers.push(d);
        }
        if cfg.use_bm25 {
            matchers.push(&self.bm25);
        }
        for m in matchers {
            let (path, weight, combine) = (m.path(), m.weight(cfg), m.combine());
            for h in m.hits(words, cfg)? {
                let ev = Evidence { word: h.word, path, score: h.score };
                match combine {
                    Combine::Max => sc.raise(h.column, weight * h.score, ev),
                    Combine::Add => sc.add(h.column, weight * h.score, ev),
                }
            }
        }
        Ok(if cfg.use_lexical { (lexical.explained(words), lexical.explained_strictly(words)) } else { (vec![false; words.len()], vec![false; words.len()]) })
    }
}

/// What `link_leftovers` found.
struct LeftoverLinks {
    companies: Vec<crate::CompanyMatch>,
    unknown: Option<crate::UnknownCompany>,
    ambiguous: Option<crate::AmbiguousCompany>,
    foreign: Option<String>,
}

/// Runs of adjacent question words no matcher explained, with their start (char).
fn leftover_words(words: &[crate::segment::Word], explained: &[bool], blocked: &[Span]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    let mut prev_end = usize::MAX;
    for (w, ex) in words.iter().zip(explained) {
        let sp = (w.start, w.start + w.text.chars().count());
        // Inside an entity span, or cut across one (「亿到」 in 「500亿到1000亿」): not a name.
        let touches_entity = blocked.iter().any(|b| sp.0 < b.1 && b.0 < sp.1);
        if *ex || touches_entity {
            prev_end = usize::MAX;
            continue;
        }
        match out.last_mut() {
            Some(last) if prev_end == w.start => last.0.push_str(&w.text),
            _ => out.push((w.text.clone(), w.start)),
        }
        prev_end = sp.1;
    }
    out
}

impl Recaller {
    /// Short forms (「爱尔」, among `short_form_words`), then, when no company was linked
    /// at all, typos and unknown names (among `leftovers`, which leave out more words
    /// that look like a column). A short form that fits several companies is
    /// reported, never guessed.
    fn link_leftovers(&self, q: &str, short_form_words: &[(String, usize)], leftovers: &[(String, usize)], none_linked: bool) -> LeftoverLinks {
        let mut links = LeftoverLinks { companies: Vec::new(), unknown: None, ambiguous: None, foreign: None };
        for (text, start) in short_form_words {
            match self.linker.abbreviation(text) {
                crate::entities::Fit::One(c) if self.is_subject(q, text, *start) => links.companies.push(crate::CompanyMatch {
                    mention: text.clone(),
                    full_name: c.full_name.clone(),
                    short_name: c.short_name.clone(),
                    code: c.code.clone(),
                    linked_by: crate::LinkedBy::Abbreviation,
                    score: 1.0,
                }),
                crate::entities::Fit::Many(cs) if links.ambiguous.is_none() && self.is_subject(q, text, *start) => {
                    links.ambiguous = Some(crate::AmbiguousCompany {
                        mention: text.clone(),
                        candidates: cs.iter().map(|c| (c.full_name.clone(), c.short_name.clone())).collect(),
                    });
                }
                _ => {}
            }
        }
        if !none_linked || !links.companies.is_empty() || links.ambiguous.is_some() {
            return links;
        }
        // A name in Latin letters (「BYD」「Moutai」) where a company stands: the table
        // has no foreign names, and a model would translate it into a guess.
        links.foreign = leftovers
            .iter()
            .find(|(t, s)| t.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 2 && t.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '.' || c == '-') && !t.to_lowercase().starts_with("top") && self.is_subject(q, t, *s))
            .map(|(t, _)| t.trim().to_string());
        if links.foreign.is_some() {
            return links;
        }
        // Company names often start with a place (贵州茅台, 上海汽车) that matched as a
        // place: also try each leftover with 2–3 characters before it.
        let chars: Vec<char> = q.chars().collect();
        let mut extended: Vec<String> = Vec::new();
        for (text, start) in leftovers {
            for k in [2usize, 3] {
                if *start >= k && chars[start - k..*start].iter().all(|&c| recall_is_cjk(c)) {
                    extended.push(format!("{}{}", chars[start - k..*start].iter().collect::<String>(), text));
                }
            }
        }
        let texts: Vec<String> = leftovers.iter().map(|(t, _)| t.clone()).collect();
        // A leftover in a name's place is an unknown company only if it reads like a
        // name: not a ranking or question phrase, not an item the database lacks.
        let name_like = |t: &str| {
            !QUESTION_MARKS.iter().any(|w| t.contains(w)) && !crate::amounts::is_comparison_word(t) && !self.absent.iter().any(|a| t.contains(a.as_str()))
        };
        let subjects: Vec<String> = leftovers.iter().filter(|(t, s)| name_like(t) && self.is_subject(q, t, *s)).map(|(t, _)| t.clone()).collect();
        let (linked, unknown) = self.linker.resolve_leftover(q, &texts, &extended, &subjects);
        links.companies.extend(linked);
        links.unknown = unknown;
        links
    }

    /// A leftover where a company name stands: at the start of the question, or
    /// right before a year (「字节跳动2021年…」), or between a year and 的.
    fn is_subject(&self, q: &str, text: &str, start: usize) -> bool {
        let chars: Vec<char> = q.chars().collect();
        let end = start + text.chars().count();
        let next = chars.get(end).copied();
        let before: String = chars[..start].iter().collect();
        let before = before.trim_end_matches(|c: char| c.is_whitespace() || "，,、".contains(c));
        before.is_empty()
            || next.is_some_and(|c| c.is_ascii_digit())
            || (before.ends_with('年') && matches!(next, Some('的') | Some('在')))
            || matches!(next, Some('和') | Some('与') | Some('跟') | Some('同') | Some('比'))
            || ["和", "与", "是", "或", "还是", "跟"].iter().any(|w| before.ends_with(w))
            || matches!(next, Some('还') | Some('或'))
    }

    /// The address column a place filter reads (`[places]` in the schema file).
    fn place_column(&self, q: &str) -> &str {
        match self.address_kind(q) {
            AddressKind::Registered => &self.places.registered_column,
            AddressKind::Office => &self.places.office_column,
        }
    }

    fn address_kind(&self, q: &str) -> AddressKind {
        let says = |words: &[String]| words.iter().any(|w| q.contains(w.as_str()));
        if says(&self.places.registered_words) {
            AddressKind::Registered
        } else if says(&self.places.office_words) || !self.places.bare_place_registered {
            AddressKind::Office
        } else {
            AddressKind::Registered
        }
    }

    fn place_filters(&self, q: &str, hits: &[crate::exact::ExactHit]) -> Vec<PlaceFilter> {
        let address = self.address_kind(q);
        let column = self.place_column(q).to_string();
        let mut out: Vec<PlaceFilter> = Vec::new();
        for h in hits.iter().filter(|h| h.target == Target::Place) {
            let place = h.mention.trim_start_matches('在').trim_end_matches(['市', '省']).to_string();
            if !out.iter().any(|p| p.place == place) {
                out.push(PlaceFilter { place, address, column: column.clone() });
            }
        }
        out
    }
}

/// Texts embedded per column: the doc text (name + aliases + description), the name
/// and each alias on its own, so a short question word can meet a short name.
fn dense_views(catalog: &Catalog, columns: &[ColumnEntry]) -> Vec<Vec<String>> {
    columns
        .iter()
        .map(|c| {
            let mut v: Vec<String> = Vec::new();
            if let Some(d) = catalog.doc(&c.name) {
                v.push(d.doc_text());
            }
            for t in std::iter::once(&c.name).chain(&c.aliases) {
                if !v.contains(t) {
                    v.push(t.clone());
                }
            }
            v
        })
        .collect()
}

/// The question without its company and year mentions, trimmed of punctuation and
/// particles: 「2021年比亚迪在研究上投了多少钱？」 → 「在研究上投了多少钱」.
fn clause_text(q: &str, blocked: &[Span]) -> String {
    let kept: String = q.chars().enumerate().filter(|(i, _)| !blocked.iter().any(|b| b.0 <= *i && *i < b.1)).map(|(_, c)| c).collect();
    let trim = |c: char| c.is_ascii_punctuation() || c.is_whitespace() || "，。？！、；：“”‘’（）的".contains(c);
    kept.trim_matches(trim).to_string()
}
