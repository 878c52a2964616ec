//! The committed training data never contains an evaluation question, and every
//! SQL target passes the guard and executes.

use std::collections::HashSet;

fn questions(rel: &str) -> Vec<String> {
    engine::eval_conv::set_questions(&catalog::repo_root().join(rel)).unwrap()
}

/// Every evaluation list, the analysts' dev set and the paraphrase probes included.
const EVAL_SETS: [&str; 9] = [
    "datasets/finglm/nl2sql_valid.jsonl",
    "datasets/finglm/lookup_b.jsonl",
    "datasets/finglm/lookup_c.jsonl",
    "datasets/analyst_dev/analyst_dev.jsonl",
    "datasets/paraphrase/paraphrase.jsonl",
    "datasets/paraphrase/paraphrase2.jsonl",
    "datasets/conversations/conversations.jsonl",
    "datasets/columns_dev/columns.jsonl",
    "datasets/analyst_dev2/analyst_dev2.jsonl",
];

/// Pairs generated for training (train/gen_pairs.py) share no question with an evaluation set.
#[test]
fn generated_pairs_hold_no_evaluation_question() {
    let eval: HashSet<String> = EVAL_SETS.iter().flat_map(|s| questions(s)).map(|q| engine::sft::normalize_question(&q)).collect();
    let pairs = questions("datasets/generated/template_pairs.jsonl");
    assert!(pairs.len() > 1000, "{} pairs", pairs.len());
    for q in pairs {
        assert!(!eval.contains(&engine::sft::normalize_question(&q)), "evaluation question in generated pairs: {q}");
    }
}

#[test]
fn no_evaluation_question_is_in_the_training_data() {
    let mut eval = HashSet::new();
    for set in EVAL_SETS {
        eval.extend(questions(set).iter().map(|q| engine::sft::normalize_question(q)));
    }
    // Every chat-format file under train/data: the shipped adapter's data, the full export and every
    // CPU-sized continuation mix. A target shared by several files is executed once.
    let mut files: Vec<_> = std::fs::read_dir(catalog::repo_root().join("train/data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let catalog = std::sync::Arc::new(catalog::Catalog::load_default().unwrap());
    let mut runner = TargetRunner {
        guard: guard::SqlGuard::new(catalog.clone()),
        exec: guard::Executor::open(&catalog.db_path, guard::ExecLimits::default()).unwrap(),
        checked: HashSet::new(),
    };
    let mut chat_files = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        // Alpaca-format exports hold the same examples in another layout.
        if text.lines().next().is_some_and(|l| l.contains("\"messages\"")) {
            check_sft_file(file, &text, &eval, &mut runner);
            chat_files += 1;
        }
    }
    assert!(chat_files >= 4, "{chat_files} chat-format files in {files:?}");
}

/// The guard and the read-only executor, opened once for all files; the targets already run.
struct TargetRunner {
    guard: guard::SqlGuard,
    exec: guard::Executor,
    checked: HashSet<String>,
}

fn check_sft_file(file: &std::path::Path, text: &str, eval: &HashSet<String>, runner: &mut TargetRunner) {
    let (mut n, mut refusals) = (0, 0);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let m = v["messages"].as_array().unwrap();
        assert_eq!(m[0]["content"], engine::prompt::SYSTEM_PROMPT, "training system prompt differs from serving");
        let user = m[1]["content"].as_str().unwrap();
        let q = user.rsplit_once("问题：").map(|(_, q)| q).expect("question in prompt");
        assert!(!eval.contains(&engine::sft::normalize_question(q)), "evaluation question in training data ({}): {q}", file.display());
        let target = m[2]["content"].as_str().unwrap();
        if target == engine::prompt::REFUSAL_MARKER {
            refusals += 1;
        } else if runner.checked.insert(target.to_string()) {
            let c = runner.guard.check(target).unwrap_or_else(|e| panic!("target refused: {target}: {e}"));
            runner.exec.run(&c).unwrap_or_else(|e| panic!("target fails: {target}: {e}"));
        }
        n += 1;
    }
    assert!(n > 500, "{}: {n} examples", file.display());
    let share = refusals as f64 / n as f64;
    assert!((0.05..=0.2).contains(&share), "{}: refusal share {share:.2}", file.display());
}
