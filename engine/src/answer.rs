//! The `Engine` and `answer()`: the whole pipeline for one question, with a
//! bounded retry that feeds the guard's or SQLite's complaint back to the model.

use crate::classify::{classify, QuestionClass};
use crate::prompt::{build_prompt, REFUSAL_MARKER};
use crate::sentence::sentence;
use catalog::Catalog;
use guard::{ExecLimits, Executor, QueryResult, SqlGuard};
use llm::{ChatPrompt, GenOptions, ModelSize, QwenGenerator, SqlGenerator};
use recall::{RecallResult, Recaller};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Catalog(#[from] catalog::CatalogError),
    #[error("{0}")]
    Question(#[from] recall::RecallError),
    #[error("未找到公司「{mention}」(unknown company){}", nearest_hint(.nearest))]
    UnknownCompany { mention: String, nearest: Vec<String> },
    #[error("「{mention}」可能指多家公司：{}。请写出是哪一家 (ambiguous company)", candidates_list(.candidates))]
    AmbiguousCompany { mention: String, candidates: Vec<(String, String)> },
    #[error(transparent)]
    Model(#[from] llm::LlmError),
    #[error("execution: {0}")]
    Exec(#[from] guard::ExecError),
    #[error("engine set-up: {0}")]
    Setup(String),
}

fn candidates_list(c: &[(String, String)]) -> String {
    c.iter().map(|(full, short)| if short.is_empty() { full.clone() } else { format!("{short}（{full}）") }).collect::<Vec<_>>().join("、")
}

fn nearest_hint(n: &[String]) -> String {
    if n.is_empty() {
        String::new()
    } else {
        format!("；最接近的公司：{}", n.join("、"))
    }
}

/// Which SQL writer to use.
#[derive(Debug, Clone)]
pub enum Generator {
    /// In-process Qwen (GGUF path; `None` = fetch the base model of this size).
    Local { model: Option<PathBuf>, size: ModelSize, adapter: Option<PathBuf>, lora_mode: llm::LoraMode },
    /// An OpenAI-compatible server.
    Http { url: String, model: String },
}

/// Most model threads `Config::threads` may ask for.
pub const MAX_THREADS: usize = 256;

#[derive(Debug, Clone)]
pub struct Config {
    pub db: PathBuf,
    pub schema: PathBuf,
    pub generator: Generator,
    pub threads: Option<usize>,
    /// New generations after the first when the guard or SQLite refuses.
    pub max_retries: usize,
    pub limits: ExecLimits,
    pub max_new_tokens: usize,
    /// Prompt-lookup draft tokens verified per decoding step (0 = plain greedy).
    pub draft_tokens: usize,
    /// Drafts may also be copied from the SQL skeleton recall implies
    /// (`prompt::sql_skeleton`); the output is the same either way.
    pub draft_skeleton: bool,
    /// Constrained decoding (`constrain::SqlConstraint`) for the in-process model.
    pub constrain: bool,
    pub show_progress: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            db: catalog::default_db_path(),
            schema: catalog::default_schema_path(),
            generator: Generator::Local { model: None, size: ModelSize::Qwen05B, adapter: default_adapter(), lora_mode: llm::LoraMode::default() },
            threads: None,
            max_retries: 2,
            limits: ExecLimits::default(),
            max_new_tokens: 200,
            draft_tokens: llm::DEFAULT_DRAFT_TOKENS,
            draft_skeleton: true,
            constrain: false,
            show_progress: true,
        }
    }
}

/// The committed adapter, when one exists in the repository.
pub fn default_adapter() -> Option<PathBuf> {
    let dir = catalog::repo_root().join("models/lora");
    dir.join("adapter_model.safetensors").exists().then_some(dir)
}

#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub raw: String,
    pub sql: Option<String>,
    pub repairs: Vec<String>,
    pub error: Option<String>,
    pub prompt_tokens: usize,
    pub new_tokens: usize,
    /// Tokens the decoding constraint changed (0 without one).
    #[serde(default)]
    pub constrained: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct StageTimings {
    pub recall_ms: f64,
    pub generate_ms: f64,
    pub prefill_ms: f64,
    pub decode_ms: f64,
    pub guard_ms: f64,
    pub execute_ms: f64,
    pub total_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub question: String,
    pub class: QuestionClass,
    pub recall: RecallResult,
    pub prompt_tokens: usize,
    /// The SQL that ran (None when unsupported or every attempt failed).
    pub sql: Option<String>,
    pub attempts: Vec<Attempt>,
    pub result: Option<QueryResult>,
    /// One Chinese sentence.
    pub sentence: String,
    /// A growth rate computed after the SQL (see `compute`), when asked for.
    pub growth: Option<crate::compute::Growth>,
    pub error: Option<String>,
    pub timings: StageTimings,
    /// In a conversation: what was typed and how it was completed (`Session`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub understood: Option<crate::session::Understood>,
    /// Why the question was declined before any SQL was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub declined: Option<crate::scope::OutOfScope>,
}

pub struct Engine {
    pub catalog: Arc<Catalog>,
    pub recaller: Recaller,
    pub guard: SqlGuard,
    pub executor: Executor,
    pub generator: Box<dyn SqlGenerator>,
    pub config: Config,
    pub load_ms: f64,
}

impl Engine {
    pub fn open(config: Config) -> Result<Engine, Error> {
        let t0 = Instant::now();
        if let Some(n) = config.threads {
            // candle's CPU kernels run on rayon's global pool; a pool that cannot start is an error, not a later panic.
            // (A pool built by an earlier engine in this process is fine.)
            let started = if n == 0 || n > MAX_THREADS { Err(format!("{n} is out of range")) } else { rayon::ThreadPoolBuilder::new().num_threads(n).build_global().map_err(|e| e.to_string()) };
            match started {
                Err(e) if !e.contains("already been initialized") => {
                    return Err(Error::Setup(format!("cannot start {n} model threads ({e}); give --threads 1 to {MAX_THREADS}")))
                }
                _ => {}
            }
        }
        let catalog = Arc::new(Catalog::load(&config.db, &config.schema)?);
        let recaller = Recaller::open_default(&catalog)?;
        let guard = SqlGuard::new(catalog.clone());
        let executor = Executor::open(&config.db, config.limits.clone())?;
        let generator: Box<dyn SqlGenerator> = match &config.generator {
            Generator::Local { model, size, adapter, lora_mode } => {
                let path = match model {
                    Some(p) => p.clone(),
                    None => llm::ensure_model(*size, config.show_progress)?,
                };
                Box::new(QwenGenerator::load_with(&path, adapter.as_deref(), *lora_mode)?)
            }
            Generator::Http { url, model } => Box::new(llm::HttpGenerator::new(url, model)?),
        };
        Ok(Engine { catalog, recaller, guard, executor, generator, config, load_ms: t0.elapsed().as_secs_f64() * 1e3 })
    }

    pub fn prompt_for(&self, recall: &RecallResult) -> ChatPrompt {
        build_prompt(recall, &self.catalog)
    }

    /// Generation options from the config (no cancel flag).
    pub fn gen_options(&self) -> GenOptions {
        GenOptions { max_new_tokens: self.config.max_new_tokens, cancel: None, draft_tokens: self.config.draft_tokens, constraint: None, draft_reference: None }
    }

    /// `gen` with what this question's recall adds: the SQL skeleton drafts may copy
    /// from and, when on, the decoding constraint.
    pub fn gen_options_for(&self, recall: &RecallResult, gen: &GenOptions) -> GenOptions {
        let mut opts = gen.clone();
        if self.config.draft_skeleton && opts.draft_reference.is_none() {
            opts.draft_reference = Some(crate::prompt::sql_skeleton(recall, &self.catalog).into());
        }
        if self.config.constrain {
            opts.constraint = Some(std::sync::Arc::new(crate::constrain::SqlConstraint::new(recall, self.catalog.dataset())));
        }
        opts
    }

    pub fn answer(&self, question: &str) -> Result<Answer, Error> {
        self.answer_with(question, &self.gen_options())
    }

    /// `answer` with generation options (the REPL passes a cancel flag).
    pub fn answer_with(&self, question: &str, gen: &GenOptions) -> Result<Answer, Error> {
        let t0 = Instant::now();
        let mut timings = StageTimings::default();
        let recall = self.recaller.recall(question)?;
        timings.recall_ms = t0.elapsed().as_secs_f64() * 1e3;
        // Out of the data's reach first: an instruction or a 2022 question is declined
        // even when its words also look like an unknown company.
        let declined = crate::scope::check(&recall, &self.catalog);
        if declined.is_none() {
            self.check_companies(&recall)?;
        }
        let class = if declined.is_some() { QuestionClass::Unsupported } else { classify(&recall) };
        let mut answer = Answer {
            question: recall.question.clone(),
            class,
            prompt_tokens: 0,
            sql: None,
            attempts: Vec::new(),
            result: None,
            sentence: String::new(),
            growth: None,
            error: None,
            timings: StageTimings::default(),
            understood: None,
            declined,
            recall,
        };
        if let Some(reason) = &answer.declined {
            answer.sentence = reason.sentence();
            answer.timings = finish(timings, t0);
            return Ok(answer);
        }
        // The prompt and the decoding constraint only for questions that reach the model.
        let base = self.prompt_for(&answer.recall);
        let opts = self.gen_options_for(&answer.recall, gen);
        let gen = &opts;
        // Set after a refusal the question's own words contradict: SQL only from then on.
        let mut sql_only: Option<GenOptions> = None;
        let mut prompt = base.clone();
        for attempt_no in 0..=self.config.max_retries {
            let tg = Instant::now();
            let g = self.generator.generate(&prompt, sql_only.as_ref().unwrap_or(gen))?;
            timings.generate_ms += tg.elapsed().as_secs_f64() * 1e3;
            timings.prefill_ms += g.prefill_ms;
            timings.decode_ms += g.decode_ms;
            if attempt_no == 0 {
                answer.prompt_tokens = g.prompt_tokens;
            }
            // Greedy decoding repeats itself; a repeated answer will not improve.
            let repeated = answer.attempts.iter().any(|a| a.raw.trim() == g.text.trim());
            let mut attempt = Attempt { raw: g.text.clone(), sql: None, repairs: Vec::new(), error: None, prompt_tokens: g.prompt_tokens, new_tokens: g.new_tokens, constrained: g.constrained };
            if g.text.trim_start().starts_with(REFUSAL_MARKER) {
                // A refusal although the question names a column verbatim (its name or an
                // alias of 3+ characters, `prompt::named_columns_note`) is the model's habit,
                // not the data's limit: ask once more, saying so.
                let first_refusal = !answer.attempts.iter().any(|a| a.raw.trim_start().starts_with(REFUSAL_MARKER));
                if let Some(note) = crate::prompt::named_columns_note(&answer.recall).filter(|_| first_refusal && attempt_no < self.config.max_retries) {
                    answer.attempts.push(attempt);
                    prompt = ChatPrompt { system: base.system.clone(), user: format!("{}\n上一次的回答：{}\n{}", base.user, REFUSAL_MARKER, note) };
                    let inner = opts.constraint.clone();
                    sql_only = Some(GenOptions { constraint: Some(std::sync::Arc::new(crate::constrain::NoRefusal { inner })), ..opts.clone() });
                    continue;
                }
                answer.attempts.push(attempt);
                answer.class = QuestionClass::Unsupported;
                answer.sentence = "无法从数据库回答：已找到的列不足以回答这个问题。".into();
                break;
            }
            let tguard = Instant::now();
            let checked = self.guard.check(&g.text);
            timings.guard_ms += tguard.elapsed().as_secs_f64() * 1e3;
            let feedback = match checked {
                Err(e) => {
                    attempt.error = Some(format!("[{}] {e}", e.rule()));
                    format!("上一次的SQL被拒绝：{e}")
                }
                Ok(checked) => {
                    attempt.repairs = checked.repairs.iter().map(|r| r.to_string()).collect();
                    let checked = self.rewrite_approved(checked, &answer.recall, &mut attempt.repairs);
                    attempt.sql = Some(checked.sql.clone());
                    let te = Instant::now();
                    let run = self.executor.run(&checked);
                    timings.execute_ms += te.elapsed().as_secs_f64() * 1e3;
                    match run {
                        Ok(result) => {
                            answer.growth = crate::compute::growth(&answer.recall, &result);
                            answer.sentence = match &answer.growth {
                                Some(g) => crate::sentence::growth_sentence(&self.catalog, &answer.recall, g),
                                None => sentence(&self.catalog, &answer.recall, class, &result),
                            };
                            answer.sql = Some(checked.sql.clone());
                            answer.result = Some(result);
                            answer.attempts.push(attempt);
                            break;
                        }
                        Err(e) => {
                            attempt.error = Some(e.to_string());
                            format!("上一次的SQL执行出错：{e}")
                        }
                    }
                }
            };
            answer.attempts.push(attempt);
            if repeated {
                break;
            }
            prompt = ChatPrompt {
                system: base.system.clone(),
                user: format!("{}\n上一次的SQL：{}\n{}\n请改正，只输出SQL。", base.user, g.text.trim(), feedback),
            };
        }
        if answer.result.is_none() && answer.class != QuestionClass::Unsupported {
            let last = answer.attempts.last().and_then(|a| a.error.clone()).unwrap_or_default();
            answer.error = Some(last.clone());
            answer.sentence = format!("未能生成可执行的SQL：{last}");
        }
        answer.timings = finish(timings, t0);
        Ok(answer)
    }
}

impl Engine {
    /// Unknown and ambiguous company mentions are errors that list what is known.
    fn check_companies(&self, recall: &RecallResult) -> Result<(), Error> {
        if let Some(u) = &recall.entities.unknown_company {
            return Err(Error::UnknownCompany { mention: u.mention.clone(), nearest: u.nearest.clone() });
        }
        if let Some(a) = &recall.entities.ambiguous_company {
            return Err(Error::AmbiguousCompany { mention: a.mention.clone(), candidates: a.candidates.clone() });
        }
        Ok(())
    }

    /// Rewrites after the guard's approval (full company names; a threshold list's
    /// values), each approved again before it can run; one the guard refuses is dropped.
    fn rewrite_approved(&self, mut checked: guard::CheckedSql, recall: &RecallResult, repairs: &mut Vec<String>) -> guard::CheckedSql {
        let mut approve = |checked: &mut guard::CheckedSql, statement: sqlparser::ast::Statement, notes: Vec<String>| {
            if !notes.is_empty() {
                if let Ok(again) = self.guard.recheck(checked, &statement) {
                    *checked = again;
                    repairs.extend(notes);
                }
            }
        };
        let mut statement = checked.statement.clone();
        let fixed = crate::entity_fix::CompanyNames::new(self.recaller.linker(), &self.catalog).with_mentions(&recall.entities.companies).fix(&mut statement);
        approve(&mut checked, statement, fixed.iter().map(|(f, t)| format!("公司名称取值 '{f}' → '{t}' (canonical company name)")).collect());
        let mut statement = checked.statement.clone();
        let shown = crate::shape::ThresholdValues::new(&self.catalog).fix(&recall.intent, &mut statement);
        let note = (!shown.is_empty()).then(|| format!("筛选条件的取值加入结果列：{} (a threshold list shows its values)", shown.join(", ")));
        approve(&mut checked, statement, note.into_iter().collect());
        let mut statement = checked.statement.clone();
        let fixed = crate::shape::StatedAmounts::new(&recall.entities.amounts).fix(&mut statement);
        approve(&mut checked, statement, fixed.iter().map(|f| format!("金额数量级 {f} (the amount the question states)")).collect());
        checked
    }
}

fn finish(mut t: StageTimings, t0: Instant) -> StageTimings {
    t.total_ms = t0.elapsed().as_secs_f64() * 1e3;
    t
}

static DEFAULT_ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();

/// Answer with a lazily built default engine (repository data, fetched base model).
pub fn answer(question: &str) -> Result<Answer, Error> {
    let engine = DEFAULT_ENGINE.get_or_init(|| Engine::open(Config { show_progress: false, ..Config::default() }).map_err(|e| e.to_string()));
    match engine {
        Ok(e) => e.answer(question),
        Err(msg) => Err(Error::Setup(msg.clone())),
    }
}
