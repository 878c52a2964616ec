//! After the guard approves a query: company literals compared with `公司名称`
//! that are a short name, a stock code or a name without its legal suffix are
//! rewritten to the full registered name the column holds. Small models copy
//! the question's wording; the table only knows full names.

use recall::EntityLinker;
use sqlparser::ast::{visit_expressions_mut, BinaryOperator, Expr, Statement, Value};
use std::ops::ControlFlow;

/// Names come from recall's `EntityLinker::company_named`, the same keys that
/// link companies in questions, so a name the question links is a name the SQL
/// gets rewritten to.
pub struct CompanyNames<'a> {
    linker: &'a EntityLinker,
    /// The column that holds full names, and the address columns (from the schema file).
    company_column: &'a str,
    address_columns: [&'a str; 2],
    /// Mentions recall linked in this question (「爱尔」 → 爱尔眼科医院集团股份有限公司):
    /// short forms no global key holds, valid for this question only.
    mentions: Vec<(String, String)>,
}

impl<'a> CompanyNames<'a> {
    pub fn new(linker: &'a EntityLinker, catalog: &'a catalog::Catalog) -> CompanyNames<'a> {
        let places = catalog.place_columns();
        CompanyNames {
            linker,
            company_column: &catalog.dataset().company_column,
            address_columns: [&places.registered_column, &places.office_column],
            mentions: Vec::new(),
        }
    }

    /// Also rewrite the mentions recall linked in the question being answered.
    pub fn with_mentions(mut self, companies: &[recall::CompanyMatch]) -> CompanyNames<'a> {
        self.mentions = companies.iter().map(|c| (c.mention.clone(), c.full_name.clone())).collect();
        self
    }

    /// The full name for a literal that is not one already.
    fn canonical(&self, s: &str) -> Option<String> {
        if let Some((_, full)) = self.mentions.iter().find(|(m, full)| m == s.trim() && full != s) {
            return Some(full.clone());
        }
        self.linker.company_named(s).filter(|c| c.full_name != s).map(|c| c.full_name.clone())
    }

    /// Rewrite literals in place; returns (from, to) for each change.
    pub fn fix(&self, stmt: &mut Statement) -> Vec<(String, String)> {
        let mut changes = Vec::new();
        let is_company = |e: &Expr| match e {
            Expr::Identifier(i) => i.value == self.company_column,
            Expr::CompoundIdentifier(p) => p.last().is_some_and(|i| i.value == self.company_column),
            _ => false,
        };
        let fix_lit = |e: &mut Expr, changes: &mut Vec<(String, String)>| {
            if let Expr::Value(v) = e {
                if let Value::SingleQuotedString(s) = &v.value {
                    if let Some(full) = self.canonical(s) {
                        changes.push((s.clone(), full.clone()));
                        v.value = Value::SingleQuotedString(full);
                    }
                }
            }
        };
        let _ = visit_expressions_mut(stmt, |e| {
            // `注册地址 LIKE '%<a company's name>%'`: a company name is never an address.
            if let Expr::Like { negated: false, expr, pattern, .. } = e {
                let on_address =
                    matches!(expr.as_ref(), Expr::Identifier(i) if !i.value.is_empty() && self.address_columns.contains(&i.value.as_str()));
                if let (true, Expr::Value(v)) = (on_address, pattern.as_ref()) {
                    if let Value::SingleQuotedString(p) = &v.value {
                        let inner = p.trim_matches('%');
                        let full = self.linker.company_named(inner).map(|c| c.full_name.clone());
                        if let Some(full) = full.filter(|_| inner.chars().count() >= 4) {
                            changes.push((p.clone(), full.clone()));
                            *e = Expr::BinaryOp {
                                left: Box::new(Expr::Identifier(sqlparser::ast::Ident::new(self.company_column))),
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

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::{dialect::SQLiteDialect, parser::Parser};

    #[test]
    fn short_names_codes_and_stems_become_full_names_in_sql() {
        let root = catalog::repo_root();
        let catalog = catalog::Catalog::load(&root.join("datasets/finglm/finglm.sqlite"), &root.join("schemas/finglm.toml")).unwrap();
        let linker = EntityLinker::new(catalog.companies(), catalog.years(), recall::NameRules::from(catalog.dataset())).unwrap();
        let fix = |sql: &str| {
            let mut stmt = Parser::parse_sql(&SQLiteDialect {}, sql).unwrap().remove(0);
            let changes = CompanyNames::new(&linker, &catalog).fix(&mut stmt);
            (stmt.to_string(), changes.len())
        };
        let (sql, n) = fix("SELECT 营业收入 FROM big WHERE 公司名称 = '东鹏饮料' AND 年份 = '2021年'");
        assert_eq!((sql.contains("'东鹏饮料集团股份有限公司'"), n), (true, 1), "{sql}");
        let (sql, n) = fix("SELECT 公司名称 FROM big WHERE 公司名称 IN ('605499', '山高环能集团', '罗欣药业集团股份有限公司')");
        assert_eq!(n, 2, "{sql}");
        assert!(sql.contains("'东鹏饮料集团股份有限公司'") && sql.contains("'山高环能集团股份有限公司'"), "{sql}");
        // A company name used as an address pattern is a company filter.
        let (sql, n) = fix("SELECT 营业收入 FROM big WHERE 注册地址 LIKE '%东鹏饮料%'");
        assert_eq!(n, 1);
        assert!(sql.contains("公司名称 = '东鹏饮料集团股份有限公司'"), "{sql}");
        // Literals on other columns and unknown names stay as they are.
        let (sql, n) = fix("SELECT 公司名称 FROM big WHERE 股票简称 = '东鹏饮料' OR 公司名称 = '火星矿业'");
        assert_eq!(n, 0, "{sql}");
    }
}
