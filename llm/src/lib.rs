//! Everything about the language model: fetching the GGUF, building its tokenizer,
//! running Qwen2 on candle, and the `SqlGenerator` seam the engine talks to.

pub mod constraint;
pub mod draft;
pub mod fetch;
pub mod generate;
pub mod kernel;
pub mod http;
pub mod lora;
pub mod packed;
pub mod qwen2;
pub mod tokenizer;

pub use fetch::{ensure_model, ModelSize, ModelSpec};
pub use generate::QwenGenerator;
pub use kernel::Kernel;
pub use lora::LoraMode;
pub use http::HttpGenerator;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("model fetch failed: {0}")]
    Fetch(#[from] ::fetch::FetchError),
    #[error("model file {path} is unusable: {message}. Delete it and run `nl2sql fetch` to download it again")]
    BadModel { path: String, message: String },
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    #[error("model run failed: {0}")]
    Model(#[from] candle_core::Error),
    #[error("prompt of {tokens} tokens exceeds the context of {max} tokens")]
    PromptTooLong { tokens: usize, max: usize },
    #[error("LoRA adapter {path}: {message}")]
    Adapter { path: String, message: String },
    #[error("generation cancelled")]
    Cancelled,
    #[error("HTTP backend: {0}")]
    Http(String),
    #[error("matmul kernel: {0}")]
    Kernel(#[from] kernel::KernelError),
}

/// A chat request: the fixed system text and the per-question user text.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatPrompt {
    pub system: String,
    pub user: String,
}

#[derive(Clone)]
pub struct GenOptions {
    pub max_new_tokens: usize,
    /// Set from another thread (Ctrl-C in the REPL) to stop decoding early.
    pub cancel: Option<Arc<AtomicBool>>,
    /// Prompt-lookup speculative decoding: at most this many tokens copied from the
    /// prompt are verified per step (0 = plain greedy decoding). Either way the
    /// output is the greedy one.
    pub draft_tokens: usize,
    /// What the decoder may emit (in-process model only; an HTTP backend ignores it).
    pub constraint: Option<Arc<dyn constraint::TokenConstraint>>,
    /// A guess at the output (the engine's SQL skeleton from recall) that drafts may
    /// also be copied from; never shown to the model, so it cannot change the output.
    pub draft_reference: Option<Arc<str>>,
}

impl std::fmt::Debug for GenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenOptions")
            .field("max_new_tokens", &self.max_new_tokens)
            .field("cancel", &self.cancel)
            .field("draft_tokens", &self.draft_tokens)
            .field("constraint", &self.constraint.is_some())
            .field("draft_reference", &self.draft_reference)
            .finish()
    }
}

/// Draft length used unless a caller asks otherwise.
pub const DEFAULT_DRAFT_TOKENS: usize = 8;

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions { max_new_tokens: 200, cancel: None, draft_tokens: DEFAULT_DRAFT_TOKENS, constraint: None, draft_reference: None }
    }
}

/// What one generation produced and what it cost.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Generation {
    pub text: String,
    pub prompt_tokens: usize,
    /// Prompt tokens served from the cached system-prefix KV cache.
    pub cached_tokens: usize,
    pub new_tokens: usize,
    pub prefill_ms: f64,
    pub decode_ms: f64,
    /// Forward passes during decoding (one per token without drafts).
    pub decode_steps: usize,
    /// Draft tokens proposed and accepted (prompt lookup).
    pub drafted: usize,
    pub accepted: usize,
    /// Picks the constraint changed (the greedy token was not allowed).
    pub constrained: usize,
}

/// The seam between the engine and whatever writes SQL (in-process model, HTTP server).
pub trait SqlGenerator: Send + Sync {
    fn generate(&self, prompt: &ChatPrompt, opts: &GenOptions) -> Result<Generation, LlmError>;
    /// Human-readable identity (model file, adapter, backend).
    fn describe(&self) -> String;
    /// Token count of a prompt, when the backend can tell.
    fn count_tokens(&self, prompt: &ChatPrompt) -> Option<usize>;
}
