//! What the model may write, from what recall put in the prompt (issue 15, item 5).
//! Outside string literals a CJK identifier must be one of the prompt's columns (or a
//! metric's input column), or an alias the SQL itself defined with AS; inside a
//! literal compared with the company column it must be a linked company's full name,
//! and with the year column a year the question names. The decoder applies it to
//! every token before the greedy pick (`llm::constraint`). ASCII (keywords,
//! functions, numbers, table aliases) is left to the guard, which checks the AST.

use llm::constraint::TokenConstraint;
use recall::RecallResult;
use std::sync::Arc;

/// SQL only, no refusal comment: for the retry after a refusal of a question that
/// names a column verbatim. Any other constraint still applies.
pub struct NoRefusal {
    pub inner: Option<Arc<dyn TokenConstraint>>,
}

impl TokenConstraint for NoRefusal {
    fn allows(&self, generated: &[u8], piece: &[u8]) -> bool {
        let first = generated.iter().chain(piece).find(|b| !b.is_ascii_whitespace());
        first != Some(&b'-') && self.inner.as_ref().is_none_or(|c| c.allows(generated, piece))
    }
}

#[derive(Debug, Clone)]
pub struct SqlConstraint {
    identifiers: Vec<Vec<u8>>,
    companies: Vec<Vec<u8>>,
    years: Vec<Vec<u8>>,
    company_column: Vec<u8>,
    year_column: Vec<u8>,
}

/// One scan's view of the text: aliases defined so far and what a literal is compared with.
#[derive(Default)]
struct Scan<'a> {
    aliases: Vec<&'a [u8]>,
    after_as: bool,
    /// The identifier a following literal is compared with (kept across `in (`, `=`, `,`).
    operand: Option<&'a [u8]>,
    /// A LIKE/GLOB pattern is free text.
    pattern: bool,
}

impl SqlConstraint {
    pub fn new(recall: &RecallResult, dataset: &catalog::DatasetSpec) -> SqlConstraint {
        let mut identifiers: Vec<Vec<u8>> = recall.columns.iter().map(|c| c.name.as_bytes().to_vec()).collect();
        identifiers.extend(recall.metrics.iter().flat_map(|m| m.columns.iter().map(|c| c.as_bytes().to_vec())));
        identifiers.sort();
        identifiers.dedup();
        SqlConstraint {
            identifiers,
            companies: recall.entities.companies.iter().map(|c| c.full_name.as_bytes().to_vec()).collect(),
            years: recall.entities.years.iter().map(|y| y.as_bytes().to_vec()).collect(),
            company_column: dataset.company_column.as_bytes().to_vec(),
            year_column: dataset.year_column.as_bytes().to_vec(),
        }
    }

    /// The values a literal compared with `operand` must take (None: free text).
    fn literal_values(&self, operand: Option<&[u8]>) -> Option<&[Vec<u8>]> {
        let values = match operand {
            Some(c) if c == self.company_column.as_slice() => &self.companies,
            Some(c) if c == self.year_column.as_slice() => &self.years,
            _ => return None,
        };
        (!values.is_empty()).then_some(values.as_slice())
    }

    /// Whether `s` is acceptable as far as it goes; only parts ending at or after
    /// `new_from` are judged (the rest was accepted before).
    fn check(&self, s: &[u8], new_from: usize) -> bool {
        let mut scan = Scan::default();
        let mut i = 0;
        while i < s.len() {
            let b = s[i];
            if b == b'-' && s.get(i + 1) == Some(&b'-') {
                return true; // a comment, e.g. the refusal marker
            }
            if b == b'\'' {
                let (end, closed) = literal_end(s, i + 1);
                let judged = (if closed { end + 1 } else { end }) > new_from;
                if judged && !scan.pattern {
                    if let Some(values) = self.literal_values(scan.operand) {
                        let lit = &s[i + 1..end];
                        let ok = if closed { values.iter().any(|v| v.as_slice() == lit) } else { values.iter().any(|v| v.starts_with(lit)) };
                        if !ok {
                            return false;
                        }
                    }
                }
                if !closed {
                    return true;
                }
                scan.after_as = false;
                i = end + 1;
                continue;
            }
            if b >= 0x80 {
                let end = s[i..].iter().position(|&c| c < 0x80).map_or(s.len(), |p| i + p);
                let run = &s[i..end];
                if scan.after_as {
                    scan.aliases.push(run);
                    scan.after_as = false;
                } else if end > new_from {
                    let complete = end < s.len();
                    let mut known = self.identifiers.iter().map(Vec::as_slice).chain(scan.aliases.iter().copied());
                    let ok = if complete { known.any(|k| k == run) } else { known.any(|k| k.starts_with(run)) };
                    if !ok {
                        return false;
                    }
                }
                scan.operand = Some(run);
                scan.pattern = false;
                i = end;
                continue;
            }
            if b.is_ascii_alphanumeric() || b == b'_' {
                let end = s[i..].iter().position(|c| !(c.is_ascii_alphanumeric() || *c == b'_')).map_or(s.len(), |p| i + p);
                let word = &s[i..end];
                if word.eq_ignore_ascii_case(b"as") {
                    scan.after_as = true;
                } else if word.eq_ignore_ascii_case(b"like") || word.eq_ignore_ascii_case(b"glob") {
                    scan.pattern = true;
                } else if !(word.eq_ignore_ascii_case(b"in") || word.eq_ignore_ascii_case(b"not")) {
                    // Any other word (a keyword, a number, a table alias before `.`) ends the comparison.
                    scan.after_as = false;
                    scan.operand = None;
                    scan.pattern = false;
                }
                i = end;
                continue;
            }
            if b == b')' {
                scan.operand = None;
            }
            i += 1;
        }
        true
    }
}

/// Where a literal opened just before `from` ends: (index of its closing quote or
/// the text's end, whether it is closed). A doubled quote is an escaped one.
fn literal_end(s: &[u8], from: usize) -> (usize, bool) {
    let mut j = from;
    while j < s.len() {
        if s[j] == b'\'' {
            if s.get(j + 1) == Some(&b'\'') {
                j += 2;
                continue;
            }
            return (j, true);
        }
        j += 1;
    }
    (s.len(), false)
}

impl TokenConstraint for SqlConstraint {
    fn allows(&self, generated: &[u8], piece: &[u8]) -> bool {
        let mut s = Vec::with_capacity(generated.len() + piece.len());
        s.extend_from_slice(generated);
        s.extend_from_slice(piece);
        self.check(&s, generated.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constraint() -> SqlConstraint {
        SqlConstraint {
            identifiers: ["营业收入", "公司名称", "股票简称", "年份", "负债合计", "资产总计"].iter().map(|s| s.as_bytes().to_vec()).collect(),
            companies: vec!["贵州茅台酒股份有限公司".as_bytes().to_vec()],
            years: vec!["2021年".as_bytes().to_vec(), "2020年".as_bytes().to_vec()],
            company_column: "公司名称".as_bytes().to_vec(),
            year_column: "年份".as_bytes().to_vec(),
        }
    }

    /// Every split of `sql` into a generated part and a piece is allowed.
    fn allowed_all_the_way(c: &SqlConstraint, sql: &str) -> bool {
        let b = sql.as_bytes();
        (1..=b.len()).all(|k| c.allows(&b[..k - 1], &b[k - 1..k]))
    }

    #[test]
    fn no_refusal_forbids_the_comment_and_keeps_the_inner_constraint() {
        let free = NoRefusal { inner: None };
        assert!(!free.allows(b"", b"--"), "a refusal comment cannot start");
        assert!(!free.allows(b"  ", b"-"), "not after leading blanks either");
        assert!(free.allows(b"", b"select"));
        assert!(free.allows(b"select 1 ", b"- 2"), "a minus inside the SQL is fine");
        let inner: Arc<dyn TokenConstraint> = Arc::new(constraint());
        let both = NoRefusal { inner: Some(inner) };
        assert!(both.allows(b"select ", "营业收入".as_bytes()));
        assert!(!both.allows(b"select ", "营业外收入".as_bytes()), "the inner constraint still applies");
    }

    #[test]
    fn recalled_columns_aliases_and_linked_values_pass() {
        let c = constraint();
        for sql in [
            "select 营业收入 from big where 公司名称 = '贵州茅台酒股份有限公司' and 年份 = '2021年'",
            "select 1.0 * 负债合计 / 资产总计 as 资产负债率 from big where 年份 in ('2021年', '2020年') order by 资产负债率 desc",
            "select 公司名称 from big where 办公地址 like '%苏州%'".replace("办公地址", "年份").as_str(),
            "select a.营业收入 - b.营业收入 from big a join big b on a.公司名称 = b.公司名称 where a.年份 = '2021年'",
            "-- 无法回答",
            "select 营业收入 from big where 股票简称 in ('茅台')",
        ] {
            assert!(allowed_all_the_way(&c, sql), "{sql}");
        }
    }

    #[test]
    fn unrecalled_columns_and_unlinked_values_are_refused() {
        let c = constraint();
        let refused = |generated: &str, piece: &str| !c.allows(generated.as_bytes(), piece.as_bytes());
        assert!(refused("select ", "营业费用"), "a column the prompt does not have");
        assert!(refused("select 营业", "费"), "nor any prefix that leads only there");
        assert!(!refused("select 营业", "收"), "a prefix of a recalled column");
        assert!(refused("select 营业收入", "，"), "full-width punctuation glued to a column");
        assert!(refused("select 营业收入 from big where 公司名称 = '", "茅台"), "a company literal must be a linked full name");
        assert!(refused("select 营业收入 from big where 公司名称 = '贵州茅台", "'"), "closed before the full name ends");
        assert!(refused("select 营业收入 from big where 年份 = '2021", "'"), "the year value carries 年");
        assert!(refused("select 营业收入 from big where 年份 in ('2021年', '2019", "年"), "a year the question does not name");
        assert!(!refused("select 营业收入 from big where 年份 in ('2021年', '", "2020年'"), "the second value of an IN list");
    }

    #[test]
    fn like_patterns_and_other_literals_are_free() {
        let c = constraint();
        assert!(c.allows("select 公司名称 from big where 公司名称 like '%".as_bytes(), "茅台%'".as_bytes()));
        assert!(c.allows("select 公司名称 from big where 营业收入 > 1 and 股票简称 = '".as_bytes(), "茅台'".as_bytes()));
    }
}
