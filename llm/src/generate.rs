//! The in-process generator: tokenizer + Qwen2 + greedy decoding. The system
//! prompt is the same for every question, so its KV cache is computed once and
//! cloned; each question pays only for its own tokens.

use crate::constraint::{constrained_pick, TokenConstraint};
use crate::draft::{self, DraftPolicy};
use crate::kernel::Kernel;
use crate::lora::{LoraAdapter, LoraMode};
use crate::qwen2::{KvCache, Qwen2};
use crate::tokenizer::{tokenizer_from_gguf, SpecialTokens};
use crate::{ChatPrompt, GenOptions, Generation, LlmError, SqlGenerator};
use candle_core::quantized::gguf_file;
use candle_core::Device;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Mutex;
use std::time::Instant;
use tokenizers::Tokenizer;

/// The longest draft the policy weighs (`GenOptions::draft_tokens` above it is cut to it).
const MAX_DRAFT: usize = 16;

const FALLBACK_TEMPLATE: &str = "{% for message in messages %}{{ '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

struct PrefixCache {
    system: String,
    ids: Vec<u32>,
    cache: KvCache,
}

pub struct QwenGenerator {
    model: Qwen2,
    tokenizer: Tokenizer,
    special: SpecialTokens,
    /// Each token's bytes, for the decoding constraint.
    pieces: Vec<Vec<u8>>,
    /// The GGUF's chat template, compiled once at load.
    chat: minijinja::Environment<'static>,
    model_path: PathBuf,
    adapter: Option<(PathBuf, usize, LoraMode)>,
    kernel: Kernel,
    prefix: Mutex<Option<PrefixCache>>,
    /// Draft lengths learnt from this machine's step times and kept drafts, shared by
    /// every generation of this model.
    drafts: Mutex<DraftPolicy>,
    pub load_ms: f64,
}

impl QwenGenerator {
    /// Load with the adapter (if any) merged into the weights.
    pub fn load(model_path: &Path, adapter_dir: Option<&Path>) -> Result<QwenGenerator, LlmError> {
        QwenGenerator::load_with(model_path, adapter_dir, LoraMode::default())
    }

    pub fn load_with(model_path: &Path, adapter_dir: Option<&Path>, mode: LoraMode) -> Result<QwenGenerator, LlmError> {
        let start = Instant::now();
        // A forced kernel this CPU lacks is refused before anything is read.
        let kernel = Kernel::selected()?;
        let bad = |message: String| LlmError::BadModel { path: model_path.display().to_string(), message };
        let mut file = std::fs::File::open(model_path).map_err(|e| bad(e.to_string()))?;
        let ct = gguf_file::Content::read(&mut file).map_err(|e| bad(format!("not a readable GGUF: {e}")))?;
        let (tokenizer, special, pieces) = tokenizer_from_gguf(&ct)?;
        let template = match ct.metadata.get("tokenizer.chat_template") {
            Some(v) => v.to_string().cloned().unwrap_or_else(|_| FALLBACK_TEMPLATE.to_string()),
            None => FALLBACK_TEMPLATE.to_string(),
        };
        let mut chat = minijinja::Environment::new();
        chat.add_template_owned("chat", template).map_err(|e| LlmError::Tokenizer(format!("chat template: {e}")))?;
        let adapter = adapter_dir.map(LoraAdapter::load).transpose()?;
        let model = Qwen2::from_gguf(&ct, &mut file, &Device::Cpu, adapter.as_ref().map(|a| (a, mode))).map_err(|e| match &adapter {
            Some(a) if e.to_string().contains("adapter") => LlmError::Adapter { path: a.path.display().to_string(), message: e.to_string() },
            _ => bad(e.to_string()),
        })?;
        Ok(QwenGenerator {
            model,
            tokenizer,
            special,
            pieces,
            chat,
            model_path: model_path.to_path_buf(),
            adapter: adapter.map(|a| (a.path.clone(), a.module_count(), mode)),
            kernel,
            prefix: Mutex::new(None),
            drafts: Mutex::new(DraftPolicy::new(MAX_DRAFT)),
            load_ms: start.elapsed().as_secs_f64() * 1e3,
        })
    }

    /// The matmul kernel the model's packed projections run on.
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// Render the chat template from the GGUF (Qwen2.5's ChatML).
    pub fn render(&self, system: &str, user: &str) -> Result<String, LlmError> {
        let tmpl = self.chat.get_template("chat").map_err(|e| LlmError::Tokenizer(format!("chat template: {e}")))?;
        let messages = vec![
            minijinja::context! { role => "system", content => system },
            minijinja::context! { role => "user", content => user },
        ];
        tmpl.render(minijinja::context! { messages => messages, add_generation_prompt => true })
            .map_err(|e| LlmError::Tokenizer(format!("chat template: {e}")))
    }

    pub fn encode(&self, text: &str) -> Result<Vec<u32>, LlmError> {
        Ok(self.tokenizer.encode(text, false).map_err(|e| LlmError::Tokenizer(e.to_string()))?.get_ids().to_vec())
    }

    fn is_stop(&self, id: u32) -> bool {
        id == self.special.eos || Some(id) == self.special.im_end || Some(id) == self.special.endoftext
    }

    /// A cache holding the system prefix, when `ids` starts with it.
    fn cached_prefix(&self, system: &str, ids: &[u32]) -> Result<Option<(usize, KvCache)>, LlmError> {
        {
            let guard = self.prefix.lock().map_err(|_| LlmError::Tokenizer("prefix cache poisoned".into()))?;
            if let Some(p) = guard.as_ref() {
                if p.system == system {
                    return Ok(ids.starts_with(&p.ids).then(|| (p.ids.len(), p.cache.clone())));
                }
            }
        }
        // The prefix is the rendered prompt up to where the user text begins.
        const MARK: &str = "\u{E000}";
        let rendered = self.render(system, MARK)?;
        let Some(at) = rendered.find(MARK) else { return Ok(None) };
        let prefix_ids = self.encode(&rendered[..at])?;
        if prefix_ids.len() < 8 || !ids.starts_with(&prefix_ids) {
            return Ok(None);
        }
        let mut cache = self.model.new_cache();
        self.model.forward(&prefix_ids, &mut cache)?;
        let n = prefix_ids.len();
        let out = cache.clone();
        if let Ok(mut guard) = self.prefix.lock() {
            *guard = Some(PrefixCache { system: system.to_string(), ids: prefix_ids, cache });
        }
        Ok(Some((n, out)))
    }
}

/// Decoded tokens and what decoding them took.
struct Decoded {
    tokens: Vec<u32>,
    steps: usize,
    drafted: usize,
    accepted: usize,
    constrained: usize,
}

impl QwenGenerator {
    /// Greedy decoding from `next` (the prefill's pick) with `cache` holding `ids`.
    /// With drafts on, each step runs `next` plus up to `opts.draft_tokens` tokens
    /// copied from the text so far (`draft::lookup_ngram`; how many is the
    /// `DraftPolicy`'s choice) in one forward pass and keeps the drafted tokens the
    /// model itself would have picked, then the model's pick after them; the cache is
    /// cut back to what was kept. The tokens are those of plain greedy decoding.
    fn decode(&self, ids: &[u32], mut next: u32, cache: &mut KvCache, opts: &GenOptions) -> Result<Decoded, LlmError> {
        let cancelled = || opts.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed));
        let mut context = ids.to_vec();
        let reference = self.draft_reference(ids, opts)?;
        let mut d = Decoded { tokens: Vec::new(), steps: 0, drafted: 0, accepted: 0, constrained: 0 };
        let mut text: Vec<u8> = Vec::new();
        while !self.is_stop(next) && d.tokens.len() < opts.max_new_tokens {
            if cancelled() {
                return Err(LlmError::Cancelled);
            }
            d.tokens.push(next);
            context.push(next);
            text.extend_from_slice(self.piece(next));
            let room = opts.max_new_tokens - d.tokens.len();
            let (draft, ngram) = match draft::lookup_ngram_in(&context, &reference, opts.draft_tokens.min(room).min(MAX_DRAFT)) {
                Some((mut draft, n)) => {
                    draft.truncate(self.drafts.lock().map(|mut p| p.length(draft.len(), n)).unwrap_or(draft.len()));
                    (draft, n)
                }
                None => (Vec::new(), 0),
            };
            d.steps += 1;
            let step = Instant::now();
            if draft.is_empty() {
                let logits = self.model.forward(&[next], cache)?;
                next = self.pick(Qwen2::argmax(&logits)?, || Ok(logits.clone()), &text, opts, &mut d.constrained)?;
                self.record_step(1, step, None);
                continue;
            }
            let pos = cache.len();
            let input: Vec<u32> = std::iter::once(next).chain(draft.iter().copied()).collect();
            let logits = self.model.forward_all(&input, cache)?;
            // greedy[i]: the model's greedy token after input[i].
            let greedy: Vec<u32> = logits.argmax(candle_core::D::Minus1)?.to_vec1()?;
            // Keep the drafted tokens the (constrained) greedy pick agrees with; `text`
            // grows with each kept one, so every pick sees the text before it.
            let mut kept = 0;
            next = loop {
                let pick = self.pick(greedy[kept], || logits.get(kept), &text, opts, &mut d.constrained)?;
                if kept == draft.len() || draft[kept] != pick || self.is_stop(pick) {
                    break pick;
                }
                text.extend_from_slice(self.piece(pick));
                kept += 1;
            };
            d.tokens.extend_from_slice(&draft[..kept]);
            context.extend_from_slice(&draft[..kept]);
            cache.truncate(pos + 1 + kept)?;
            self.record_step(input.len(), step, Some((ngram, draft.len(), kept)));
            d.drafted += draft.len();
            d.accepted += kept;
        }
        Ok(d)
    }

    /// The draft reference's tokens, led by the prompt's last tokens so that its start
    /// matches what the prompt ends with (the assistant header); empty without one.
    fn draft_reference(&self, ids: &[u32], opts: &GenOptions) -> Result<Vec<u32>, LlmError> {
        let Some(text) = opts.draft_reference.as_deref().filter(|t| !t.is_empty() && opts.draft_tokens > 0) else {
            return Ok(Vec::new());
        };
        let lead = &ids[ids.len().saturating_sub(draft::MAX_NGRAM - 1)..];
        Ok(lead.iter().copied().chain(self.encode(text)?).collect())
    }

    /// Tells the draft policy what a step of m tokens took and, for a drafted step,
    /// (n-gram length, drafted, kept).
    fn record_step(&self, m: usize, started: Instant, draft: Option<(usize, usize, usize)>) {
        if let Ok(mut p) = self.drafts.lock() {
            p.record_step(m, started.elapsed().as_secs_f64());
            if let Some((n, drafted, kept)) = draft {
                p.record_draft(n, drafted, kept);
            }
        }
    }

    /// A token's bytes (none for an id past the vocabulary, as padded output rows can be).
    fn piece(&self, id: u32) -> &[u8] {
        self.pieces.get(id as usize).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The greedy token, or with a constraint the best token it allows; `logits` (that
    /// position's row) is taken only when a constraint needs it. `changed` counts
    /// the picks the constraint changed.
    fn pick(
        &self,
        greedy: u32,
        logits: impl FnOnce() -> candle_core::Result<candle_core::Tensor>,
        text: &[u8],
        opts: &GenOptions,
        changed: &mut usize,
    ) -> Result<u32, LlmError> {
        let Some(c) = opts.constraint.as_deref() else { return Ok(greedy) };
        let (id, differs) = constrained_pick(greedy, &logits()?, text, &self.pieces, |t| self.is_stop(t), c as &dyn TokenConstraint)?;
        *changed += differs as usize;
        Ok(id)
    }
}

impl SqlGenerator for QwenGenerator {
    fn generate(&self, prompt: &ChatPrompt, opts: &GenOptions) -> Result<Generation, LlmError> {
        let text = self.render(&prompt.system, &prompt.user)?;
        let ids = self.encode(&text)?;
        let max = self.model.config.context_length;
        if ids.len() + opts.max_new_tokens > max {
            return Err(LlmError::PromptTooLong { tokens: ids.len(), max: max - opts.max_new_tokens });
        }
        let t0 = Instant::now();
        let (cached, mut cache) = self.cached_prefix(&prompt.system, &ids)?.unwrap_or_else(|| (0, self.model.new_cache()));
        let logits = self.model.forward(&ids[cached..], &mut cache)?;
        let mut first_changed = 0;
        let next = self.pick(Qwen2::argmax(&logits)?, || Ok(logits.clone()), &[], opts, &mut first_changed)?;
        let prefill_ms = t0.elapsed().as_secs_f64() * 1e3;
        let t1 = Instant::now();
        let mut d = self.decode(&ids, next, &mut cache, opts)?;
        d.constrained += first_changed;
        let decode_ms = t1.elapsed().as_secs_f64() * 1e3;
        let text = self.tokenizer.decode(&d.tokens, true).map_err(|e| LlmError::Tokenizer(e.to_string()))?;
        Ok(Generation {
            text,
            prompt_tokens: ids.len(),
            cached_tokens: cached,
            new_tokens: d.tokens.len(),
            prefill_ms,
            decode_ms,
            decode_steps: d.steps,
            drafted: d.drafted,
            accepted: d.accepted,
            constrained: d.constrained,
        })
    }

    fn describe(&self) -> String {
        let name = self.model_path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let model = match &self.adapter {
            Some((p, n, LoraMode::Merge)) => format!("{name} + LoRA {} ({n} modules, merged)", p.display()),
            Some((p, n, LoraMode::Runtime)) => format!("{name} + LoRA {} ({n} modules, low-rank at run time)", p.display()),
            None => name,
        };
        format!("{model}, kernel {}", self.kernel)
    }

    fn count_tokens(&self, prompt: &ChatPrompt) -> Option<usize> {
        let text = self.render(&prompt.system, &prompt.user).ok()?;
        self.encode(&text).ok().map(|v| v.len())
    }
}
