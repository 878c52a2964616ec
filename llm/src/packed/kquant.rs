//! Q4_K and Q6_K in the packed layout: tiles of 16 output rows × one 256-input
//! super-block, and activations quantized per 256 values as ggml's Q8_K (the
//! form candle and llama.cpp multiply these types with, so the integer sums are
//! the same and only the f32 order differs).
//!
//! The codes keep their GGUF width (4 bits, or 4 + 2 for Q6_K), so decode reads
//! about the same bytes as the GGUF: Q4_K 4.625 bits per weight (the GGUF's 4.5 plus
//! the per-row scales unpacked to bytes), Q6_K 6.625 (the GGUF's 6.5625 plus the
//! padding to a cache line).
//!
//! Per 32 inputs of Q4_K: w = d·sc·q − dmin·m with q in 0..15, so
//! Σ w·a = d_a·(d·Σ_sub sc·Σ q·a − dmin·Σ_sub m·Σ a). Per 16 inputs of Q6_K:
//! w = d·sc·(q − 32) with q in 0..63, so Σ w·a = d_a·d·Σ_sub sc·(Σ q·a − 32·Σ a).

use super::ROWS;
use half::f16;

/// Inputs of one super-block.
pub(super) const SUPER: usize = 256;

/// 16 rows × 256 inputs of Q4_K, one `Q4Sub` per 32-input sub-block in the order
/// the kernel reads them, so a tile is one forward stream through memory (decode
/// reads every weight once per token, and the hardware prefetcher follows one
/// stream best). Cache-line aligned (2,368 bytes is 37 lines), so no 32-byte load
/// straddles two lines.
#[repr(C, align(64))]
pub(super) struct TileQ4K {
    pub(super) subs: [Q4Sub; 8],
    pub(super) d: [f16; ROWS],
    pub(super) dmin: [f16; ROWS],
}

/// For each chunk c of 8 inputs, byte r·4 + j of `q4[c]` holds row r's code of
/// input 8c + j (low nibble) and 8c + 4 + j (high nibble), as `TileQ5::lo4` does;
/// `sc[r]` / `m[r]` are row r's 6-bit scale and min.
#[repr(C)]
pub(super) struct Q4Sub {
    pub(super) q4: [[u8; 64]; 4],
    pub(super) sc: [u8; ROWS],
    pub(super) m: [u8; ROWS],
}

/// 16 rows × 256 inputs of Q6_K: the scales first (`sc[s][r]`, row r's signed scale
/// of 16-input sub-block s, 4 lines that stay in L1 for the tile), then one `Q6Sub`
/// per sub-block in reading order (see `TileQ4K`). Aligned so that the 3-line subs
/// start on line boundaries (3,392 bytes with padding, 0.9% over the GGUF).
#[repr(C, align(64))]
pub(super) struct TileQ6K {
    pub(super) sc: [[i8; ROWS]; 16],
    pub(super) subs: [Q6Sub; 16],
    pub(super) d: [f16; ROWS],
}

/// The low 4 bits as in `Q4Sub::q4` (two chunks of 8 inputs); bits 2t..2t+1 of
/// byte r·4 + j of `hb` are the top two bits of input 4t + j.
#[repr(C)]
pub(super) struct Q6Sub {
    pub(super) q4: [[u8; 64]; 2],
    pub(super) hb: [u8; 64],
}

// The bytes per tile that the bits-per-weight figures above assume.
const _: () = assert!(std::mem::size_of::<TileQ4K>() == 2368 && std::mem::size_of::<TileQ6K>() == 3392);

fn f16_at(b: &[u8], at: usize) -> f16 {
    f16::from_bits(u16::from_le_bytes([b[at], b[at + 1]]))
}

/// A GGUF Q4_K block (144 bytes): d, dmin, 8 (scale, min) pairs and 256 codes 0..15.
fn q4k_block(blk: &[u8]) -> (f16, f16, [u8; 8], [u8; 8], [u8; SUPER]) {
    let (scales, qs) = (&blk[4..16], &blk[16..144]);
    let (mut sc, mut m) = ([0u8; 8], [0u8; 8]);
    for j in 0..8 {
        // ggml's get_scale_min_k4: 6-bit values packed into 12 bytes.
        (sc[j], m[j]) = if j < 4 {
            (scales[j] & 63, scales[j + 4] & 63)
        } else {
            ((scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4), (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4))
        };
    }
    let mut codes = [0u8; SUPER];
    for c in 0..4 {
        for l in 0..32 {
            codes[64 * c + l] = qs[32 * c + l] & 0xF;
            codes[64 * c + 32 + l] = qs[32 * c + l] >> 4;
        }
    }
    (f16_at(blk, 0), f16_at(blk, 2), sc, m, codes)
}

/// A GGUF Q6_K block (210 bytes): 256 codes 0..63 (value = code − 32), 16 signed
/// scales and d.
fn q6k_block(blk: &[u8]) -> (f16, [i8; 16], [u8; SUPER]) {
    let (ql, qh, scales) = (&blk[0..128], &blk[128..192], &blk[192..208]);
    let mut codes = [0u8; SUPER];
    for h in 0..2 {
        let (ql, qh, base) = (&ql[64 * h..], &qh[32 * h..], 128 * h);
        for l in 0..32 {
            codes[base + l] = (ql[l] & 0xF) | ((qh[l] & 3) << 4);
            codes[base + l + 32] = (ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4);
            codes[base + l + 64] = (ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4);
            codes[base + l + 96] = (ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4);
        }
    }
    let mut sc = [0i8; 16];
    for (s, b) in sc.iter_mut().zip(scales) {
        *s = *b as i8;
    }
    (f16_at(blk, 208), sc, codes)
}

/// Places row r's low 4 bits of input i (of a run of 8-input chunks) into `q4`
/// (the layout of `Q4Sub::q4`).
fn put_nibble(q4: &mut [[u8; 64]], r: usize, i: usize, code: u8) {
    let (c, p) = (i / 8, i % 8);
    q4[c][r * 4 + p % 4] |= (code & 0xF) << (4 * (p / 4));
}

pub(super) fn pack_q4k(data: &[u8], n: usize, sb: usize) -> Vec<TileQ4K> {
    let mut out = Vec::with_capacity(n / ROWS * sb);
    for t in 0..n / ROWS {
        for b in 0..sb {
            let sub = || Q4Sub { q4: [[0; 64]; 4], sc: [0; ROWS], m: [0; ROWS] };
            let mut tile = TileQ4K { subs: std::array::from_fn(|_| sub()), d: [f16::ZERO; ROWS], dmin: [f16::ZERO; ROWS] };
            for r in 0..ROWS {
                let (d, dmin, sc, m, codes) = q4k_block(&data[((t * ROWS + r) * sb + b) * 144..][..144]);
                (tile.d[r], tile.dmin[r]) = (d, dmin);
                for (s, sub) in tile.subs.iter_mut().enumerate() {
                    (sub.sc[r], sub.m[r]) = (sc[s], m[s]);
                    for i in 0..32 {
                        put_nibble(&mut sub.q4, r, i, codes[32 * s + i]);
                    }
                }
            }
            out.push(tile);
        }
    }
    out
}

pub(super) fn pack_q6k(data: &[u8], n: usize, sb: usize) -> Vec<TileQ6K> {
    let mut out = Vec::with_capacity(n / ROWS * sb);
    for t in 0..n / ROWS {
        for b in 0..sb {
            let sub = || Q6Sub { q4: [[0; 64]; 2], hb: [0; 64] };
            let mut tile = TileQ6K { sc: [[0; ROWS]; 16], subs: std::array::from_fn(|_| sub()), d: [f16::ZERO; ROWS] };
            for r in 0..ROWS {
                let (d, sc, codes) = q6k_block(&data[((t * ROWS + r) * sb + b) * 210..][..210]);
                tile.d[r] = d;
                for (s, sub) in tile.subs.iter_mut().enumerate() {
                    tile.sc[s][r] = sc[s];
                    for i in 0..16 {
                        let code = codes[16 * s + i];
                        put_nibble(&mut sub.q4, r, i, code);
                        let (t, j) = (i / 4, i % 4);
                        sub.hb[r * 4 + j] |= (code >> 4) << (2 * t);
                    }
                }
            }
            out.push(tile);
        }
    }
    out
}

/// Activation rows quantized as ggml's Q8_K: one scale per 256 values (the
/// signed extreme maps to −127), and the sums of every 16 and 32 codes as i16
/// (at most 32·127), adjacent so a kernel reads two at once.
pub(super) struct SuperRows {
    pub(super) k: usize,
    pub(super) qs: Vec<i8>,
    /// Per row and super-block.
    pub(super) d: Vec<f32>,
    /// Per row and 16 inputs.
    pub(super) sum16: Vec<i16>,
    /// Per row and 32 inputs.
    pub(super) sum32: Vec<i16>,
}

impl SuperRows {
    pub(super) fn new(x: &[f32], k: usize) -> SuperRows {
        debug_assert!(k.is_multiple_of(SUPER) && x.len().is_multiple_of(k));
        let mut qs = vec![0i8; x.len()];
        let mut d = vec![0f32; x.len() / SUPER];
        for (bi, (xb, qb)) in x.chunks_exact(SUPER).zip(qs.chunks_exact_mut(SUPER)).enumerate() {
            let (mut max, mut amax) = (0f32, 0f32);
            for &v in xb {
                if amax < v.abs() {
                    (amax, max) = (v.abs(), v);
                }
            }
            if amax == 0.0 {
                continue;
            }
            let iscale = -127f32 / max;
            for (q, v) in qb.iter_mut().zip(xb) {
                *q = (iscale * v).round().clamp(-128.0, 127.0) as i8;
            }
            d[bi] = 1.0 / iscale;
        }
        let sums = |n: usize| qs.chunks_exact(n).map(|c| c.iter().map(|&q| q as i16).sum()).collect();
        let (sum16, sum32) = (sums(16), sums(32));
        SuperRows { k, qs, d, sum16, sum32 }
    }
}
