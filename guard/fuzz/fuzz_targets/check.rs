//! Arbitrary UTF-8 into `SqlGuard::check`. A panic anywhere (libfuzzer's hook
//! aborts even inside `catch_unwind`), a stack overflow or a hang is a finding.
//! Whatever the guard approves must be one query that it approves again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

fn guard() -> &'static guard::SqlGuard {
    static G: OnceLock<guard::SqlGuard> = OnceLock::new();
    G.get_or_init(|| guard::SqlGuard::new(Arc::new(catalog::Catalog::load_default().expect("catalog: run from the repository"))))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(checked) = guard().check(text) {
        assert!(matches!(checked.statement, sqlparser::ast::Statement::Query(_)));
        let again = guard().check(&checked.sql).expect("approved SQL must be approved again");
        assert_eq!(again.sql, checked.sql);
    }
});
