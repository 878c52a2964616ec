//! Which matmul kernel runs the packed (Q8_0, Q5_0, Q4_K, Q6_K) projections, picked once at start-up from
//! the CPU's features (`is_x86_feature_detected!`), or forced with
//! `NL2SQL_KERNEL=avx512vnni|avxvnni|avx2|fallback` (`NL2SQL_NO_PACKED=1` is an alias of
//! `fallback`). Every SIMD function behind a kernel is compiled with its own
//! `#[target_feature]` and only ever called for a kernel that `supported()` says
//! this CPU runs, so the code is correct whatever `-C target-cpu` the crate is
//! built with. A forced kernel the CPU lacks is an error at load, never a crash.

use std::sync::OnceLock;

/// A kernel family for the packed quantized matmul.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kernel {
    /// 512-bit `vpdpbusd`: 16 rows × 4 inputs per instruction.
    Avx512Vnni,
    /// 256-bit VEX `vpdpbusd` (AVX-VNNI: Intel Alder Lake / Sapphire Rapids on, AMD
    /// Zen 5): 8 rows × 4 inputs per instruction, on the AVX2 kernel's units.
    AvxVnni,
    /// 256-bit `vpmaddubsw` + `vpmaddwd` (the route ggml takes on AVX2).
    Avx2,
    /// candle's own quantized kernels; nothing is packed.
    Fallback,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KernelError {
    #[error("NL2SQL_KERNEL={0:?} is not a kernel: use avx512vnni, avxvnni, avx2 or fallback")]
    Unknown(String),
    #[error("NL2SQL_KERNEL={kernel} was forced, but this CPU lacks {missing}")]
    Unsupported { kernel: &'static str, missing: String },
}

impl Kernel {
    /// Every kernel, fastest first.
    pub const ALL: [Kernel; 4] = [Kernel::Avx512Vnni, Kernel::AvxVnni, Kernel::Avx2, Kernel::Fallback];

    pub fn name(self) -> &'static str {
        match self {
            Kernel::Avx512Vnni => "avx512vnni",
            Kernel::AvxVnni => "avxvnni",
            Kernel::Avx2 => "avx2",
            Kernel::Fallback => "fallback",
        }
    }

    pub fn parse(s: &str) -> Result<Kernel, KernelError> {
        Kernel::ALL.into_iter().find(|k| k.name() == s.trim()).ok_or_else(|| KernelError::Unknown(s.to_string()))
    }

    /// CPU features this kernel needs that the running CPU lacks (empty: it runs here).
    pub fn missing_features(self) -> Vec<&'static str> {
        let needs: &[&'static str] = match self {
            // AVX2 too: the K-quant tiles run their AVX2 code under this kernel.
            Kernel::Avx512Vnni => &["avx512f", "avx512bw", "avx512vnni", "avx2", "fma", "f16c"],
            Kernel::AvxVnni => &["avx2", "fma", "f16c", "avxvnni"],
            Kernel::Avx2 => &["avx2", "fma", "f16c"],
            Kernel::Fallback => &[],
        };
        needs.iter().copied().filter(|f| !has_feature(f)).collect()
    }

    /// Whether this CPU runs the kernel.
    pub fn supported(self) -> bool {
        self.missing_features().is_empty()
    }

    /// Whether the kernel packs weights (everything but the fallback).
    pub fn is_packed(self) -> bool {
        self != Kernel::Fallback
    }

    /// The fastest kernel this CPU runs.
    pub fn detect() -> Kernel {
        Kernel::ALL.into_iter().find(|k| k.supported()).unwrap_or(Kernel::Fallback)
    }

    /// The kernel for a forced name (or none), checked against this CPU.
    pub fn choose(forced: Option<&str>, no_packed: bool) -> Result<Kernel, KernelError> {
        let kernel = match forced {
            Some(name) if !name.trim().is_empty() => Kernel::parse(name)?,
            _ if no_packed => Kernel::Fallback,
            _ => return Ok(Kernel::detect()),
        };
        let missing = kernel.missing_features();
        if !missing.is_empty() {
            return Err(KernelError::Unsupported { kernel: kernel.name(), missing: missing.join(", ") });
        }
        Ok(kernel)
    }

    /// The kernel of this process: `NL2SQL_KERNEL` / `NL2SQL_NO_PACKED` or detection,
    /// decided on first use and kept.
    pub fn selected() -> Result<Kernel, KernelError> {
        static SELECTED: OnceLock<Result<Kernel, KernelError>> = OnceLock::new();
        SELECTED
            .get_or_init(|| {
                let forced = std::env::var("NL2SQL_KERNEL").ok();
                let no_packed = std::env::var("NL2SQL_NO_PACKED").is_ok_and(|v| v != "0");
                Kernel::choose(forced.as_deref(), no_packed)
            })
            .clone()
    }
}

impl std::fmt::Display for Kernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(target_arch = "x86_64")]
fn has_feature(f: &str) -> bool {
    match f {
        "avx512f" => is_x86_feature_detected!("avx512f"),
        "avx512bw" => is_x86_feature_detected!("avx512bw"),
        "avx512vnni" => is_x86_feature_detected!("avx512vnni"),
        "avxvnni" => is_x86_feature_detected!("avxvnni"),
        "avx2" => is_x86_feature_detected!("avx2"),
        "fma" => is_x86_feature_detected!("fma"),
        "f16c" => is_x86_feature_detected!("f16c"),
        _ => false,
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn has_feature(_: &str) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_forced_kernels_are_checked_against_the_cpu() {
        for k in Kernel::ALL {
            assert_eq!(Kernel::parse(k.name()), Ok(k));
        }
        assert!(matches!(Kernel::parse("avx9"), Err(KernelError::Unknown(_))));
        assert_eq!(Kernel::choose(None, true), Ok(Kernel::Fallback), "NL2SQL_NO_PACKED is the fallback");
        assert_eq!(Kernel::choose(Some("fallback"), false), Ok(Kernel::Fallback));
        assert!(Kernel::choose(Some("avx3"), false).is_err());
        for k in Kernel::ALL {
            match Kernel::choose(Some(k.name()), false) {
                Ok(got) => assert!(got == k && k.supported()),
                Err(e) => {
                    assert!(!k.supported());
                    assert!(matches!(&e, KernelError::Unsupported { .. }), "{e}");
                    eprintln!("{k}: not on this CPU, so forcing it is refused: {e}");
                }
            }
        }
        let d = Kernel::detect();
        assert!(d.supported());
        eprintln!("detected kernel on this CPU: {d}");
    }
}
