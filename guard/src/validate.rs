//! AST checks, done with sqlparser's visitor: every relation is a catalog table or
//! a CTE of the query; every column a column of a table in the query or an alias
//! it defines; every function on the allow-list; no statement but a query anywhere.

use crate::GuardError;
use catalog::Catalog;
use sqlparser::ast::{visit_expressions, Expr, Ident, ObjectName, ObjectNamePart, Query, SelectItem, Statement, TableFactor, Visit, Visitor};
use std::collections::{BTreeSet, HashSet};
use std::ops::ControlFlow;

/// Ordinary scalar, aggregate and window functions; nothing that touches files,
/// extensions, randomness at scale or the connection.
const ALLOWED_FUNCTIONS: [&str; 42] = [
    "count", "sum", "avg", "min", "max", "total", "group_concat", "string_agg", "round", "abs", "coalesce", "ifnull", "nullif", "iif",
    "length", "substr", "substring", "instr", "replace", "trim", "ltrim", "rtrim", "upper", "lower", "printf", "format", "strftime",
    "date", "julianday", "typeof", "sign", "cast", "rank", "dense_rank", "row_number", "lag", "lead", "ntile", "percent_rank",
    "cume_dist", "first_value", "last_value",
];

fn ident_name(part: &ObjectNamePart) -> String {
    match part {
        ObjectNamePart::Identifier(i) => i.value.clone(),
        ObjectNamePart::Function(f) => f.name.value.clone(),
    }
}

fn last_name(name: &ObjectName) -> String {
    name.0.last().map(ident_name).unwrap_or_default()
}

#[derive(Default)]
struct Collector {
    ctes: HashSet<String>,
    relations: Vec<String>,
    table_aliases: HashSet<String>,
    column_aliases: HashSet<String>,
    functions: Vec<String>,
    forbidden: Option<GuardError>,
}

impl Visitor for Collector {
    type Break = ();

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                self.ctes.insert(cte.alias.name.value.to_lowercase());
                for c in &cte.alias.columns {
                    self.column_aliases.insert(c.name.value.to_lowercase());
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        match t {
            TableFactor::Table { name, alias, args, .. } => {
                if args.is_some() {
                    self.forbidden = Some(GuardError::ForbiddenConstruct(format!("table-valued function {name}")));
                    return ControlFlow::Break(());
                }
                // `main.big`, `temp.big`: other schemas are never ours.
                if name.0.len() > 1 {
                    self.forbidden = Some(GuardError::ForbiddenConstruct(format!("schema-qualified table {name}")));
                    return ControlFlow::Break(());
                }
                self.relations.push(last_name(name));
                if let Some(a) = alias {
                    self.table_aliases.insert(a.name.value.to_lowercase());
                }
            }
            TableFactor::Derived { alias, .. } => {
                if let Some(a) = alias {
                    self.table_aliases.insert(a.name.value.to_lowercase());
                    for c in &a.columns {
                        self.column_aliases.insert(c.name.value.to_lowercase());
                    }
                }
            }
            TableFactor::NestedJoin { .. } => {}
            other => {
                let kind = other.to_string().chars().take(40).collect::<String>();
                self.forbidden = Some(GuardError::ForbiddenConstruct(format!("table source {kind}")));
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_statement(&mut self, s: &Statement) -> ControlFlow<()> {
        if !matches!(s, Statement::Query(_)) {
            let kind = s.to_string().split_whitespace().next().unwrap_or("statement").to_uppercase();
            self.forbidden = Some(GuardError::NotAQuery(kind));
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = e {
            self.functions.push(last_name(&f.name).to_lowercase());
        }
        ControlFlow::Continue(())
    }
}

/// Select-list aliases anywhere in the statement (usable in ORDER BY, outer queries).
fn select_aliases(stmt: &Statement, out: &mut HashSet<String>) {
    struct A<'a>(&'a mut HashSet<String>);
    impl Visitor for A<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
            collect_from_setexpr(&q.body, self.0);
            ControlFlow::Continue(())
        }
    }
    fn collect_from_setexpr(body: &sqlparser::ast::SetExpr, out: &mut HashSet<String>) {
        use sqlparser::ast::SetExpr;
        match body {
            SetExpr::Select(s) => {
                for item in &s.projection {
                    if let SelectItem::ExprWithAlias { alias, .. } = item {
                        out.insert(alias.value.to_lowercase());
                    }
                }
            }
            SetExpr::SetOperation { left, right, .. } => {
                collect_from_setexpr(left, out);
                collect_from_setexpr(right, out);
            }
            SetExpr::Query(q) => collect_from_setexpr(&q.body, out),
            _ => {}
        }
    }
    let _ = stmt.visit(&mut A(out));
}

fn nearest(name: &str, candidates: &[&str]) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = candidates.iter().map(|c| (strsim::normalized_levenshtein(name, c), *c)).filter(|(s, _)| *s >= 0.4).collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, c)| c.to_string()).collect()
}

pub fn validate(stmt: &Statement, catalog: &Catalog) -> Result<(), GuardError> {
    let mut c = Collector::default();
    let _ = stmt.visit(&mut c);
    if let Some(e) = c.forbidden {
        return Err(e);
    }
    for f in &c.functions {
        if !ALLOWED_FUNCTIONS.contains(&f.as_str()) {
            return Err(GuardError::ForbiddenFunction(f.clone()));
        }
    }
    let mut known_columns: HashSet<String> = HashSet::new();
    let mut known_tables: HashSet<String> = c.ctes.clone();
    for r in &c.relations {
        let lower = r.to_lowercase();
        if c.ctes.contains(&lower) {
            continue;
        }
        match catalog.table_ci(r) {
            Some(t) => {
                known_tables.insert(t.name.to_lowercase());
                known_columns.extend(t.columns.iter().map(|col| col.name.to_lowercase()));
            }
            None => {
                let names: Vec<&str> = catalog.tables().iter().map(|t| t.name.as_str()).collect();
                return Err(GuardError::UnknownTable { name: r.clone(), nearest: nearest(r, &names) });
            }
        }
    }
    known_tables.extend(c.table_aliases.iter().cloned());
    known_columns.extend(c.column_aliases.iter().cloned());
    select_aliases(stmt, &mut known_columns);
    // Without any table (SELECT 1) only aliases are columns.
    let all_names = catalog.all_column_names();
    let unknown_column = |i: &Ident| GuardError::UnknownColumn { name: i.value.clone(), nearest: nearest(&i.value, &all_names) };
    let r = visit_expressions(stmt, |e| {
        match e {
            Expr::Identifier(i) if !known_columns.contains(&i.value.to_lowercase()) => return ControlFlow::Break(unknown_column(i)),
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                let table = &parts[parts.len() - 2];
                let col = &parts[parts.len() - 1];
                if !known_tables.contains(&table.value.to_lowercase()) {
                    let names: Vec<&str> = catalog.tables().iter().map(|t| t.name.as_str()).collect();
                    return ControlFlow::Break(GuardError::UnknownTable { name: table.value.clone(), nearest: nearest(&table.value, &names) });
                }
                if !known_columns.contains(&col.value.to_lowercase()) {
                    return ControlFlow::Break(unknown_column(col));
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    });
    match r {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// Catalog columns referenced anywhere in the statement.
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
