use llm::{ChatPrompt, GenOptions, ModelSize, QwenGenerator, SqlGenerator};
fn main() {
    let path = llm::ensure_model(ModelSize::Qwen05B, true).expect("fetch");
    let g = QwenGenerator::load(&path, None).expect("load");
    println!("load {:.0} ms", g.load_ms);
    let p = ChatPrompt {
        system: "你是SQLite专家。根据给出的表结构写一条SQL查询，只输出SQL。".into(),
        user: "表 big(公司名称 TEXT, 年份 TEXT, 营业收入 REAL)\n年份的值形如'2021年'。\n问题：2021年贵州茅台酒股份有限公司的营业收入是多少元？".into(),
    };
    for _ in 0..2 {
        let r = g.generate(&p, &GenOptions::default()).expect("gen");
        println!("{:?}", r);
        println!("prefill {:.1} tok/s decode {:.1} tok/s", (r.prompt_tokens - r.cached_tokens) as f64 / r.prefill_ms * 1e3, r.new_tokens as f64 / r.decode_ms * 1e3);
    }
}
