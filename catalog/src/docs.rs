//! Column docs: what a column means to an analyst, the words they use for it,
//! its unit and a few real values. Written by hand in `schemas/finglm.toml`.

use crate::CatalogError;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct ColumnDoc {
    pub name: String,
    /// Every table or view that has a column of this name.
    pub tables: Vec<String>,
    #[serde(rename = "type")]
    pub sql_type: String,
    pub description: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub examples: Vec<String>,
}

impl ColumnDoc {
    /// The text every matcher sees: name, aliases and description.
    pub fn doc_text(&self) -> String {
        let mut s = self.name.clone();
        for a in &self.aliases {
            s.push(' ');
            s.push_str(a);
        }
        s.push(' ');
        s.push_str(&self.description);
        s
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct TableDoc {
    pub name: String,
    #[serde(default)]
    pub kind: String,
    pub description: String,
}

/// The address columns a place filter may read: the registered address when the
/// question uses one of `registered_words`, the office address for `office_words`,
/// and for a bare place the one `bare_place_registered` says.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq)]
pub struct PlaceColumns {
    pub office_column: String,
    pub registered_column: String,
    pub registered_words: Vec<String>,
    #[serde(default)]
    pub office_words: Vec<String>,
    #[serde(default)]
    pub bare_place_registered: bool,
}

/// How a year is stored in the year column: `{year}` stands for its four digits
/// (`"{year}年"`: 2021 → `2021年`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct YearFormat {
    prefix: String,
    suffix: String,
}

impl YearFormat {
    pub fn render(&self, year: u32) -> String {
        format!("{}{year}{}", self.prefix, self.suffix)
    }

    /// The year a stored value holds (`2021年` → 2021), if it has this format.
    pub fn parse(&self, stored: &str) -> Option<u32> {
        let digits = stored.strip_prefix(self.prefix.as_str())?.strip_suffix(self.suffix.as_str())?;
        (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.parse().ok()).flatten()
    }

    /// What follows the digits (`年`): an unquoted `2021年` in SQL is a stored year.
    pub fn suffix(&self) -> &str {
        &self.suffix
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

impl TryFrom<String> for YearFormat {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.split_once("{year}") {
            Some((prefix, suffix)) if !suffix.contains("{year}") => Ok(YearFormat { prefix: prefix.into(), suffix: suffix.into() }),
            _ => Err(format!("year_format {s:?} must contain {{year}} once")),
        }
    }
}

impl From<YearFormat> for String {
    fn from(f: YearFormat) -> String {
        format!("{}{{year}}{}", f.prefix, f.suffix)
    }
}

/// Facts about the dataset that the code reads instead of naming them
/// (`[dataset]` in the schema file): the table questions are asked against, the
/// columns that identify a company and a year, how years and names are written,
/// and the word lists recall loads (paths relative to the schema file).
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
pub struct DatasetSpec {
    pub query_table: String,
    pub company_column: String,
    pub short_name_column: String,
    pub code_column: String,
    pub year_column: String,
    pub year_format: YearFormat,
    /// Endings of full names, longest first (「XX股份有限公司」 → 「XX」).
    pub legal_suffixes: Vec<String>,
    /// A stem ending in one of these is a legal suffix cut in half (「XX股份有限」).
    #[serde(default)]
    pub suffix_fragments: Vec<String>,
    /// (lead, tail) around a full name spelled out: 「公司名称为X的公司」.
    #[serde(default)]
    pub name_phrases: Vec<(String, String)>,
    /// A head-count total that travels with any other head count (shares, ratios).
    #[serde(default)]
    pub headcount_total_column: Option<String>,
    /// The dataset holds whole-year figures only: a question with one of these words
    /// (上半年, 季度, Q1 …) asks for a period it lacks.
    #[serde(default)]
    pub sub_annual_words: Vec<String>,
    pub stopwords: String,
    pub synonyms: String,
    pub absent: String,
}

impl DatasetSpec {
    /// The columns every prompt carries: company, code, short name, year.
    pub fn identity_columns(&self) -> [&str; 4] {
        [&self.company_column, &self.code_column, &self.short_name_column, &self.year_column]
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SchemaDocs {
    pub dataset: DatasetSpec,
    #[serde(default)]
    pub places: Option<PlaceColumns>,
    #[serde(default, rename = "table")]
    pub tables: Vec<TableDoc>,
    #[serde(default, rename = "column")]
    pub columns: Vec<ColumnDoc>,
}

impl SchemaDocs {
    pub fn load(path: &Path) -> Result<SchemaDocs, CatalogError> {
        let err = |message: String| CatalogError::Docs { path: path.to_path_buf(), message };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        toml::from_str(&text).map_err(|e| err(e.to_string()))
    }
}
