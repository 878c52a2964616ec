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

#[derive(Debug, Clone, Deserialize)]
pub struct SchemaDocs {
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
