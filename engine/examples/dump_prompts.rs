//! The exact prompt (or the recall error) for every question of one or more sets,
//! one JSON line each, with no model loaded. Two dumps taken before and after a
//! recall or prompt change show which questions the model would see differently:
//! greedy decoding of an unchanged prompt writes unchanged SQL, so an empty diff on
//! the FinGLM lists proves they cannot regress.
//!
//! `cargo run --release -p engine --example dump_prompts -- OUT.jsonl SET.jsonl [SET.jsonl …]`

use engine::classify::classify;
use engine::eval::load_set;
use engine::prompt::build_prompt;
use recall::Recaller;
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: dump_prompts OUT.jsonl SET.jsonl [SET.jsonl …]")?;
    let sets: Vec<String> = args.collect();
    if sets.is_empty() {
        return Err("usage: dump_prompts OUT.jsonl SET.jsonl [SET.jsonl …]".into());
    }
    let catalog = catalog::Catalog::load_default()?;
    let recaller = Recaller::open_default(&catalog)?;
    let mut w = std::io::BufWriter::new(std::fs::File::create(&out)?);
    let mut n = 0usize;
    for set in &sets {
        for item in load_set(std::path::Path::new(set))? {
            let line = match recaller.recall(&item.question) {
                Ok(r) => serde_json::json!({
                    "set": set, "question": item.question, "class": classify(&r).as_str(),
                    "prompt": build_prompt(&r, &catalog).user,
                    "unknown_company": r.entities.unknown_company,
                    "ambiguous_company": r.entities.ambiguous_company,
                    "intent": r.intent.kind(),
                    // Declined before generation (engine::scope), with the reason.
                    "declined": engine::scope::check(&r, &catalog),
                    // Every kept column with its score and evidence, and the entities.
                    "columns": r.columns,
                    "entities": r.entities,
                }),
                Err(e) => serde_json::json!({"set": set, "question": item.question, "error": e.to_string()}),
            };
            writeln!(w, "{line}")?;
            n += 1;
        }
    }
    eprintln!("{n} prompts → {out}");
    Ok(())
}
