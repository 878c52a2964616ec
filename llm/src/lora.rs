//! PEFT LoRA adapters (adapter_model.safetensors + adapter_config.json), either merged
//! into the base weights at load (W' = W + (alpha / r) · B · A, then re-quantized) or
//! applied at run time beside the untouched base weight (y = W·x + (alpha / r) · B·(A·x)).
//! Every A/B pair is checked
//! against the base weight's shape and every adapter tensor must find its weight,
//! so a mismatched adapter fails loudly instead of broadcasting silently.

use crate::LlmError;
use candle_core::{DType, Device, Tensor};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How an adapter reaches the forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoraMode {
    /// Add B·A into each weight once at load and re-quantize it to Q8_0.
    #[default]
    Merge,
    /// Keep the base weight as it is and add the rank-r product per token.
    Runtime,
}

impl LoraMode {
    pub fn parse(s: &str) -> Option<LoraMode> {
        match s {
            "merge" => Some(LoraMode::Merge),
            "runtime" => Some(LoraMode::Runtime),
            _ => None,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
struct AdapterConfig {
    r: usize,
    lora_alpha: f64,
    #[serde(default)]
    target_modules: serde_json::Value,
    #[serde(default)]
    use_rslora: bool,
}

#[derive(Debug)]
pub struct LoraAdapter {
    pub path: PathBuf,
    pub rank: usize,
    pub scale: f64,
    pub targets: Vec<String>,
    /// module name (e.g. `model.layers.0.self_attn.q_proj`) -> (A, B)
    pairs: HashMap<String, (Tensor, Tensor)>,
    used: Mutex<HashSet<String>>,
}

/// Largest rank and |alpha / r| accepted: trained adapters use r ≤ 256 and scales of
/// about 0.5–4; anything far beyond is a broken file that would wreck the weights.
pub const MAX_RANK: usize = 4096;
pub const MAX_SCALE: f64 = 100.0;

impl AdapterConfig {
    fn scale(&self) -> f64 {
        if self.use_rslora {
            self.lora_alpha / (self.r as f64).sqrt()
        } else {
            self.lora_alpha / self.r as f64
        }
    }
}

/// Read and check `dir/adapter_config.json`: a rank in 1..=MAX_RANK and a finite
/// scale of at most MAX_SCALE. Cheap (no tensors), so callers can check early.
pub fn check_config(dir: &Path) -> Result<(), LlmError> {
    read_config(dir).map(|_| ())
}

fn read_config(dir: &Path) -> Result<AdapterConfig, LlmError> {
    let cfg_path = dir.join("adapter_config.json");
    let cfg_text = std::fs::read_to_string(&cfg_path).map_err(|e| err(&cfg_path, format!("{e} (an adapter directory holds adapter_config.json and adapter_model.safetensors; or pass --adapter none)")))?;
    let cfg: AdapterConfig = serde_json::from_str(&cfg_text).map_err(|e| err(&cfg_path, e.to_string()))?;
    if cfg.r == 0 || cfg.r > MAX_RANK {
        return Err(err(&cfg_path, format!("rank r = {} is outside 1..={MAX_RANK}", cfg.r)));
    }
    let scale = cfg.scale();
    if !cfg.lora_alpha.is_finite() || !scale.is_finite() || scale.abs() > MAX_SCALE {
        return Err(err(&cfg_path, format!("lora_alpha {:e} gives scale {scale:e}, outside ±{MAX_SCALE}", cfg.lora_alpha)));
    }
    Ok(cfg)
}

fn err(path: &Path, message: impl Into<String>) -> LlmError {
    LlmError::Adapter { path: path.display().to_string(), message: message.into() }
}

impl LoraAdapter {
    /// `dir` holds adapter_model.safetensors and adapter_config.json.
    pub fn load(dir: &Path) -> Result<LoraAdapter, LlmError> {
        let cfg = read_config(dir)?;
        let targets = match &cfg.target_modules {
            serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
            serde_json::Value::String(s) => vec![s.clone()],
            _ => Vec::new(),
        };
        let st_path = dir.join("adapter_model.safetensors");
        let tensors = candle_core::safetensors::load(&st_path, &Device::Cpu).map_err(|e| err(&st_path, e.to_string()))?;
        let mut a_parts = HashMap::new();
        let mut b_parts = HashMap::new();
        for (name, t) in tensors {
            let t = t.to_dtype(DType::F32).map_err(|e| err(&st_path, e.to_string()))?;
            let module = name.strip_prefix("base_model.model.").unwrap_or(&name).to_string();
            if let Some(m) = module.strip_suffix(".lora_A.weight") {
                a_parts.insert(m.to_string(), t);
            } else if let Some(m) = module.strip_suffix(".lora_B.weight") {
                b_parts.insert(m.to_string(), t);
            } else {
                return Err(err(&st_path, format!("unexpected tensor {name} (only lora_A/lora_B weights are supported)")));
            }
        }
        let mut pairs = HashMap::new();
        for (m, a) in a_parts {
            let b = b_parts.remove(&m).ok_or_else(|| err(&st_path, format!("{m} has lora_A but no lora_B")))?;
            pairs.insert(m, (a, b));
        }
        if let Some(m) = b_parts.keys().next() {
            return Err(err(&st_path, format!("{m} has lora_B but no lora_A")));
        }
        let scale = cfg.scale();
        Ok(LoraAdapter { path: dir.to_path_buf(), rank: cfg.r, scale, targets, pairs, used: Mutex::new(HashSet::new()) })
    }

    /// The (A, B) pair for a base weight of shape (out, in), if the adapter touches it;
    /// marks the module used.
    fn pair(&self, module: &str, dims: &[usize]) -> candle_core::Result<Option<&(Tensor, Tensor)>> {
        let Some(pair @ (a, b)) = self.pairs.get(module) else { return Ok(None) };
        let (out, inp) = match dims {
            [o, i] => (*o, *i),
            _ => candle_core::bail!("adapter {}: base weight {module} has shape {dims:?}, not 2-D", self.path.display()),
        };
        let (ar, ain) = a.dims2()?;
        let (bout, br) = b.dims2()?;
        if ar != self.rank || br != self.rank || ain != inp || bout != out {
            candle_core::bail!(
                "adapter {}: {module} lora_A {:?} / lora_B {:?} do not fit base weight (out {out}, in {inp}) at rank {}",
                self.path.display(), a.dims(), b.dims(), self.rank
            );
        }
        if let Ok(mut used) = self.used.lock() {
            used.insert(module.to_string());
        }
        Ok(Some(pair))
    }

    /// The dense delta (alpha / r) · B · A for merging.
    pub fn delta(&self, module: &str, dims: &[usize]) -> candle_core::Result<Option<Tensor>> {
        match self.pair(module, dims)? {
            Some((a, b)) => Ok(Some((b.matmul(a)? * self.scale)?)),
            None => Ok(None),
        }
    }

    /// Aᵀ (in, r) and the scaled Bᵀ (r, out), laid out so `x · Aᵀ · Bᵀ` is the delta's output.
    pub fn low_rank(&self, module: &str, dims: &[usize]) -> candle_core::Result<Option<(Tensor, Tensor)>> {
        match self.pair(module, dims)? {
            Some((a, b)) => Ok(Some((a.t()?.contiguous()?, (b * self.scale)?.t()?.contiguous()?))),
            None => Ok(None),
        }
    }

    /// Fails if some adapter module matched no base weight (wrong model or names).
    pub fn check_all_used(&self) -> candle_core::Result<()> {
        let used = self.used.lock().map(|u| u.clone()).unwrap_or_default();
        let mut unused: Vec<&String> = self.pairs.keys().filter(|k| !used.contains(*k)).collect();
        unused.sort();
        if let Some(first) = unused.first() {
            candle_core::bail!("adapter {}: {} module(s) match no base weight, e.g. {first}", self.path.display(), unused.len());
        }
        Ok(())
    }

    pub fn module_count(&self) -> usize {
        self.pairs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(config: &str) -> PathBuf {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let d = std::env::temp_dir().join(format!("nl2sql-lora-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("adapter_config.json"), config).unwrap();
        d
    }

    #[test]
    fn absurd_or_non_finite_scales_are_refused() {
        for (cfg, ok) in [
            (r#"{"r": 16, "lora_alpha": 32}"#, true),
            (r#"{"r": 8, "lora_alpha": 16, "use_rslora": true}"#, true),
            (r#"{"r": 16, "lora_alpha": 1e308}"#, false),
            (r#"{"r": 1, "lora_alpha": -5000}"#, false),
            (r#"{"r": 0, "lora_alpha": 16}"#, false),
            (r#"{"r": 100000, "lora_alpha": 16}"#, false),
            (r#"{"r": 16, "lora_alpha": 1e400}"#, false),
        ] {
            let d = dir_with(cfg);
            let r = check_config(&d);
            assert_eq!(r.is_ok(), ok, "{cfg}: {r:?}");
            if !ok {
                let loaded = LoraAdapter::load(&d);
                assert!(matches!(loaded, Err(LlmError::Adapter { .. })), "{cfg}");
            }
            let _ = std::fs::remove_dir_all(&d);
        }
    }
}
