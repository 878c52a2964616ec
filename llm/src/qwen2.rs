//! Qwen2 forward pass over GGUF weights. Follows candle-transformers'
//! `quantized_qwen2`, with two changes we need: the weights are immutable (`&self`)
//! and the KV cache is a separate value, so several threads can generate at once
//! and a prompt prefix's cache can be computed once and cloned per question; and
//! Q8_0/Q5_0 projections run on our packed kernels (`packed`: AVX-512 VNNI or AVX2,
//! picked at start-up by `kernel`), with candle's kernels for the rest (Q5_0 and
//! friends go to Q8_0 first when no packed kernel runs). A LoRA adapter is merged at load or kept as a low-rank side path
//! (`LoraMode`).

use crate::lora::{LoraAdapter, LoraMode};
use crate::packed::{self, PackedMatrix};
use candle_core::quantized::{gguf_file, GgmlDType, QMatMul, QTensor};
use candle_core::{DType, Device, IndexOp, Module, Result, Tensor, D};
use candle_nn::Embedding;
use candle_transformers::quantized_nn::RmsNorm;
use std::io::{Read, Seek};
use std::sync::Arc;

/// Per-sequence attention cache: (keys, values) per layer, each (1, kv_heads, len, head_dim).
#[derive(Debug, Clone, Default)]
pub struct KvCache {
    layers: Vec<Option<(Tensor, Tensor)>>,
}

impl KvCache {
    pub fn len(&self) -> usize {
        self.layers.first().and_then(|l| l.as_ref()).map(|(k, _)| k.dim(2).unwrap_or(0)).unwrap_or(0)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every cached position from `len` on (rejected draft tokens).
    pub fn truncate(&mut self, len: usize) -> Result<()> {
        for (k, v) in self.layers.iter_mut().flatten() {
            if k.dim(2)? > len {
                *k = k.narrow(2, 0, len)?;
                *v = v.narrow(2, 0, len)?;
            }
        }
        Ok(())
    }
}

/// A projection: the quantized weight, plus the adapter's low-rank pair when it
/// is applied at run time (Aᵀ, scaled Bᵀ).
#[derive(Debug, Clone)]
struct Linear {
    w: Weight,
    low_rank: Option<(Tensor, Tensor)>,
}

/// Our packed layout where the type, shape and CPU allow it (see `packed`),
/// otherwise candle's own quantized matmul.
#[derive(Debug, Clone)]
enum Weight {
    Packed(Arc<PackedMatrix>),
    Candle(QMatMul),
}

impl Linear {
    /// Formats that neither our packed kernel nor candle's fast paths take are
    /// re-quantized to Q8_0 first (candle runs Q8_0 faster than Q5_0/Q4_0).
    fn new(q: QTensor, low_rank: Option<(Tensor, Tensor)>, device: &Device) -> Result<Linear> {
        let q = if needs_requant(q.dtype()) && !PackedMatrix::fits(&q) {
            QTensor::quantize(&q.dequantize(device)?, GgmlDType::Q8_0)?
        } else {
            q
        };
        let Some(mut p) = PackedMatrix::from_qtensor(&q) else {
            return Ok(Linear { w: Weight::Candle(QMatMul::from_qtensor(q)?), low_rank });
        };
        // The packed kernel runs the low-rank pair inside its own units.
        let low_rank = match low_rank {
            Some((a_t, b_t)) => {
                let r = a_t.dim(1)?;
                let (a, b) = (a_t.flatten_all()?.to_vec1::<f32>()?, b_t.flatten_all()?.to_vec1::<f32>()?);
                if p.attach_low_rank(&a, &b, r) {
                    None
                } else {
                    Some((a_t, b_t))
                }
            }
            None => None,
        };
        Ok(Linear { w: Weight::Packed(Arc::new(p)), low_rank })
    }

    fn add_low_rank(&self, x: &Tensor, y: Tensor) -> Result<Tensor> {
        match &self.low_rank {
            None => Ok(y),
            Some((a_t, b_t)) => y + x.broadcast_matmul(a_t)?.broadcast_matmul(b_t)?,
        }
    }

    /// Several projections of the same input (q/k/v, gate/up): one activation
    /// quantization and one parallel region when all are packed.
    fn forward_many(linears: &[&Linear], x: &Tensor) -> Result<Vec<Tensor>> {
        let packed: Option<Vec<&PackedMatrix>> = linears
            .iter()
            .map(|l| match &l.w {
                Weight::Packed(p) => Some(p.as_ref()),
                Weight::Candle(_) => None,
            })
            .collect();
        // With a candle weight among them, each runs on its own (a packed one
        // comes back here alone, so this never recurses twice).
        let Some(packed) = packed else {
            return linears.iter().map(|l| l.forward(x)).collect();
        };
        let x = x.contiguous()?;
        if let Some(p) = packed.iter().find(|p| x.dims().last() != Some(&p.k())) {
            candle_core::bail!("input {:?} does not match a {}x{} projection", x.shape(), p.n(), p.k());
        }
        let outs = {
            let (storage, layout) = x.storage_and_layout();
            let (candle_core::Storage::Cpu(cpu), DType::F32) = (&*storage, x.dtype()) else {
                candle_core::bail!("packed weights take f32 input in CPU memory, got {:?} on {:?}", x.dtype(), x.device());
            };
            let start = layout.start_offset();
            let data = &cpu.as_slice::<f32>()?[start..start + x.elem_count()];
            packed::matmul_many(&packed, data)
        };
        let mut dims = x.dims().to_vec();
        linears
            .iter()
            .zip(packed.iter().zip(outs))
            .map(|(l, (p, out))| {
                *dims.last_mut().expect("input has a last dimension") = p.n();
                let y = Tensor::from_vec(out, dims.as_slice(), x.device())?;
                l.add_low_rank(&x, y)
            })
            .collect()
    }
}

impl Module for Linear {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match &self.w {
            Weight::Packed(_) => Ok(Linear::forward_many(&[self], x)?.remove(0)),
            Weight::Candle(w) => self.add_low_rank(x, w.forward(x)?),
        }
    }
}

#[derive(Debug, Clone)]
struct Mlp {
    gate: Linear,
    up: Linear,
    down: Linear,
}

#[derive(Debug, Clone)]
struct Layer {
    wq: Linear,
    wk: Linear,
    wv: Linear,
    bq: Tensor,
    bk: Tensor,
    bv: Tensor,
    wo: Linear,
    attn_norm: RmsNorm,
    mlp: Mlp,
    ffn_norm: RmsNorm,
}

#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub n_head: usize,
    pub n_kv_head: usize,
    pub head_dim: usize,
    pub hidden: usize,
    pub n_layer: usize,
    pub context_length: usize,
}

pub struct Qwen2 {
    pub config: Config,
    embed: TokenEmbedding,
    layers: Vec<Layer>,
    norm: RmsNorm,
    lm_head: Linear,
    cos: Tensor,
    sin: Tensor,
    device: Device,
}

/// The token table. Block-quantized tables stay quantized and only the looked-up
/// rows are expanded: as f32 the table is 544 MB (0.5B) or 933 MB (1.5B), and
/// decode never multiplies by it (the output head is a separate tensor).
enum TokenEmbedding {
    Quantized { table: QTensor, hidden: usize, vocab: usize, device: Device },
    Dense(Embedding),
}

impl std::fmt::Debug for TokenEmbedding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenEmbedding::Quantized { table, .. } => write!(f, "TokenEmbedding({:?})", table.dtype()),
            TokenEmbedding::Dense(_) => write!(f, "TokenEmbedding(f32)"),
        }
    }
}

impl TokenEmbedding {
    fn new(table: QTensor, hidden: usize, device: &Device) -> Result<TokenEmbedding> {
        let (vocab, k) = table.shape().dims2()?;
        if k == hidden && device.is_cpu() && dequantize_row(table.dtype(), &table.data()?, k, 0, &mut Vec::new()) {
            return Ok(TokenEmbedding::Quantized { table, hidden, vocab, device: device.clone() });
        }
        Ok(TokenEmbedding::Dense(Embedding::new(table.dequantize(device)?, hidden)))
    }

    /// (1, tokens, hidden)
    fn forward(&self, tokens: &[u32]) -> Result<Tensor> {
        match self {
            TokenEmbedding::Quantized { table, hidden, vocab, device } => {
                let data = table.data()?;
                let mut out = Vec::with_capacity(tokens.len() * hidden);
                for &t in tokens {
                    if t as usize >= *vocab || !dequantize_row(table.dtype(), &data, *hidden, t as usize, &mut out) {
                        candle_core::bail!("token id {t} is outside the vocabulary of {vocab}");
                    }
                }
                Tensor::from_vec(out, (1, tokens.len(), *hidden), device)
            }
            TokenEmbedding::Dense(e) => e.forward(&Tensor::new(tokens, e.embeddings().device())?.unsqueeze(0)?),
        }
    }
}

/// Appends row `row` of a block-quantized (n, k) matrix's raw storage to `out`,
/// using candle's block decoders; `false` for other types or a row out of range.
fn dequantize_row(dtype: GgmlDType, data: &[u8], k: usize, row: usize, out: &mut Vec<f32>) -> bool {
    use candle_core::quantized::k_quants::*;
    fn rows<T: GgmlType>(data: &[u8], k: usize, row: usize, out: &mut Vec<f32>) -> bool {
        let (size, per_block) = (std::mem::size_of::<T>(), T::BLCK_SIZE);
        if !k.is_multiple_of(per_block) {
            return false;
        }
        let kb = k / per_block;
        let Some(bytes) = data.get(row * kb * size..(row + 1) * kb * size) else {
            return false;
        };
        if !(bytes.as_ptr() as usize).is_multiple_of(std::mem::align_of::<T>()) {
            return false;
        }
        // SAFETY: the storage is a Vec of these blocks (checked: length and alignment).
        let blocks = unsafe { std::slice::from_raw_parts(bytes.as_ptr() as *const T, kb) };
        let start = out.len();
        out.resize(start + k, 0.0);
        T::to_float(blocks, &mut out[start..]);
        true
    }
    match dtype {
        GgmlDType::Q4_0 => rows::<BlockQ4_0>(data, k, row, out),
        GgmlDType::Q4_1 => rows::<BlockQ4_1>(data, k, row, out),
        GgmlDType::Q5_0 => rows::<BlockQ5_0>(data, k, row, out),
        GgmlDType::Q5_1 => rows::<BlockQ5_1>(data, k, row, out),
        GgmlDType::Q8_0 => rows::<BlockQ8_0>(data, k, row, out),
        GgmlDType::Q2K => rows::<BlockQ2K>(data, k, row, out),
        GgmlDType::Q3K => rows::<BlockQ3K>(data, k, row, out),
        GgmlDType::Q4K => rows::<BlockQ4K>(data, k, row, out),
        GgmlDType::Q5K => rows::<BlockQ5K>(data, k, row, out),
        GgmlDType::Q6K => rows::<BlockQ6K>(data, k, row, out),
        _ => false,
    }
}

/// Weights whose GGUF quantization has slow CPU kernels in candle.
fn needs_requant(dtype: GgmlDType) -> bool {
    matches!(dtype, GgmlDType::Q5_0 | GgmlDType::Q5_1 | GgmlDType::Q4_0 | GgmlDType::Q4_1)
}

struct Loader<'a, R> {
    ct: &'a gguf_file::Content,
    reader: &'a mut R,
    device: &'a Device,
    adapter: Option<(&'a LoraAdapter, LoraMode)>,
}

impl<R: Read + Seek> Loader<'_, R> {
    fn qtensor(&mut self, name: &str) -> Result<QTensor> {
        self.ct.tensor(self.reader, name, self.device)
    }

    /// A linear weight in a fast-kernel quantization, with the adapter merged in
    /// or attached as a low-rank side path.
    fn linear(&mut self, name: &str, hf_name: &str) -> Result<Linear> {
        let q = self.qtensor(name)?;
        let dims = q.shape().dims().to_vec();
        match self.adapter {
            Some((a, LoraMode::Merge)) => match a.delta(hf_name, &dims)? {
                Some(delta) => {
                    let w = (q.dequantize(self.device)? + delta)?;
                    // Merged weights go to Q8_0, not back to the GGUF's Q5_0: re-quantizing
                    // to 5 bits rounds the adapter's small deltas away (valid ex 0.989 → 0.239).
                    Linear::new(QTensor::quantize(&w, GgmlDType::Q8_0)?, None, self.device)
                }
                None => Linear::new(q, None, self.device),
            },
            Some((a, LoraMode::Runtime)) => {
                let low_rank = a.low_rank(hf_name, &dims)?;
                Linear::new(q, low_rank, self.device)
            }
            None => Linear::new(q, None, self.device),
        }
    }

    fn dense(&mut self, name: &str) -> Result<Tensor> {
        self.qtensor(name)?.dequantize(self.device)
    }
}

impl Qwen2 {
    pub fn from_gguf<R: Read + Seek>(
        ct: &gguf_file::Content,
        reader: &mut R,
        device: &Device,
        adapter: Option<(&LoraAdapter, LoraMode)>,
    ) -> Result<Qwen2> {
        let md = |s: &str| match ct.metadata.get(s) {
            None => candle_core::bail!("GGUF metadata has no {s}"),
            Some(v) => Ok(v),
        };
        let n_head = md("qwen2.attention.head_count")?.to_u32()? as usize;
        let n_kv_head = md("qwen2.attention.head_count_kv")?.to_u32()? as usize;
        let hidden = md("qwen2.embedding_length")?.to_u32()? as usize;
        let context_length = md("qwen2.context_length")?.to_u32()? as usize;
        let n_layer = md("qwen2.block_count")?.to_u32()? as usize;
        let eps = md("qwen2.attention.layer_norm_rms_epsilon")?.to_f32()? as f64;
        let rope_base = md("qwen2.rope.freq_base").and_then(|m| m.to_f32()).unwrap_or(10000f32);
        let head_dim = hidden / n_head;
        // Prompts here are a few hundred tokens; a 4k table keeps memory small.
        let context_length = context_length.min(4096);
        if let Err(e) = crate::kernel::Kernel::selected() {
            candle_core::bail!("{e}");
        }
        let config = Config { n_head, n_kv_head, head_dim, hidden, n_layer, context_length };

        let mut ld = Loader { ct, reader, device, adapter };
        let embed = TokenEmbedding::new(ld.qtensor("token_embd.weight")?, hidden, device)?;
        let norm = RmsNorm::from_qtensor(ld.qtensor("output_norm.weight")?, eps)?;
        let lm_head = if ct.tensor_infos.contains_key("output.weight") {
            ld.linear("output.weight", "lm_head")?
        } else {
            Linear::new(ld.qtensor("token_embd.weight")?, None, device)?
        };

        let mut layers = Vec::with_capacity(n_layer);
        for i in 0..n_layer {
            let p = format!("blk.{i}");
            let hf = format!("model.layers.{i}");
            layers.push(Layer {
                wq: ld.linear(&format!("{p}.attn_q.weight"), &format!("{hf}.self_attn.q_proj"))?,
                wk: ld.linear(&format!("{p}.attn_k.weight"), &format!("{hf}.self_attn.k_proj"))?,
                wv: ld.linear(&format!("{p}.attn_v.weight"), &format!("{hf}.self_attn.v_proj"))?,
                bq: ld.dense(&format!("{p}.attn_q.bias"))?,
                bk: ld.dense(&format!("{p}.attn_k.bias"))?,
                bv: ld.dense(&format!("{p}.attn_v.bias"))?,
                wo: ld.linear(&format!("{p}.attn_output.weight"), &format!("{hf}.self_attn.o_proj"))?,
                attn_norm: RmsNorm::from_qtensor(ld.qtensor(&format!("{p}.attn_norm.weight"))?, eps)?,
                mlp: Mlp {
                    gate: ld.linear(&format!("{p}.ffn_gate.weight"), &format!("{hf}.mlp.gate_proj"))?,
                    up: ld.linear(&format!("{p}.ffn_up.weight"), &format!("{hf}.mlp.up_proj"))?,
                    down: ld.linear(&format!("{p}.ffn_down.weight"), &format!("{hf}.mlp.down_proj"))?,
                },
                ffn_norm: RmsNorm::from_qtensor(ld.qtensor(&format!("{p}.ffn_norm.weight"))?, eps)?,
            });
        }
        if let Some((a, _)) = adapter {
            a.check_all_used()?;
        }

        let theta: Vec<f32> = (0..head_dim).step_by(2).map(|i| 1f32 / rope_base.powf(i as f32 / head_dim as f32)).collect();
        let theta = Tensor::new(theta.as_slice(), device)?;
        let idx = Tensor::arange(0, context_length as u32, device)?.to_dtype(DType::F32)?.reshape((context_length, 1))?;
        let freqs = idx.matmul(&theta.reshape((1, head_dim / 2))?)?;
        Ok(Qwen2 {
            config,
            embed,
            layers,
            norm,
            lm_head,
            cos: freqs.cos()?,
            sin: freqs.sin()?,
            device: device.clone(),
        })
    }

    pub fn new_cache(&self) -> KvCache {
        KvCache { layers: vec![None; self.config.n_layer] }
    }

    fn rope(&self, x: &Tensor, pos: usize) -> Result<Tensor> {
        let (_, _, seq, _) = x.dims4()?;
        candle_nn::rotary_emb::rope(&x.contiguous()?, &self.cos.narrow(0, pos, seq)?, &self.sin.narrow(0, pos, seq)?)
    }

    /// Causal mask for `seq` new tokens after `past` cached ones (1 = masked), its
    /// rows repeated once per query head of a KV group (see `attention`).
    fn mask(&self, seq: usize, past: usize) -> Result<Tensor> {
        let groups = self.config.n_head / self.config.n_kv_head;
        let mask: Vec<u8> = (0..groups * seq)
            .flat_map(|r| {
                let i = r % seq;
                (0..past + seq).map(move |j| u8::from(j > past + i))
            })
            .collect();
        Tensor::from_slice(&mask, (groups * seq, past + seq), &self.device)
    }

    fn attention(&self, layer: &Layer, x: &Tensor, mask: Option<&Tensor>, pos: usize, cache: &mut Option<(Tensor, Tensor)>) -> Result<Tensor> {
        let c = &self.config;
        let (b, seq, _) = x.dims3()?;
        let [q, k, v]: [Tensor; 3] = Linear::forward_many(&[&layer.wq, &layer.wk, &layer.wv], x)?
            .try_into()
            .expect("three projections in, three out");
        let q = q.broadcast_add(&layer.bq)?;
        let k = k.broadcast_add(&layer.bk)?;
        let v = v.broadcast_add(&layer.bv)?;
        let q = q.reshape((b, seq, c.n_head, c.head_dim))?.transpose(1, 2)?;
        let k = k.reshape((b, seq, c.n_kv_head, c.head_dim))?.transpose(1, 2)?;
        let v = v.reshape((b, seq, c.n_kv_head, c.head_dim))?.transpose(1, 2)?.contiguous()?;
        let q = self.rope(&q, pos)?;
        let k = self.rope(&k, pos)?;
        let (k, v) = match cache.take() {
            Some((kc, vc)) => (Tensor::cat(&[&kc, &k], 2)?, Tensor::cat(&[&vc, &v], 2)?),
            None => (k, v),
        };
        *cache = Some((k.clone(), v.clone()));
        // Grouped-query attention without copying K and V once per query head: the
        // query heads that share a KV head are stacked along the sequence axis.
        let groups = c.n_head / c.n_kv_head;
        let q = q.reshape((b, c.n_kv_head, groups * seq, c.head_dim))?;
        let att = (q.matmul(&k.t()?)? / (c.head_dim as f64).sqrt())?;
        let att = match mask {
            Some(m) => {
                let neg = Tensor::new(f32::NEG_INFINITY, &self.device)?.broadcast_as(att.shape())?;
                m.broadcast_as(att.shape())?.where_cond(&neg, &att)?
            }
            None => att,
        };
        let att = candle_nn::ops::softmax_last_dim(&att)?;
        let y = att.matmul(&v)?;
        let y = y.reshape((b, c.n_head, seq, c.head_dim))?.transpose(1, 2)?.reshape((b, seq, c.hidden))?;
        layer.wo.forward(&y)
    }

    /// Run `tokens` after the cached ones; returns logits of the last position.
    pub fn forward(&self, tokens: &[u32], cache: &mut KvCache) -> Result<Tensor> {
        let h = self.hidden_states(tokens, cache)?;
        let last = self.norm.forward(&h.i((.., tokens.len() - 1.., ..))?)?;
        self.lm_head.forward(&last)?.squeeze(0)?.squeeze(0)
    }

    /// Run `tokens` after the cached ones; returns logits of every position
    /// (tokens × vocab), as a draft's verification needs.
    pub fn forward_all(&self, tokens: &[u32], cache: &mut KvCache) -> Result<Tensor> {
        let h = self.hidden_states(tokens, cache)?;
        self.lm_head.forward(&self.norm.forward(&h)?)?.squeeze(0)
    }

    /// The last layer's output for `tokens` (1, tokens, hidden), appending to `cache`.
    fn hidden_states(&self, tokens: &[u32], cache: &mut KvCache) -> Result<Tensor> {
        let pos = cache.len();
        if tokens.is_empty() {
            candle_core::bail!("no tokens to run");
        }
        if pos + tokens.len() > self.config.context_length {
            candle_core::bail!("sequence of {} tokens exceeds context {}", pos + tokens.len(), self.config.context_length);
        }
        let seq = tokens.len();
        let mask = if seq > 1 { Some(self.mask(seq, pos)?) } else { None };
        let mut h = self.embed.forward(tokens)?;
        for (layer, slot) in self.layers.iter().zip(cache.layers.iter_mut()) {
            let residual = h.clone();
            let x = layer.attn_norm.forward(&h)?;
            let x = (self.attention(layer, &x, mask.as_ref(), pos, slot)? + residual)?;
            let residual = x.clone();
            let y = layer.ffn_norm.forward(&x)?;
            let [gate, up]: [Tensor; 2] =
                Linear::forward_many(&[&layer.mlp.gate, &layer.mlp.up], &y)?.try_into().expect("two projections in, two out");
            let y = layer.mlp.down.forward(&(candle_nn::ops::silu(&gate)? * up)?)?;
            h = (y + residual)?;
        }
        Ok(h)
    }

    pub fn argmax(logits: &Tensor) -> Result<u32> {
        logits.argmax(D::Minus1)?.to_scalar::<u32>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantized_token_rows_expand_like_candle_dequantize() {
        let dev = Device::Cpu;
        let (n, k) = (5, 512);
        let vals: Vec<f32> = (0..n * k).map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0).collect();
        let w = Tensor::from_vec(vals, (n, k), &dev).unwrap();
        for dtype in [GgmlDType::Q8_0, GgmlDType::Q5_0, GgmlDType::Q4K, GgmlDType::Q6K] {
            let q = QTensor::quantize(&w, dtype).unwrap();
            let full: Vec<f32> = q.dequantize(&dev).unwrap().flatten_all().unwrap().to_vec1().unwrap();
            let data = q.data().unwrap();
            for row in 0..n {
                let mut out = Vec::new();
                assert!(dequantize_row(dtype, &data, k, row, &mut out));
                assert_eq!(out, full[row * k..(row + 1) * k], "{dtype:?} row {row}");
            }
            assert!(!dequantize_row(dtype, &data, k, n, &mut Vec::new()), "a row past the end is refused");
            let emb = TokenEmbedding::new(q, k, &dev).unwrap();
            assert!(matches!(emb, TokenEmbedding::Quantized { .. }), "{dtype:?} stays quantized");
            let got: Vec<f32> = emb.forward(&[3, 1]).unwrap().flatten_all().unwrap().to_vec1().unwrap();
            assert_eq!(got[..k], full[3 * k..4 * k]);
            assert!(emb.forward(&[n as u32]).is_err(), "an id past the vocabulary is an error");
        }
    }
}
