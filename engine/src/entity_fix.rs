//! After the guard approves a query: company literals compared with `公司名称`
//! that are a short name, a stock code or a name without its legal suffix are
//! rewritten to the full registered name the column holds. Small models copy
//! the question's wording; the table only knows full names.

use catalog::Catalog;
use sqlparser::ast::{visit_expressions_mut, BinaryOperator, Expr, Statement, Value};
use std::collections::HashMap;
use std::ops::ControlFlow;

pub struct CompanyNames {
    full: std::collections::HashSet<String>,
    alias: HashMap<String, String>,
}

impl CompanyNames {
    pub fn new(catalog: &Catalog) -> CompanyNames {
        let mut alias = HashMap::new();
        let mut ambiguous = std::collections::HashSet::new();
        for c in catalog.companies() {
            let mut keys = vec![c.short_name.clone(), c.code.clone()];
            for suffix in ["股份有限公司", "有限责任公司", "有限公司"] {
                if let Some(stem) = c.full_name.strip_suffix(suffix) {
                    keys.push(stem.to_string());
                }
            }
            for k in keys.into_iter().filter(|k| !k.is_empty()) {
                if let Some(prev) = alias.insert(k.clone(), c.full_name.clone()) {
                    if prev != c.full_name {
                        ambiguous.insert(k);
                    }
                }
            }
        }
        for k in ambiguous {
            alias.remove(&k);
        }
        CompanyNames { full: catalog.companies().iter().map(|c| c.full_name.clone()).collect(), alias }
    }

    fn canonical(&self, s: &str) -> Option<&String> {
        if self.full.contains(s) {
            return None;
        }
        self.alias.get(s.trim())
    }

    /// Rewrite literals in place; returns (from, to) for each change.
    pub fn fix(&self, stmt: &mut Statement) -> Vec<(String, String)> {
        let mut changes = Vec::new();
        let is_company = |e: &Expr| match e {
            Expr::Identifier(i) => i.value == catalog::COMPANY_COLUMN,
            Expr::CompoundIdentifier(p) => p.last().is_some_and(|i| i.value == catalog::COMPANY_COLUMN),
            _ => false,
        };
        let fix_lit = |e: &mut Expr, changes: &mut Vec<(String, String)>| {
            if let Expr::Value(v) = e {
                if let Value::SingleQuotedString(s) = &v.value {
                    if let Some(full) = self.canonical(s) {
                        changes.push((s.clone(), full.clone()));
                        v.value = Value::SingleQuotedString(full.clone());
                    }
                }
            }
        };
        let _ = visit_expressions_mut(stmt, |e| {
            // `注册地址 LIKE '%<a company's name>%'`: a company name is never an address.
            if let Expr::Like { negated: false, expr, pattern, .. } = e {
                let on_address = matches!(expr.as_ref(), Expr::Identifier(i) if i.value == "注册地址" || i.value == "办公地址");
                if let (true, Expr::Value(v)) = (on_address, pattern.as_ref()) {
                    if let Value::SingleQuotedString(p) = &v.value {
                        let inner = p.trim_matches('%');
                        let full = if self.full.contains(inner) { Some(inner.to_string()) } else { self.alias.get(inner).cloned() };
                        if let Some(full) = full.filter(|_| inner.chars().count() >= 4) {
                            changes.push((p.clone(), full.clone()));
                            *e = Expr::BinaryOp {
                                left: Box::new(Expr::Identifier(sqlparser::ast::Ident::new(catalog::COMPANY_COLUMN))),
                                op: BinaryOperator::Eq,
                                right: Box::new(Expr::Value(Value::SingleQuotedString(full).into())),
                            };
                            return ControlFlow::Continue(());
                        }
                    }
                }
            }
            match e {
                Expr::BinaryOp { left, op: BinaryOperator::Eq | BinaryOperator::NotEq, right } => {
                    if is_company(left) {
                        fix_lit(right, &mut changes);
                    } else if is_company(right) {
                        fix_lit(left, &mut changes);
                    }
                }
                Expr::InList { expr, list, .. } if is_company(expr) => {
                    for item in list.iter_mut() {
                        fix_lit(item, &mut changes);
                    }
                }
                _ => {}
            }
            ControlFlow::<()>::Continue(())
        });
        changes
    }
}
