//! Repairs for a small model's usual slips. Each one is recorded so `:why` can
//! show what changed. Text repairs run before parsing; year literals on the AST.

use sqlparser::ast::{visit_expressions_mut, BinaryOperator, Expr, Statement, Value};
use std::ops::ControlFlow;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Repair {
    StrippedMarkdownFence,
    StrippedTrailingText(String),
    FullWidthPunctuation,
    SpacedKeyword,
    YearLiteral { from: String, to: String },
}

impl std::fmt::Display for Repair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Repair::StrippedMarkdownFence => write!(f, "去掉 markdown 代码块标记 (stripped ``` fence)"),
            Repair::StrippedTrailingText(t) => write!(f, "去掉 SQL 之后的说明文字 (stripped trailing text: {})", t.chars().take(30).collect::<String>()),
            Repair::FullWidthPunctuation => write!(f, "全角标点改为半角 (full-width punctuation → ASCII)"),
            Repair::SpacedKeyword => write!(f, "关键字与中文列名之间补空格 (space between keyword and identifier)"),
            Repair::YearLiteral { from, to } => write!(f, "年份取值 {from} → '{to}' (year literal)"),
        }
    }
}

const SQL_STARTS: [&str; 22] = [
    "SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "DROP", "CREATE", "ALTER", "ATTACH", "DETACH", "PRAGMA", "VACUUM", "REPLACE", "BEGIN",
    "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "ANALYZE", "REINDEX", "EXPLAIN", "VALUES",
];

/// Map full-width punctuation outside string literals to ASCII.
fn ascii_punctuation(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_str = false;
    for c in s.chars() {
        if c == '\'' {
            in_str = !in_str;
        }
        let m = if in_str {
            c
        } else {
            match c {
                '（' => '(',
                '）' => ')',
                '，' => ',',
                '；' => ';',
                '＝' => '=',
                '＜' => '<',
                '＞' => '>',
                '＊' => '*',
                '‘' | '’' | '＇' => '\'',
                '“' | '”' => '"',
                '\u{3000}' => ' ',
                _ => c,
            }
        };
        if m == '\'' && c != '\'' {
            in_str = !in_str;
        }
        out.push(m);
    }
    out
}

/// Remove `--` and `/* */` comments (outside strings) to look at what is left.
fn without_comments(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    let mut in_str = false;
    while let Some(c) = chars.next() {
        if c == '\'' {
            in_str = !in_str;
        }
        if !in_str && c == '-' && chars.peek() == Some(&'-') {
            for d in chars.by_ref() {
                if d == '\n' {
                    break;
                }
            }
            out.push(' ');
            continue;
        }
        if !in_str && c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut prev = ' ';
            for d in chars.by_ref() {
                if prev == '*' && d == '/' {
                    break;
                }
                prev = d;
            }
            out.push(' ');
            continue;
        }
        out.push(c);
    }
    out
}

fn starts_with_sql(rest: &str) -> bool {
    // Fold full-width letters (ＤＲＯＰ) so a disguised statement is still seen.
    let folded: String = rest.chars().map(|c| if ('\u{FF01}'..='\u{FF5E}').contains(&c) { char::from_u32(c as u32 - 0xFEE0).unwrap_or(c) } else { c }).collect();
    let head: String = folded.trim_start().chars().take_while(|c| c.is_ascii_alphabetic()).collect::<String>().to_uppercase();
    SQL_STARTS.contains(&head.as_str())
}

/// Byte index of the first `;` outside string literals and quoted identifiers.
fn first_semicolon(s: &str) -> Option<usize> {
    let (mut sq, mut dq) = (false, false);
    for (i, c) in s.char_indices() {
        match c {
            '\'' if !dq => sq = !sq,
            '"' if !sq => dq = !dq,
            ';' if !sq && !dq => return Some(i),
            _ => {}
        }
    }
    None
}

const KEYWORDS: [&str; 14] = ["SELECT", "FROM", "WHERE", "AND", "OR", "BY", "AS", "ON", "JOIN", "DISTINCT", "HAVING", "DESC", "ASC", "LIKE"];

/// `SELECT研发费用` / `研发费用FROM`: a keyword glued to a Chinese identifier
/// (outside string literals) gets a space, so the tokenizer sees two words.
fn space_keywords(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    let mut in_str = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            in_str = !in_str;
        }
        if !in_str && c.is_ascii_alphabetic() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let j = (i..chars.len()).find(|&j| !chars[j].is_ascii_alphabetic()).unwrap_or(chars.len());
            let word: String = chars[i..j].iter().collect();
            if KEYWORDS.contains(&word.to_uppercase().as_str()) {
                if i > 0 && crate_is_cjk(chars[i - 1]) {
                    out.push(' ');
                }
                out.push_str(&word);
                if j < chars.len() && crate_is_cjk(chars[j]) {
                    out.push(' ');
                }
                i = j;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn crate_is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

pub fn before_parse(raw: &str, repairs: &mut Vec<Repair>) -> String {
    let mut s = raw.trim().to_string();
    if let Some(start) = s.find("```") {
        let after = &s[start + 3..];
        let after = after.strip_prefix("sqlite").or_else(|| after.strip_prefix("sql")).or_else(|| after.strip_prefix("SQL")).unwrap_or(after);
        let body = after.split("```").next().unwrap_or(after);
        s = body.trim().to_string();
        repairs.push(Repair::StrippedMarkdownFence);
    }
    let fixed = ascii_punctuation(&s);
    if fixed != s {
        repairs.push(Repair::FullWidthPunctuation);
        s = fixed;
    }
    let spaced = space_keywords(&s);
    if spaced != s {
        repairs.push(Repair::SpacedKeyword);
        s = spaced;
    }
    if let Some(i) = first_semicolon(&s) {
        let rest = s[i + 1..].to_string();
        let visible = without_comments(&rest);
        if visible.trim().is_empty() && !rest.contains("/*") {
            s.truncate(i);
            // A bare trailing `;` is normal SQL, not a slip worth reporting.
            if !rest.trim().is_empty() {
                repairs.push(Repair::StrippedTrailingText(rest.trim().to_string()));
            }
        } else if !starts_with_sql(&visible) && !rest.contains("/*") && !visible.contains(';') {
            s.truncate(i);
            repairs.push(Repair::StrippedTrailingText(rest.trim().to_string()));
        }
    } else if let Some((head, tail)) = s.split_once("\n\n") {
        // Prose after a blank line, e.g. 「这条查询……」.
        if !starts_with_sql(tail) && tail.chars().next().is_some_and(|c| !c.is_ascii()) {
            let tail = tail.to_string();
            s = head.to_string();
            repairs.push(Repair::StrippedTrailingText(tail.trim().to_string()));
        }
    }
    s
}

fn is_year_column(e: &Expr) -> bool {
    match e {
        Expr::Identifier(i) => i.value == "年份",
        Expr::CompoundIdentifier(parts) => parts.last().is_some_and(|i| i.value == "年份"),
        _ => false,
    }
}

/// `2021`, `'2021'` → `'2021年'` where compared with 年份.
fn fix_year(e: &mut Expr, repairs: &mut Vec<Repair>) {
    if let Expr::Value(v) = e {
        let digits = match &v.value {
            Value::Number(n, _) => Some(n.to_string()),
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        };
        if let Some(d) = digits {
            if d.len() == 4 && d.chars().all(|c| c.is_ascii_digit()) {
                let to = format!("{d}年");
                repairs.push(Repair::YearLiteral { from: v.value.to_string(), to: to.clone() });
                v.value = Value::SingleQuotedString(to);
            }
        }
    }
}

pub fn year_literals(stmt: &mut Statement, repairs: &mut Vec<Repair>) {
    let _ = visit_expressions_mut(stmt, |e| {
        match e {
            Expr::BinaryOp { left, op, right }
                if matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq | BinaryOperator::Lt | BinaryOperator::LtEq | BinaryOperator::Gt | BinaryOperator::GtEq) =>
            {
                if is_year_column(left) {
                    fix_year(right, repairs);
                } else if is_year_column(right) {
                    fix_year(left, repairs);
                }
            }
            Expr::InList { expr, list, .. } if is_year_column(expr) => {
                for item in list.iter_mut() {
                    fix_year(item, repairs);
                }
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
}
