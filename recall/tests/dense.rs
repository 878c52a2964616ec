//! The dense matcher with the real m3e-small model and ONNX Runtime: nearest
//! columns for real wording, dense evidence in recall, the edit-distance gate,
//! the on-disk doc-embedding cache, and bad input.

use recall::dense::{CacheStatus, DenseMatcher, M3eEmbedder};
use recall::{DenseError, FusionConfig, MatchPath, RecallError, Recaller};
use std::sync::OnceLock;

fn catalog() -> &'static catalog::Catalog {
    static C: OnceLock<catalog::Catalog> = OnceLock::new();
    C.get_or_init(|| catalog::Catalog::load_default().expect("catalog"))
}

fn recaller() -> &'static Recaller {
    static R: OnceLock<Recaller> = OnceLock::new();
    // The default recaller, as the engine opens it: dense on.
    R.get_or_init(|| Recaller::open_default(catalog()).expect("recaller with dense matcher"))
}

fn column(i: usize) -> &'static str {
    &catalog().query_columns()[i].name
}

fn top1(word: &str) -> (&'static str, f32) {
    let dense = recaller().dense().expect("dense is on by default");
    let top = dense.top_k(word, 3).unwrap();
    (column(top[0].0), top[0].1)
}

#[test]
fn nearest_columns_for_real_wording() {
    // 研发投入 → the R&D spend column; the others are analysts' words from the
    // FinGLM questions and from annual reports.
    for (word, want) in [
        ("研发投入", "研发费用"),
        ("研究开发费用", "研发费用"),
        ("员工数量", "职工总数"),
        ("营收", "营业收入"),
        ("总负债", "负债合计"),
        ("净收益", "净利润"),
        ("管理费用率", "管理费用"),
    ] {
        let (got, cos) = top1(word);
        assert_eq!(got, want, "{word}: nearest is {got} ({cos:.3})");
        assert!(cos > 0.9, "{word} → {got} only {cos:.3}");
    }
}

#[test]
fn top_k_is_sorted_and_bounded() {
    let dense = recaller().dense().unwrap();
    let top = dense.top_k("现金流", 5).unwrap();
    assert_eq!(top.len(), 5);
    assert!(top.windows(2).all(|w| w[0].1 >= w[1].1), "{top:?}");
    assert!(top.iter().all(|&(_, c)| (-1.0..=1.0001).contains(&c)));
    assert!(column(top[0].0).contains("现金流量"), "{}", column(top[0].0));
}

#[test]
fn dense_evidence_names_word_path_and_score() {
    // 员工 is no column name or alias; the dense path finds the staff total.
    let r = recaller().recall("2021年比亚迪有多少员工？").unwrap();
    let c = r.columns.iter().find(|c| c.name == "职工总数").unwrap_or_else(|| panic!("{:?}", r.column_names()));
    let ev = c.evidence.iter().find(|e| e.path == MatchPath::Dense).expect("dense evidence");
    assert_eq!(ev.word, "员工");
    assert!(ev.score > 0.85 && ev.score <= 1.0001, "{}", ev.score);
}

#[test]
fn gate_drops_dense_hits_without_lexical_support() {
    // 薪资 (salaries) sits near 支付给职工以及为职工支付的现金 by cosine but shares
    // almost no characters with it: the gate drops it, the ablation keeps it.
    let target = "支付给职工以及为职工支付的现金";
    let dense_of = |r: &recall::RecallResult| {
        r.columns.iter().any(|c| c.name == target && c.evidence.iter().any(|e| e.path == MatchPath::Dense))
    };
    let q = "2020年比亚迪的薪资是多少";
    let gated = recaller().recall(q).unwrap();
    assert!(!dense_of(&gated), "gate should drop it: {:?}", gated.column_names());
    let open = Recaller::open_with(catalog(), FusionConfig { dense_gate: false, dense_top_k: 3, ..FusionConfig::default() }).unwrap();
    let r = open.recall(q).unwrap();
    assert!(dense_of(&r), "without the gate the dense hit stays: {:?}", r.column_names());
}

#[test]
fn doc_cache_is_reused_and_invalidated_when_docs_change() {
    let dir = std::env::temp_dir().join(format!("nl2sql-dense-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let model = recall::dense::model_dir();
    let docs: Vec<Vec<String>> = vec![vec!["营业收入".into(), "营收".into()], vec!["研发费用".into(), "研发投入".into()]];
    let open = |docs: &[Vec<String>]| DenseMatcher::new(Box::new(M3eEmbedder::open(&model).unwrap()), docs, Some(&dir)).unwrap();
    let first = open(&docs);
    assert_eq!(first.cache_status(), CacheStatus::Computed);
    let again = open(&docs);
    assert_eq!(again.cache_status(), CacheStatus::Hit);
    assert_eq!(first.top_k("研发开支", 1).unwrap()[0].0, 1);
    assert_eq!(again.top_k("研发开支", 1).unwrap(), first.top_k("研发开支", 1).unwrap());
    let mut edited = docs.clone();
    edited[0].push("销售额".into());
    assert_eq!(open(&edited).cache_status(), CacheStatus::Computed, "an edited doc must not reuse old vectors");
    assert_eq!(open(&edited).cache_status(), CacheStatus::Hit);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_or_wrong_model_is_a_typed_error() {
    let err = M3eEmbedder::open(std::path::Path::new("/nonexistent/m3e")).err().expect("must fail");
    assert!(matches!(err, DenseError::ModelMissing { .. }), "{err}");
    // A Git LFS pointer in place of the model: the pinned hash catches it.
    let dir = std::env::temp_dir().join(format!("nl2sql-dense-lfs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("model.onnx"), "version <git-lfs spec v1>\noid sha256:00\nsize 1\n").unwrap();
    let err = M3eEmbedder::open(&dir).err().expect("must fail");
    assert!(matches!(err, DenseError::ModelHash { .. }), "{err}");
    assert!(err.to_string().contains("LFS"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_a_clear_error_or_an_empty_recall() {
    let r = recaller();
    assert_eq!(r.recall("").unwrap_err(), RecallError::Empty);
    assert!(matches!(r.recall(&"研发投入是多少".repeat(715)).unwrap_err(), RecallError::TooLong { len: 5005, .. }));
    assert!(matches!(r.recall("！？。，、；：…—（）").unwrap_err(), RecallError::NotChinese(_)));
    assert!(matches!(r.recall("What was BYD's revenue in 2021?").unwrap_err(), RecallError::NotChinese(_)));
    assert!(matches!(r.recall("😀📈💰").unwrap_err(), RecallError::NotChinese(_)));
    // Emoji and Latin mixed into Chinese reach the model and come back as nothing
    // (or as real columns), never as a panic.
    for q in ["😀😀天气😀怎么样", "ROE和EPS是多少😀", "啊啊啊啊啊啊啊啊啊啊啊啊啊啊啊", &"的".repeat(500)] {
        let res = r.recall(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        assert!(res.columns.len() <= 10, "{q}: {:?}", res.column_names());
    }
    // The longest allowed question (500 chars) of real words goes through dense.
    let long: String = "比亚迪研发投入与营收".repeat(50);
    assert_eq!(long.chars().count(), 500);
    let res = r.recall(&long).unwrap();
    assert!(res.contains("研发费用") && res.contains("营业收入"));
}

#[test]
fn clause_fallback_guesses_only_when_nothing_matched_and_nothing_is_absent() {
    let r = recaller();
    let clause_cols = |q: &str| -> Vec<String> {
        r.recall(q).unwrap().columns.into_iter().filter(|c| c.evidence.iter().any(|e| e.path == MatchPath::DenseClause)).map(|c| c.name).collect()
    };
    // No word names a column; the clause as a whole is about R&D spending.
    let guessed = clause_cols("2021年比亚迪在研究上投了多少钱？");
    assert!(guessed.iter().any(|c| c == "研发费用"), "{guessed:?}");
    assert!(guessed.len() <= 3, "{guessed:?}");
    // A column was found the usual way: no guessing.
    assert!(clause_cols("2021年比亚迪的营业收入是多少元？").is_empty());
    // The database has no 应收账款: a refusal case, not a guess.
    assert!(clause_cols("2021年比亚迪的应收账款是多少元？").is_empty());
}
