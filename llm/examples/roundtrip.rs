use llm::{ModelSize, QwenGenerator};
fn main() {
    let g = QwenGenerator::load(&llm::ensure_model(ModelSize::Qwen05B, false).unwrap(), None).unwrap();
    for s in ["SELECT 研发费用 FROM big", "SELECT研发费用", " 年份 = '2020年'"] {
        let ids = g.encode(s).unwrap();
        let back = g.tokenizer().decode(&ids, false).unwrap();
        println!("{s:?} -> {ids:?} -> {back:?}");
    }
}
