//! The real model (fetched on first use), the real tokenizer, real failure modes.

use candle_core::{Device, Tensor};
use llm::{ChatPrompt, GenOptions, LlmError, LoraMode, ModelSize, QwenGenerator, SqlGenerator};
use std::collections::HashMap;
use std::sync::OnceLock;

fn model_path() -> std::path::PathBuf {
    llm::ensure_model(ModelSize::Qwen05B, false).expect("model fetch (needs python3 -m pip and the package registry)")
}

fn generator() -> &'static QwenGenerator {
    static G: OnceLock<QwenGenerator> = OnceLock::new();
    G.get_or_init(|| QwenGenerator::load(&model_path(), None).expect("load"))
}

#[test]
fn tokenizer_matches_independent_reference() {
    let g = generator();
    let path = catalog::repo_root().join("tests/fixtures/tokenizer_parity.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let mut n = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let s = v["text"].as_str().unwrap();
        let want: Vec<u32> = v["ids"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u32).collect();
        assert_eq!(g.encode(s).unwrap(), want, "token ids differ for {s:?}");
        assert_eq!(g.tokenizer().decode(&want, false).unwrap(), s, "decode differs for {s:?}");
        n += 1;
    }
    assert!(n >= 50, "only {n} fixture strings");
}

fn prompt() -> ChatPrompt {
    ChatPrompt {
        system: "你是SQLite专家。根据表结构写一条SQL查询，只输出SQL。".into(),
        user: "表 big 的列：\n公司名称 TEXT\n年份 TEXT -- 如'2021年'\n营业收入 REAL\n问题：2019年贵州茅台酒股份有限公司的营业收入是多少？".into(),
    }
}

#[test]
fn greedy_generation_is_deterministic_reuses_prefix_and_is_thread_safe() {
    let g = generator();
    let opts = GenOptions { max_new_tokens: 60, cancel: None, ..Default::default() };
    let a = g.generate(&prompt(), &opts).unwrap();
    let b = g.generate(&prompt(), &opts).unwrap();
    assert_eq!(a.text, b.text);
    assert!(a.text.to_uppercase().contains("SELECT"), "{}", a.text);
    assert!(a.text.contains("营业收入"), "{}", a.text);
    assert!(b.cached_tokens > 10, "system prefix was not reused: {b:?}");
    assert!(b.new_tokens <= 60);
    let texts: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..2).map(|_| s.spawn(|| g.generate(&prompt(), &opts).unwrap().text)).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(texts.iter().all(|t| t == &a.text));
}

#[test]
fn cancel_flag_stops_generation() {
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let r = generator().generate(&prompt(), &GenOptions { max_new_tokens: 50, cancel: Some(flag), ..Default::default() });
    assert!(matches!(r, Err(LlmError::Cancelled)), "{r:?}");
}

#[test]
fn chat_template_comes_from_the_gguf() {
    let s = generator().render("SYS", "USER").unwrap();
    assert_eq!(s, "<|im_start|>system\nSYS<|im_end|>\n<|im_start|>user\nUSER<|im_end|>\n<|im_start|>assistant\n");
}

#[test]
fn corrupt_model_file_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("nl2sql-corrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junk = dir.join("junk.gguf");
    std::fs::write(&junk, b"this is not a gguf file at all").unwrap();
    match QwenGenerator::load(&junk, None) {
        Err(LlmError::BadModel { message, .. }) => assert!(message.contains("GGUF"), "{message}"),
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("junk loaded"),
    }
    // A truncated copy: header parses, tensor data is missing.
    let truncated = dir.join("truncated.gguf");
    let bytes = std::fs::read(model_path()).unwrap();
    std::fs::write(&truncated, &bytes[..8 << 20]).unwrap();
    let err = QwenGenerator::load(&truncated, None).err().expect("truncated model must not load");
    assert!(err.to_string().contains("nl2sql fetch"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn write_adapter(dir: &std::path::Path, tensors: HashMap<String, Tensor>, r: usize) {
    std::fs::create_dir_all(dir).unwrap();
    candle_core::safetensors::save(&tensors, dir.join("adapter_model.safetensors")).unwrap();
    std::fs::write(dir.join("adapter_config.json"), format!(r#"{{"r": {r}, "lora_alpha": 16, "target_modules": ["q_proj"]}}"#)).unwrap();
}

#[test]
fn adapters_with_wrong_shapes_or_names_fail_naming_the_tensor() {
    let dev = Device::Cpu;
    let base = std::env::temp_dir().join(format!("nl2sql-adapter-{}", std::process::id()));
    // q_proj of the 0.5B model is (896 out, 896 in); give lora_A the wrong input width.
    let bad_shape = base.join("shape");
    write_adapter(
        &bad_shape,
        HashMap::from([
            ("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight".to_string(), Tensor::zeros((8, 100), candle_core::DType::F32, &dev).unwrap()),
            ("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight".to_string(), Tensor::zeros((896, 8), candle_core::DType::F32, &dev).unwrap()),
        ]),
        8,
    );
    let err = QwenGenerator::load(&model_path(), Some(&bad_shape)).err().expect("bad adapter must not load");
    assert!(err.to_string().contains("model.layers.0.self_attn.q_proj"), "{err}");
    let bad_name = base.join("name");
    write_adapter(
        &bad_name,
        HashMap::from([
            ("base_model.model.model.layers.0.self_attn.qq_proj.lora_A.weight".to_string(), Tensor::zeros((8, 896), candle_core::DType::F32, &dev).unwrap()),
            ("base_model.model.model.layers.0.self_attn.qq_proj.lora_B.weight".to_string(), Tensor::zeros((896, 8), candle_core::DType::F32, &dev).unwrap()),
        ]),
        8,
    );
    let err = QwenGenerator::load(&model_path(), Some(&bad_name)).err().expect("unmatched adapter must not load");
    assert!(err.to_string().contains("match no base weight"), "{err}");
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn zero_adapter_changes_nothing() {
    let dev = Device::Cpu;
    let dir = std::env::temp_dir().join(format!("nl2sql-zero-adapter-{}", std::process::id()));
    write_adapter(
        &dir,
        HashMap::from([
            ("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight".to_string(), Tensor::zeros((8, 896), candle_core::DType::F32, &dev).unwrap()),
            ("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight".to_string(), Tensor::zeros((896, 8), candle_core::DType::F32, &dev).unwrap()),
        ]),
        8,
    );
    let opts = GenOptions { max_new_tokens: 40, cancel: None, ..Default::default() };
    let base = generator().generate(&prompt(), &opts).unwrap().text;
    let merged = QwenGenerator::load(&model_path(), Some(&dir)).unwrap();
    assert_eq!(merged.generate(&prompt(), &opts).unwrap().text, base);
    assert!(merged.describe().contains("merged"));
    drop(merged);
    // At run time a zero pair adds exactly 0 to an untouched base weight.
    let runtime = QwenGenerator::load_with(&model_path(), Some(&dir), LoraMode::Runtime).unwrap();
    assert_eq!(runtime.generate(&prompt(), &opts).unwrap().text, base);
    assert!(runtime.describe().contains("low-rank at run time"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn committed_adapter_gives_the_same_sql_merged_or_at_run_time() {
    let dir = catalog::repo_root().join("models/lora");
    let opts = GenOptions { max_new_tokens: 60, cancel: None, ..Default::default() };
    let merged = QwenGenerator::load_with(&model_path(), Some(&dir), LoraMode::Merge).unwrap();
    let a = merged.generate(&prompt(), &opts).unwrap().text;
    drop(merged);
    let runtime = QwenGenerator::load_with(&model_path(), Some(&dir), LoraMode::Runtime).unwrap();
    let b = runtime.generate(&prompt(), &opts).unwrap().text;
    assert!(a.to_lowercase().contains("select"), "{a}");
    assert_eq!(a, b);
}
