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
