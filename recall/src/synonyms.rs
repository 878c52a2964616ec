//! Derived metrics (资产负债率 = 负债合计 / 资产总计 …) from `schemas/synonyms.toml`.

use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Metric {
    pub name: String,
    pub columns: Vec<String>,
    pub formula: String,
    /// Short and colloquial names (净利率 for 净利润率), matched like the name.
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct MetricsFile {
    #[serde(default, rename = "metric")]
    metrics: Vec<Metric>,
}

pub fn load_metrics(path: &Path) -> Result<Vec<Metric>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let f: MetricsFile = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(f.metrics)
}
