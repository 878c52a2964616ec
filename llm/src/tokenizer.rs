//! Build the Qwen2 tokenizer from GGUF metadata alone, so the model file is the
//! single source of truth (no tokenizer.json download). Byte-level BPE with the
//! Qwen2 pre-tokenizer regex; Qwen2 applies no normalizer.

use crate::LlmError;
use candle_core::quantized::gguf_file::Content;
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::{AddedToken, PreTokenizerWrapper, SplitDelimiterBehavior, Tokenizer};

/// Qwen2's pre-tokenizer split (the same regex as its tokenizer.json).
const QWEN2_SPLIT: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

// GGUF token types (llama.cpp's llama_token_type).
const TOKEN_TYPE_CONTROL: i32 = 3;
const TOKEN_TYPE_USER_DEFINED: i32 = 4;

fn tok_err(e: impl std::fmt::Display) -> LlmError {
    LlmError::Tokenizer(e.to_string())
}

/// Special ids the generator needs.
#[derive(Debug, Clone, Copy)]
pub struct SpecialTokens {
    pub eos: u32,
    pub im_end: Option<u32>,
    pub endoftext: Option<u32>,
}

/// The tokenizer, its special ids, and each token's bytes (for constrained decoding).
pub fn tokenizer_from_gguf(ct: &Content) -> Result<(Tokenizer, SpecialTokens, Vec<Vec<u8>>), LlmError> {
    let md = |k: &str| ct.metadata.get(k).ok_or_else(|| LlmError::Tokenizer(format!("GGUF has no {k}")));
    let model = md("tokenizer.ggml.model")?.to_string().map_err(tok_err)?;
    if model != "gpt2" {
        return Err(LlmError::Tokenizer(format!("unsupported tokenizer model {model:?} (expected byte-level BPE \"gpt2\")")));
    }
    let tokens: Vec<String> = md("tokenizer.ggml.tokens")?
        .to_vec()
        .map_err(tok_err)?
        .iter()
        .map(|v| v.to_string().cloned())
        .collect::<Result<_, _>>()
        .map_err(tok_err)?;
    let merges: Vec<(String, String)> = md("tokenizer.ggml.merges")?
        .to_vec()
        .map_err(tok_err)?
        .iter()
        .map(|v| {
            let s = v.to_string().map_err(tok_err)?;
            let (a, b) = s.split_once(' ').ok_or_else(|| LlmError::Tokenizer(format!("bad merge {s:?}")))?;
            Ok((a.to_string(), b.to_string()))
        })
        .collect::<Result<_, LlmError>>()?;
    let types: Vec<i32> = match ct.metadata.get("tokenizer.ggml.token_type") {
        Some(v) => v.to_vec().map_err(tok_err)?.iter().map(|t| t.to_i32()).collect::<Result<_, _>>().map_err(tok_err)?,
        None => vec![1; tokens.len()],
    };

    let mut vocab = tokenizers::models::bpe::Vocab::default();
    for (id, tok) in tokens.iter().enumerate() {
        vocab.insert(tok.clone(), id as u32);
    }
    let bpe = BPE::builder().vocab_and_merges(vocab, merges).build().map_err(tok_err)?;
    let mut tokenizer = Tokenizer::new(bpe);
    let split = Split::new(SplitPattern::Regex(QWEN2_SPLIT.to_string()), SplitDelimiterBehavior::Isolated, false).map_err(tok_err)?;
    let pre = Sequence::new(vec![
        PreTokenizerWrapper::Split(split),
        PreTokenizerWrapper::ByteLevel(ByteLevel::new(false, false, false)),
    ]);
    tokenizer.with_pre_tokenizer(Some(pre));
    tokenizer.with_decoder(Some(ByteLevelDecoder::new(false, false, false)));

    let added: Vec<AddedToken> = tokens
        .iter()
        .zip(&types)
        .filter(|(_, &t)| t == TOKEN_TYPE_CONTROL || t == TOKEN_TYPE_USER_DEFINED)
        .map(|(tok, &t)| AddedToken::from(tok.clone(), t == TOKEN_TYPE_CONTROL).normalized(false))
        .collect();
    tokenizer.add_special_tokens(added).map_err(tok_err)?;

    let id_of = |s: &str| tokens.iter().position(|t| t == s).map(|i| i as u32);
    let eos = match ct.metadata.get("tokenizer.ggml.eos_token_id") {
        Some(v) => v.to_u32().map_err(tok_err)?,
        None => id_of("<|endoftext|>").ok_or_else(|| LlmError::Tokenizer("no eos token".into()))?,
    };
    let pieces = crate::constraint::token_bytes(&tokens);
    Ok((tokenizer, SpecialTokens { eos, im_end: id_of("<|im_end|>"), endoftext: id_of("<|endoftext|>") }, pieces))
}
