//! Arbitrary UTF-8 into the repair scanner alone (`SqlGuard::repair_text`, the passes
//! before parsing). A panic, a hang, or output that grows out of proportion to
//! the input is a finding; and the whole guard must take the same input calmly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

fn guard() -> &'static guard::SqlGuard {
    static G: OnceLock<guard::SqlGuard> = OnceLock::new();
    G.get_or_init(|| guard::SqlGuard::new(Arc::new(catalog::Catalog::load_default().expect("catalog: run from the repository"))))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if text.len() > guard::MAX_SQL_CHARS * 4 {
        return;
    }
    let (repaired, repairs) = guard().repair_text(text);
    assert!(repaired.len() <= 2 * text.len() + 64, "{} bytes from {}", repaired.len(), text.len());
    assert!(repairs.len() <= text.len() + 8);
    let _ = guard().check(text);
    let _ = guard().check(&repaired);
});
