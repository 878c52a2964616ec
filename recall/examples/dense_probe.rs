//! Print each word's nearest columns by the dense matcher, with cosine and the
//! edit-distance support the gate looks at.
//! `cargo run --release -p recall --example dense_probe -- 研发投入 员工 营收`

use recall::lexical::best_similarity;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let catalog = catalog::Catalog::load_default()?;
    let t0 = std::time::Instant::now();
    let r = recall::Recaller::open_with(&catalog, recall::FusionConfig { use_dense: true, ..Default::default() })?;
    eprintln!("recaller with dense matcher opened in {:.0} ms", t0.elapsed().as_secs_f64() * 1e3);
    let dense = r.dense().ok_or("dense matcher is off")?;
    let cols = catalog.query_columns();
    for w in std::env::args().skip(1) {
        let t = std::time::Instant::now();
        let top = dense.top_k(&w, 5)?;
        let us = t.elapsed().as_micros();
        let shown: Vec<String> = top
            .iter()
            .map(|&(i, cos)| {
                let name = &cols[i].name;
                let aliases = catalog.doc(name).map(|d| d.aliases.clone()).unwrap_or_default();
                format!("{name} {cos:.3} (lex {:.2})", best_similarity(&w, name, &aliases))
            })
            .collect();
        println!("{w} [{us} µs]: {}", shown.join(", "));
    }
    Ok(())
}
