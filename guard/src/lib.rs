//! Model output is untrusted input. `SqlGuard` repairs a small model's common
//! slips, parses with sqlparser (SQLite dialect) and approves only one read-only
//! query over catalog tables, columns and an allow-list of functions. `Executor`
//! runs only approved SQL, on read-only connections with a time limit and a row cap.

mod exec;
mod repair;
mod validate;

pub use exec::{ExecError, ExecLimits, Executor, QueryResult, Value};
pub use repair::Repair;
pub use validate::referenced_columns;

use catalog::Catalog;
use sqlparser::ast::Statement;
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;
use std::sync::Arc;

/// Longest SQL text we look at; model output is a few hundred characters.
pub const MAX_SQL_CHARS: usize = 20_000;

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum GuardError {
    #[error("empty SQL")]
    Empty,
    #[error("SQL too long: {len} characters (limit {max})")]
    TooLong { len: usize, max: usize },
    #[error("SQL contains a NUL byte")]
    NulByte,
    #[error("does not parse as SQLite: {0}")]
    Parse(String),
    #[error("exactly one statement is allowed, found {0}")]
    MultipleStatements(usize),
    #[error("only read-only queries (SELECT/WITH) are allowed, found {0}")]
    NotAQuery(String),
    #[error("unknown table {name}{}", hint(.nearest))]
    UnknownTable { name: String, nearest: Vec<String> },
    #[error("unknown column {name}{}", hint(.nearest))]
    UnknownColumn { name: String, nearest: Vec<String> },
    #[error("function {0} is not allowed")]
    ForbiddenFunction(String),
    #[error("{0} is not allowed")]
    ForbiddenConstruct(String),
}

fn hint(nearest: &[String]) -> String {
    if nearest.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", nearest.join(", "))
    }
}

impl GuardError {
    /// Stable id of the rule that refused the SQL.
    pub fn rule(&self) -> &'static str {
        match self {
            GuardError::Empty | GuardError::TooLong { .. } | GuardError::NulByte => "input",
            GuardError::Parse(_) => "parse",
            GuardError::MultipleStatements(_) => "one-statement",
            GuardError::NotAQuery(_) => "read-only",
            GuardError::UnknownTable { .. } => "known-tables",
            GuardError::UnknownColumn { .. } => "known-columns",
            GuardError::ForbiddenFunction(_) => "allowed-functions",
            GuardError::ForbiddenConstruct(_) => "read-only",
        }
    }
}

/// SQL the guard approved: the only thing `Executor::run` accepts.
#[derive(Debug, Clone)]
pub struct CheckedSql {
    pub sql: String,
    pub original: String,
    pub repairs: Vec<Repair>,
    pub statement: Statement,
}

pub struct SqlGuard {
    catalog: Arc<Catalog>,
}

impl SqlGuard {
    pub fn new(catalog: Arc<Catalog>) -> SqlGuard {
        SqlGuard { catalog }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn check(&self, raw: &str) -> Result<CheckedSql, GuardError> {
        let len = raw.chars().count();
        if len > MAX_SQL_CHARS {
            return Err(GuardError::TooLong { len, max: MAX_SQL_CHARS });
        }
        if raw.contains('\0') {
            return Err(GuardError::NulByte);
        }
        if raw.trim().is_empty() {
            return Err(GuardError::Empty);
        }
        let mut repairs = Vec::new();
        let text = repair::before_parse(raw, &mut repairs);
        if text.trim().is_empty() {
            return Err(GuardError::Empty);
        }
        let mut statements = Parser::parse_sql(&SQLiteDialect {}, &text).map_err(|e| GuardError::Parse(e.to_string()))?;
        if statements.len() != 1 {
            return Err(GuardError::MultipleStatements(statements.len()));
        }
        let mut statement = statements.remove(0);
        if !matches!(statement, Statement::Query(_)) {
            return Err(GuardError::NotAQuery(statement_kind(&statement)));
        }
        validate::validate(&statement, &self.catalog)?;
        let before = repairs.len();
        repair::year_literals(&mut statement, &mut repairs);
        // Re-render only when the AST changed, so approved SQL stays as written.
        let sql = if repairs.len() > before { statement.to_string() } else { text.trim().to_string() };
        Ok(CheckedSql { sql, original: raw.to_string(), repairs, statement })
    }
}

fn statement_kind(s: &Statement) -> String {
    let text = s.to_string();
    text.split_whitespace().next().unwrap_or("statement").to_uppercase()
}
