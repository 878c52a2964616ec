//! Result tables for the terminal, aligned for Chinese (wide) characters.

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use guard::QueryResult;

pub fn render(result: &QueryResult, max_rows: usize) -> String {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    t.set_header(result.columns.clone());
    for row in result.rows.iter().take(max_rows) {
        t.add_row(row.iter().map(|v| v.to_string()).collect::<Vec<_>>());
    }
    let mut s = t.to_string();
    if result.rows.len() > max_rows || result.truncated {
        s.push_str(&format!("\n… {} 行{}", result.rows.len(), if result.truncated { "（已达行数上限，结果被截断）" } else { "" }));
    }
    s
}
