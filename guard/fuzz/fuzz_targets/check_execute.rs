//! Arbitrary UTF-8 through `SqlGuard::check` and, when approved, `Executor::run` on a
//! private copy of the database. Findings: a panic, a hang, a query that outlives
//! the time limit by more than the allowed slack, a result over its caps, a byte of
//! the copy changed, or a file appearing beside it (`-wal`, `-shm`, a journal).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

struct Rig {
    guard: guard::SqlGuard,
    exec: guard::Executor,
    dir: PathBuf,
    copy: PathBuf,
    original: Vec<u8>,
}

/// The time limit holds within this on a loaded 2-core machine (issue 17's bar).
const SLACK_LIMIT: Duration = Duration::from_millis(2500);

fn rig() -> &'static Rig {
    static R: OnceLock<Rig> = OnceLock::new();
    R.get_or_init(|| {
        let catalog = catalog::Catalog::load_default().expect("catalog: run from the repository");
        let dir = std::env::temp_dir().join(format!("guard-fuzz-db-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let copy = dir.join("finglm.sqlite");
        let original = std::fs::read(&catalog.db_path).unwrap();
        std::fs::write(&copy, &original).unwrap();
        let exec = guard::Executor::open(&copy, guard::ExecLimits::default()).expect("open the copy");
        Rig { guard: guard::SqlGuard::new(Arc::new(catalog)), exec, dir, copy, original }
    })
}

fn assert_copy_untouched(rig: &Rig) {
    let names: Vec<String> =
        std::fs::read_dir(&rig.dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["finglm.sqlite"], "files beside the database copy");
    assert!(std::fs::read(&rig.copy).unwrap() == rig.original, "the database copy changed");
}

fuzz_target!(|data: &[u8]| {
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let Ok(text) = std::str::from_utf8(data) else { return };
    let rig = rig();
    let Ok(checked) = rig.guard.check(text) else { return };
    let started = Instant::now();
    let result = rig.exec.run(&checked);
    let took = started.elapsed();
    assert!(took <= SLACK_LIMIT, "query ran {took:?}: {}", checked.sql);
    if let Ok(r) = result {
        assert!(r.rows.len() <= rig.exec.limits().max_rows);
    }
    // Every approved query for the first few, then every 500th (a 14 MB compare).
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    if n < 200 || n % 500 == 0 {
        assert_copy_untouched(rig);
    }
});
