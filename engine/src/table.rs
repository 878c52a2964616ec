//! Result tables for the terminal, aligned for Chinese (wide) characters.
//! What reaches the terminal is bounded and inert: a cell longer than
//! [`MAX_CELL_CHARS`] is cut with a marker saying how much was left out, and
//! control characters (escape sequences, newlines, tabs) are shown escaped, so
//! a value can neither stall the table layout (its cost grows with the square of
//! a cell's length) nor drive the terminal. The JSON output keeps values whole.

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use guard::QueryResult;
use std::fmt::Write;

/// Characters of one cell shown in a table.
pub const MAX_CELL_CHARS: usize = 200;

pub fn render(result: &QueryResult, max_rows: usize) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    t.set_header(result.columns.iter().map(|c| cell(c, MAX_CELL_CHARS)).collect::<Vec<_>>());
    for row in result.rows.iter().take(max_rows) {
        t.add_row(row.iter().map(|v| cell(&v.to_string(), MAX_CELL_CHARS)).collect::<Vec<_>>());
    }
    let mut s = t.to_string();
    if result.rows.len() > max_rows || result.truncated {
        s.push_str(&format!("\n… {} 行{}", result.rows.len(), if result.truncated { "（已达行数上限，结果被截断）" } else { "" }));
    }
    s
}

/// `text` made safe to print: control characters escaped, at most `max_chars`
/// characters of it shown, then `…（另 N 字符）`. Linear in the text's length.
pub fn cell(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut shown = 0;
    let mut chars = text.chars();
    for c in chars.by_ref() {
        if shown == max_chars {
            let rest = 1 + chars.count();
            let _ = write!(out, "…（另 {rest} 字符）");
            return out;
        }
        shown += 1;
        escape_into(&mut out, c);
    }
    out
}

/// Escapes control characters only, at any length (model output, SQL, sentences).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        escape_into(&mut out, c);
    }
    out
}

fn escape_into(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        // C0, DEL, C1 (CSI and friends), and the bidirectional overrides.
        c if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use guard::Value;

    #[test]
    fn cells_are_cut_and_escaped() {
        assert_eq!(cell("abc", 5), "abc");
        assert_eq!(cell("abcdef", 3), "abc…（另 3 字符）");
        assert_eq!(cell("中文中文", 4), "中文中文");
        assert_eq!(cell("\x1b[31mred\x07", 50), "\\u{1b}[31mred\\u{7}");
        assert_eq!(cell("a\nb\tc", 50), "a\\nb\\tc");
        assert_eq!(escape("\u{9b}2J\u{202e}x"), "\\u{9b}2J\\u{202e}x");
    }

    /// A 4 MB cell printed as a table took 30 s and more; now its length does not matter.
    #[test]
    fn huge_cells_render_fast_and_short() {
        let big = "公".repeat(2_000_000) + "\x1b[2J";
        let r = QueryResult { columns: vec!["x".into()], rows: vec![vec![Value::Text(big)]; 20], truncated: false, elapsed_ms: 0.0 };
        let t0 = std::time::Instant::now();
        let s = render(&r, 50);
        assert!(t0.elapsed() < std::time::Duration::from_secs(1), "{:?}", t0.elapsed());
        assert!(s.len() < 20 * 6 * MAX_CELL_CHARS, "{} bytes", s.len());
        assert!(s.contains("另 1999804 字符") && !s.contains('\x1b'), "{}", &s[..400]);
    }
}
