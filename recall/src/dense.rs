//! Dense matching: each question word is embedded with m3e-small (a Chinese BERT,
//! converted to int8 ONNX by `recall/tools/convert_m3e_onnx.py`) and compared by
//! cosine with embeddings of the column docs, so it ranks columns by meaning rather
//! than by shared characters. The fusion's edit-distance gate then keeps a hit only
//! when it also looks like the column's name or an alias, or its cosine is very high.
//!
//! Runtime pieces and where they come from:
//! - the model and tokenizer files live in the repository (`models/m3e-small/`),
//!   pinned by sha256 so a Git LFS pointer or another conversion is caught;
//! - ONNX Runtime is not linked at build time (fastembed's `ort-load-dynamic`): the
//!   `libonnxruntime.so` of a pinned PyPI `onnxruntime` wheel is fetched on first use
//!   with the shared `fetch` crate and loaded with `ort::init_from`;
//! - doc embeddings are computed once and cached on disk under `$NL2SQL_HOME`, keyed
//!   by model sha256 and a hash of the doc texts, so start-up after the first run
//!   reads a small file instead of running the model ~600 times.

use fastembed::{InitOptionsUserDefined, Pooling, TextEmbedding, TokenizerFiles, UserDefinedEmbeddingModel};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// ONNX Runtime release whose library we load. fastembed's ort needs ≥ 1.24.
pub const ORT_VERSION: &str = "1.32.0";
const ORT_MEMBER: &str = "onnxruntime/capi/libonnxruntime.so.1.32.0";
/// sha256 of `libonnxruntime.so.1.32.0`; the same file is in every CPython wheel of
/// this release for manylinux x86_64 (checked for cp311 and cp312).
const ORT_SHA256: &str = "6c1585d1bbf45b0712ea4a21b705c5fcb4ba04ff2e30f1fbf81a49faf658638f";
const ORT_SIZE: u64 = 34_824_680;
/// Pin one wheel whatever Python the user has: the library does not depend on it.
const ORT_PIP_ARGS: &[&str] =
    &["--only-binary=:all:", "--platform", "manylinux_2_28_x86_64", "--python-version", "3.12", "--implementation", "cp"];

/// The int8 model committed in `models/m3e-small/model.onnx`.
pub const MODEL_SHA256: &str = "f642a58ebc575c632b22bec1722ba4a46382683a784b04c930ad930d6bbee449";
pub const MODEL_DIR: &str = "models/m3e-small";
/// Longest input in tokens; column docs are under 170 characters.
const MAX_TOKENS: usize = 256;
/// Word embeddings kept in memory; questions reuse a small vocabulary.
const WORD_CACHE_MAX: usize = 20_000;

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum DenseError {
    #[error("ONNX Runtime library for dense recall: {0}")]
    Fetch(#[from] fetch::FetchError),
    #[error("ONNX Runtime is only fetched for Linux x86_64; set ORT_DYLIB_PATH to a libonnxruntime (≥ 1.24) for this platform, or run with dense recall off")]
    UnsupportedPlatform,
    #[error("cannot load ONNX Runtime from {path}: {message}. Delete it and run again to re-fetch, or set ORT_DYLIB_PATH")]
    LoadRuntime { path: PathBuf, message: String },
    #[error("embedding model file {path}: {message}. It ships in the repository under {MODEL_DIR}/ (or set NL2SQL_EMBED_MODEL_DIR)")]
    ModelMissing { path: PathBuf, message: String },
    #[error("embedding model {path} has sha256 {got}, expected {expected}; is it a Git LFS pointer or another conversion? Restore it from the repository")]
    ModelHash { path: PathBuf, got: String, expected: String },
    #[error("embedding model failed to load: {0}")]
    ModelLoad(String),
    #[error("embedding failed: {0}")]
    Embed(String),
}

/// A text embedder: one job, unit vectors out. The seam lets tests swap the model.
pub trait Embedder: Send + Sync {
    /// One L2-normalized vector per text.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, DenseError>;
    /// Identifies the model (its sha256) for cache keys.
    fn id(&self) -> &str;
}

/// Path of the ONNX Runtime library: `ORT_DYLIB_PATH` when set (the user's own
/// build), else the pinned wheel's library, fetched into `$NL2SQL_HOME/lib` once.
pub fn ort_library(show_progress: bool) -> Result<PathBuf, DenseError> {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if !(cfg!(target_os = "linux") && cfg!(target_arch = "x86_64")) {
        return Err(DenseError::UnsupportedPlatform);
    }
    let member = |n: &str| n == ORT_MEMBER;
    let pinned = fetch::Pinned {
        requirements: vec![format!("onnxruntime=={ORT_VERSION}")],
        pip_args: ORT_PIP_ARGS,
        member: &member,
        sha256: ORT_SHA256,
        size: Some(ORT_SIZE),
    };
    let target = fetch::home_dir().join("lib").join(format!("libonnxruntime.so.{ORT_VERSION}"));
    Ok(fetch::ensure(&pinned, &target, show_progress)?)
}

/// Load ONNX Runtime once per process. The library stays loaded for the process's
/// life (ort keeps it in a global), so later calls return the first outcome.
/// Telemetry off, both ways ONNX Runtime has: it otherwise writes `deviceid` and an
/// `onnxruntime.db` (with `-wal`/`-shm`) under `~/.cache/Microsoft` on every run,
/// whatever `NL2SQL_HOME` says. `ORT_DISABLE_TELEMETRY` is read by the library
/// itself (the environment's switch alone leaves those files), so it is set before
/// the library loads, once. The environment is kept for the process's life and
/// handed to every session.
fn init_runtime() -> Result<ort::environment::Environment, DenseError> {
    static INIT: OnceLock<Result<ort::environment::Environment, DenseError>> = OnceLock::new();
    INIT.get_or_init(|| {
        let path = ort_library(true)?;
        if std::env::var_os("ORT_DISABLE_TELEMETRY").is_none() {
            std::env::set_var("ORT_DISABLE_TELEMETRY", "1");
        }
        let load_err = |message: String| DenseError::LoadRuntime { path: path.clone(), message };
        let builder = ort::init_from(&path).map_err(|e| load_err(e.to_string()))?;
        builder.with_name("nl2sql").with_telemetry(false).build().map_err(|e| load_err(e.to_string()))
    })
    .clone()
}

/// Directory of the model files: `NL2SQL_EMBED_MODEL_DIR`, else the repository's.
pub fn model_dir() -> PathBuf {
    match std::env::var_os("NL2SQL_EMBED_MODEL_DIR").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => catalog::repo_root().join(MODEL_DIR),
    }
}

/// m3e-small through fastembed and ONNX Runtime.
pub struct M3eEmbedder {
    // fastembed's `embed` takes `&mut self`; one session, serialized.
    model: Mutex<TextEmbedding>,
    sha256: String,
}

impl M3eEmbedder {
    /// Load the runtime and the model from `dir` (model.onnx + tokenizer files).
    pub fn open(dir: &Path) -> Result<M3eEmbedder, DenseError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|e| DenseError::ModelMissing { path, message: e.to_string() })
        };
        let onnx = read("model.onnx")?;
        let sha256 = fetch::sha256_bytes(&onnx);
        if sha256 != MODEL_SHA256 {
            return Err(DenseError::ModelHash { path: dir.join("model.onnx"), got: sha256, expected: MODEL_SHA256.into() });
        }
        let tokenizer_files = TokenizerFiles {
            tokenizer_file: read("tokenizer.json")?,
            config_file: read("config.json")?,
            special_tokens_map_file: read("special_tokens_map.json")?,
            tokenizer_config_file: read("tokenizer_config.json")?,
        };
        let environment = init_runtime()?;
        // The graph pools and normalizes itself (one 2-D output); fastembed's Mean
        // pooling passes a 2-D output through unchanged.
        let model = UserDefinedEmbeddingModel::new(onnx, tokenizer_files).with_pooling(Pooling::Mean);
        // One thread: a question's few words take about a millisecond, and the
        // machine's cores belong to the LLM.
        let options = InitOptionsUserDefined::new().with_max_length(MAX_TOKENS).with_intra_threads(1).with_environment(environment);
        let model = TextEmbedding::try_new_from_user_defined(model, options).map_err(|e| DenseError::ModelLoad(e.to_string()))?;
        Ok(M3eEmbedder { model: Mutex::new(model), sha256 })
    }
}

impl Embedder for M3eEmbedder {
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, DenseError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let mut model = self.model.lock().unwrap_or_else(|p| p.into_inner());
        // One text per run: the int8 graph quantizes activations with a range taken
        // from the whole batch (padding included), so a word's vector would depend on
        // which words it was batched with (cosine moves by ~0.005) and recall would
        // depend on history. Alone, each text always gets the same vector.
        model.embed(texts, Some(1)).map_err(|e| DenseError::Embed(e.to_string()))
    }

    fn id(&self) -> &str {
        &self.sha256
    }
}

/// Whether the doc embeddings came from the disk cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// Read from the cache file.
    Hit,
    /// Computed with the model (and written to the cache when it has a directory).
    Computed,
}

const CACHE_MAGIC: &[u8; 8] = b"NL2SQLE1";

/// `$NL2SQL_HOME/cache/dense`.
pub fn default_cache_dir() -> PathBuf {
    fetch::home_dir().join("cache").join("dense")
}

/// Column docs embedded as several views (doc text, name, each alias); a column
/// scores the best cosine over its views.
pub struct DenseMatcher {
    embedder: Box<dyn Embedder>,
    /// Row-major, one unit vector per view.
    views: Vec<f32>,
    view_column: Vec<usize>,
    n_columns: usize,
    dim: usize,
    cache_status: CacheStatus,
    words: Mutex<HashMap<String, Arc<Vec<f32>>>>,
}

impl DenseMatcher {
    /// `columns[i]` holds the texts (views) of column i. Doc embeddings are read
    /// from `cache_dir` when a file for this model and these exact texts exists.
    pub fn new(embedder: Box<dyn Embedder>, columns: &[Vec<String>], cache_dir: Option<&Path>) -> Result<DenseMatcher, DenseError> {
        let texts: Vec<&str> = columns.iter().flatten().map(String::as_str).collect();
        let view_column: Vec<usize> = columns.iter().enumerate().flat_map(|(i, v)| std::iter::repeat_n(i, v.len())).collect();
        let key = cache_key(embedder.id(), columns);
        let file = cache_dir.map(|d| d.join(format!("m3e-{}.f32", &key[..32])));
        let cached = file.as_deref().and_then(|f| read_cache(f, &key, texts.len()));
        let (views, dim, cache_status) = match cached {
            Some((v, dim)) => (v, dim, CacheStatus::Hit),
            None => {
                let vecs = embedder.embed(&texts)?;
                let dim = vecs.first().map(Vec::len).unwrap_or(0);
                if vecs.len() != texts.len() || vecs.iter().any(|v| v.len() != dim) {
                    return Err(DenseError::Embed(format!("model returned {} vectors for {} texts", vecs.len(), texts.len())));
                }
                let flat: Vec<f32> = vecs.into_iter().flatten().collect();
                if let Some(f) = &file {
                    // A cache we cannot write only costs time on the next start.
                    if let Err(e) = write_cache(f, &key, texts.len(), dim, &flat) {
                        eprintln!("note: could not write the embedding cache {}: {e}", f.display());
                    }
                }
                (flat, dim, CacheStatus::Computed)
            }
        };
        Ok(DenseMatcher {
            embedder,
            views,
            view_column,
            n_columns: columns.len(),
            dim,
            cache_status,
            words: Mutex::new(HashMap::new()),
        })
    }

    pub fn cache_status(&self) -> CacheStatus {
        self.cache_status
    }

    /// Best cosine per column for each word (in order). Words seen before come from
    /// memory; the others are embedded in one batch.
    pub fn column_scores(&self, words: &[&str]) -> Result<Vec<Vec<f32>>, DenseError> {
        let vecs = self.embed_words(words)?;
        Ok(vecs.iter().map(|v| self.scores_of(v)).collect())
    }

    /// The `k` best columns for one word, best first, with their cosine.
    pub fn top_k(&self, word: &str, k: usize) -> Result<Vec<(usize, f32)>, DenseError> {
        let scores = self.column_scores(&[word])?.pop().unwrap_or_default();
        Ok(top_k_of(&scores, k))
    }

    fn scores_of(&self, v: &[f32]) -> Vec<f32> {
        let mut best = vec![f32::MIN; self.n_columns];
        for (row, &col) in self.views.chunks_exact(self.dim.max(1)).zip(&self.view_column) {
            let cos: f32 = row.iter().zip(v).map(|(a, b)| a * b).sum();
            if cos > best[col] {
                best[col] = cos;
            }
        }
        best
    }

    fn embed_words(&self, words: &[&str]) -> Result<Vec<Arc<Vec<f32>>>, DenseError> {
        let mut out: Vec<Option<Arc<Vec<f32>>>> = {
            let cache = self.words.lock().unwrap_or_else(|p| p.into_inner());
            words.iter().map(|w| cache.get(*w).cloned()).collect()
        };
        let mut missing: Vec<&str> = words.iter().zip(&out).filter(|(_, v)| v.is_none()).map(|(w, _)| *w).collect();
        missing.sort_unstable();
        missing.dedup();
        if !missing.is_empty() {
            let vecs = self.embedder.embed(&missing)?;
            if vecs.len() != missing.len() || vecs.iter().any(|v| v.len() != self.dim) {
                return Err(DenseError::Embed(format!("model returned {} vectors for {} words", vecs.len(), missing.len())));
            }
            let mut cache = self.words.lock().unwrap_or_else(|p| p.into_inner());
            if cache.len() + missing.len() > WORD_CACHE_MAX {
                cache.clear();
            }
            for (w, v) in missing.iter().zip(vecs) {
                cache.insert((*w).to_string(), Arc::new(v));
            }
            for (slot, w) in out.iter_mut().zip(words) {
                if slot.is_none() {
                    *slot = cache.get(*w).cloned();
                }
            }
        }
        Ok(out.into_iter().map(|v| v.unwrap_or_default()).collect())
    }
}

/// Indices of the `k` largest scores, best first.
pub fn top_k_of(scores: &[f32], k: usize) -> Vec<(usize, f32)> {
    let mut idx: Vec<(usize, f32)> = scores.iter().copied().enumerate().collect();
    idx.sort_by(|a, b| b.1.total_cmp(&a.1));
    idx.truncate(k);
    idx
}

/// sha256 over the model id and every view text, with separators that cannot
/// occur in the texts, so any edit to a doc changes the key.
fn cache_key(model_id: &str, columns: &[Vec<String>]) -> String {
    let mut h = Sha256::new();
    h.update(model_id.as_bytes());
    for views in columns {
        h.update([0x1e]);
        for v in views {
            h.update([0x1f]);
            h.update(v.as_bytes());
        }
    }
    hex::encode(h.finalize())
}

/// File layout: magic, the full key (64 hex bytes), rows and dim (u32 LE), then
/// rows × dim f32 LE. Anything that does not match exactly is a miss.
fn read_cache(path: &Path, key: &str, rows: usize) -> Option<(Vec<f32>, usize)> {
    let bytes = std::fs::read(path).ok()?;
    let header = 8 + 64 + 8;
    if bytes.len() < header || &bytes[..8] != CACHE_MAGIC || &bytes[8..72] != key.as_bytes() {
        return None;
    }
    let n = u32::from_le_bytes(bytes[72..76].try_into().ok()?) as usize;
    let dim = u32::from_le_bytes(bytes[76..80].try_into().ok()?) as usize;
    if n != rows || dim == 0 || bytes.len() != header + n * dim * 4 {
        return None;
    }
    let v: Vec<f32> = bytes[header..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    v.iter().all(|x| x.is_finite()).then_some((v, dim))
}

fn write_cache(path: &Path, key: &str, rows: usize, dim: usize, data: &[f32]) -> std::io::Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let mut bytes = Vec::with_capacity(80 + data.len() * 4);
    bytes.extend_from_slice(CACHE_MAGIC);
    bytes.extend_from_slice(key.as_bytes());
    bytes.extend_from_slice(&(rows as u32).to_le_bytes());
    bytes.extend_from_slice(&(dim as u32).to_le_bytes());
    for x in data {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    // Write then rename: a reader never sees half a file.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, &bytes)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic stand-in: a character-count vector, normalized.
    struct CharEmbedder(std::sync::atomic::AtomicUsize);
    impl Embedder for CharEmbedder {
        fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, DenseError> {
            self.0.fetch_add(texts.len(), std::sync::atomic::Ordering::SeqCst);
            Ok(texts
                .iter()
                .map(|t| {
                    let mut v = [0f32; 16];
                    for c in t.chars() {
                        v[c as usize % 16] += 1.0;
                    }
                    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
                    v.iter().map(|x| x / n).collect()
                })
                .collect())
        }
        fn id(&self) -> &str {
            "char-test"
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("nl2sql-dense-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn cache_hits_then_misses_when_docs_change() {
        let dir = scratch("cache");
        let docs = vec![vec!["营业收入".to_string()], vec!["研发费用".to_string(), "研发投入".to_string()]];
        let m = DenseMatcher::new(Box::new(CharEmbedder(0.into())), &docs, Some(&dir)).unwrap();
        assert_eq!(m.cache_status(), CacheStatus::Computed);
        let m2 = DenseMatcher::new(Box::new(CharEmbedder(0.into())), &docs, Some(&dir)).unwrap();
        assert_eq!(m2.cache_status(), CacheStatus::Hit);
        assert_eq!(m.views, m2.views);
        let mut changed = docs.clone();
        changed[1].push("研发支出".into());
        let m3 = DenseMatcher::new(Box::new(CharEmbedder(0.into())), &changed, Some(&dir)).unwrap();
        assert_eq!(m3.cache_status(), CacheStatus::Computed);
        // A truncated cache file is a miss, not an error.
        for f in std::fs::read_dir(&dir).unwrap() {
            let p = f.unwrap().path();
            let b = std::fs::read(&p).unwrap();
            std::fs::write(&p, &b[..b.len() / 2]).unwrap();
        }
        let m4 = DenseMatcher::new(Box::new(CharEmbedder(0.into())), &docs, Some(&dir)).unwrap();
        assert_eq!(m4.cache_status(), CacheStatus::Computed);
    }

    #[test]
    fn word_vectors_are_cached_and_best_view_wins() {
        let e = Box::new(CharEmbedder(0.into()));
        let docs = vec![vec!["营业收入".to_string()], vec!["研发费用 公司的研发开支".to_string(), "研发投入".to_string()]];
        let m = DenseMatcher::new(e, &docs, None).unwrap();
        let top = m.top_k("研发投入", 2).unwrap();
        assert_eq!(top[0].0, 1);
        assert!((top[0].1 - 1.0).abs() < 1e-5, "the alias view matches exactly: {top:?}");
        let before = m.words.lock().unwrap().len();
        m.column_scores(&["研发投入", "研发投入"]).unwrap();
        assert_eq!(m.words.lock().unwrap().len(), before);
    }
}
