//! Every database column has a doc, and every doc names real columns.

use catalog::{Catalog, SchemaDocs};

#[test]
fn every_column_has_a_doc_and_every_doc_is_real() {
    let c = Catalog::load_default().expect("catalog");
    let docs = SchemaDocs::load(&catalog::default_schema_path()).unwrap();
    let mut pairs = 0;
    for t in c.tables() {
        for col in &t.columns {
            let d = c.doc(&col.name).unwrap_or_else(|| panic!("no doc for {}.{}", t.name, col.name));
            assert!(d.tables.contains(&t.name), "doc {} does not list table {}", col.name, t.name);
            assert!(!d.description.trim().is_empty(), "{} has an empty description", col.name);
            pairs += 1;
        }
    }
    for d in &docs.columns {
        for t in &d.tables {
            let table = c.table(t).unwrap_or_else(|| panic!("doc {} names unknown table {t}", d.name));
            assert!(table.column(&d.name).is_some(), "doc {} says it is in {t}, but it is not", d.name);
        }
    }
    for t in c.tables() {
        assert!(c.table_doc(&t.name).is_some(), "no doc for table {}", t.name);
    }
    assert!(pairs > 200, "only {pairs} (table, column) pairs");
}

#[test]
fn aliases_do_not_shadow_other_columns() {
    let c = Catalog::load_default().unwrap();
    let names: Vec<&str> = c.query_columns().iter().map(|c| c.name.as_str()).collect();
    for d in c.docs() {
        for a in &d.aliases {
            assert!(!names.contains(&a.as_str()) || a == &d.name || !d.tables.contains(&"big".to_string()),
                "alias {a} of {} is itself a column of big", d.name);
        }
    }
}

#[test]
fn catalog_reads_companies_years_and_places() {
    let c = Catalog::load_default().unwrap();
    assert_eq!(c.years(), &["2019年", "2020年", "2021年"]);
    assert!(c.companies().len() > 4000);
    let mt = c.companies().iter().find(|x| x.code == "600519").expect("600519");
    assert_eq!(mt.full_name, "贵州茅台酒股份有限公司");
    assert_eq!(mt.short_name, "贵州茅台");
    assert!(c.places().iter().any(|p| p == "南京"), "南京 missing from places");
    assert_eq!(c.query_table().unwrap().column("年份").unwrap().sql_type, catalog::SqlType::Text);
}

#[test]
fn missing_database_is_a_clear_error() {
    let err = Catalog::load(std::path::Path::new("/nonexistent/x.sqlite"), &catalog::default_schema_path()).unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");
}

#[test]
fn dataset_facts_come_from_the_schema_file() {
    let c = Catalog::load_default().unwrap();
    let ds = c.dataset();
    assert_eq!(ds.query_table, "big");
    assert_eq!(ds.identity_columns(), ["公司名称", "股票代码", "股票简称", "年份"]);
    assert_eq!(ds.year_format.render(2021), "2021年");
    assert_eq!(ds.year_format.parse("2021年"), Some(2021));
    for bad in ["2021", "21年", "二〇二一年", "2021年年", "x2021年"] {
        assert_eq!(ds.year_format.parse(bad), None, "{bad}");
    }
    for list in [&ds.stopwords, &ds.synonyms, &ds.absent] {
        assert!(c.schema_relative(list).is_file(), "{list} is not beside the schema file");
    }
    // Every column the dataset names is a real column of the query table.
    let names = ds.identity_columns().into_iter().chain(ds.headcount_total_column.as_deref());
    for col in names.chain([c.place_columns().office_column.as_str(), c.place_columns().registered_column.as_str()]) {
        assert!(c.query_table().unwrap().column(col).is_some(), "{col} is not a column of {}", ds.query_table);
    }
}

#[test]
fn schema_without_dataset_facts_or_with_a_bad_year_format_is_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("catalog-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(catalog::default_schema_path()).unwrap();
    let cases = [
        (text.replace("[dataset]", "[dataset_gone]"), "dataset"),
        (text.replace("year_format = \"{year}年\"", "year_format = \"年\""), "{year}"),
    ];
    for (i, (toml, needle)) in cases.iter().enumerate() {
        let path = dir.join(format!("schema{i}.toml"));
        std::fs::write(&path, toml).unwrap();
        let err = Catalog::load(&catalog::default_db_path(), &path).unwrap_err().to_string();
        assert!(err.contains(needle) && err.contains("schema"), "{err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 17, part 7: the crates below the engine read the dataset's names from the
/// schema file; none spells a column or the query table in its code.
#[test]
fn lower_crates_name_no_column_of_the_dataset() {
    let c = Catalog::load_default().unwrap();
    let mut names: Vec<String> = c.query_columns().iter().map(|c| format!("{:?}", c.name)).collect();
    names.push(format!("{:?}", c.dataset().query_table));
    let root = catalog::repo_root();
    let mut scanned = 0;
    for krate in ["catalog", "recall", "guard", "llm"] {
        for entry in std::fs::read_dir(root.join(krate).join("src")).unwrap().flatten() {
            let path = entry.path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            for (n, line) in code.lines().enumerate() {
                let line = line.split("//").next().unwrap();
                for name in &names {
                    // As a whole literal, or as a word inside SQL text.
                    let bare = name.trim_matches('"');
                    let in_sql = line.contains('"') && (line.contains(&format!(" {bare} ")) || line.contains(&format!(" {bare},")));
                    assert!(!line.contains(name.as_str()) && !in_sql, "{}:{}: names {bare}: {line}", path.display(), n + 1);
                }
            }
            scanned += 1;
        }
    }
    assert!(scanned > 20, "only {scanned} files scanned");
}
