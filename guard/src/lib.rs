//! Model output is untrusted input. `SqlGuard` repairs a small model's common
//! slips, parses with sqlparser (SQLite dialect) and approves only one read-only
//! query over catalog tables, columns and an allow-list of functions. `Executor`
//! runs only approved SQL, on read-only connections with a time limit, a row cap
//! and an SQLite authorizer that repeats the table and function rules.
//!
//! ```text
//! raw text ── repair::before_parse ──▶ text ── sqlparser ──▶ Statement
//!    (fences, prose, full-width,          │            (one Query only)
//!     glued keywords, 2021年, `;`)        ▼
//!                               repair::on_ast (年份 literals, quoted names)
//!                                         ▼
//!                               validate::validate (visitor: scopes, tables,
//!                                 columns, functions, nested statements)
//!                                         ▼
//!                                    CheckedSql ──▶ Executor::run
//! ```

mod exec;
mod funcs;
mod repair;
mod validate;

pub use exec::{ExecError, ExecLimits, Executor, QueryResult, Value, MAX_RESULT_BYTES, MAX_VALUE_BYTES};
pub use repair::Repair;
pub use validate::{referenced_columns, ALLOWED_FUNCTIONS};

use catalog::Catalog;
use sqlparser::ast::Statement;
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;
use std::sync::Arc;

/// Longest SQL text we look at (characters); model output is a few hundred.
pub const MAX_SQL_CHARS: usize = 20_000;
/// Most tokens (names, literals, operators) in one input; gold SQL has under 100,
/// a question over 200 named companies about 450.
/// Bounds the AST's depth (a chain `1+1+…` nests one level per operator), so
/// checking stays well inside a thread's default stack.
pub const MAX_SQL_TOKENS: usize = 1_000;

/// Why the guard refused a text. Each message states the rule it broke;
/// [`GuardError::rule`] gives the rule's short stable id.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GuardError {
    #[error("empty SQL: there is no statement to run")]
    Empty,
    #[error("SQL too long: {len} characters, the limit is {max}")]
    TooLong { len: usize, max: usize },
    #[error("SQL contains a NUL byte")]
    NulByte,
    #[error("SQL too complex: about {tokens} tokens, the limit is {max}")]
    TooComplex { tokens: usize, max: usize },
    #[error("not valid SQLite syntax: {0}")]
    Parse(String),
    #[error("exactly one statement is allowed, found {0}")]
    MultipleStatements(usize),
    #[error("only read-only queries (SELECT / WITH) are allowed, found {0}")]
    NotAQuery(String),
    #[error("unknown table {name}{}", hint(.nearest))]
    UnknownTable { name: String, nearest: Vec<String> },
    #[error("unknown column {name}{}", hint(.nearest))]
    UnknownColumn { name: String, nearest: Vec<String> },
    #[error("function {0}() is not on the allow-list")]
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
    /// Short stable id of the rule that refused the SQL.
    pub fn rule(&self) -> &'static str {
        match self {
            GuardError::Empty => "non-empty",
            GuardError::TooLong { .. } | GuardError::TooComplex { .. } => "max-length",
            GuardError::NulByte => "no-nul",
            GuardError::Parse(_) => "parse",
            GuardError::MultipleStatements(_) => "one-statement",
            GuardError::NotAQuery(_) => "read-only",
            GuardError::UnknownTable { .. } => "known-tables",
            GuardError::UnknownColumn { .. } => "known-columns",
            GuardError::ForbiddenFunction(_) => "allowed-functions",
            GuardError::ForbiddenConstruct(_) => "allowed-constructs",
        }
    }
}

/// SQL the guard approved: the only thing `Executor::run` accepts. Only the
/// guard builds one (its one field is private); its parts are read through
/// `Deref` to [`Approved`], never written, so a rewrite after validation has to
/// go back through [`SqlGuard::recheck`].
#[derive(Debug, Clone)]
pub struct CheckedSql(Approved);

/// The parts of a [`CheckedSql`], readable as `checked.sql`, `checked.statement`, ….
#[derive(Debug, Clone)]
pub struct Approved {
    /// The SQL that will run (after repairs), as text.
    pub sql: String,
    /// The raw text given to `check`.
    pub original: String,
    /// What was changed, in order.
    pub repairs: Vec<Repair>,
    /// The parsed, validated statement (`sql` parses to it).
    pub statement: Statement,
}

impl std::ops::Deref for CheckedSql {
    type Target = Approved;
    fn deref(&self) -> &Approved {
        &self.0
    }
}

impl CheckedSql {
    /// Crate-internal: the guard's own checks and the executor's unit tests (forged SQL).
    pub(crate) fn approved(sql: String, original: String, repairs: Vec<Repair>, statement: Statement) -> CheckedSql {
        CheckedSql(Approved { sql, original, repairs, statement })
    }
}

pub struct SqlGuard {
    catalog: Arc<Catalog>,
    schema: validate::Schema,
    year: repair::YearRule,
}

impl SqlGuard {
    pub fn new(catalog: Arc<Catalog>) -> SqlGuard {
        let schema = validate::Schema::new(&catalog);
        let year = repair::YearRule::from_catalog(&catalog);
        SqlGuard { catalog, schema, year }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The text repairs that run before parsing (fences, prose, full-width forms, glued
    /// keywords, bare years, `；`), on their own: the entry point of the `repair` fuzz target.
    #[doc(hidden)]
    pub fn repair_text(&self, raw: &str) -> (String, Vec<Repair>) {
        let mut repairs = Vec::new();
        let text = repair::before_parse(raw, &self.year.format, &mut repairs);
        (text, repairs)
    }

    /// Repair common slips, parse (SQLite dialect), validate. Never panics on any
    /// input: should the parser itself ever panic, that is a refusal too.
    pub fn check(&self, raw: &str) -> Result<CheckedSql, GuardError> {
        with_stack_and_no_panic(|| self.check_inner(raw))
    }

    fn check_inner(&self, raw: &str) -> Result<CheckedSql, GuardError> {
        // Cheap refusals first, before anything scans the text twice.
        if raw.len() > MAX_SQL_CHARS {
            let len = raw.chars().count();
            if len > MAX_SQL_CHARS {
                return Err(GuardError::TooLong { len, max: MAX_SQL_CHARS });
            }
        }
        if raw.contains('\0') {
            return Err(GuardError::NulByte);
        }
        if raw.trim().is_empty() {
            return Err(GuardError::Empty);
        }

        let mut repairs = Vec::new();
        let text = repair::before_parse(raw, &self.year.format, &mut repairs);
        if repair::is_blank_sql(&text) {
            return Err(GuardError::Empty);
        }
        let parsed = repair::prescreen(&text).and_then(|()| parse(&text).map_err(GuardError::Parse));
        let (text, mut statements) = match parsed {
            Ok(s) => (text, s),
            // Prose around the SQL is the usual reason; try without it.
            Err(e @ (GuardError::Parse(_) | GuardError::NotAQuery(_))) => match repair::after_parse_failure(&text, &mut repairs) {
                Some(found) => found,
                None => return Err(e),
            },
            Err(e) => return Err(e),
        };
        match statements.len() {
            0 => return Err(GuardError::Empty),
            1 => {}
            n => return Err(GuardError::MultipleStatements(n)),
        }
        let mut statement = statements.remove(0);
        if !matches!(statement, Statement::Query(_)) {
            return Err(GuardError::NotAQuery(statement_kind(&statement)));
        }

        let before = repairs.len();
        repair::on_ast(&mut statement, &self.schema.column_set, &self.year, &mut repairs);
        let sql = if repairs.len() > before {
            // Re-render from the AST and parse that text again, so the statement
            // we validate is exactly what the rendered SQL means.
            let rendered = statement.to_string();
            let mut again = parse(&rendered).map_err(GuardError::Parse)?;
            if again.len() != 1 {
                return Err(GuardError::MultipleStatements(again.len()));
            }
            statement = again.remove(0);
            rendered
        } else {
            // Unrepaired SQL runs exactly as written (minus surrounding space).
            text.trim().to_string()
        };
        validate::validate(&statement, &self.schema)?;
        Ok(CheckedSql::approved(sql, raw.to_string(), repairs, statement))
    }

    /// Check a statement rewritten after an earlier approval (the engine's company-name
    /// fix): rendered to text, parsed again and validated like any input. The result
    /// keeps `previous`'s original text and repairs.
    pub fn recheck(&self, previous: &CheckedSql, statement: &Statement) -> Result<CheckedSql, GuardError> {
        let rendered = statement.to_string();
        if rendered.chars().count() > MAX_SQL_CHARS {
            return Err(GuardError::TooLong { len: rendered.chars().count(), max: MAX_SQL_CHARS });
        }
        let run = || -> Result<CheckedSql, GuardError> {
            repair::prescreen(&rendered)?;
            let mut again = parse(&rendered).map_err(GuardError::Parse)?;
            if again.len() != 1 {
                return Err(GuardError::MultipleStatements(again.len()));
            }
            let statement = again.remove(0);
            if !matches!(statement, Statement::Query(_)) {
                return Err(GuardError::NotAQuery(statement_kind(&statement)));
            }
            validate::validate(&statement, &self.schema)?;
            Ok(CheckedSql::approved(rendered.clone(), previous.original.clone(), previous.repairs.clone(), statement))
        };
        with_stack_and_no_panic(run)
    }
}

/// Run a parse-and-validate step with stack to spare, a panic becoming a refusal.
fn with_stack_and_no_panic(f: impl FnOnce() -> Result<CheckedSql, GuardError>) -> Result<CheckedSql, GuardError> {
    // The AST of an input under MAX_SQL_TOKENS is at most ~500 levels deep;
    // walking it takes well under this much stack (about 1.4 MiB unoptimised).
    // Called with less left (a small thread, deep in a caller), move to a fresh stack.
    const RED_ZONE: usize = if cfg!(debug_assertions) { 1_800 * 1024 } else { 512 * 1024 };
    stacker::maybe_grow(RED_ZONE, 8 * 1024 * 1024, || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| Err(GuardError::Parse("the parser failed on this input".into())))
    })
}


pub(crate) fn parse(text: &str) -> Result<Vec<Statement>, String> {
    Parser::parse_sql(&SQLiteDialect {}, text).map_err(|e| e.to_string())
}

fn statement_kind(s: &Statement) -> String {
    let text = s.to_string();
    let mut words = text.split_whitespace().take(2).map(|w| w.to_uppercase());
    let first = words.next().unwrap_or_else(|| "statement".into());
    match (first.as_str(), words.next()) {
        ("CREATE" | "DROP" | "ALTER", Some(w)) => format!("{first} {w}"),
        _ => first,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn guard_and_checked_sql_cross_threads() {
        fn check<T: Send + Sync>() {}
        check::<super::SqlGuard>();
        check::<super::CheckedSql>();
        check::<super::GuardError>();
    }
}
