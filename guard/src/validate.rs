//! AST checks, done with sqlparser's visitor. Each query (the statement, every
//! CTE body, derived table and subquery) opens a scope holding the tables its
//! FROM clauses bind and the names its select lists define. A column reference
//! is resolved when its query is left (the select list is visited before FROM):
//! against that scope's tables and names, then outwards, which is how correlated
//! subqueries see the outer query. What no scope resolves is refused.
//! Functions must be on the allow-list; no statement other than a query may
//! appear at any depth.

use crate::GuardError;
use catalog::Catalog;
use sqlparser::ast::{
    visit_expressions, BinaryOperator, Expr, Ident, ObjectName, ObjectNamePart, Query, SelectItem, SelectItemQualifiedWildcardKind, SetExpr,
    Statement, TableFactor, TableWithJoins, Value, Visit, Visitor,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::ControlFlow;
use std::sync::Arc;

/// Ordinary scalar, aggregate and window functions; nothing that touches files,
/// extensions, randomness, blobs of chosen size or the connection.
pub const ALLOWED_FUNCTIONS: [&str; 43] = [
    // aggregates
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "total",
    "group_concat",
    "string_agg",
    // scalars
    "round",
    "abs",
    "cast",
    "coalesce",
    "ifnull",
    "nullif",
    "iif",
    "length",
    "substr",
    "substring",
    "instr",
    "replace",
    "trim",
    "ltrim",
    "rtrim",
    "upper",
    "lower",
    "printf",
    "format",
    "strftime",
    "date",
    "julianday",
    "typeof",
    "sign",
    // window functions
    "rank",
    "dense_rank",
    "row_number",
    "lag",
    "lead",
    "ntile",
    "percent_rank",
    "cume_dist",
    "first_value",
    "last_value",
    "nth_value",
];

fn part_name(part: &ObjectNamePart) -> String {
    match part {
        ObjectNamePart::Identifier(i) => i.value.clone(),
        ObjectNamePart::Function(f) => f.name.value.clone(),
    }
}

fn last_name(name: &ObjectName) -> String {
    name.0.last().map(part_name).unwrap_or_default()
}

/// SQLite compares names case-insensitively (ASCII only).
fn key(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// The catalog's names, prepared once per guard so a check does no schema work.
pub(crate) struct Schema {
    /// Lower-cased table/view name → its lower-cased column names.
    tables: HashMap<String, Arc<Vec<String>>>,
    /// Table and view names as written, for hints.
    table_names: Vec<String>,
    /// Every column name as written (deduplicated), for hints.
    columns: Vec<String>,
    /// The same, for exact membership tests.
    pub(crate) column_set: HashSet<String>,
}

impl Schema {
    pub(crate) fn new(catalog: &Catalog) -> Schema {
        let tables = catalog.tables().iter().map(|t| (key(&t.name), Arc::new(t.columns.iter().map(|c| key(&c.name)).collect()))).collect();
        let columns: Vec<String> = catalog.all_column_names().into_iter().map(String::from).collect();
        Schema {
            tables,
            table_names: catalog.tables().iter().map(|t| t.name.clone()).collect(),
            column_set: columns.iter().cloned().collect(),
            columns,
        }
    }

    fn column_hints(&self, name: &str, within: Option<&[String]>) -> Vec<String> {
        let pool: Vec<&str> = match within {
            Some(cols) => self.columns.iter().filter(|c| cols.contains(&key(c))).map(String::as_str).collect(),
            None => Vec::new(),
        };
        let pool = if pool.is_empty() { self.columns.iter().map(String::as_str).collect() } else { pool };
        nearest(name, &pool)
    }

    fn table_hints(&self, name: &str) -> Vec<String> {
        nearest(name, &self.table_names.iter().map(String::as_str).collect::<Vec<_>>())
    }
}

/// Output columns of a relation, lower-cased; `None` when they cannot be known
/// statically (then any name is accepted for it rather than refusing good SQL).
type Columns = Option<Arc<Vec<String>>>;

/// CTE names visible at some point, with their output columns.
type Ctes = HashMap<String, Columns>;

fn cols(v: Vec<String>) -> Columns {
    Some(Arc::new(v))
}

struct Names<'a> {
    schema: &'a Schema,
}

impl Names<'_> {
    fn table(&self, name: &str, ctes: &Ctes) -> Option<Columns> {
        let k = key(name);
        if let Some(c) = ctes.get(&k) {
            return Some(c.clone());
        }
        self.schema.tables.get(&k).map(|c| Some(c.clone()))
    }

    /// Output column names of a query (those of its first SELECT, as SQLite names them).
    fn query_columns(&self, q: &Query, outer: &Ctes) -> Columns {
        let mut ctes;
        let ctes = match &q.with {
            Some(with) => {
                ctes = outer.clone();
                for cte in &with.cte_tables {
                    let name = key(&cte.alias.name.value);
                    ctes.insert(name.clone(), None);
                    let c = if cte.alias.columns.is_empty() {
                        self.query_columns(&cte.query, &ctes)
                    } else {
                        cols(cte.alias.columns.iter().map(|c| key(&c.name.value)).collect())
                    };
                    ctes.insert(name, c);
                }
                &ctes
            }
            None => outer,
        };
        self.set_columns(&q.body, ctes)
    }

    fn set_columns(&self, body: &SetExpr, ctes: &Ctes) -> Columns {
        match body {
            SetExpr::Select(s) => {
                let mut out = Vec::new();
                for item in &s.projection {
                    match item {
                        SelectItem::UnnamedExpr(Expr::Identifier(i)) => out.push(key(&i.value)),
                        SelectItem::UnnamedExpr(Expr::CompoundIdentifier(p)) => out.push(key(&p.last()?.value)),
                        SelectItem::UnnamedExpr(e) => out.push(key(&e.to_string())),
                        SelectItem::ExprWithAlias { alias, .. } => out.push(key(&alias.value)),
                        SelectItem::Wildcard(_) => {
                            for twj in &s.from {
                                out.extend(self.join_columns(twj, ctes)?.iter().cloned());
                            }
                        }
                        SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(n), _) => {
                            let q = key(&last_name(n));
                            let mut found = None;
                            for twj in &s.from {
                                for f in std::iter::once(&twj.relation).chain(twj.joins.iter().map(|j| &j.relation)) {
                                    if factor_name(f).as_deref() == Some(q.as_str()) {
                                        found = Some(self.factor_columns(f, ctes));
                                    }
                                }
                            }
                            out.extend(found??.iter().cloned());
                        }
                        SelectItem::QualifiedWildcard(..) => return None,
                    }
                }
                cols(out)
            }
            SetExpr::SetOperation { left, .. } => self.set_columns(left, ctes),
            SetExpr::Query(q) => self.query_columns(q, ctes),
            SetExpr::Values(v) => cols((1..=v.rows.first().map_or(0, |r| r.len())).map(|i| format!("column{i}")).collect()),
            _ => None,
        }
    }

    fn join_columns(&self, twj: &TableWithJoins, ctes: &Ctes) -> Columns {
        if twj.joins.is_empty() {
            return self.factor_columns(&twj.relation, ctes);
        }
        let mut out = self.factor_columns(&twj.relation, ctes)?.to_vec();
        for j in &twj.joins {
            out.extend(self.factor_columns(&j.relation, ctes)?.iter().cloned());
        }
        cols(out)
    }

    fn factor_columns(&self, f: &TableFactor, ctes: &Ctes) -> Columns {
        match f {
            TableFactor::Table { name, .. } => self.table(&last_name(name), ctes).flatten(),
            TableFactor::Derived { subquery, alias, .. } => match alias {
                Some(a) if !a.columns.is_empty() => cols(a.columns.iter().map(|c| key(&c.name.value)).collect()),
                _ => self.query_columns(subquery, ctes),
            },
            TableFactor::NestedJoin { table_with_joins, .. } => self.join_columns(table_with_joins, ctes),
            _ => None,
        }
    }
}

/// The name a FROM item is referred to by (`a` in `big a`, `big` in `big`).
fn factor_name(f: &TableFactor) -> Option<String> {
    match f {
        TableFactor::Table { name, alias, .. } => Some(key(&alias.as_ref().map(|a| a.name.value.clone()).unwrap_or_else(|| last_name(name)))),
        TableFactor::Derived { alias, .. } => alias.as_ref().map(|a| key(&a.name.value)),
        _ => None,
    }
}

/// Names a query body defines for its ORDER BY / HAVING / outer references:
/// select-list aliases, and every output name of a parenthesised operand
/// (`(SELECT …) UNION (SELECT …) ORDER BY x`), which is a scope of its own.
fn body_names(body: &SetExpr, out: &mut HashSet<String>) {
    match body {
        SetExpr::Select(s) => {
            for item in &s.projection {
                if let SelectItem::ExprWithAlias { alias, .. } = item {
                    out.insert(key(&alias.value));
                }
            }
        }
        SetExpr::SetOperation { left, right, .. } => {
            body_names(left, out);
            body_names(right, out);
        }
        SetExpr::Query(q) => {
            let mut inner = HashSet::new();
            body_names(&q.body, &mut inner);
            out.extend(inner);
            out.extend(output_names(&q.body));
        }
        _ => {}
    }
}

/// Bare column names a body outputs (not expanding `*`).
fn output_names(body: &SetExpr) -> Vec<String> {
    match body {
        SetExpr::Select(s) => s
            .projection
            .iter()
            .filter_map(|item| match item {
                SelectItem::UnnamedExpr(Expr::Identifier(i)) => Some(key(&i.value)),
                SelectItem::UnnamedExpr(Expr::CompoundIdentifier(p)) => p.last().map(|i| key(&i.value)),
                SelectItem::ExprWithAlias { alias, .. } => Some(key(&alias.value)),
                _ => None,
            })
            .collect(),
        SetExpr::SetOperation { left, right, .. } => {
            let mut v = output_names(left);
            v.extend(output_names(right));
            v
        }
        SetExpr::Query(q) => output_names(&q.body),
        _ => Vec::new(),
    }
}

/// A relation bound in a query's FROM: its name in the query and its columns.
struct Binding {
    name: String,
    columns: Columns,
}

/// A column reference waiting for its query (or an outer one) to resolve it.
struct Pending {
    qualifier: Option<Ident>,
    name: Ident,
}

#[derive(Default)]
struct Scope {
    ctes: Ctes,
    bindings: Vec<Binding>,
    names: HashSet<String>,
    pending: Vec<Pending>,
}

struct Checker<'a> {
    names: Names<'a>,
    scopes: Vec<Scope>,
    error: Option<GuardError>,
}

impl Checker<'_> {
    fn fail(&mut self, e: GuardError) -> ControlFlow<()> {
        self.error = Some(e);
        ControlFlow::Break(())
    }

    /// Every CTE visible from the innermost scope.
    fn visible_ctes(&self) -> Ctes {
        let mut out = Ctes::new();
        for s in &self.scopes {
            out.extend(s.ctes.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        out
    }

    fn nearest_table(&self, name: &str) -> Vec<String> {
        self.names.schema.table_hints(name)
    }

    /// `Ok(true)`: resolved here; `Ok(false)`: try the enclosing scope.
    fn resolve(&self, scope: &Scope, p: &Pending) -> Result<bool, GuardError> {
        let name = key(&p.name.value);
        match &p.qualifier {
            None => Ok(scope.names.contains(&name) || scope.bindings.iter().any(|b| b.columns.as_ref().is_none_or(|cols| cols.contains(&name)))),
            Some(q) => {
                let q = key(&q.value);
                match scope.bindings.iter().find(|b| b.name == q) {
                    None => Ok(false),
                    Some(b) => match &b.columns {
                        Some(cols) if !cols.contains(&name) => Err(GuardError::UnknownColumn {
                            name: p.name.value.clone(),
                            nearest: self.names.schema.column_hints(&p.name.value, Some(cols)),
                        }),
                        _ => Ok(true),
                    },
                }
            }
        }
    }
}

impl Visitor for Checker<'_> {
    type Break = ();

    fn pre_visit_statement(&mut self, s: &Statement) -> ControlFlow<()> {
        if !matches!(s, Statement::Query(_)) {
            let kind = s.to_string().split_whitespace().next().unwrap_or("statement").to_uppercase();
            return self.fail(GuardError::NotAQuery(kind));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if !q.locks.is_empty() || q.for_clause.is_some() || q.settings.is_some() || q.format_clause.is_some() || !q.pipe_operators.is_empty() {
            return self.fail(GuardError::ForbiddenConstruct("a clause SQLite does not have (FOR / SETTINGS / FORMAT / |>)".into()));
        }
        if let Some(e) = forbidden_in_body(&q.body) {
            return self.fail(e);
        }
        let mut scope = Scope::default();
        if let Some(with) = &q.with {
            let mut ctes = self.visible_ctes();
            for cte in &with.cte_tables {
                let name = key(&cte.alias.name.value);
                ctes.insert(name.clone(), None);
                let c = if cte.alias.columns.is_empty() {
                    self.names.query_columns(&cte.query, &ctes)
                } else {
                    cols(cte.alias.columns.iter().map(|c| key(&c.name.value)).collect())
                };
                ctes.insert(name.clone(), c.clone());
                scope.ctes.insert(name, c);
            }
        }
        body_names(&q.body, &mut scope.names);
        self.scopes.push(scope);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
        let Some(mut scope) = self.scopes.pop() else { return ControlFlow::Continue(()) };
        for p in std::mem::take(&mut scope.pending) {
            match self.resolve(&scope, &p) {
                Err(e) => return self.fail(e),
                Ok(true) => {}
                Ok(false) => match self.scopes.last_mut() {
                    Some(parent) => parent.pending.push(p),
                    None => {
                        return self.fail(match p.qualifier {
                            Some(q) => GuardError::UnknownTable { nearest: self.nearest_table(&q.value), name: q.value },
                            None => GuardError::UnknownColumn { nearest: self.names.schema.column_hints(&p.name.value, None), name: p.name.value },
                        })
                    }
                },
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        let binding = match t {
            TableFactor::Table { name, alias, args, .. } => {
                if args.is_some() {
                    return self.fail(GuardError::ForbiddenConstruct(format!("table-valued function {name}(…)")));
                }
                // `main.big`, `temp.x`, `other.t`: only the one database, unqualified.
                if name.0.len() != 1 {
                    return self.fail(GuardError::ForbiddenConstruct(format!("schema-qualified table {name}")));
                }
                let table = last_name(name);
                let columns = match self.names.table(&table, &self.visible_ctes()) {
                    Some(c) => c,
                    None => return self.fail(GuardError::UnknownTable { nearest: self.nearest_table(&table), name: table }),
                };
                Binding { name: key(&alias.as_ref().map(|a| a.name.value.clone()).unwrap_or(table)), columns }
            }
            TableFactor::Derived { subquery, alias, .. } => {
                let columns = match alias {
                    Some(a) if !a.columns.is_empty() => cols(a.columns.iter().map(|c| key(&c.name.value)).collect()),
                    _ => self.names.query_columns(subquery, &self.visible_ctes()),
                };
                Binding { name: alias.as_ref().map(|a| key(&a.name.value)).unwrap_or_default(), columns }
            }
            TableFactor::NestedJoin { .. } => return ControlFlow::Continue(()),
            other => {
                let text: String = other.to_string().chars().take(40).collect();
                return self.fail(GuardError::ForbiddenConstruct(format!("table source {text}")));
            }
        };
        if let Some(scope) = self.scopes.last_mut() {
            scope.bindings.push(binding);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        let pending = match e {
            Expr::Identifier(i) => Some(Pending { qualifier: None, name: i.clone() }),
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                Some(Pending { qualifier: Some(parts[parts.len() - 2].clone()), name: parts[parts.len() - 1].clone() })
            }
            // SQLite runs these operators as calls to regexp() / match(), which are
            // not on the allow-list (and not defined without extensions).
            Expr::BinaryOp { op: BinaryOperator::Regexp, .. } | Expr::RLike { .. } | Expr::SimilarTo { .. } => {
                return self.fail(GuardError::ForbiddenFunction("regexp".into()))
            }
            Expr::BinaryOp { op: BinaryOperator::Match, .. } => return self.fail(GuardError::ForbiddenFunction("match".into())),
            // SQLite runs `->` / `->>` as its JSON functions; the other operators are not SQLite's.
            Expr::BinaryOp { op: op @ (BinaryOperator::Arrow | BinaryOperator::LongArrow), .. } => {
                return self.fail(GuardError::ForbiddenFunction(format!("{op} (JSON)")))
            }
            Expr::BinaryOp { op, .. } if foreign_operator(op) => {
                return self.fail(GuardError::ForbiddenConstruct(format!("operator {op}")))
            }
            // Calls the parser reads as expressions of their own: the same allow-list.
            e if special_function(e).is_some() => {
                let name = special_function(e).unwrap_or_default();
                if !ALLOWED_FUNCTIONS.contains(&name) {
                    return self.fail(GuardError::ForbiddenFunction(name.into()));
                }
                None
            }
            Expr::Function(f) => {
                if f.name.0.len() != 1 {
                    return self.fail(GuardError::ForbiddenFunction(f.name.to_string()));
                }
                let name = last_name(&f.name).to_ascii_lowercase();
                if !ALLOWED_FUNCTIONS.contains(&name.as_str()) {
                    return self.fail(GuardError::ForbiddenFunction(last_name(&f.name)));
                }
                None
            }
            _ => None,
        };
        if let Some(p) = pending {
            match self.scopes.last_mut() {
                Some(scope) => scope.pending.push(p),
                None => return self.fail(GuardError::ForbiddenConstruct("an expression outside a query".into())),
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_value(&mut self, v: &Value) -> ControlFlow<()> {
        if let Value::Placeholder(p) = v {
            return self.fail(GuardError::ForbiddenConstruct(format!("parameter placeholder {p}")));
        }
        ControlFlow::Continue(())
    }
}

/// The function a special expression stands for: sqlparser parses `CEIL(x)`,
/// `POSITION(a IN b)`, `SUBSTRING(…)`, `TRIM(…)`, `EXTRACT(…)` and the like into
/// expressions of their own, not `Expr::Function`, so they are named here and
/// checked against the same allow-list.
fn special_function(e: &Expr) -> Option<&'static str> {
    Some(match e {
        Expr::Ceil { .. } => "ceil",
        Expr::Floor { .. } => "floor",
        Expr::Position { .. } => "position",
        Expr::Substring { .. } => "substring",
        Expr::Trim { .. } => "trim",
        Expr::Extract { .. } => "extract",
        Expr::Overlay { .. } => "overlay",
        Expr::Convert { .. } => "convert",
        Expr::AtTimeZone { .. } => "at time zone",
        Expr::JsonAccess { .. } => "json access",
        Expr::IsNormalized { .. } => "normalize",
        Expr::MatchAgainst { .. } => "match",
        Expr::Interval(_) => "interval",
        Expr::Lambda(_) => "lambda",
        Expr::MemberOf(_) => "member of",
        Expr::Map(_) => "map",
        Expr::Struct { .. } => "struct",
        Expr::Dictionary(_) => "dictionary",
        Expr::Array(_) => "array",
        _ => return None,
    })
}

/// Binary operators of other dialects (JSON paths, containment, regex), none SQLite's.
fn foreign_operator(op: &BinaryOperator) -> bool {
    use BinaryOperator as B;
    matches!(
        op,
        B::HashArrow
            | B::HashLongArrow
            | B::AtArrow
            | B::ArrowAt
            | B::HashMinus
            | B::AtQuestion
            | B::AtAt
            | B::Question
            | B::QuestionAnd
            | B::QuestionPipe
            | B::PGRegexMatch
            | B::PGRegexIMatch
            | B::PGRegexNotMatch
            | B::PGRegexNotIMatch
            | B::PGLikeMatch
            | B::PGILikeMatch
            | B::PGNotLikeMatch
            | B::PGNotILikeMatch
            | B::PGCustomBinaryOperator(_)
    )
}

/// SELECT … INTO, `TABLE t`, and DML as a query body, at this query's level.
fn forbidden_in_body(body: &SetExpr) -> Option<GuardError> {
    match body {
        SetExpr::Select(s) if s.into.is_some() => Some(GuardError::ForbiddenConstruct("SELECT … INTO".into())),
        SetExpr::Select(s) if s.connect_by.is_some() || !s.lateral_views.is_empty() => {
            Some(GuardError::ForbiddenConstruct("a clause SQLite does not have".into()))
        }
        SetExpr::Select(_) | SetExpr::Query(_) | SetExpr::Values(_) => None,
        SetExpr::SetOperation { left, right, .. } => forbidden_in_body(left).or_else(|| forbidden_in_body(right)),
        SetExpr::Table(t) => Some(GuardError::ForbiddenConstruct(format!("TABLE {}", t.table_name.as_deref().unwrap_or("")))),
        SetExpr::Insert(s) | SetExpr::Update(s) | SetExpr::Delete(s) | SetExpr::Merge(s) => {
            Some(GuardError::NotAQuery(s.to_string().split_whitespace().next().unwrap_or("statement").to_uppercase()))
        }
    }
}

/// Up to three catalog names closest to `name` (edit distance and Jaro-Winkler).
pub(crate) fn nearest(name: &str, candidates: &[&str]) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = candidates
        .iter()
        .map(|c| {
            let lev = strsim::normalized_levenshtein(name, c);
            let jw = strsim::jaro_winkler(name, c);
            (lev.max(jw - 0.15), *c)
        })
        .filter(|(s, _)| *s >= 0.5)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, c)| c.to_string()).collect()
}

/// Validate a parsed statement against the catalog.
pub(crate) fn validate(stmt: &Statement, schema: &Schema) -> Result<(), GuardError> {
    let mut c = Checker { names: Names { schema }, scopes: Vec::new(), error: None };
    let _ = stmt.visit(&mut c);
    match c.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Catalog columns referenced anywhere in a statement (via the sqlparser
/// visitor), used for recall metrics.
pub fn referenced_columns(stmt: &Statement, catalog: &Catalog) -> BTreeSet<String> {
    let names: HashSet<&str> = catalog.all_column_names().into_iter().collect();
    let mut out = BTreeSet::new();
    let _ = visit_expressions(stmt, |e| {
        let id = match e {
            Expr::Identifier(i) => Some(i),
            Expr::CompoundIdentifier(p) => p.last(),
            _ => None,
        };
        if let Some(i) = id {
            if names.contains(i.value.as_str()) {
                out.insert(i.value.clone());
            }
        }
        ControlFlow::<()>::Continue(())
    });
    out
}
