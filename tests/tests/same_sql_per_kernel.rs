//! The LoRA engine writes the same SQL on this CPU's kernel as the committed
//! evaluation records (`docs/results/valid_lora.json`, written on the AVX-512 VNNI
//! path), for every valid question that record holds SQL for, with the adapter
//! merged and at run time. Integer dot products are exact on every packed kernel,
//! so only f32 summation order may differ; greedy decoding should not notice.
//!
//! The kernel is chosen once per process, so the first test runs itself again in a
//! child process per packed kernel this CPU runs (`NL2SQL_KERNEL`), or only on the
//! kernel `NL2SQL_KERNEL` names when it is set; each kernel the CPU lacks gets a
//! NOT RUN line. A second test (on `NL2SQL_KERNEL`, else AVX2) checks that
//! prompt-lookup speculative decoding writes what plain greedy decoding writes. Run
//! them optimized: `cargo test --release -p nl2sql-tests --test same_sql_per_kernel`.

use engine::{Config, Engine, Generator};
use llm::{GenOptions, Kernel, LoraMode, ModelSize};
use std::collections::BTreeMap;
use std::process::Command;

fn recorded_sql() -> BTreeMap<String, (String, String)> {
    let path = catalog::repo_root().join("docs/results/valid_lora.json");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("valid_lora.json")).expect("json");
    let items = report["items"].as_array().expect("items");
    assert_eq!(items.len(), 125, "the record covers the 125 valid questions");
    items
        .iter()
        .filter_map(|i| Some((i["id"].as_str()?.to_string(), (i["question"].as_str()?.to_string(), i["sql"].as_str()?.to_string()))))
        .collect()
}

/// Every valid question from the dataset, by id.
fn valid_questions() -> BTreeMap<String, String> {
    let path = catalog::repo_root().join("datasets/finglm/nl2sql_valid.jsonl");
    std::fs::read_to_string(path)
        .expect("valid set")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("jsonl line");
            (v["id"].as_str().expect("id").to_string(), v["question"].as_str().expect("question").to_string())
        })
        .collect()
}

/// The kernel under test: `NL2SQL_KERNEL`, else AVX2; `None` (with a line saying
/// so) when this CPU lacks AVX2 and nothing is forced.
fn kernel_under_test(test: &str) -> Option<Kernel> {
    if std::env::var("NL2SQL_KERNEL").is_err() {
        if !Kernel::Avx2.supported() {
            eprintln!("{test}: NOT RUN: this CPU lacks AVX2 and NL2SQL_KERNEL is not set");
            return None;
        }
        std::env::set_var("NL2SQL_KERNEL", "avx2");
    }
    Some(Kernel::selected().expect("the forced kernel runs on this CPU"))
}

fn lora_engine(mode: LoraMode) -> Engine {
    let adapter = engine::answer::default_adapter().expect("the committed adapter in models/lora");
    let generator = Generator::Local { model: None, size: ModelSize::Qwen05B, adapter: Some(adapter), lora_mode: mode };
    Engine::open(Config { generator, show_progress: false, ..Config::default() }).expect("engine")
}

/// Prompt-lookup speculative decoding writes exactly what plain greedy decoding
/// writes, for the prompt of every one of the 125 valid questions, with drafts from
/// the prompt alone and with the engine's SQL skeleton as a further source.
#[test]
#[ignore = "375 generations, about 10 min on a 2-core machine; run with `cargo test --release -p nl2sql-tests --test same_sql_per_kernel -- --ignored`"]
fn speculative_decoding_writes_what_plain_greedy_writes() {
    let Some(kernel) = kernel_under_test("speculative_decoding") else { return };
    let e = lora_engine(LoraMode::Merge);
    let (mut plain_steps, mut spec_steps, mut skel_steps, mut tokens, mut compared) = (0, 0, 0, 0, 0);
    let mut differ = Vec::new();
    for (id, question) in valid_questions() {
        let Ok(recall) = e.recaller.recall(&question) else { continue };
        let prompt = e.prompt_for(&recall);
        let drafts = GenOptions { draft_tokens: 8, ..e.gen_options() };
        let plain = e.generator.generate(&prompt, &GenOptions { draft_tokens: 0, ..e.gen_options() }).expect("plain");
        let spec = e.generator.generate(&prompt, &drafts).expect("speculative");
        let with_skeleton = e.gen_options_for(&recall, &drafts);
        assert!(with_skeleton.draft_reference.is_some(), "{id}: the engine drafts from its skeleton by default");
        let skel = e.generator.generate(&prompt, &with_skeleton).expect("speculative with skeleton");
        compared += 1;
        for (how, g) in [("prompt drafts", &spec), ("skeleton drafts", &skel)] {
            if plain.text != g.text {
                differ.push(format!("{id} {question} ({how})\n  plain: {}\n  draft: {}", plain.text, g.text));
            }
        }
        assert_eq!(plain.decode_steps, plain.new_tokens, "{id}: one step per token without drafts");
        plain_steps += plain.decode_steps;
        spec_steps += spec.decode_steps;
        skel_steps += skel.decode_steps;
        tokens += plain.new_tokens;
    }
    let per = |steps: usize| tokens as f64 / steps.max(1) as f64;
    eprintln!(
        "kernel {kernel}: {compared} prompts, {tokens} tokens: {plain_steps} plain steps, {spec_steps} with prompt drafts ({:.2} tokens/step), {skel_steps} with skeleton drafts too ({:.2})",
        per(spec_steps),
        per(skel_steps)
    );
    assert!(compared >= 120, "only {compared} of 125 questions reached the model");
    assert!(differ.is_empty(), "{} outputs differ with drafts:\n{}", differ.len(), differ.join("\n"));
}

/// Set in the child process that checks one kernel.
const CHILD: &str = "NL2SQL_SAME_SQL_CHILD";
const TEST: &str = "lora_engine_writes_the_recorded_sql_on_every_kernel";

#[test]
fn lora_engine_writes_the_recorded_sql_on_every_kernel() {
    if std::env::var_os(CHILD).is_some() {
        return recorded_sql_on_the_selected_kernel();
    }
    let kernels: Vec<Kernel> = match std::env::var("NL2SQL_KERNEL") {
        Ok(name) => vec![Kernel::parse(&name).expect("NL2SQL_KERNEL names a kernel")],
        Err(_) => Kernel::ALL.into_iter().filter(|k| k.is_packed()).collect(),
    };
    let mut checked = Vec::new();
    for kernel in kernels {
        let missing = kernel.missing_features();
        if !missing.is_empty() {
            eprintln!("{TEST}: kernel {kernel} NOT RUN: this CPU lacks {}", missing.join(", "));
            continue;
        }
        let out = Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", TEST, "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .env("NL2SQL_KERNEL", kernel.name())
            .output()
            .expect("the test binary runs again");
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprint!("{stderr}");
        assert!(out.status.success(), "kernel {kernel}: {:?}", out.status);
        assert!(stderr.contains(&format!("kernel {kernel}, Runtime: ")), "kernel {kernel}: the child compared nothing");
        checked.push(kernel.name());
    }
    assert!(!checked.is_empty(), "no packed kernel runs on this CPU");
    eprintln!("{TEST}: checked kernels {}", checked.join(", "));
}

fn recorded_sql_on_the_selected_kernel() {
    let kernel = Kernel::selected().expect("the forced kernel runs on this CPU");
    let questions = valid_questions();
    assert_eq!(questions.len(), 125);
    let recorded = recorded_sql();
    eprintln!("kernel {kernel}: {} of 125 valid questions have recorded SQL (the rest are gold errors)", recorded.len());
    let mut differ = Vec::new();
    for mode in [LoraMode::Merge, LoraMode::Runtime] {
        let e = lora_engine(mode);
        assert!(e.generator.describe().ends_with(&format!("kernel {kernel}")), "{}", e.generator.describe());
        for (id, (question, want)) in &recorded {
            assert_eq!(questions.get(id), Some(question), "{id}: the record's question is the dataset's");
            let got = e.answer(question).ok().and_then(|a| a.sql);
            if got.as_deref() != Some(want.as_str()) {
                differ.push(format!("{mode:?} {id} {question}\n  recorded: {want}\n  got:      {got:?}"));
            }
        }
        eprintln!("kernel {kernel}, {mode:?}: {} questions compared", recorded.len());
    }
    assert!(differ.is_empty(), "{} answers differ from the record on kernel {kernel}:\n{}", differ.len(), differ.join("\n"));
}
