//! Repairs for a small model's usual slips. Each one is recorded so `:why` can
//! show what changed. Text repairs run before parsing, on a scan that knows
//! SQLite's quoting and comments (nothing inside a string literal is touched);
//! value repairs run on the AST. A repair never decides whether SQL is allowed:
//! whatever it produces is parsed and validated like any other input.

use crate::GuardError;
use catalog::YearFormat;
use sqlparser::ast::Visit;
use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, OrderByKind, Query, SelectItem, SetExpr, Statement,
    Value, VisitMut, VisitorMut,
};
use std::collections::HashSet;
use std::ops::{ControlFlow, Range};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Repair {
    /// Markdown code fences (and any prose outside them) removed.
    StrippedMarkdownFence,
    /// Prose before the query (「SQL如下：」) removed.
    StrippedLeadingText,
    /// Prose after the query (「这条查询……」) removed.
    StrippedTrailingText,
    /// Full-width punctuation （），＝＜＞‘’“”；outside string literals made ASCII.
    FullWidthPunctuation,
    /// A keyword glued to a Chinese name (`SELECT营业收入`) got a space.
    SpacedKeyword,
    /// A column name written as a string (`ORDER BY '营业收入'`) made an identifier.
    QuotedChineseIdentifier(String),
    /// A value written in double quotes (`公司名称 = "…"`) made a string literal.
    DoubleQuotedString(String),
    /// A year compared with the year column written as stored (`2021` → `'2021年'`).
    YearLiteral { from: String, to: String },
    /// Extra semicolons or comments after the statement removed.
    TrailingSemicolon,
}

impl std::fmt::Display for Repair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Repair::StrippedMarkdownFence => write!(f, "去掉 markdown 代码块标记 (stripped ``` fence)"),
            Repair::StrippedLeadingText => write!(f, "去掉 SQL 之前的说明文字 (stripped text before the SQL)"),
            Repair::StrippedTrailingText => write!(f, "去掉 SQL 之后的说明文字 (stripped text after the SQL)"),
            Repair::FullWidthPunctuation => write!(f, "全角标点改为半角 (full-width punctuation → ASCII)"),
            Repair::SpacedKeyword => write!(f, "关键字与中文名之间补空格 (space between keyword and name)"),
            Repair::QuotedChineseIdentifier(c) => write!(f, "字符串 '{c}' 改为列名 {c} (string → column name)"),
            Repair::DoubleQuotedString(s) => write!(f, "双引号 \"{s}\" 改为字符串 '{s}' (double-quoted value → string)"),
            Repair::YearLiteral { from, to } => write!(f, "year literal {from} → '{to}' (as stored)"),
            Repair::TrailingSemicolon => write!(f, "去掉多余的分号或注释 (extra semicolon/comment removed)"),
        }
    }
}

// ---------------------------------------------------------------------------
// A scan of the text the way SQLite's tokenizer sees quoting and comments.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seg {
    Code,
    Str,
    Ident,
    Comment,
}

/// Split `s` into code, string literal, quoted identifier and comment runs.
/// An unterminated quote or comment runs to the end. Delimiters are ASCII, so
/// scanning bytes is safe for UTF-8.
fn segments(s: &str) -> Vec<(Seg, Range<usize>)> {
    let b = s.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    let (mut i, mut start) = (0, 0);
    let find_close = |from: usize, q: u8, doubled: bool| -> usize {
        let mut j = from;
        while j < n {
            if b[j] == q {
                if doubled && j + 1 < n && b[j + 1] == q {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j += 1;
        }
        n
    };
    while i < n {
        let (kind, end) = match b[i] {
            b'\'' => (Seg::Str, find_close(i + 1, b'\'', true)),
            b'"' => (Seg::Ident, find_close(i + 1, b'"', true)),
            b'`' => (Seg::Ident, find_close(i + 1, b'`', true)),
            b'[' => (Seg::Ident, find_close(i + 1, b']', false)),
            b'-' if i + 1 < n && b[i + 1] == b'-' => (Seg::Comment, s[i..].find('\n').map(|k| i + k).unwrap_or(n)),
            b'/' if i + 1 < n && b[i + 1] == b'*' => (Seg::Comment, s[i + 2..].find("*/").map(|k| i + 2 + k + 2).unwrap_or(n)),
            _ => {
                i += 1;
                continue;
            }
        };
        if start < i {
            out.push((Seg::Code, start..i));
        }
        out.push((kind, i..end));
        i = end;
        start = end;
    }
    if start < n {
        out.push((Seg::Code, start..n));
    }
    out
}

/// Apply `f` to every code run, leaving strings, identifiers and comments alone.
fn map_code(s: &str, mut f: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (kind, r) in segments(s) {
        if kind == Seg::Code {
            out.push_str(&f(&s[r]));
        } else {
            out.push_str(&s[r]);
        }
    }
    out
}

/// The text with comments removed (strings and identifiers kept).
fn without_comments(s: &str) -> String {
    segments(s).into_iter().filter(|(k, _)| *k != Seg::Comment).map(|(_, r)| &s[r]).collect::<Vec<_>>().join(" ")
}

/// Only whitespace, semicolons and comments.
pub(crate) fn is_blank_sql(s: &str) -> bool {
    without_comments(s).chars().all(|c| c.is_whitespace() || c == ';')
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

/// Characters SQLite (and sqlparser's SQLite dialect) take as part of a name.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$' || c as u32 >= 0x80
}

// ---------------------------------------------------------------------------
// Text repairs.

/// Full-width punctuation outside string literals and quoted names → ASCII.
/// Tracks quoting as it maps, since a mapped quote opens a literal: `‘2021年’`.
fn ascii_punctuation(s: &str) -> String {
    #[derive(PartialEq)]
    enum St {
        Code,
        Str { wide: bool },
        Ident { close: char, wide: bool },
        Line,
        Block,
    }
    let map = |c: char| match c {
        '（' => '(',
        '）' => ')',
        '，' => ',',
        '；' => ';',
        '＝' => '=',
        '＜' => '<',
        '＞' => '>',
        '＊' => '*',
        '＋' => '+',
        '！' => '!',
        '｜' => '|',
        '‘' | '’' | '＇' => '\'',
        '“' | '”' | '＂' => '"',
        '\u{3000}' => ' ',
        _ => c,
    };
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut st = St::Code;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match st {
            St::Code => {
                let m = map(c);
                out.push(m);
                let wide = m != c;
                st = match m {
                    '\'' => St::Str { wide },
                    '"' => St::Ident { close: '"', wide },
                    '`' => St::Ident { close: '`', wide: false },
                    '[' => St::Ident { close: ']', wide: false },
                    '-' if next == Some('-') => St::Line,
                    '/' if next == Some('*') => {
                        out.push('*');
                        i += 1;
                        St::Block
                    }
                    _ => St::Code,
                };
            }
            St::Str { wide } => {
                if c == '\'' && next == Some('\'') {
                    out.push_str("''");
                    i += 1;
                } else if c == '\'' || (wide && matches!(c, '’' | '‘' | '＇')) {
                    out.push('\'');
                    st = St::Code;
                } else {
                    out.push(c);
                }
            }
            St::Ident { close, wide } => {
                if c == close && close != ']' && next == Some(close) {
                    out.push(c);
                    out.push(c);
                    i += 1;
                } else if c == close || (wide && matches!(c, '”' | '“' | '＂')) {
                    out.push(close);
                    st = St::Code;
                } else {
                    out.push(c);
                }
            }
            St::Line => {
                out.push(c);
                if c == '\n' {
                    st = St::Code;
                }
            }
            St::Block => {
                out.push(c);
                if c == '*' && next == Some('/') {
                    out.push('/');
                    i += 1;
                    st = St::Code;
                }
            }
        }
        i += 1;
    }
    out
}

const GLUE_KEYWORDS: [&str; 18] =
    ["SELECT", "FROM", "WHERE", "AND", "OR", "BY", "AS", "ON", "JOIN", "DISTINCT", "HAVING", "DESC", "ASC", "LIKE", "IN", "LIMIT", "NOT", "IS"];

/// `SELECT研发费用` / `研发费用FROM`: a keyword glued to a Chinese name gets a space.
fn space_keywords(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_alphabetic() && (i == 0 || !(chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '_')) {
            let j = (i..chars.len()).find(|&j| !chars[j].is_ascii_alphanumeric() && chars[j] != '_').unwrap_or(chars.len());
            let word: String = chars[i..j].iter().collect();
            let before = i > 0 && is_cjk(chars[i - 1]);
            let after = j < chars.len() && is_cjk(chars[j]);
            if (before || after) && GLUE_KEYWORDS.contains(&word.to_ascii_uppercase().as_str()) {
                if before {
                    out.push(' ');
                }
                out.push_str(&word);
                if after {
                    out.push(' ');
                }
            } else {
                out.push_str(&word);
            }
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// An unquoted stored year such as `2021年` (a tokenizer error in SQLite) becomes the
/// string `'2021年'`. Only for a year format with a suffix: a bare number is SQL.
fn quote_bare_years(code: &str, format: &YearFormat, repairs: &mut Vec<Repair>) -> String {
    let (prefix, suffix): (Vec<char>, Vec<char>) = (format.prefix().chars().collect(), format.suffix().chars().collect());
    if suffix.is_empty() {
        return code.to_string();
    }
    let width = prefix.len() + 4 + suffix.len();
    let chars: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len() + 4);
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !is_name_char(chars[i - 1]);
        if boundary && i + width <= chars.len() {
            let (p, rest) = chars[i..i + width].split_at(prefix.len());
            let (digits, sfx) = rest.split_at(4);
            let ends = i + width == chars.len() || !is_name_char(chars[i + width]);
            let century = digits.starts_with(&['1', '9']) || digits.starts_with(&['2', '0']);
            if ends && century && p == prefix.as_slice() && sfx == suffix.as_slice() && digits.iter().all(|c| c.is_ascii_digit()) {
                let year: String = chars[i..i + width].iter().collect();
                out.push('\'');
                out.push_str(&year);
                out.push('\'');
                repairs.push(Repair::YearLiteral { from: year.clone(), to: year });
                i += width;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Everything between the first ``` fence and the next (all such blocks, joined).
/// The opening fence must begin a line, so ``` inside a literal is left alone.
fn strip_fences(s: &str) -> Option<String> {
    let first = s.match_indices("```").map(|(i, _)| i).find(|&i| s[..i].rsplit('\n').next().is_some_and(|l| l.trim().is_empty()))?;
    let mut bodies = Vec::new();
    let mut rest = &s[first..];
    while let Some(open) = rest.find("```") {
        let mut after = &rest[open + 3..];
        // An info string such as `sql` / `sqlite` on the fence line.
        if let Some(nl) = after.find('\n') {
            let info = after[..nl].trim();
            if info.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                after = &after[nl + 1..];
            }
        }
        let (body, tail) = match after.find("```") {
            Some(close) => (&after[..close], &after[close + 3..]),
            None => (after, ""),
        };
        if !body.trim().is_empty() {
            bodies.push(body.trim().to_string());
        }
        rest = tail;
    }
    Some(bodies.join(";\n"))
}

/// Words that begin an SQL statement (SQLite's and other dialects').
const STATEMENT_WORDS: [&str; 44] = [
    "SELECT",
    "WITH",
    "VALUES",
    "INSERT",
    "UPDATE",
    "DELETE",
    "REPLACE",
    "UPSERT",
    "MERGE",
    "TRUNCATE",
    "DROP",
    "CREATE",
    "ALTER",
    "ATTACH",
    "DETACH",
    "PRAGMA",
    "VACUUM",
    "BEGIN",
    "COMMIT",
    "END",
    "ROLLBACK",
    "SAVEPOINT",
    "RELEASE",
    "ANALYZE",
    "REINDEX",
    "EXPLAIN",
    "GRANT",
    "REVOKE",
    "SET",
    "USE",
    "SHOW",
    "DECLARE",
    "EXEC",
    "EXECUTE",
    "CALL",
    "COPY",
    "LOAD",
    "LOCK",
    "UNLOCK",
    "TABLE",
    "DO",
    "START",
    "CACHE",
    "DESCRIBE",
];

/// Words that change something; text containing one is never dropped as prose.
const WRITE_WORDS: [&str; 16] = [
    "INSERT", "UPDATE", "DELETE", "REPLACE", "UPSERT", "MERGE", "TRUNCATE", "DROP", "CREATE", "ALTER", "ATTACH", "DETACH", "PRAGMA", "VACUUM",
    "REINDEX", "ANALYZE",
];

/// Full-width letters (ＤＲＯＰ) folded to ASCII, for keyword spotting only.
fn fold_width(s: &str) -> String {
    s.chars().map(|c| if ('\u{FF01}'..='\u{FF5E}').contains(&c) { char::from_u32(c as u32 - 0xFEE0).unwrap_or(c) } else { c }).collect()
}

/// Could this text be (or hide) SQL? True if any line starts with a statement
/// word, any ASCII word in it is a write word, or it opens with `(SELECT`. Such text is never
/// dropped as prose: it is left in, so two statements are refused, not cut to one.
fn looks_like_sql(text: &str) -> bool {
    let visible = fold_width(&without_comments(text));
    for line in visible.lines() {
        let head: String =
            line.chars().skip_while(|c| !c.is_alphanumeric()).take_while(|c| c.is_ascii_alphabetic()).collect::<String>().to_ascii_uppercase();
        if STATEMENT_WORDS.contains(&head.as_str()) {
            return true;
        }
    }
    let has_write_word =
        visible.split(|c: char| !c.is_ascii_alphabetic()).any(|w| !w.is_empty() && WRITE_WORDS.contains(&w.to_ascii_uppercase().as_str()));
    if has_write_word {
        return true;
    }
    // `(SELECT …)`: a parenthesised query.
    let rest = visible.trim_start();
    rest.starts_with('(') && {
        let inner = rest[1..].trim_start().to_ascii_uppercase();
        ["SELECT", "WITH", "VALUES"].iter().any(|k| inner.starts_with(k))
    }
}

/// Byte offsets of `;` in code (not in strings, names or comments).
fn code_semicolons(s: &str) -> Vec<usize> {
    segments(s)
        .into_iter()
        .filter(|(k, _)| *k == Seg::Code)
        .flat_map(|(_, r)| s[r.clone()].match_indices(';').map(move |(i, _)| r.start + i))
        .collect()
}

/// Text repairs, in order: fences, full-width punctuation, glued keywords,
/// bare years, and what follows the first `;`.
pub fn before_parse(raw: &str, years: &YearFormat, repairs: &mut Vec<Repair>) -> String {
    let mut s = raw.trim().to_string();
    if let Some(body) = strip_fences(&s) {
        repairs.push(Repair::StrippedMarkdownFence);
        s = body;
    }
    let fixed = ascii_punctuation(&s);
    if fixed != s {
        repairs.push(Repair::FullWidthPunctuation);
        s = fixed;
    }
    let spaced = map_code(&s, space_keywords);
    if spaced != s {
        repairs.push(Repair::SpacedKeyword);
        s = spaced;
    }
    s = map_code(&s, |code| quote_bare_years(code, years, repairs));

    let semis = code_semicolons(&s);
    if let Some(&first) = semis.first() {
        let rest = &s[first + 1..];
        if is_blank_sql(rest) {
            // `…;` alone is ordinary SQL; `…;;` or `…; -- done` is worth noting.
            if !rest.trim().is_empty() {
                repairs.push(Repair::TrailingSemicolon);
            }
            s.truncate(first);
        } else {
            // Prose after `;` is dropped only if no piece of it could be a statement:
            // two real statements are refused, never silently cut to one.
            let mut bounds = vec![first];
            bounds.extend(semis.iter().skip(1).copied());
            bounds.push(s.len());
            let any_sql = bounds.windows(2).any(|w| looks_like_sql(&s[(w[0] + 1).min(w[1])..w[1]]));
            if !any_sql {
                repairs.push(Repair::StrippedTrailingText);
                s.truncate(first);
            }
        }
    }
    s.trim().to_string()
}

/// Before the parser sees the text: more than one statement, or a first word
/// that does not begin a query, is refused here, so the parser only ever reads
/// text that starts like a query. `REGEXP` and `MATCH`, which SQLite runs as
/// calls to functions that are not on the allow-list (and on which sqlparser 0.59
/// can panic), are refused here too.
pub(crate) fn prescreen(text: &str) -> Result<(), GuardError> {
    let segs = segments(text);
    let mut tokens = 0;
    for (kind, r) in &segs {
        match kind {
            Seg::Comment => {}
            Seg::Str | Seg::Ident => tokens += 1,
            Seg::Code => {
                let mut in_name = false;
                for c in text[r.clone()].chars() {
                    let name = is_name_char(c);
                    if (name && !in_name) || (!name && !c.is_whitespace()) {
                        tokens += 1;
                    }
                    in_name = name;
                }
            }
        }
    }
    if tokens > crate::MAX_SQL_TOKENS {
        return Err(GuardError::TooComplex { tokens, max: crate::MAX_SQL_TOKENS });
    }
    let mut bounds = vec![0];
    bounds.extend(code_semicolons(text).into_iter().map(|i| i + 1));
    bounds.push(text.len() + 1);
    let pieces = bounds.windows(2).filter(|w| !is_blank_sql(&text[w[0]..(w[1] - 1).max(w[0])])).count();
    if pieces > 1 {
        return Err(GuardError::MultipleStatements(pieces));
    }
    let first = segs.iter().find(|(k, r)| *k != Seg::Comment && !text[r.clone()].trim().is_empty());
    let head = match first {
        Some((Seg::Code, r)) => text[r.clone()].trim_start(),
        Some((_, r)) => &text[r.clone()],
        None => return Err(GuardError::Empty),
    };
    if !head.starts_with('(') {
        let word: String = head.chars().take_while(|&c| is_name_char(c)).collect();
        let upper = word.to_ascii_uppercase();
        if !matches!(upper.as_str(), "SELECT" | "WITH" | "VALUES") {
            if STATEMENT_WORDS.contains(&upper.as_str()) {
                let next: String = head[word.len()..].trim_start().chars().take_while(|c| c.is_ascii_alphabetic()).collect();
                let kind = match upper.as_str() {
                    "CREATE" | "DROP" | "ALTER" if !next.is_empty() => format!("{upper} {}", next.to_ascii_uppercase()),
                    _ => upper,
                };
                return Err(GuardError::NotAQuery(kind));
            }
            let shown: String = head.chars().take(24).collect();
            return Err(GuardError::Parse(format!("expected SELECT or WITH at the start, found {shown:?}")));
        }
    }
    for (kind, r) in &segs {
        if *kind != Seg::Code {
            continue;
        }
        for word in text[r.clone()].split(|c: char| !is_name_char(c)) {
            if word.eq_ignore_ascii_case("REGEXP") || word.eq_ignore_ascii_case("MATCH") {
                return Err(GuardError::ForbiddenFunction(word.to_ascii_lowercase()));
            }
        }
    }
    Ok(())
}

/// Openings of prose a model writes after its SQL without a `;`.
const PROSE_STARTS: [&str; 16] =
    ["注", "说明", "解释", "以上", "该查询", "该SQL", "这条", "这个", "此查询", "查询结果", "结果", "Note", "This ", "The ", "Explanation", "Here"];

/// When the text does not parse: try dropping prose before the query
/// (「SQL如下：SELECT …」) and prose lines after it. Returns the repaired text and
/// its statements only if exactly one statement then parses.
pub fn after_parse_failure(text: &str, repairs: &mut Vec<Repair>) -> Option<(String, Vec<Statement>)> {
    let mut candidates: Vec<(String, Vec<Repair>)> = Vec::new();
    let lead = strip_leading_prose(text);
    if let Some(l) = &lead {
        candidates.push((l.clone(), vec![Repair::StrippedLeadingText]));
    }
    for (base, prefix) in [(Some(text.to_string()), vec![]), (lead, vec![Repair::StrippedLeadingText])] {
        let Some(base) = base else { continue };
        for cut in prose_line_cuts(&base) {
            let mut r = prefix.clone();
            r.push(Repair::StrippedTrailingText);
            candidates.push((base[..cut].trim().to_string(), r));
        }
    }
    for (cand, r) in candidates {
        if prescreen(&cand).is_err() {
            continue;
        }
        if let Ok(stmts) = crate::parse(&cand) {
            if stmts.len() == 1 {
                repairs.extend(r);
                return Some((cand, stmts));
            }
        }
    }
    None
}

/// `以下是查询：SELECT …` → `SELECT …`, when the lead-in is words, not SQL.
fn strip_leading_prose(text: &str) -> Option<String> {
    let mut pos = None;
    for (kind, r) in segments(text) {
        if kind != Seg::Code {
            continue;
        }
        let code = &text[r.clone()];
        let upper = code.to_ascii_uppercase();
        for kw in ["SELECT", "WITH"] {
            for (i, _) in upper.match_indices(kw) {
                let prev = code[..i].chars().next_back();
                let next = code[i + kw.len()..].chars().next();
                let word_start = prev.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
                let word_end = next.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'));
                if word_start && word_end {
                    let p = r.start + i;
                    pos = Some(pos.map_or(p, |q: usize| q.min(p)));
                }
            }
        }
        if pos.is_some() {
            break;
        }
    }
    let pos = pos?;
    let lead = text[..pos].trim();
    if lead.is_empty() || lead.contains(';') || looks_like_sql(lead) || !lead.chars().any(|c| c.is_alphabetic()) {
        return None;
    }
    Some(text[pos..].to_string())
}

/// Offsets where a line of prose begins (outside strings and comments).
fn prose_line_cuts(text: &str) -> Vec<usize> {
    let mut cuts = Vec::new();
    for (kind, r) in segments(text) {
        if kind != Seg::Code {
            continue;
        }
        for (i, _) in text[r.clone()].match_indices('\n') {
            let at = r.start + i + 1;
            let line = text[at..].trim_start();
            if PROSE_STARTS.iter().any(|p| line.starts_with(p)) && !looks_like_sql(line) {
                cuts.push(at);
            }
            if cuts.len() >= 8 {
                return cuts;
            }
        }
    }
    cuts
}

// ---------------------------------------------------------------------------
// AST repairs.

/// The year column and how it stores a year (the schema file's `[dataset]`).
#[derive(Debug, Clone)]
pub struct YearRule {
    pub column: String,
    pub format: YearFormat,
}

impl YearRule {
    pub fn from_catalog(catalog: &catalog::Catalog) -> YearRule {
        let ds = catalog.dataset();
        YearRule { column: ds.year_column.clone(), format: ds.year_format.clone() }
    }

    fn is_column(&self, e: &Expr) -> bool {
        match e {
            Expr::Identifier(i) => i.value == self.column,
            Expr::CompoundIdentifier(parts) => parts.last().is_some_and(|i| i.value == self.column),
            _ => false,
        }
    }
}

fn is_column_ref(e: &Expr) -> bool {
    matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
}

fn string_value(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

struct AstRepairs<'a> {
    columns: &'a HashSet<String>,
    year: &'a YearRule,
    aliases: HashSet<String>,
    repairs: Vec<Repair>,
}

impl AstRepairs<'_> {
    /// `2021` / `'2021'` → `'2021年'` where compared with the year column.
    fn fix_year(&mut self, e: &mut Expr) {
        if let Expr::Value(v) = e {
            let digits = match &v.value {
                Value::Number(n, _) => n.to_string(),
                Value::SingleQuotedString(s) => s.clone(),
                _ => return,
            };
            if digits.len() == 4 && digits.chars().all(|c| c.is_ascii_digit()) && (digits.starts_with("19") || digits.starts_with("20")) {
                let Ok(y) = digits.parse::<u32>() else { return };
                let to = self.year.format.render(y);
                self.repairs.push(Repair::YearLiteral { from: v.value.to_string(), to: to.clone() });
                v.value = Value::SingleQuotedString(to);
            }
        }
    }

    /// `"贵州茅台"` on the value side of a comparison with a column, naming no
    /// column or alias: SQLite would read it as a string; say so explicitly.
    fn fix_double_quoted(&mut self, e: &mut Expr) {
        if let Expr::Identifier(Ident { value, quote_style: Some('"'), .. }) = e {
            if !self.columns.contains(value.as_str()) && !self.aliases.contains(&value.to_lowercase()) {
                let s = std::mem::take(value);
                self.repairs.push(Repair::DoubleQuotedString(s.clone()));
                *e = Expr::value(Value::SingleQuotedString(s));
            }
        }
    }

    /// `'营业收入'` where only a column makes sense → the column.
    fn fix_quoted_column(&mut self, e: &mut Expr) {
        if let Some(s) = string_value(e) {
            if self.columns.contains(s) {
                let s = s.to_string();
                self.repairs.push(Repair::QuotedChineseIdentifier(s.clone()));
                *e = Expr::Identifier(Ident::with_quote('"', s));
            }
        }
    }

    /// Projection and GROUP BY of a plain SELECT. Not in UNIONs, and not when the
    /// same column is also selected, where `'营业收入'` is a label on purpose.
    fn fix_select_lists(&mut self, body: &mut SetExpr) {
        if let SetExpr::Select(s) = body {
            let selected: HashSet<String> = s
                .projection
                .iter()
                .filter_map(|item| match item {
                    SelectItem::UnnamedExpr(Expr::Identifier(i)) | SelectItem::ExprWithAlias { expr: Expr::Identifier(i), .. } => {
                        Some(i.value.clone())
                    }
                    SelectItem::UnnamedExpr(Expr::CompoundIdentifier(p)) => p.last().map(|i| i.value.clone()),
                    _ => None,
                })
                .collect();
            for item in &mut s.projection {
                if let SelectItem::UnnamedExpr(e) = item {
                    if string_value(e).is_some_and(|v| !selected.contains(v)) {
                        self.fix_quoted_column(e);
                    }
                }
            }
            if let GroupByExpr::Expressions(exprs, _) = &mut s.group_by {
                for e in exprs {
                    self.fix_quoted_column(e);
                }
            }
        }
    }
}

impl VisitorMut for AstRepairs<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        self.fix_select_lists(&mut q.body);
        if let Some(ob) = &mut q.order_by {
            if let OrderByKind::Expressions(list) = &mut ob.kind {
                for o in list {
                    self.fix_quoted_column(&mut o.expr);
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        use BinaryOperator::*;
        match e {
            Expr::BinaryOp { left, op, right } => match op {
                Eq | NotEq | Lt | LtEq | Gt | GtEq => {
                    if is_column_ref(left) {
                        self.fix_double_quoted(right);
                    }
                    if self.year.is_column(left) {
                        self.fix_year(right);
                    } else if self.year.is_column(right) {
                        self.fix_year(left);
                    }
                    // `'营业收入' > 1e9`
                    let numeric = |x: &Expr| matches!(x, Expr::Value(v) if matches!(v.value, Value::Number(..)));
                    if matches!(op, Lt | LtEq | Gt | GtEq) {
                        if numeric(right) {
                            self.fix_quoted_column(left);
                        } else if numeric(left) {
                            self.fix_quoted_column(right);
                        }
                    }
                }
                Plus | Minus | Multiply | Divide => {
                    self.fix_quoted_column(left);
                    self.fix_quoted_column(right);
                }
                _ => {}
            },
            Expr::InList { expr, list, .. } if is_column_ref(expr) => {
                let year = self.year.is_column(expr);
                for item in list.iter_mut() {
                    self.fix_double_quoted(item);
                    if year {
                        self.fix_year(item);
                    }
                }
            }
            Expr::Between { expr, low, high, .. } if self.year.is_column(expr) => {
                self.fix_year(low);
                self.fix_year(high);
            }
            Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } if is_column_ref(expr) => {
                self.fix_double_quoted(pattern);
            }
            Expr::Function(f) => {
                let name = f.name.to_string().to_ascii_lowercase();
                if matches!(name.as_str(), "sum" | "avg" | "min" | "max" | "total") {
                    if let FunctionArguments::List(list) = &mut f.args {
                        if list.args.len() == 1 {
                            if let FunctionArg::Unnamed(FunctionArgExpr::Expr(arg)) = &mut list.args[0] {
                                self.fix_quoted_column(arg);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Select-list aliases anywhere in the statement.
fn all_aliases(stmt: &Statement) -> HashSet<String> {
    struct A(HashSet<String>);
    impl sqlparser::ast::Visitor for A {
        type Break = ();
        fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
            fn walk(b: &SetExpr, out: &mut HashSet<String>) {
                match b {
                    SetExpr::Select(s) => {
                        for item in &s.projection {
                            if let SelectItem::ExprWithAlias { alias, .. } = item {
                                out.insert(alias.value.to_lowercase());
                            }
                        }
                    }
                    SetExpr::SetOperation { left, right, .. } => {
                        walk(left, out);
                        walk(right, out);
                    }
                    _ => {}
                }
            }
            walk(&q.body, &mut self.0);
            ControlFlow::Continue(())
        }
    }
    let mut a = A(HashSet::new());
    let _ = stmt.visit(&mut a);
    a.0
}

/// Value repairs on the parsed statement; appends what it changed.
/// `columns`: every catalog column name.
pub fn on_ast(stmt: &mut Statement, columns: &HashSet<String>, year: &YearRule, repairs: &mut Vec<Repair>) {
    let mut r = AstRepairs { columns, year, aliases: all_aliases(stmt), repairs: Vec::new() };
    let _ = stmt.visit(&mut r);
    repairs.extend(r.repairs);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nian() -> YearFormat {
        YearFormat::try_from("{year}年".to_string()).unwrap()
    }

    #[test]
    fn segments_respect_quotes_and_comments() {
        let s = "SELECT 'a;b' , \"x;\" -- c;\n/* d; */ ;";
        let semis = code_semicolons(s);
        assert_eq!(semis, vec![s.len() - 1]);
    }

    #[test]
    fn full_width_outside_strings_only() {
        assert_eq!(ascii_punctuation("SELECT 公司名称，年份 FROM big WHERE 年份＝‘2021年’"), "SELECT 公司名称,年份 FROM big WHERE 年份='2021年'");
        assert_eq!(ascii_punctuation("SELECT 1 FROM big WHERE 公司名称 = '（测试），'"), "SELECT 1 FROM big WHERE 公司名称 = '（测试），'");
        assert_eq!(ascii_punctuation("SELECT “公司名称” FROM big；"), "SELECT \"公司名称\" FROM big;");
    }

    #[test]
    fn glued_keywords_and_years() {
        assert_eq!(space_keywords("SELECT研发费用FROM big"), "SELECT 研发费用 FROM big");
        let mut r = Vec::new();
        assert_eq!(quote_bare_years("年份 = 2021年 AND x", &nian(), &mut r), "年份 = '2021年' AND x");
        assert_eq!(quote_bare_years("研发2021年", &nian(), &mut r), "研发2021年");
    }

    #[test]
    fn fences() {
        assert_eq!(strip_fences("说明：\n```sql\nSELECT 1\n```\n完"), Some("SELECT 1".into()));
        assert_eq!(strip_fences("```SELECT 1```"), Some("SELECT 1".into()));
        assert_eq!(strip_fences("```sql\nSELECT 1\n```\n```sql\nSELECT 2\n```"), Some("SELECT 1;\nSELECT 2".into()));
        assert_eq!(strip_fences("SELECT '```' FROM big"), None);
    }

    #[test]
    fn trailing_text_rules() {
        let mut r = Vec::new();
        assert_eq!(before_parse("SELECT 1 FROM big;\n这条查询返回 1。", &nian(), &mut r), "SELECT 1 FROM big");
        assert_eq!(r, vec![Repair::StrippedTrailingText]);
        let mut r = Vec::new();
        assert_eq!(before_parse("SELECT 1 FROM big; DROP TABLE big", &nian(), &mut r), "SELECT 1 FROM big; DROP TABLE big");
        assert!(r.is_empty());
        let mut r = Vec::new();
        assert_eq!(before_parse("SELECT 1 FROM big; 说明; /* x */ DELETE FROM big", &nian(), &mut r), "SELECT 1 FROM big; 说明; /* x */ DELETE FROM big");
        let mut r = Vec::new();
        assert_eq!(before_parse("SELECT 1 FROM big;", &nian(), &mut r), "SELECT 1 FROM big");
        assert!(r.is_empty());
        let mut r = Vec::new();
        assert_eq!(before_parse("SELECT 1 FROM big;; -- end", &nian(), &mut r), "SELECT 1 FROM big");
        assert_eq!(r, vec![Repair::TrailingSemicolon]);
    }
}
