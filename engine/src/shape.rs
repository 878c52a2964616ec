//! After the guard approves a query: a list of companies that pass a threshold
//! shows the values it was filtered on. 「2021年营收超过2000亿的公司有哪些」 answered
//! with names alone cannot be checked by the analyst who asked; the model often
//! writes `select 公司名称 … where 营业收入 > 200000000000`, so the compared
//! expressions are added to the select list. Only for the threshold intent, only
//! when the select list is identity columns alone (names, codes, short names).

use recall::Intent;
use sqlparser::ast::{BinaryOperator, Expr, GroupByExpr, SelectItem, SetExpr, Statement, Value};

pub struct ThresholdValues<'a> {
    /// Columns that name a company (公司名称, 股票简称, 股票代码) and the year column,
    /// from the schema file: never a filtered value worth showing.
    identity: [&'a str; 4],
}

impl<'a> ThresholdValues<'a> {
    pub fn new(catalog: &'a catalog::Catalog) -> ThresholdValues<'a> {
        ThresholdValues { identity: catalog.dataset().identity_columns() }
    }

    /// Add the thresholded expressions to the select list; returns them as SQL text.
    pub fn fix(&self, intent: &Intent, stmt: &mut Statement) -> Vec<String> {
        if *intent != Intent::Filter {
            return Vec::new();
        }
        let Statement::Query(query) = stmt else { return Vec::new() };
        let SetExpr::Select(select) = query.body.as_mut() else { return Vec::new() };
        let only_identity = !select.projection.is_empty()
            && select.projection.iter().all(|item| match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => self.is_identity(e),
                _ => false,
            });
        let grouped = !matches!(&select.group_by, GroupByExpr::Expressions(e, _) if e.is_empty());
        if !only_identity || grouped || select.having.is_some() {
            return Vec::new();
        }
        let mut compared: Vec<Expr> = Vec::new();
        if let Some(selection) = &select.selection {
            self.thresholds(selection, &mut compared);
        }
        let mut added = Vec::new();
        for e in compared {
            let text = e.to_string();
            if !added.contains(&text) {
                added.push(text);
                select.projection.push(SelectItem::UnnamedExpr(e));
            }
        }
        added
    }

    fn is_identity(&self, e: &Expr) -> bool {
        match e {
            Expr::Identifier(i) => self.identity.contains(&i.value.as_str()),
            Expr::CompoundIdentifier(p) => p.last().is_some_and(|i| self.identity.contains(&i.value.as_str())),
            _ => false,
        }
    }

    /// The non-literal sides of `x > number`, `number <= x` and `x between a and b`,
    /// through AND/OR and parentheses, in order of appearance.
    fn thresholds(&self, e: &Expr, out: &mut Vec<Expr>) {
        match e {
            Expr::BinaryOp { left, op: BinaryOperator::And | BinaryOperator::Or, right } => {
                self.thresholds(left, out);
                self.thresholds(right, out);
            }
            Expr::Nested(inner) => self.thresholds(inner, out),
            Expr::BinaryOp { left, op, right } if is_order_comparison(op) => {
                let value_side = match (is_number(left), is_number(right)) {
                    (false, true) => left,
                    (true, false) => right,
                    _ => return,
                };
                self.push_value(value_side, out);
            }
            Expr::Between { expr, low, high, negated: false } if is_number(low) && is_number(high) => self.push_value(expr, out),
            _ => {}
        }
    }

    fn push_value(&self, e: &Expr, out: &mut Vec<Expr>) {
        if !self.is_identity(e) && !is_number(e) {
            out.push(strip_nested(e).clone());
        }
    }
}

/// A stated amount written with the wrong magnitude: 「500亿」 is 50000000000 in the
/// prompt, yet a small model copies 500 and guesses the zeros (`营业收入 > 500000000`).
/// A number compared with a column (`>`, `<`, `>=`, `<=`, BETWEEN) that equals none of the
/// question's money or head-count amounts but equals one of them times a power of ten
/// is set to that amount, sign kept (亏损超过1亿 → `净利润 < -100000000`). Percents are
/// left alone: some columns store them ×100 (研发人员比率), so 40 may be right for 40%.
pub struct StatedAmounts {
    /// Money and head-count amounts, the ones a magnitude slip is put back to.
    values: Vec<f64>,
    /// Every stated number as SQL may write it (a percent as a fraction and ×100): never rewritten.
    written_right: Vec<f64>,
}

impl StatedAmounts {
    pub fn new(amounts: &[recall::Amount]) -> StatedAmounts {
        let values = amounts.iter().filter(|a| a.kind != recall::AmountKind::Percent && a.value != 0.0).map(|a| a.value.abs()).collect();
        let written_right = amounts
            .iter()
            .flat_map(|a| if a.kind == recall::AmountKind::Percent { vec![a.value.abs(), a.value.abs() * 100.0] } else { vec![a.value.abs()] })
            .collect();
        StatedAmounts { values, written_right }
    }

    /// Rewrite such numbers; returns `written → stated` for each.
    pub fn fix(&self, stmt: &mut Statement) -> Vec<String> {
        let mut fixed = Vec::new();
        if self.values.is_empty() {
            return fixed;
        }
        let _ = sqlparser::ast::visit_expressions_mut(stmt, |e| {
            match e {
                Expr::BinaryOp { left, op, right } if is_order_comparison(op) => {
                    for side in [left.as_mut(), right.as_mut()] {
                        self.fix_number(side, &mut fixed);
                    }
                }
                Expr::Between { low, high, .. } => {
                    self.fix_number(low, &mut fixed);
                    self.fix_number(high, &mut fixed);
                }
                _ => {}
            }
            std::ops::ControlFlow::<()>::Continue(())
        });
        fixed
    }

    fn fix_number(&self, e: &mut Expr, fixed: &mut Vec<String>) {
        match e {
            Expr::Nested(inner) | Expr::UnaryOp { expr: inner, op: sqlparser::ast::UnaryOperator::Minus | sqlparser::ast::UnaryOperator::Plus } => {
                self.fix_number(inner, fixed)
            }
            Expr::Value(v) => {
                let Value::Number(text, _) = &v.value else { return };
                let Ok(written) = text.parse::<f64>() else { return };
                if let Some(stated) = self.stated_for(written.abs()) {
                    let literal = recall::number_literal(stated);
                    fixed.push(format!("{text} → {literal}"));
                    v.value = Value::Number(literal, false);
                }
            }
            _ => {}
        }
    }

    /// The one stated amount `written` is a power-of-ten multiple of, when it is none of them.
    fn stated_for(&self, written: f64) -> Option<f64> {
        let same = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs());
        if written == 0.0 || self.written_right.iter().any(|&v| same(v, written)) {
            return None;
        }
        let hits: Vec<f64> = self.values.iter().copied().filter(|&v| (-12..=12).any(|k: i32| k != 0 && same(v, written * 10f64.powi(k)))).collect();
        match hits.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }
}

/// `>`, `>=`, `<`, `<=`: the comparisons a threshold is written with.
fn is_order_comparison(op: &BinaryOperator) -> bool {
    matches!(op, BinaryOperator::Gt | BinaryOperator::GtEq | BinaryOperator::Lt | BinaryOperator::LtEq)
}

fn strip_nested(e: &Expr) -> &Expr {
    match e {
        Expr::Nested(inner) => strip_nested(inner),
        e => e,
    }
}

fn is_number(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => matches!(v.value, Value::Number(..)),
        Expr::UnaryOp { expr, .. } => is_number(expr),
        Expr::Nested(inner) => is_number(inner),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::{dialect::SQLiteDialect, parser::Parser};

    fn shaped(intent: Intent, sql: &str) -> (String, usize) {
        let root = catalog::repo_root();
        let catalog = catalog::Catalog::load(&root.join("datasets/finglm/finglm.sqlite"), &root.join("schemas/finglm.toml")).unwrap();
        let mut stmt = Parser::parse_sql(&SQLiteDialect {}, sql).unwrap().remove(0);
        let added = ThresholdValues::new(&catalog).fix(&intent, &mut stmt);
        (stmt.to_string(), added.len())
    }

    #[test]
    fn threshold_lists_show_what_they_were_filtered_on() {
        let (sql, n) = shaped(Intent::Filter, "select 公司名称 from big where 年份 = '2021年' and 营业收入 > 200000000000");
        assert_eq!((sql.as_str(), n), ("SELECT 公司名称, 营业收入 FROM big WHERE 年份 = '2021年' AND 营业收入 > 200000000000", 1));
        // Two thresholds, one of them a ratio written either way round, and a range.
        let (sql, n) = shaped(
            Intent::Filter,
            "select 公司名称 from big where 年份 = '2021年' and (营业收入 > 10000000000 and 0.1 < 1.0 * 研发费用 / 营业收入) or 职工总数 between 100 and 200",
        );
        assert_eq!(n, 3, "{sql}");
        assert!(sql.starts_with("SELECT 公司名称, 营业收入, 1.0 * 研发费用 / 营业收入, 职工总数 FROM"), "{sql}");
        // The same column twice is shown once.
        let (_, n) = shaped(Intent::Filter, "select 公司名称 from big where 营业收入 > 1 and 营业收入 < 5");
        assert_eq!(n, 1);
    }

    fn amounts_fixed(q: &str, sql: &str) -> (String, usize) {
        let amounts = recall::find_amounts(q);
        let mut stmt = Parser::parse_sql(&SQLiteDialect {}, sql).unwrap().remove(0);
        let fixed = StatedAmounts::new(&amounts).fix(&mut stmt);
        (stmt.to_string(), fixed.len())
    }

    #[test]
    fn stated_amounts_get_their_magnitude_back() {
        let (sql, n) = amounts_fixed("2021年营收在500亿到1000亿之间的公司", "select 公司名称 from big where 营业收入 between 500000000 and 100000000000");
        assert_eq!((sql.as_str(), n), ("SELECT 公司名称 FROM big WHERE 营业收入 BETWEEN 50000000000 AND 100000000000", 1));
        // The sign stays; inside a subquery too.
        let (sql, n) = amounts_fixed("2021年亏损超过1亿的公司有几家", "select count(*) from (select 公司名称 from big where 净利润 < -10000000)");
        assert!(sql.contains("净利润 < -100000000)") && n == 1, "{sql}");
        // Right already, no amount stated, a percent, or a number that is no power-of-ten multiple.
        for (q, sql) in [
            ("营收超过2000亿的公司", "select 公司名称 from big where 营业收入 > 200000000000"),
            ("营收最高的公司", "select 公司名称 from big where 营业收入 > 2000"),
            ("研发人员占比超过40%的公司", "select 公司名称 from big where 研发人员比率 > 40"),
            ("营收超过2000亿的公司", "select 公司名称 from big where 营业收入 > 150000000000"),
            // A percent stated beside an amount is that percent, not a slip of the amount (0.1 × 10^11 = 100亿).
            ("营收超过100亿且净利率超过10%的公司", "select 公司名称 from big where 营业收入 > 10000000000 and 1.0 * 净利润 / 营业收入 > 0.1"),
        ] {
            let (out, n) = amounts_fixed(q, sql);
            assert_eq!(n, 0, "{q}: {out}");
        }
    }

    #[test]
    fn other_shapes_are_left_alone() {
        for (intent, sql) in [
            // Not a threshold question.
            (Intent::Lookup, "select 公司名称 from big where 营业收入 > 200000000000"),
            // The value is already shown, or something other than names is selected.
            (Intent::Filter, "select 公司名称, 营业收入 from big where 营业收入 > 200000000000"),
            (Intent::Filter, "select count(*) from big where 营业收入 > 200000000000"),
            // Grouped, or compared with another column rather than a number.
            (Intent::Filter, "select 公司名称 from big where 营业收入 > 1 group by 公司名称"),
            (Intent::Filter, "select 公司名称 from big where 营业收入 > 营业成本"),
        ] {
            let (out, n) = shaped(intent, sql);
            assert_eq!(n, 0, "{sql} → {out}");
        }
    }
}
