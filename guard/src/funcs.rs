//! Linear-time `instr(X,Y)`, `replace(X,Y,Z)` and `trim`/`ltrim`/`rtrim(X,Y)`,
//! registered over SQLite's own on every executor connection. SQLite's versions
//! compare the pattern (or the character set) at every position: on values built
//! in the query (up to `MAX_VALUE_BYTES`) one call ran for minutes, inside a
//! single VM step that neither the progress handler nor an interrupt can stop.
//! These give the same results (SQLite's NULL, empty-pattern, blob and number
//! rules) with searches that are linear in the input.

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{ffi, Connection, Error, Result};
use std::borrow::Cow;
use std::collections::HashSet;

pub(crate) fn register(conn: &Connection) -> Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function("instr", 2, flags, |ctx| instr(ctx))?;
    conn.create_scalar_function("replace", 3, flags, |ctx| replace(ctx))?;
    for (name, left, right) in [("trim", true, true), ("ltrim", true, false), ("rtrim", false, true)] {
        conn.create_scalar_function(name, 2, flags, move |ctx| trim(ctx, left, right))?;
    }
    Ok(())
}

/// An argument as SQLite's text functions see it (`None` for NULL). Numbers are
/// converted by SQLite itself, so `replace(1.5e20, …)` sees SQLite's spelling.
fn text<'a>(ctx: &'a Context<'_>, i: usize) -> Result<Option<Cow<'a, str>>> {
    Ok(match ctx.get_raw(i) {
        ValueRef::Null => None,
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(String::from_utf8_lossy(t)),
        ValueRef::Integer(n) => Some(Cow::Owned(n.to_string())),
        ValueRef::Real(r) => Some(Cow::Owned(real_as_text(r)?)),
    })
}

fn real_as_text(r: f64) -> Result<String> {
    thread_local! {
        // In memory: no file is ever created for it.
        static CONV: Option<Connection> = Connection::open_in_memory().ok();
    }
    CONV.with(|c| match c {
        Some(c) => c.query_row("SELECT CAST(?1 AS TEXT)", [r], |row| row.get(0)),
        None => Err(Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_NOMEM), None)),
    })
}

fn instr(ctx: &Context) -> Result<Option<i64>> {
    if let (ValueRef::Blob(h), ValueRef::Blob(n)) = (ctx.get_raw(0), ctx.get_raw(1)) {
        return Ok(Some(find_bytes(h, n).map_or(0, |p| p as i64 + 1)));
    }
    let (Some(h), Some(n)) = (text(ctx, 0)?, text(ctx, 1)?) else { return Ok(None) };
    // `str::find` is the Two-Way search: linear in haystack + needle.
    Ok(Some(h.find(n.as_ref()).map_or(0, |p| h[..p].chars().count() as i64 + 1)))
}

/// Knuth–Morris–Pratt over bytes: the first offset of `needle` in `hay`.
fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    let mut fail = vec![0usize; needle.len()];
    let mut k = 0;
    for i in 1..needle.len() {
        while k > 0 && needle[i] != needle[k] {
            k = fail[k - 1];
        }
        if needle[i] == needle[k] {
            k += 1;
        }
        fail[i] = k;
    }
    let mut k = 0;
    for (i, &b) in hay.iter().enumerate() {
        while k > 0 && b != needle[k] {
            k = fail[k - 1];
        }
        if b == needle[k] {
            k += 1;
            if k == needle.len() {
                return Some(i + 1 - k);
            }
        }
    }
    None
}

fn replace(ctx: &Context) -> Result<Value> {
    let Some(x) = text(ctx, 0)? else { return Ok(Value::Null) };
    let Some(y) = text(ctx, 1)? else { return Ok(Value::Null) };
    if y.is_empty() {
        return Ok(Value::Text(x.into_owned()));
    }
    let Some(z) = text(ctx, 2)? else { return Ok(Value::Null) };
    let count = x.matches(y.as_ref()).count();
    let len = x.len() - count * y.len() + count * z.len();
    if len > crate::MAX_VALUE_BYTES as usize {
        return Err(Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_TOOBIG), None));
    }
    Ok(Value::Text(x.replace(y.as_ref(), z.as_ref())))
}

fn trim(ctx: &Context<'_>, left: bool, right: bool) -> Result<Option<String>> {
    let (Some(x), Some(set)) = (text(ctx, 0)?, text(ctx, 1)?) else { return Ok(None) };
    let set: HashSet<char> = set.chars().collect();
    let mut s = x.as_ref();
    if left {
        s = s.trim_start_matches(|c| set.contains(&c));
    }
    if right {
        s = s.trim_end_matches(|c| set.contains(&c));
    }
    Ok(Some(s.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every case against SQLite's own functions on a plain connection.
    #[test]
    fn same_results_as_sqlite() {
        let ours = Connection::open_in_memory().unwrap();
        register(&ours).unwrap();
        let theirs = Connection::open_in_memory().unwrap();
        for expr in [
            "instr('abcabc', 'ca')", "instr('中文字符串', '字符')", "instr('abc', '')", "instr('', 'a')", "instr(NULL, 'a')",
            "instr('a', NULL)", "instr(12345, 34)", "instr(1.5, '.')", "instr(x'00010203', x'0203')", "instr(x'0001', x'')",
            "instr(x'41424344', 'CD')", "instr('aaaaab', 'aab')", "instr(1e20, 'e')",
            "replace('abcabc', 'b', 'XY')", "replace('aaa', 'aa', 'b')", "replace('abc', '', 'x')", "replace(123, '', 'x')",
            "typeof(replace(123, '', 'x'))", "replace(123, '2', 'x')", "replace('中文中', '中', '')", "replace(NULL, 'a', 'b')",
            "replace('a', NULL, 'b')", "replace('a', 'a', NULL)", "replace('a', 'b', NULL)", "replace(2.5, '.', ',')",
            "trim('xxabcxx', 'x')", "ltrim('xxabcxx', 'xa')", "rtrim('xxabcxx', 'xc')", "trim('中文中', '中')", "trim('abc', '')",
            "trim(NULL, 'a')", "trim('a', NULL)", "trim(12321, '1')", "typeof(trim(5, ''))", "rtrim(1.50, '0')", "trim('  a  ')",
        ] {
            let q = format!("SELECT quote({expr})");
            let a: String = ours.query_row(&q, [], |r| r.get(0)).unwrap();
            let b: String = theirs.query_row(&q, [], |r| r.get(0)).unwrap();
            assert_eq!(a, b, "{expr}");
        }
    }

    #[test]
    fn kmp_finds_first_offsets() {
        assert_eq!(find_bytes(b"aaaaab", b"aab"), Some(3));
        assert_eq!(find_bytes(b"abababc", b"ababc"), Some(2));
        assert_eq!(find_bytes(b"abc", b"abcd"), None);
        assert_eq!(find_bytes(b"", b""), Some(0));
    }
}
