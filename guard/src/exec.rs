//! Execution of approved SQL. Layers, each enough on its own to keep the file
//! unchanged: connections opened `SQLITE_OPEN_READ_ONLY` with `PRAGMA query_only=1`
//! (`catalog::open_read_only`); a statement must report itself read-only; and an
//! SQLite authorizer that allows only SELECT, reads of catalog tables and the
//! function allow-list (so even SQL that SQLite read differently from sqlparser
//! cannot attach, pragma or call a stray function).
//!
//! Bounds, so that every query ends within its time limit and a fixed memory:
//! a deadline checked by SQLite's progress handler *and* a watchdog thread that
//! interrupts the connection; SQLite's limits (any value at most
//! [`MAX_VALUE_BYTES`], LIKE/GLOB patterns of at most 100 bytes, …) and linear-time
//! `instr`/`replace`/`trim` (`funcs`), which keep one function call — a single VM
//! step neither the progress handler nor an interrupt can stop — short; temporary B-trees in memory (`temp_store=MEMORY`, never a file)
//! under SQLite's process-wide heap cap; and at most [`MAX_RESULT_BYTES`] held
//! in a result. Connections are pooled behind a mutex so the executor is `Send + Sync`.

use crate::CheckedSql;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, ErrorCode, InterruptHandle};
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Largest string or blob a query may build (SQLITE_LIMIT_LENGTH), in bytes:
/// `printf('%.*c', 1e9, 'x')` or a runaway `group_concat` fails instead of eating
/// memory.
pub const MAX_VALUE_BYTES: i32 = 1_000_000;
/// Most bytes one result may hold (text and numbers, all rows); more is refused
/// with [`ExecError::ResultTooLarge`] rather than kept in memory.
pub const MAX_RESULT_BYTES: usize = 8 * 1024 * 1024;
/// Longest LIKE/GLOB pattern, in bytes: the match costs up to value × pattern.
const MAX_LIKE_PATTERN_BYTES: i32 = 100;
/// SQLite's own heap, all connections of the process together (hard cap; the soft
/// one makes it shed cache first). Sorts and temporary B-trees live there too.
const HARD_HEAP_BYTES: i64 = 256 * 1024 * 1024;
const SOFT_HEAP_BYTES: i64 = 128 * 1024 * 1024;
/// Connections kept for reuse.
const POOL_SIZE: usize = 8;
/// Progress-handler period, in virtual-machine instructions.
const PROGRESS_OPS: i32 = 1000;

#[derive(Debug, Clone)]
pub struct ExecLimits {
    /// Wall-clock limit for one query (default 2 s).
    pub timeout: Duration,
    /// Rows returned at most; more sets `truncated` (default 1000).
    pub max_rows: usize,
}

impl Default for ExecLimits {
    fn default() -> Self {
        ExecLimits { timeout: Duration::from_secs(2), max_rows: 1000 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("cannot open database: {0}")]
    Open(String),
    #[error("query exceeded the time limit of {limit_ms} ms")]
    Timeout { limit_ms: u64 },
    #[error("query exceeded a resource limit: {0}")]
    ResourceLimit(String),
    #[error("result too large: over {limit_bytes} bytes; select fewer rows or shorter values")]
    ResultTooLarge { limit_bytes: usize },
    #[error("refused by the database authorizer: {0}")]
    Denied(String),
    #[error("SQLite: {0}")]
    Sqlite(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => write!(f, "NULL"),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Real(r) => write!(f, "{}", display_real(*r)),
            Value::Text(t) => write!(f, "{t}"),
        }
    }
}

/// A real as people write it: whole numbers without `.0`, and rounded to 15
/// significant digits so float noise (`0.30000000000000004`) does not show.
fn display_real(r: f64) -> String {
    if !r.is_finite() {
        return r.to_string();
    }
    let rounded: f64 = format!("{r:.14e}").parse().unwrap_or(r);
    if rounded == rounded.trunc() && rounded.abs() < 1e15 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded}")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// More rows existed than `max_rows`.
    pub truncated: bool,
    pub elapsed_ms: f64,
}

pub struct Executor {
    path: PathBuf,
    limits: ExecLimits,
    /// Lower-cased names of the database's own tables and views.
    tables: Arc<HashSet<String>>,
    pool: Mutex<Vec<Connection>>,
}

/// Functions SQLite may call for an approved query: the guard's allow-list plus
/// those behind operators (`LIKE`, `GLOB`).
fn function_allowed(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    crate::ALLOWED_FUNCTIONS.contains(&name.as_str()) || matches!(name.as_str(), "like" | "glob")
}

fn authorize(tables: &HashSet<String>, ctx: AuthContext<'_>) -> Authorization {
    match ctx.action {
        AuthAction::Select | AuthAction::Recursive => Authorization::Allow,
        AuthAction::Read { table_name, .. } => {
            let name = table_name.to_ascii_lowercase();
            let allowed = match ctx.database_name {
                // A column of a real table or view: only the catalog's.
                Some(_) => tables.contains(&name),
                // No column read, e.g. `count(*)` over a CTE or subquery: fine,
                // unless it names SQLite's own tables or a pragma.
                None => !name.starts_with("sqlite_") && !name.starts_with("pragma_"),
            };
            if allowed {
                Authorization::Allow
            } else {
                Authorization::Deny
            }
        }
        AuthAction::Function { function_name } if function_allowed(function_name) => Authorization::Allow,
        _ => Authorization::Deny,
    }
}

fn sqlite_err(e: rusqlite::Error) -> ExecError {
    ExecError::Sqlite(e.to_string())
}

impl Executor {
    pub fn open(db_path: &Path, limits: ExecLimits) -> Result<Executor, ExecError> {
        let conn = catalog::open_read_only(db_path).map_err(|e| ExecError::Open(e.to_string()))?;
        let tables: HashSet<String> = {
            let mut stmt = conn
                .prepare("SELECT name FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%'")
                .map_err(|e| ExecError::Open(e.to_string()))?;
            let names = stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| ExecError::Open(e.to_string()))?;
            names.filter_map(Result::ok).map(|n| n.to_ascii_lowercase()).collect()
        };
        let exec = Executor { path: db_path.to_path_buf(), limits, tables: Arc::new(tables), pool: Mutex::new(Vec::new()) };
        let conn = exec.harden(conn)?;
        exec.pool.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
        Ok(exec)
    }

    pub fn limits(&self) -> &ExecLimits {
        &self.limits
    }

    pub fn db_path(&self) -> &Path {
        &self.path
    }

    /// Limits and the authorizer, on every connection before it runs anything.
    fn harden(&self, mut conn: Connection) -> Result<Connection, ExecError> {
        let open_err = |e: rusqlite::Error| ExecError::Open(e.to_string());
        for (limit, value) in [
            (Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES),
            (Limit::SQLITE_LIMIT_SQL_LENGTH, 100_000),
            (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, MAX_LIKE_PATTERN_BYTES),
            (Limit::SQLITE_LIMIT_ATTACHED, 0),
            (Limit::SQLITE_LIMIT_VARIABLE_NUMBER, 0),
            (Limit::SQLITE_LIMIT_TRIGGER_DEPTH, 0),
            (Limit::SQLITE_LIMIT_WORKER_THREADS, 0),
            (Limit::SQLITE_LIMIT_VDBE_OP, 1_000_000),
            (Limit::SQLITE_LIMIT_FUNCTION_ARG, 64),
        ] {
            conn.set_limit(limit, value).map_err(open_err)?;
        }
        crate::funcs::register(&conn).map_err(open_err)?;
        // Before the authorizer, which refuses every pragma afterwards.
        conn.pragma_update(None, "temp_store", "MEMORY").map_err(open_err)?;
        conn.pragma_update(None, "soft_heap_limit", SOFT_HEAP_BYTES).map_err(open_err)?;
        conn.pragma_update(None, "hard_heap_limit", HARD_HEAP_BYTES).map_err(open_err)?;
        let tables = Arc::clone(&self.tables);
        conn.authorizer(Some(move |ctx: AuthContext<'_>| authorize(&tables, ctx))).map_err(open_err)?;
        Ok(conn)
    }

    fn take(&self) -> Result<Connection, ExecError> {
        if let Some(c) = self.pool.lock().unwrap_or_else(|p| p.into_inner()).pop() {
            return Ok(c);
        }
        let conn = catalog::open_read_only(&self.path).map_err(|e| ExecError::Open(e.to_string()))?;
        self.harden(conn)
    }

    /// Run SQL the guard approved, within the limits.
    pub fn run(&self, sql: &CheckedSql) -> Result<QueryResult, ExecError> {
        let mut conn = self.take()?;
        let watchdog = Watchdog::start(conn.get_interrupt_handle(), self.limits.timeout);
        let result = self.run_on(&mut conn, &sql.sql);
        // Stopped (and joined) before the connection can serve another query.
        drop(watchdog);
        if conn.progress_handler(0, None::<fn() -> bool>).is_ok() {
            let mut pool = self.pool.lock().unwrap_or_else(|p| p.into_inner());
            if pool.len() < POOL_SIZE {
                pool.push(conn);
            }
        }
        result
    }

    fn run_on(&self, conn: &mut Connection, sql: &str) -> Result<QueryResult, ExecError> {
        let start = Instant::now();
        let deadline = start + self.limits.timeout;
        conn.progress_handler(PROGRESS_OPS, Some(move || Instant::now() >= deadline)).map_err(sqlite_err)?;
        let limit_ms = self.limits.timeout.as_millis() as u64;
        let map_err = |e: rusqlite::Error| exec_error(e, deadline, limit_ms);
        let mut stmt = conn.prepare(sql).map_err(map_err)?;
        if !stmt.readonly() {
            return Err(ExecError::Denied("statement is not read-only".into()));
        }
        let columns: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
        let ncol = columns.len();
        let mut rows_iter = stmt.query([]).map_err(map_err)?;
        let mut rows = Vec::new();
        let mut truncated = false;
        let mut bytes = columns.iter().map(String::len).sum::<usize>();
        while let Some(row) = rows_iter.next().map_err(map_err)? {
            if rows.len() == self.limits.max_rows {
                truncated = true;
                break;
            }
            let mut out = Vec::with_capacity(ncol);
            for i in 0..ncol {
                let v = row.get_ref(i).map_err(map_err)?;
                // Counted before it is copied: a result never holds more than the cap.
                bytes += match v {
                    ValueRef::Text(t) => t.len(),
                    _ => 8,
                };
                if bytes > MAX_RESULT_BYTES {
                    return Err(ExecError::ResultTooLarge { limit_bytes: MAX_RESULT_BYTES });
                }
                out.push(match v {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Integer(v),
                    ValueRef::Real(v) => Value::Real(v),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Text(format!("<blob {} bytes>", b.len())),
                });
            }
            rows.push(out);
        }
        Ok(QueryResult { columns, rows, truncated, elapsed_ms: start.elapsed().as_secs_f64() * 1e3 })
    }
}

/// An SQLite error as the executor reports it: past the deadline it is the time
/// limit, whatever SQLite called it.
fn exec_error(e: rusqlite::Error, deadline: Instant, limit_ms: u64) -> ExecError {
    let too_complex = e.to_string().contains("pattern too complex");
    match e.sqlite_error_code() {
        Some(ErrorCode::OperationInterrupted) => ExecError::Timeout { limit_ms },
        Some(ErrorCode::TooBig) => ExecError::ResourceLimit(format!("a value over {MAX_VALUE_BYTES} bytes ({e})")),
        Some(ErrorCode::OutOfMemory) => ExecError::ResourceLimit(format!("the memory cap of {} MiB ({e})", HARD_HEAP_BYTES >> 20)),
        Some(ErrorCode::DiskFull) => ExecError::ResourceLimit(e.to_string()),
        Some(ErrorCode::AuthorizationForStatementDenied) => ExecError::Denied(e.to_string()),
        _ if Instant::now() >= deadline => ExecError::Timeout { limit_ms },
        _ if too_complex => ExecError::ResourceLimit(format!("a LIKE/GLOB pattern over {MAX_LIKE_PATTERN_BYTES} bytes")),
        _ => ExecError::Sqlite(e.to_string()),
    }
}

/// A thread that calls `sqlite3_interrupt` on the connection when the time limit
/// passes, for work the progress handler does not see (long single steps such as
/// sorting or one slow function call return to SQLite's loop only at their end).
/// Dropping it stops and joins the thread.
struct Watchdog {
    done: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    fn start(handle: InterruptHandle, limit: Duration) -> Watchdog {
        let done = Arc::new((Mutex::new(false), Condvar::new()));
        let flag = Arc::clone(&done);
        let thread = std::thread::Builder::new()
            .name("sql-watchdog".into())
            .stack_size(64 * 1024)
            .spawn(move || {
                let (lock, cv) = &*flag;
                let deadline = Instant::now() + limit;
                let mut finished = lock.lock().unwrap_or_else(|p| p.into_inner());
                while !*finished {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        handle.interrupt();
                        return;
                    }
                    finished = cv.wait_timeout(finished, left).unwrap_or_else(|p| p.into_inner()).0;
                }
            })
            .ok();
        Watchdog { done, thread }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let (lock, cv) = &*self.done;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
        cv.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reals_without_noise() {
        assert_eq!(Value::Real(0.1 + 0.2).to_string(), "0.3");
        assert_eq!(Value::Real(85429573467.25).to_string(), "85429573467.25");
        assert_eq!(Value::Real(3.0).to_string(), "3");
        assert_eq!(Value::Real(-1.5e-7).to_string(), "-0.00000015");
        assert_eq!(Value::Real(1e20).to_string(), "100000000000000000000");
        assert_eq!(Value::Integer(-7).to_string(), "-7");
        assert_eq!(Value::Null.to_string(), "NULL");
    }

    /// A `CheckedSql` made by hand, bypassing the guard, to test the lower layers.
    fn forged(sql: &str) -> CheckedSql {
        let statement = crate::parse("SELECT 1").unwrap().remove(0);
        CheckedSql::approved(sql.into(), sql.into(), Vec::new(), statement)
    }

    #[test]
    fn authorizer_refuses_forged_sql_that_skipped_the_guard() {
        let ex = Executor::open(&catalog::default_db_path(), ExecLimits::default()).unwrap();
        for sql in [
            "SELECT load_extension('/tmp/x.so')",
            "SELECT readfile('/etc/passwd')",
            "SELECT hex(randomblob(8))",
            "SELECT sqlite_version()",
            "SELECT name FROM sqlite_master",
            "SELECT * FROM pragma_table_info('big')",
            "PRAGMA query_only = 0",
            "ATTACH DATABASE ':memory:' AS m",
            "DELETE FROM people",
            "CREATE TEMP TABLE t(x)",
            "BEGIN",
            "SELECT 1; DROP TABLE big",
        ] {
            match ex.run(&forged(sql)) {
                Err(ExecError::Denied(_)) | Err(ExecError::Sqlite(_)) => {}
                other => panic!("{sql}: {other:?}"),
            }
        }
        // And the guard's own allow-list is allowed.
        assert!(ex.run(&forged("SELECT upper(公司名称), count(*) FROM big WHERE 公司名称 LIKE '%银行%' GROUP BY 1 LIMIT 1")).is_ok());
    }

    #[test]
    fn executor_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Executor>();
    }
}
