//! The analysts' REPL and the human-readable printers shared with `ask`.

use engine::eval::EvalReport;
use engine::{Answer, Engine};
use llm::GenOptions;
use recall::RecallResult;
use rustyline::error::ReadlineError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Model output, SQL and values reach the terminal with control characters escaped.
fn esc(s: &str) -> String {
    engine::table::escape(s)
}

const HELP: &str = "输入问题直接回答；以 \\ 结尾可续行。命令：
  :sql           上一条回答的 SQL
  :why           召回的列与实体，及其证据和分数
  :run <SQL>     经过 guard 校验后执行 SQL
  :schema [列名] 列出 big 的列，或一列的说明
  :json          上一条回答的完整 JSON
  :new           开始新的对话（追问不再承接上文）
  :help          帮助
  :quit          退出（Ctrl-D 亦可）；生成中按 Ctrl-C 可中断";

pub fn print_recall(r: &RecallResult) {
    outln!("召回列（{} 列，{} µs）：", r.columns.len(), r.elapsed_us);
    for c in &r.columns {
        let ev: Vec<String> = c
            .evidence
            .iter()
            .map(|e| {
                // The same name the JSON report uses (snake_case), e.g. dense_clause.
                let path = serde_json::to_value(e.path).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
                if e.word.is_empty() { path } else { format!("{path}「{}」{:.2}", e.word, e.score) }
            })
            .collect();
        outln!("  {:<24} {:<7} {:.2}  {}", c.name, c.sql_type, c.score, ev.join("; "));
    }
    let e = &r.entities;
    for c in &e.companies {
        outln!("  公司：「{}」→ {}（{:?}，{}）", c.mention, c.full_name, c.linked_by, c.code);
    }
    if !e.years.is_empty() {
        outln!("  年份：{}", e.years.join("、"));
    }
    for m in &r.metrics {
        outln!("  指标：{} = {}", m.name, m.formula);
    }
    if let Some(u) = &e.unknown_company {
        outln!("  未知公司：「{}」最接近：{}", u.mention, u.nearest.join("、"));
    }
}

pub fn print_answer(a: &Answer) {
    if let Some(u) = a.understood.as_ref().filter(|u| u.follow_up != engine::FollowUp::Standalone) {
        outln!("理解为：{}", esc(&u.question));
    }
    let cols: Vec<&str> = a.recall.columns.iter().filter(|c| !c.mandatory).map(|c| c.name.as_str()).collect();
    outln!("类别：{}    召回列：{}", a.class.as_str(), cols.join("、"));
    for (i, t) in a.attempts.iter().enumerate() {
        if a.attempts.len() > 1 || t.error.is_some() {
            outln!("尝试 {}：{}{}", i + 1, esc(&t.raw.trim().replace('\n', " ")), t.error.as_ref().map(|e| format!("  ✗ {}", esc(e))).unwrap_or_default());
        }
        for r in &t.repairs {
            outln!("  修复：{r}");
        }
    }
    if let Some(sql) = &a.sql {
        outln!("SQL：{}", esc(sql));
    }
    if let Some(r) = &a.result {
        outln!("{}", engine::table::render(r, 20));
    }
    outln!("答：{}", esc(&a.sentence));
    let t = &a.timings;
    outln!(
        "（{:.0} ms：召回 {:.1} · 生成 {:.0}（预填 {:.0} / 解码 {:.0}）· 校验 {:.2} · 执行 {:.1}；提示 {} tokens）",
        t.total_ms, t.recall_ms, t.generate_ms, t.prefill_ms, t.decode_ms, t.guard_ms, t.execute_ms, a.prompt_tokens
    );
}

pub fn print_conversations(r: &engine::eval_conv::ConversationReport) {
    let f = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "n/a".into());
    outln!("conversations={} turns={}", r.conversations, r.turns);
    outln!(
        "turn_accuracy={} turn_answer_accuracy={} conversation_accuracy={} single_accuracy={} turn_vs_single={}",
        f(r.turn_accuracy), f(r.turn_answer_accuracy), f(r.conversation_accuracy), f(r.single_accuracy), f(r.turn_vs_single)
    );
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED).set_header(vec!["kind", "n", "turn correct", "answer match", "asked alone", "rule = kind"]);
    for (k, v) in &r.by_kind {
        t.add_row(vec![k.clone(), v.n.to_string(), v.correct.to_string(), v.answer_correct.to_string(), v.single_correct.to_string(), v.rule_match.to_string()]);
    }
    outln!("{t}");
}

pub fn print_eval(r: &EvalReport) {
    let f = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_else(|| "n/a".into());
    outln!("n={} scored={} gold_errors={}", r.n, r.scored, r.gold_errors);
    outln!(
        "ex_accuracy={} answer_accuracy={} valid_sql_rate={} recall_strict={} avg_columns={:.2} p50={:.0}ms p95={:.0}ms",
        f(r.ex_accuracy), f(r.answer_accuracy), f(r.valid_sql_rate), f(r.recall_strict), r.avg_columns, r.p50_ms, r.p95_ms
    );
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED).set_header(vec!["type", "n", "correct (strict)", "accuracy", "answer match", "answer accuracy"]);
    for (k, v) in &r.by_type {
        let n = v.n.max(1) as f64;
        t.add_row(vec![
            k.clone(),
            v.n.to_string(),
            v.correct.to_string(),
            format!("{:.3}", v.correct as f64 / n),
            v.answer_correct.to_string(),
            format!("{:.3}", v.answer_correct as f64 / n),
        ]);
    }
    outln!("{t}");
    outln!("errors: {}", r.errors.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "));
}

fn history_path() -> std::path::PathBuf {
    llm::fetch::home_dir().join("repl_history.txt")
}

pub fn run(engine: &Engine) -> Result<(), String> {
    let cancel = Arc::new(AtomicBool::new(false));
    let generating = Arc::new(AtomicBool::new(false));
    {
        let (cancel, generating) = (cancel.clone(), generating.clone());
        // During generation the terminal is in cooked mode and Ctrl-C is a signal.
        let _ = ctrlc::set_handler(move || {
            if generating.load(Ordering::SeqCst) {
                cancel.store(true, Ordering::SeqCst);
            } else {
                std::process::exit(130);
            }
        });
    }
    let mut rl = rustyline::DefaultEditor::new().map_err(|e| e.to_string())?;
    let hist = history_path();
    if let Some(dir) = hist.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = rl.load_history(&hist);
    outln!("nl2sql REPL — 模型：{}。输入 :help 查看命令。", engine.generator.describe());
    let mut last: Option<Answer> = None;
    let mut session = engine::Session::new();
    loop {
        let mut input = String::new();
        let mut prompt = "问> ";
        loop {
            match rl.readline(prompt) {
                Ok(line) => {
                    if let Some(stripped) = line.strip_suffix('\\') {
                        input.push_str(stripped);
                        input.push('\n');
                        prompt = "..> ";
                        continue;
                    }
                    input.push_str(&line);
                    break;
                }
                Err(ReadlineError::Interrupted) => {
                    input.clear();
                    break;
                }
                Err(ReadlineError::Eof) => {
                    let _ = rl.save_history(&hist);
                    return Ok(());
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        let line = input.trim();
        if line.is_empty() {
            continue;
        }
        let _ = rl.add_history_entry(line);
        let _ = rl.save_history(&hist);
        let (cmd, arg) = line.split_once(char::is_whitespace).map(|(c, a)| (c, a.trim())).unwrap_or((line, ""));
        match cmd {
            ":quit" | ":q" | ":exit" => break,
            ":help" | ":h" => outln!("{HELP}"),
            ":new" => {
                session.reset();
                last = None;
                outln!("（新的对话）");
            }
            ":sql" => match last.as_ref().and_then(|a| a.sql.as_ref()) {
                Some(s) => outln!("{}", esc(s)),
                None => outln!("（还没有 SQL）"),
            },
            ":why" => match &last {
                Some(a) => {
                    print_recall(&a.recall);
                    for (i, t) in a.attempts.iter().enumerate() {
                        outln!("  尝试 {}：{}", i + 1, esc(t.raw.trim()));
                        for r in &t.repairs {
                            outln!("    修复：{r}");
                        }
                        if let Some(e) = &t.error {
                            outln!("    拒绝：{}", esc(e));
                        }
                    }
                }
                None => outln!("（还没有回答）"),
            },
            ":json" => match &last {
                Some(a) => outln!("{}", serde_json::to_string_pretty(a).unwrap_or_default()),
                None => outln!("（还没有回答）"),
            },
            ":run" => {
                if arg.is_empty() {
                    outln!("用法：:run <SQL>");
                    continue;
                }
                match engine.guard.check(arg) {
                    Err(e) => outln!("拒绝 [{}]：{}", e.rule(), esc(&e.to_string())),
                    Ok(c) => {
                        for r in &c.repairs {
                            outln!("修复：{r}");
                        }
                        match engine.executor.run(&c) {
                            Ok(r) => outln!("{}\n{} 行，{:.1} ms", engine::table::render(&r, 50), r.rows.len(), r.elapsed_ms),
                            Err(e) => outln!("执行出错：{}", esc(&e.to_string())),
                        }
                    }
                }
            }
            ":schema" => print_schema(engine, arg),
            c if c.starts_with(':') => outln!("未知命令 {c}；输入 :help"),
            _ => {
                cancel.store(false, Ordering::SeqCst);
                generating.store(true, Ordering::SeqCst);
                let opts = GenOptions { cancel: Some(cancel.clone()), ..engine.gen_options() };
                let res = session.ask(engine, line, &opts);
                generating.store(false, Ordering::SeqCst);
                match res {
                    Ok(a) => {
                        print_answer(&a);
                        last = Some(a);
                    }
                    Err(engine::Error::Model(llm::LlmError::Cancelled)) => outln!("（已中断）"),
                    Err(e) => outln!("无法回答：{}", esc(&e.to_string())),
                }
            }
        }
    }
    let _ = rl.save_history(&hist);
    Ok(())
}

fn print_schema(engine: &Engine, name: &str) {
    if name.is_empty() {
        let cols: Vec<String> = engine.catalog.query_columns().iter().map(|c| format!("{} {}", c.name, c.sql_type.as_str())).collect();
        outln!("表 big（{} 列）：\n{}", cols.len(), cols.join("\n"));
        return;
    }
    match engine.catalog.doc(name) {
        Some(d) => {
            outln!("{}（{}，{}）：{}", d.name, d.sql_type, if d.unit.is_empty() { "无单位" } else { &d.unit }, d.description);
            if !d.aliases.is_empty() {
                outln!("别名：{}", d.aliases.join("、"));
            }
            if !d.examples.is_empty() {
                outln!("示例：{}", d.examples.join(" | "));
            }
            outln!("所在表：{}", d.tables.join("、"));
        }
        None => outln!("没有名为「{name}」的列；:schema 列出全部"),
    }
}
