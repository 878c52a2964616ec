//! Where the repository's data lives. Commands run from the repository root use
//! relative paths; tests and binaries started elsewhere fall back to the
//! workspace root known at compile time.

use std::path::PathBuf;

pub fn repo_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if cwd.join("schemas").is_dir() && cwd.join("datasets").is_dir() {
        return cwd;
    }
    // catalog/ sits directly under the workspace root.
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().map(PathBuf::from).unwrap_or(cwd)
}

pub fn default_db_path() -> PathBuf {
    repo_root().join("datasets/finglm/finglm.sqlite")
}

pub fn default_schema_path() -> PathBuf {
    repo_root().join("schemas/finglm.toml")
}
