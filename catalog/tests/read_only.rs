//! `open_read_only` leaves nothing beside the database: no `-wal`, `-shm` or
//! journal, even for a WAL-mode file, and refuses a WAL with changes not yet in it.

use rusqlite::Connection;
use std::path::{Path, PathBuf};

fn fresh_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nl2sql-ro-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn wal_mode_database_opens_without_side_files() {
    let dir = fresh_dir("wal");
    // A name with characters that mean something in a URI.
    let db = dir.join("a b?c#d%.sqlite");
    {
        let c = Connection::open(&db).unwrap();
        let mode: String = c.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);").unwrap();
    }
    let before = listing(&dir);
    assert_eq!(before, vec!["a b?c#d%.sqlite".to_string()], "closing checkpointed the WAL");
    let conn = catalog::open_read_only(&db).unwrap();
    let n: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 2);
    let sorted: i64 = conn.query_row("SELECT count(*) FROM (SELECT DISTINCT x FROM t ORDER BY x)", [], |r| r.get(0)).unwrap();
    assert_eq!(sorted, 2);
    assert!(conn.execute("INSERT INTO t VALUES (3)", []).is_err());
    drop(conn);
    assert_eq!(listing(&dir), before, "files appeared beside the database");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pending_wal_is_refused_with_the_fix() {
    let dir = fresh_dir("pending");
    let db = dir.join("x.sqlite");
    let writer = Connection::open(&db).unwrap();
    writer.execute_batch("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t(x); INSERT INTO t VALUES (1);").unwrap();
    match catalog::open_read_only(&db) {
        Err(e @ catalog::CatalogError::PendingWal(_)) => assert!(e.to_string().contains("wal_checkpoint"), "{e}"),
        other => panic!("{:?}", other.map(|_| ())),
    }
    drop(writer);
    let _ = std::fs::remove_dir_all(&dir);
}
