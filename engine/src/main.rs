//! `nl2sql`: the thin binary. Parses the command line and wires the engine.
//! Exit codes: 0 success, 1 a question could not be answered or a check fell
//! short, 2 bad usage or bad input file.

/// `println!` that a closed stdout (`nl2sql sql … | head -c1`) cannot turn into a
/// panic: after a broken pipe, output stops quietly and the command ends with its usual code.
macro_rules! outln {
    ($($t:tt)*) => { $crate::out(format_args!($($t)*)) };
}

mod repl;

static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn out(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_fmt(args).and_then(|()| o.write_all(b"\n")) {
        STDOUT_CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("nl2sql: cannot write output: {e}");
        }
    }
}

use clap::{Parser, Subcommand};
use engine::eval::{self, load_set};
use engine::{Config, Engine, Generator};
use llm::ModelSize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "nl2sql", version, about = "Answer Chinese questions about company annual reports with SQL")]
struct Cli {
    /// SQLite database.
    #[arg(long, global = true)]
    db: Option<PathBuf>,
    /// Column docs (TOML).
    #[arg(long, global = true)]
    schema: Option<PathBuf>,
    /// A GGUF model file (default: the fetched base model).
    #[arg(long, global = true)]
    model: Option<PathBuf>,
    /// Base model size to fetch when --model is not given: 0.5b or 1.5b.
    #[arg(long, global = true, default_value = "0.5b")]
    model_size: String,
    /// LoRA adapter directory, or `none` for the base model.
    #[arg(long, global = true)]
    adapter: Option<String>,
    /// How the adapter is applied: `merge` (into the weights at load) or `runtime` (low-rank side path).
    #[arg(long, global = true, default_value = "merge")]
    lora_mode: String,
    /// CPU threads for the model (1 to 256).
    #[arg(long, global = true, value_parser = clap::value_parser!(u16).range(1..=engine::answer::MAX_THREADS as i64))]
    threads: Option<u16>,
    /// Prompt-lookup speculative decoding: draft tokens verified per step (0 = off; the output is the same).
    #[arg(long, global = true, default_value_t = llm::DEFAULT_DRAFT_TOKENS)]
    draft_tokens: usize,
    /// Drafts may also be copied from the SQL skeleton recall implies (`on` or `off`; the output is the same).
    #[arg(long, global = true, default_value = "on")]
    draft_skeleton: String,
    /// Constrained decoding: identifiers limited to the prompt's columns, company and year
    /// literals to the linked values (`on` or `off`).
    #[arg(long, global = true, default_value = "off")]
    constrain: String,
    /// Use an OpenAI-compatible server instead of the in-process model (http://host:port).
    #[arg(long, global = true)]
    backend_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Answer one question.
    Ask {
        question: String,
        #[arg(long)]
        json: bool,
    },
    /// Interactive analyst session.
    Repl,
    /// HTTP service and web page (one shared engine behind a bounded queue).
    Serve {
        /// Address to listen on; a non-loopback address needs --token.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Bearer token required on /api/* and /metrics (16–256 visible ASCII characters).
        #[arg(long, env = "NL2SQL_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Questions that may wait for the model; one more is answered 503.
        #[arg(long, default_value_t = 32)]
        queue: usize,
        /// Seconds a question may wait and run before it is cancelled (503).
        #[arg(long, default_value_t = 120)]
        timeout_s: u64,
        /// Largest request body in bytes (413 beyond).
        #[arg(long, default_value_t = 65536)]
        max_body: usize,
    },
    /// Recall only (no model): one question, or metrics over a set.
    Recall {
        question: Option<String>,
        #[arg(long)]
        set: Option<PathBuf>,
        #[arg(long)]
        json: Option<String>,
        /// Ablation: switch off verbatim name/alias/metric/place spans.
        #[arg(long)]
        no_exact: bool,
        /// Ablation: switch off edit-distance matching.
        #[arg(long)]
        no_lexical: bool,
        /// Ablation: switch off BM25.
        #[arg(long)]
        no_bm25: bool,
        /// Ablation: switch off dense (embedding) matching; ONNX Runtime is then not loaded.
        #[arg(long)]
        no_dense: bool,
        /// Ablation: keep dense hits without edit-distance support (no lexical gate).
        #[arg(long)]
        no_gate: bool,
        /// Ablation: no clause-level dense guess when nothing else matched.
        #[arg(long)]
        no_clause: bool,
        /// Content columns kept at most.
        #[arg(long)]
        top_k: Option<usize>,
    },
    /// Validate SQL with the guard and run it.
    Sql {
        sql: String,
        #[arg(long)]
        json: bool,
    },
    /// Evaluation harness.
    Eval {
        #[arg(long)]
        set: Option<PathBuf>,
        #[arg(long)]
        limit: Option<usize>,
        #[arg(long, default_value_t = 1)]
        jobs: usize,
        #[arg(long)]
        json: Option<String>,
        /// Compare two eval reports: which items flipped.
        #[arg(long, num_args = 2, value_names = ["A.json", "B.json"])]
        compare: Option<Vec<PathBuf>>,
    },
    /// Export training examples built with the serving prompt builder.
    ExportSft {
        #[arg(long)]
        set: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "chatml")]
        format: String,
        /// Evaluation sets whose questions must not be trained on.
        #[arg(long, default_values = ["datasets/finglm/nl2sql_valid.jsonl", "datasets/finglm/lookup_b.jsonl", "datasets/finglm/lookup_c.jsonl", "datasets/analyst_dev/analyst_dev.jsonl", "datasets/paraphrase/paraphrase.jsonl", "datasets/paraphrase/paraphrase2.jsonl", "datasets/conversations/conversations.jsonl", "datasets/columns_dev/columns.jsonl"])]
        exclude: Vec<PathBuf>,
    },
    /// Download and verify the model files.
    Fetch,
    /// Latency and throughput figures.
    Bench {
        #[arg(long)]
        json: Option<String>,
        #[arg(long, default_value_t = 8)]
        questions: usize,
    },
}

struct Usage(String);

/// A switch given as `on` or `off`.
fn on_off(flag: &str, value: &str) -> Result<bool, Usage> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        other => Err(Usage(format!("{flag} {other}: expected on or off"))),
    }
}

fn config(cli: &Cli) -> Result<Config, Usage> {
    let mut c = Config::default();
    if let Some(db) = &cli.db {
        c.db = db.clone();
    }
    if let Some(s) = &cli.schema {
        c.schema = s.clone();
    }
    c.threads = cli.threads.map(usize::from);
    c.draft_tokens = cli.draft_tokens;
    c.draft_skeleton = on_off("--draft-skeleton", &cli.draft_skeleton)?;
    c.constrain = on_off("--constrain", &cli.constrain)?;
    let size = ModelSize::parse(&cli.model_size).ok_or_else(|| Usage(format!("--model-size {}: expected 0.5b or 1.5b", cli.model_size)))?;
    let adapter = match cli.adapter.as_deref() {
        Some("none") => None,
        Some(p) => Some(PathBuf::from(p)),
        None if size == ModelSize::Qwen05B && cli.model.is_none() => engine::answer::default_adapter(),
        None => None,
    };
    let lora_mode = llm::LoraMode::parse(&cli.lora_mode).ok_or_else(|| Usage(format!("--lora-mode {}: expected merge or runtime", cli.lora_mode)))?;
    c.generator = match &cli.backend_url {
        Some(url) => Generator::Http { url: url.clone(), model: "nl2sql".into() },
        None => Generator::Local { model: cli.model.clone(), size, adapter, lora_mode },
    };
    Ok(c)
}

fn write_json(dest: &str, value: &impl serde::Serialize) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    if dest == "-" {
        outln!("{text}");
        Ok(())
    } else {
        std::fs::write(dest, text + "\n").map_err(|e| format!("{dest}: {e}"))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(code) => code,
        Err(Failure::Usage(m)) => {
            eprintln!("nl2sql: {}", engine::table::escape(&m));
            ExitCode::from(2)
        }
        Err(Failure::Fail(m)) => {
            eprintln!("nl2sql: {}", engine::table::escape(&m));
            ExitCode::from(1)
        }
    }
}

enum Failure {
    Usage(String),
    Fail(String),
}

impl From<Usage> for Failure {
    fn from(u: Usage) -> Self {
        Failure::Usage(u.0)
    }
}

fn fail(e: impl std::fmt::Display) -> Failure {
    Failure::Fail(e.to_string())
}

fn open(cli: &Cli) -> Result<Engine, Failure> {
    let cfg = config(cli)?;
    check_files(cli, &cfg)?;
    Engine::open(cfg).map_err(engine_failure)
}

/// A missing or unusable file named on the command line is bad usage (exit 2),
/// told with its path and what to pass instead; found before any model loads.
fn check_files(cli: &Cli, cfg: &Config) -> Result<(), Failure> {
    if !cfg.db.is_file() {
        return Err(Failure::Usage(format!("--db {}: no such file; pass the path of the SQLite database (default datasets/finglm/finglm.sqlite)", cfg.db.display())));
    }
    if let Some(m) = &cli.model {
        if !m.is_file() {
            return Err(Failure::Usage(format!("--model {}: no such file; pass a GGUF model file, or leave --model out to use the fetched base model", m.display())));
        }
    }
    if let Generator::Local { adapter: Some(dir), .. } = &cfg.generator {
        llm::lora::check_config(dir).map_err(|e| Failure::Usage(format!("--adapter {}: {e}", dir.display())))?;
    }
    Ok(())
}

/// Engine errors about the files it was given are usage errors; the rest are failures.
fn engine_failure(e: engine::Error) -> Failure {
    use engine::Error as E;
    match &e {
        E::Catalog(_) | E::Exec(guard::ExecError::Open(_)) | E::Model(llm::LlmError::BadModel { .. } | llm::LlmError::Adapter { .. }) => Failure::Usage(e.to_string()),
        E::Setup(m) if m.contains("--threads") => Failure::Usage(e.to_string()),
        _ => fail(e),
    }
}

fn bad_file(e: impl std::fmt::Display) -> Failure {
    Failure::Usage(e.to_string())
}

fn model_info(engine: &Engine, cli: &Cli) -> serde_json::Value {
    let gguf = match &cli.model {
        Some(p) => llm::fetch::sha256_file(p, false).ok(),
        None if cli.backend_url.is_none() => ModelSize::parse(&cli.model_size).map(|s| s.spec().sha256.to_string()),
        None => None,
    };
    let adapter = match &engine.config.generator {
        Generator::Local { adapter: Some(dir), .. } => llm::fetch::sha256_file(&dir.join("adapter_model.safetensors"), false).ok(),
        _ => None,
    };
    serde_json::json!({"gguf_sha256": gguf, "adapter_sha256": adapter, "describe": engine.generator.describe()})
}

fn run(cli: &Cli) -> Result<ExitCode, Failure> {
    match &cli.command {
        Command::Ask { question, json } => {
            let engine = open(cli)?;
            match engine.answer(question) {
                Ok(a) => {
                    if *json {
                        write_json("-", &a).map_err(fail)?;
                    } else {
                        repl::print_answer(&a);
                    }
                    Ok(if a.result.is_some() { ExitCode::SUCCESS } else { ExitCode::from(1) })
                }
                Err(e) => Err(fail(e)),
            }
        }
        Command::Repl => {
            let engine = open(cli)?;
            repl::run(&engine).map_err(fail)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { addr, token, queue, timeout_s, max_body } => {
            let sc = engine::serve::ServeConfig { addr: *addr, token: token.clone(), queue: *queue, timeout: std::time::Duration::from_secs(*timeout_s), max_body: *max_body };
            // Refuse a bad configuration before the model is loaded.
            if let Err(e) = sc.validate() {
                eprintln!("nl2sql serve: {e}");
                return Ok(ExitCode::from(2));
            }
            let engine = open(cli)?;
            engine::serve::run(engine, sc, |a| eprintln!("nl2sql serve: listening on http://{a}/")).map_err(fail)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Recall { question, set, json, no_exact, no_lexical, no_bm25, no_dense, no_gate, no_clause, top_k } => {
            let cfg = config(cli)?;
            let catalog = catalog::Catalog::load(&cfg.db, &cfg.schema).map_err(bad_file)?;
            let mut fusion = recall::FusionConfig::default();
            fusion.use_exact = !no_exact;
            fusion.use_lexical = !no_lexical;
            fusion.use_bm25 = !no_bm25;
            fusion.use_dense = !no_dense;
            fusion.dense_gate = !no_gate;
            fusion.clause_fallback = !no_clause;
            if let Some(k) = top_k {
                fusion.top_k = *k;
            }
            let recaller = recall::Recaller::open_with(&catalog, fusion).map_err(fail)?;
            if let Some(set) = set {
                let items = load_set(set).map_err(Failure::Usage)?;
                let guard = guard::SqlGuard::new(std::sync::Arc::new(catalog.clone()));
                let rep = eval::recall_report(&catalog, &recaller, &guard, &items);
                if let Some(dest) = json {
                    write_json(dest, &rep).map_err(fail)?;
                }
                let f = |x: Option<f64>| x.map(|v| format!("{v:.4}")).unwrap_or_else(|| "n/a".into());
                eprintln!(
                    "n={} recall_strict={} recall_column={} avg_columns={:.2} p50={:.2}ms p95={:.2}ms company_acc={} year_acc={}",
                    rep.n, f(rep.recall_strict), f(rep.recall_column), rep.avg_columns, rep.p50_ms, rep.p95_ms, f(rep.entity_company_acc), f(rep.entity_year_acc)
                );
                return Ok(ExitCode::SUCCESS);
            }
            let q = question.as_deref().ok_or_else(|| Failure::Usage("recall needs a question or --set FILE".into()))?;
            let r = recaller.recall(q).map_err(fail)?;
            match json {
                Some(dest) => write_json(dest, &r).map_err(fail)?,
                None => repl::print_recall(&r),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Sql { sql, json } => {
            let cfg = config(cli)?;
            let catalog = std::sync::Arc::new(catalog::Catalog::load(&cfg.db, &cfg.schema).map_err(bad_file)?);
            let guard = guard::SqlGuard::new(catalog.clone());
            let exec = guard::Executor::open(&cfg.db, cfg.limits.clone()).map_err(bad_file)?;
            let t0 = std::time::Instant::now();
            let checked = match guard.check(sql) {
                Ok(c) => c,
                Err(e) => {
                    if *json {
                        write_json("-", &serde_json::json!({"ok": false, "rule": e.rule(), "error": e.to_string()})).map_err(fail)?;
                    } else {
                        outln!("refused [{}]: {}", e.rule(), engine::table::escape(&e.to_string()));
                    }
                    return Ok(ExitCode::from(1));
                }
            };
            let guard_us = t0.elapsed().as_secs_f64() * 1e6;
            let result = exec.run(&checked).map_err(fail)?;
            if *json {
                write_json(
                    "-",
                    &serde_json::json!({"ok": true, "sql": checked.sql, "repairs": checked.repairs.iter().map(|r| r.to_string()).collect::<Vec<_>>(), "result": result, "guard_us": guard_us}),
                )
                .map_err(fail)?;
            } else {
                outln!("SQL: {}", engine::table::escape(&checked.sql));
                for r in &checked.repairs {
                    outln!("repaired: {}", engine::table::escape(&r.to_string()));
                }
                outln!("{}", engine::table::render(&result, 50));
                outln!("{} rows, guard {:.0} µs, execute {:.1} ms", result.rows.len(), guard_us, result.elapsed_ms);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval { set, limit, jobs, json, compare } => {
            if let Some(files) = compare {
                let read = |p: &PathBuf| -> Result<serde_json::Value, Failure> {
                    let t = std::fs::read_to_string(p).map_err(|e| Failure::Usage(format!("{}: {e}", p.display())))?;
                    serde_json::from_str(&t).map_err(|e| Failure::Usage(format!("{}: {e}", p.display())))
                };
                let (a, b) = (read(&files[0])?, read(&files[1])?);
                let flips = eval::compare(&a, &b);
                for (k, ca, cb) in &flips {
                    outln!("{} {k}", if *cb && !ca { "+ fixed " } else { "- broken" });
                }
                outln!("{} items flipped ({} fixed, {} broken)", flips.len(), flips.iter().filter(|f| f.2).count(), flips.iter().filter(|f| !f.2).count());
                return Ok(ExitCode::SUCCESS);
            }
            let set = set.as_ref().ok_or_else(|| Failure::Usage("eval needs --set FILE (or --compare A B)".into()))?;
            if engine::eval_conv::is_conversation_set(set) {
                let mut convs = engine::eval_conv::load_conversations(set).map_err(Failure::Usage)?;
                if let Some(l) = limit {
                    convs.truncate(*l);
                }
                let engine = open(cli)?;
                let model = model_info(&engine, cli);
                let rep = engine::eval_conv::evaluate_conversations(&engine, &convs, true, model);
                if let Some(dest) = json {
                    write_json(dest, &rep).map_err(fail)?;
                }
                repl::print_conversations(&rep);
                return Ok(ExitCode::SUCCESS);
            }
            let mut items = load_set(set).map_err(Failure::Usage)?;
            if let Some(l) = limit {
                items.truncate(*l);
            }
            let engine = open(cli)?;
            let model = model_info(&engine, cli);
            let rep = eval::evaluate(&engine, &items, *jobs, true, model);
            if let Some(dest) = json {
                write_json(dest, &rep).map_err(fail)?;
            }
            repl::print_eval(&rep);
            Ok(ExitCode::SUCCESS)
        }
        Command::ExportSft { set, out, format, exclude } => {
            if format != "chatml" && format != "alpaca" {
                return Err(Failure::Usage(format!("--format {format}: expected chatml or alpaca")));
            }
            let cfg = config(cli)?;
            let catalog = catalog::Catalog::load(&cfg.db, &cfg.schema).map_err(bad_file)?;
            let recaller = recall::Recaller::open_default(&catalog).map_err(fail)?;
            let mut items = Vec::new();
            for s in set {
                items.extend(load_set(s).map_err(Failure::Usage)?);
            }
            let guard = guard::SqlGuard::new(std::sync::Arc::new(catalog.clone()));
            let exec = guard::Executor::open(&cfg.db, cfg.limits.clone()).map_err(bad_file)?;
            let mut excluded = std::collections::HashSet::new();
            for e in exclude {
                for q in engine::eval_conv::set_questions(e).map_err(Failure::Usage)? {
                    excluded.insert(engine::sft::normalize_question(&q));
                }
            }
            let rep = engine::sft::export_sft(&catalog, &recaller, &guard, &exec, &items, &excluded, out, format == "chatml", 0.12).map_err(fail)?;
            eprintln!("wrote {} examples to {}: {}", rep.examples, out.display(), serde_json::to_string(&rep).unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        Command::Fetch => {
            let size = ModelSize::parse(&cli.model_size).ok_or_else(|| Failure::Usage(format!("--model-size {}", cli.model_size)))?;
            let p = llm::ensure_model(size, true).map_err(fail)?;
            outln!("{}", p.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { json, questions } => {
            let engine = open(cli)?;
            let set = catalog::repo_root().join("datasets/finglm/nl2sql_valid.jsonl");
            let items = load_set(&set).map_err(fail)?;
            let gold: Vec<String> = items.iter().filter_map(|i| i.sql.clone()).collect();
            let qs: Vec<String> = items.into_iter().take(*questions).map(|i| i.question).collect();
            let rep = engine::bench::run(&engine, &qs, &gold);
            match json {
                Some(dest) => write_json(dest, &rep).map_err(fail)?,
                None => write_json("-", &rep).map_err(fail)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
