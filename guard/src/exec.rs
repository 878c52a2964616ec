//! Execution of approved SQL: read-only connections (`SQLITE_OPEN_READ_ONLY` plus
//! `PRAGMA query_only=1`), a deadline enforced by SQLite's progress handler, and
//! a row cap. Connections are pooled behind a mutex so the executor is Sync.

use crate::CheckedSql;
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct ExecLimits {
    pub timeout: Duration,
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
            // Shortest form that round-trips; no float noise like 0.30000000000000004 beyond it.
            Value::Real(r) => write!(f, "{r}"),
            Value::Text(t) => write!(f, "{t}"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    pub truncated: bool,
    pub elapsed_ms: f64,
}

pub struct Executor {
    path: PathBuf,
    limits: ExecLimits,
    pool: Mutex<Vec<Connection>>,
}

impl Executor {
    pub fn open(db_path: &Path, limits: ExecLimits) -> Result<Executor, ExecError> {
        let conn = catalog::open_read_only(db_path).map_err(|e| ExecError::Open(e.to_string()))?;
        Ok(Executor { path: db_path.to_path_buf(), limits, pool: Mutex::new(vec![conn]) })
    }

    pub fn limits(&self) -> &ExecLimits {
        &self.limits
    }

    fn take(&self) -> Result<Connection, ExecError> {
        if let Some(c) = self.pool.lock().ok().and_then(|mut p| p.pop()) {
            return Ok(c);
        }
        catalog::open_read_only(&self.path).map_err(|e| ExecError::Open(e.to_string()))
    }

    pub fn run(&self, sql: &CheckedSql) -> Result<QueryResult, ExecError> {
        let mut conn = self.take()?;
        let result = self.run_on(&mut conn, &sql.sql);
        let _ = conn.progress_handler(0, None::<fn() -> bool>);
        if let Ok(mut p) = self.pool.lock() {
            p.push(conn);
        }
        result
    }

    fn run_on(&self, conn: &mut Connection, sql: &str) -> Result<QueryResult, ExecError> {
        let start = Instant::now();
        let deadline = start + self.limits.timeout;
        conn.progress_handler(1000, Some(move || Instant::now() > deadline)).map_err(|e| ExecError::Sqlite(e.to_string()))?;
        let limit_ms = self.limits.timeout.as_millis() as u64;
        let map_err = |e: rusqlite::Error| {
            if Instant::now() > deadline || matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::OperationInterrupted) {
                ExecError::Timeout { limit_ms }
            } else {
                ExecError::Sqlite(e.to_string())
            }
        };
        let mut stmt = conn.prepare(sql).map_err(map_err)?;
        if !stmt.readonly() {
            return Err(ExecError::Sqlite("statement is not read-only".into()));
        }
        let columns: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
        let ncol = columns.len();
        let mut rows_iter = stmt.query([]).map_err(map_err)?;
        let mut rows = Vec::new();
        let mut truncated = false;
        while let Some(row) = rows_iter.next().map_err(map_err)? {
            if rows.len() == self.limits.max_rows {
                truncated = true;
                break;
            }
            let mut out = Vec::with_capacity(ncol);
            for i in 0..ncol {
                out.push(match row.get_ref(i).map_err(map_err)? {
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
