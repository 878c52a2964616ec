//! The catalog: what tables and columns the database really has, joined with the
//! human-written schema file (`schemas/finglm.toml`: column docs and the dataset's
//! facts). Every later stage (recall, prompt, guard) asks the catalog instead of
//! reading the database schema itself, and no stage names a column of its own.

mod docs;
mod paths;

pub use docs::{ColumnDoc, DatasetSpec, PlaceColumns, SchemaDocs, TableDoc, YearFormat};
pub use paths::{default_db_path, default_schema_path, repo_root};

use rusqlite::{Connection, OpenFlags};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("database not found at {0} (run from the repository root or pass --db)")]
    DbMissing(PathBuf),
    #[error("cannot open database {path}: {source} (pass --db with the path of an SQLite database)")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("database {0} has a write-ahead log with changes not yet in the file; checkpoint it first (sqlite3 FILE 'PRAGMA wal_checkpoint(TRUNCATE)')")]
    PendingWal(PathBuf),
    #[error("cannot read schema of {path}: {source}")]
    Schema { path: PathBuf, source: rusqlite::Error },
    #[error("cannot read schema file {path}: {message}")]
    Docs { path: PathBuf, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    Table,
    View,
}

/// SQLite's declared type, reduced to what matters for prompts and value handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SqlType {
    Text,
    Integer,
    Real,
    Other,
}

impl SqlType {
    fn from_decl(decl: &str) -> SqlType {
        let d = decl.to_ascii_uppercase();
        if d.contains("INT") {
            SqlType::Integer
        } else if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") || d.contains("NUM") {
            SqlType::Real
        } else if d.contains("TEXT") || d.contains("CHAR") {
            SqlType::Text
        } else {
            SqlType::Other
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            SqlType::Text => "TEXT",
            SqlType::Integer => "INTEGER",
            SqlType::Real => "REAL",
            SqlType::Other => "",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub sql_type: SqlType,
}

#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub kind: TableKind,
    pub columns: Vec<Column>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Companies as the database names them, for entity linking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub full_name: String,
    pub short_name: String,
    pub code: String,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    pub db_path: PathBuf,
    schema_path: PathBuf,
    dataset: DatasetSpec,
    tables: Vec<Table>,
    docs: HashMap<String, ColumnDoc>,
    table_docs: HashMap<String, TableDoc>,
    companies: Vec<Company>,
    years: Vec<String>,
    places: Vec<String>,
    /// Empty when the schema file names no address columns: places then filter nothing.
    place_columns: PlaceColumns,
}

/// `"name"` for SQL, whatever the name holds.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// City and province names (「南京」「扬州」「广东」) read off the registered addresses,
/// so a question's place name can be linked to the address columns.
fn places_from_addresses(addresses: &[String]) -> Vec<String> {
    let mut set = std::collections::BTreeSet::new();
    for a in addresses {
        let chars: Vec<char> = a.chars().collect();
        for (i, &c) in chars.iter().enumerate() {
            if c != '市' && c != '省' {
                continue;
            }
            // The 2–3 characters before 市/省, after any province prefix.
            let start = chars[..i].iter().rposition(|&p| p == '省' || p == '区' || p == '市' || !('\u{4E00}'..='\u{9FFF}').contains(&p)).map(|p| p + 1).unwrap_or(0);
            let len = i - start;
            // Prose in an address field (「公司自2011年上市以来」) is no city: a name right
            // after a digit, or holding a date word, is skipped.
            let after_digit = start > 0 && chars[start - 1].is_ascii_digit();
            let dated = chars[start..i].iter().any(|c| "年月日".contains(*c));
            if (2..=3).contains(&len) && !after_digit && !dated {
                let name: String = chars[start..i].iter().collect();
                set.insert(name);
            }
        }
    }
    set.into_iter().collect()
}

/// Open the database the only way nl2sql ever opens it: read-only, no mutex games.
pub fn open_read_only(path: &Path) -> Result<Connection, CatalogError> {
    if !path.exists() {
        return Err(CatalogError::DbMissing(path.to_path_buf()));
    }
    // `immutable=1`: no locks, no `-wal`/`-shm`/journal files next to the database.
    // That reads only the main file, so a WAL whose changes are not yet in it is refused.
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Err(CatalogError::PendingWal(path.to_path_buf()));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let open_err = |source| CatalogError::Open { path: path.to_path_buf(), source };
    let conn = Connection::open_with_flags(immutable_uri(path), flags).map_err(open_err)?;
    conn.pragma_update(None, "query_only", 1).map_err(open_err)?;
    // Sorts, DISTINCT and recursion keep their temporary B-trees in memory, never in /var/tmp.
    conn.pragma_update(None, "temp_store", "MEMORY").map_err(open_err)?;
    Ok(conn)
}

/// `file:<path>?immutable=1`, the path percent-encoded (a `?` or `#` in it stays part of it).
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for &b in path.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Companies, stored years and place names, read from the query table with the
/// columns the schema file names. A missing column reads as nothing, not an error.
fn read_entities(
    conn: &Connection,
    ds: &DatasetSpec,
    place_columns: &PlaceColumns,
    table: &Table,
) -> rusqlite::Result<(Vec<Company>, Vec<String>, Vec<String>)> {
    let t = quoted(&table.name);
    let has = |c: &str| !c.is_empty() && table.column(c).is_some();
    let mut companies = Vec::new();
    if has(&ds.company_column) && has(&ds.short_name_column) && has(&ds.code_column) {
        let (name, short, code) = (quoted(&ds.company_column), quoted(&ds.short_name_column), quoted(&ds.code_column));
        let sql = format!("SELECT {name}, MAX({short}), MAX({code}) FROM {t} WHERE {name} IS NOT NULL GROUP BY {name} ORDER BY {name}");
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| {
            Ok(Company {
                full_name: r.get(0)?,
                short_name: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                code: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
            })
        })?;
        companies = rows.collect::<Result<_, _>>()?;
    }
    let mut places = Vec::new();
    if has(&place_columns.registered_column) {
        let a = quoted(&place_columns.registered_column);
        let mut stmt = conn.prepare(&format!("SELECT DISTINCT {a} FROM {t} WHERE {a} IS NOT NULL"))?;
        let addresses: Vec<String> = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<_, _>>()?;
        places = places_from_addresses(&addresses);
    }
    let mut years = Vec::new();
    if has(&ds.year_column) {
        let y = quoted(&ds.year_column);
        let mut stmt = conn.prepare(&format!("SELECT DISTINCT {y} FROM {t} ORDER BY {y}"))?;
        years = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<_, _>>()?;
    }
    Ok((companies, years, places))
}

impl Catalog {
    /// Read tables/columns from the database and join them with the docs file.
    pub fn load(db_path: &Path, schema_path: &Path) -> Result<Catalog, CatalogError> {
        let conn = open_read_only(db_path)?;
        let schema_err = |source| CatalogError::Schema { path: db_path.to_path_buf(), source };
        let mut tables = Vec::new();
        {
            let mut stmt = conn
                .prepare("SELECT name, type FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY name")
                .map_err(schema_err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(schema_err)?;
            for row in rows {
                let (name, kind) = row.map_err(schema_err)?;
                let kind = if kind == "view" { TableKind::View } else { TableKind::Table };
                tables.push(Table { name, kind, columns: Vec::new() });
            }
        }
        for table in &mut tables {
            let mut stmt = conn
                .prepare("SELECT name, type FROM pragma_table_info(?1) ORDER BY cid")
                .map_err(schema_err)?;
            let rows = stmt
                .query_map([&table.name], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
                .map_err(schema_err)?;
            for row in rows {
                let (name, decl) = row.map_err(schema_err)?;
                table.columns.push(Column { name, sql_type: SqlType::from_decl(&decl) });
            }
        }
        let docs = SchemaDocs::load(schema_path)?;
        let place_columns = docs.places.clone().unwrap_or_default();
        let (companies, years, places) = match tables.iter().find(|t| t.name == docs.dataset.query_table) {
            Some(t) => read_entities(&conn, &docs.dataset, &place_columns, t).map_err(schema_err)?,
            None => Default::default(),
        };
        Ok(Catalog {
            db_path: db_path.to_path_buf(),
            schema_path: schema_path.to_path_buf(),
            dataset: docs.dataset,
            tables,
            docs: docs.columns.into_iter().map(|d| (d.name.clone(), d)).collect(),
            table_docs: docs.tables.into_iter().map(|d| (d.name.clone(), d)).collect(),
            place_columns,
            companies,
            years,
            places,
        })
    }

    /// The default catalog: repository data and docs.
    pub fn load_default() -> Result<Catalog, CatalogError> {
        Catalog::load(&default_db_path(), &default_schema_path())
    }

    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// Case-insensitive lookup, as SQLite resolves identifiers.
    pub fn table_ci(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name.eq_ignore_ascii_case(name))
    }

    pub fn query_table(&self) -> Option<&Table> {
        self.table(&self.dataset.query_table)
    }

    /// The dataset's facts from the schema file (`[dataset]`).
    pub fn dataset(&self) -> &DatasetSpec {
        &self.dataset
    }

    /// A word list the schema file names (`stopwords`, `synonyms`, `absent`), beside it.
    pub fn schema_relative(&self, file: &str) -> PathBuf {
        self.schema_path.parent().unwrap_or(Path::new(".")).join(file)
    }

    /// The columns questions are answered from (those of the query table).
    pub fn query_columns(&self) -> &[Column] {
        self.query_table().map(|t| t.columns.as_slice()).unwrap_or(&[])
    }

    pub fn doc(&self, column: &str) -> Option<&ColumnDoc> {
        self.docs.get(column)
    }

    pub fn docs(&self) -> impl Iterator<Item = &ColumnDoc> {
        self.docs.values()
    }

    pub fn table_doc(&self, table: &str) -> Option<&TableDoc> {
        self.table_docs.get(table)
    }

    pub fn companies(&self) -> &[Company] {
        &self.companies
    }

    /// Year values as stored, e.g. `2021年`.
    pub fn years(&self) -> &[String] {
        &self.years
    }

    /// City/province names found in registered addresses, without 市/省.
    pub fn places(&self) -> &[String] {
        &self.places
    }

    /// The address columns place filters read (`[places]` in the schema file).
    pub fn place_columns(&self) -> &PlaceColumns {
        &self.place_columns
    }

    /// Every column name of every table (deduplicated), for "nearest name" hints.
    pub fn all_column_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.tables.iter().flat_map(|t| t.columns.iter().map(|c| c.name.as_str())).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::places_from_addresses;

    #[test]
    fn places_come_from_addresses_not_from_prose_in_them() {
        let addresses = ["江苏省苏州市工业园区星湖街328号", "公司自2011年上市以来，注册地址变更", "深圳市南山区科技园"].map(String::from);
        let places = places_from_addresses(&addresses);
        assert_eq!(places, ["江苏", "深圳", "苏州"]);
        assert!(!places.iter().any(|p| p.contains('年')), "{places:?}");
    }
}
