//! Quantized matmul for Q8_0, Q5_0, Q4_K and Q6_K weights, with an AVX-512 VNNI
//! kernel (`vnni`) and an AVX2 one (`avx2`), picked at start-up (`crate::kernel`).
//! The K-quants (`kquant`) tile a whole 256-input super-block and run the AVX2
//! code on both kernels.
//!
//! Why our own: candle's fast x86 path needs the inner dimension to be a multiple
//! of 256, and Qwen2.5-0.5B's hidden size is 896, so every projection except
//! `ffn_down` fell back to a one-dot-product-at-a-time loop (prefill 0.25× llama.cpp).
//! Here weights are re-laid out once at load into tiles of 16 output rows × 32
//! inputs, so one `vpdpbusd` yields 16 partial dot products for 4 inputs (on AVX2,
//! two `vpmaddubsw` + `vpmaddwd` yield 8 each), and
//! activations are quantized to 8 bits per 32 values (as ggml does for these types).
//! Q5_0 stays 5-bit (same bytes as the GGUF), which matters for decode, where the
//! whole model is read once per token.
//!
//! The math per 32-value block: weights are stored unsigned (Q8_0 + 128, Q5_0 as its
//! raw 0..31 code), so Σ w·a = Σ u·a − offset·Σ a; Σ a is kept per activation block.

use crate::kernel::Kernel;
use candle_core::quantized::{GgmlDType, QTensor};
use half::f16;
use kquant::{Q6Sub, SuperRows, TileQ4K, TileQ6K, SUPER};

#[cfg(target_arch = "x86_64")]
mod avx2;
mod kquant;
#[cfg(target_arch = "x86_64")]
mod vnni;

const ROWS: usize = 16;
const BLOCK: usize = 32;

/// 16 rows × 32 inputs of Q8_0, stored +128. Byte (g·16 + r)·4 + j holds row r,
/// input 4g + j: one 64-byte load feeds one `vpdpbusd` for 4 inputs.
#[repr(C)]
struct TileQ8 {
    qs: [u8; BLOCK * ROWS],
    d: [f16; ROWS],
}

/// 16 rows × 32 inputs of Q5_0 (same 352 bytes as the GGUF blocks). For each group
/// h of 8 inputs, byte r·4 + j of `lo4[h]` holds the low 4 bits of inputs 8h + j
/// (low nibble) and 8h + 4 + j (high nibble); bit r·4 + j of `hi[2h]` / `hi[2h + 1]`
/// is the 5th bit of those two.
#[repr(C)]
struct TileQ5 {
    lo4: [[u8; 64]; 4],
    hi: [u64; 8],
    d: [f16; ROWS],
}

enum Tiles {
    Q8(Vec<TileQ8>),
    Q5(Vec<TileQ5>),
    Q4K(Vec<TileQ4K>),
    Q6K(Vec<TileQ6K>),
}

impl Tiles {
    /// Inputs per tile along k.
    fn width(&self) -> usize {
        match self {
            Tiles::Q8(_) | Tiles::Q5(_) => BLOCK,
            Tiles::Q4K(_) | Tiles::Q6K(_) => SUPER,
        }
    }
}

/// A weight matrix (n outputs × k inputs) in tile layout; tiles are stored
/// row-tile major, so one worker streams a row tile's k/32 tiles in order.
pub struct PackedMatrix {
    n: usize,
    k: usize,
    /// A packed kernel this CPU runs (checked when the matrix is built).
    kernel: Kernel,
    tiles: Tiles,
    low_rank: Option<LowRank>,
}

/// A LoRA pair run beside the packed weights, y += (x·Aᵀ)·Bᵀ, inside the same
/// units: on a one-token step two separate small matmuls per projection cost more
/// in dispatch than the 5-bit weights save over merged 8-bit ones.
struct LowRank {
    r: usize,
    /// Aᵀ, k × r row-major.
    a_t: Vec<f32>,
    /// Scaled Bᵀ laid out per row tile: [n/16][r][16].
    b_tiles: Vec<f32>,
}

impl std::fmt::Debug for PackedMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.tiles {
            Tiles::Q8(_) => "q8_0",
            Tiles::Q5(_) => "q5_0",
            Tiles::Q4K(_) => "q4_k",
            Tiles::Q6K(_) => "q6_k",
        };
        write!(f, "PackedMatrix({kind}, {}x{}, {})", self.n, self.k, self.kernel)
    }
}

/// The kernel this process packs for: `Kernel::selected()`, or none (`Fallback`) when
/// that is an error (the loader reports the error itself before packing anything).
pub fn process_kernel() -> Kernel {
    Kernel::selected().unwrap_or(Kernel::Fallback)
}

impl PackedMatrix {
    /// Whether `from_qtensor` takes this tensor: a 2-D Q8_0, Q5_0, Q4_K or Q6_K
    /// tensor in CPU memory, whole 16-row tiles and whole blocks (32 values, or 256
    /// for the K-quants), with a packed kernel selected.
    pub fn fits(q: &QTensor) -> bool {
        PackedMatrix::fits_with(q, process_kernel())
    }

    /// `fits` for a given kernel, which must also run on this CPU.
    pub fn fits_with(q: &QTensor, kernel: Kernel) -> bool {
        let Ok((n, k)) = q.shape().dims2() else {
            return false;
        };
        let block = match q.dtype() {
            GgmlDType::Q8_0 | GgmlDType::Q5_0 => BLOCK,
            GgmlDType::Q4K | GgmlDType::Q6K => SUPER,
            _ => return false,
        };
        kernel.is_packed() && kernel.supported() && q.device().is_cpu() && n.is_multiple_of(ROWS) && k.is_multiple_of(block) && k > 0
    }

    /// Packs a tensor that `fits` for the process's kernel; `None` otherwise, so the
    /// caller keeps candle's own matmul.
    pub fn from_qtensor(q: &QTensor) -> Option<PackedMatrix> {
        PackedMatrix::from_qtensor_with(q, process_kernel())
    }

    /// Packs for a given kernel (tests force each one); `None` when the tensor does
    /// not fit or this CPU does not run the kernel.
    pub fn from_qtensor_with(q: &QTensor, kernel: Kernel) -> Option<PackedMatrix> {
        if !PackedMatrix::fits_with(q, kernel) {
            return None;
        }
        let (n, k) = q.shape().dims2().ok()?;
        let data = q.data().ok()?;
        let kb = k / BLOCK;
        let sb = k / SUPER;
        let tiles = match q.dtype() {
            GgmlDType::Q8_0 => {
                if data.len() != n * kb * 34 {
                    return None;
                }
                Tiles::Q8(pack_q8(&data, n, kb))
            }
            GgmlDType::Q5_0 => {
                if data.len() != n * kb * 22 {
                    return None;
                }
                Tiles::Q5(pack_q5(&data, n, kb))
            }
            GgmlDType::Q4K => {
                if data.len() != n * sb * 144 {
                    return None;
                }
                Tiles::Q4K(kquant::pack_q4k(&data, n, sb))
            }
            GgmlDType::Q6K => {
                if data.len() != n * sb * 210 {
                    return None;
                }
                Tiles::Q6K(kquant::pack_q6k(&data, n, sb))
            }
            _ => return None,
        };
        Some(PackedMatrix { n, k, kernel, tiles, low_rank: None })
    }

    /// Attaches a low-rank side path: `a_t` is Aᵀ (k × r) and `b_t` the scaled Bᵀ
    /// (r × n), both row-major; `false` (and nothing attached) when the sizes do not fit.
    pub fn attach_low_rank(&mut self, a_t: &[f32], b_t: &[f32], r: usize) -> bool {
        if r == 0 || a_t.len() != self.k * r || b_t.len() != r * self.n {
            return false;
        }
        let mut b_tiles = vec![0f32; self.n * r];
        for rt in 0..self.n / ROWS {
            for j in 0..r {
                for c in 0..ROWS {
                    b_tiles[(rt * r + j) * ROWS + c] = b_t[j * self.n + rt * ROWS + c];
                }
            }
        }
        self.low_rank = Some(LowRank { r, a_t: a_t.to_vec(), b_tiles });
        true
    }

    pub fn n(&self) -> usize {
        self.n
    }
    pub fn k(&self) -> usize {
        self.k
    }
    /// The GGUF type the tiles hold.
    pub fn dtype(&self) -> GgmlDType {
        match self.tiles {
            Tiles::Q8(_) => GgmlDType::Q8_0,
            Tiles::Q5(_) => GgmlDType::Q5_0,
            Tiles::Q4K(_) => GgmlDType::Q4K,
            Tiles::Q6K(_) => GgmlDType::Q6K,
        }
    }
    fn is_super(&self) -> bool {
        self.tiles.width() == SUPER
    }
    pub fn kernel(&self) -> Kernel {
        self.kernel
    }
}

fn block_scale(b: &[u8]) -> f16 {
    f16::from_bits(u16::from_le_bytes([b[0], b[1]]))
}

fn pack_q8(data: &[u8], n: usize, kb: usize) -> Vec<TileQ8> {
    let mut out = Vec::with_capacity(n / ROWS * kb);
    for t in 0..n / ROWS {
        for b in 0..kb {
            let mut tile = TileQ8 { qs: [0; BLOCK * ROWS], d: [f16::ZERO; ROWS] };
            for r in 0..ROWS {
                let blk = &data[((t * ROWS + r) * kb + b) * 34..][..34];
                tile.d[r] = block_scale(blk);
                for i in 0..BLOCK {
                    let (g, j) = (i / 4, i % 4);
                    tile.qs[(g * ROWS + r) * 4 + j] = (blk[2 + i] as i8 as i16 + 128) as u8;
                }
            }
            out.push(tile);
        }
    }
    out
}

/// The 32 codes (0..31) of a GGUF Q5_0 block: value = (code − 16) · d.
fn q5_codes(blk: &[u8]) -> [u8; BLOCK] {
    let qh = u32::from_le_bytes([blk[2], blk[3], blk[4], blk[5]]);
    let qs = &blk[6..22];
    let mut v = [0u8; BLOCK];
    for j in 0..16 {
        v[j] = (qs[j] & 0x0F) | ((((qh >> j) & 1) as u8) << 4);
        v[j + 16] = (qs[j] >> 4) | ((((qh >> (j + 16)) & 1) as u8) << 4);
    }
    v
}

fn pack_q5(data: &[u8], n: usize, kb: usize) -> Vec<TileQ5> {
    let mut out = Vec::with_capacity(n / ROWS * kb);
    for t in 0..n / ROWS {
        for b in 0..kb {
            let mut tile = TileQ5 { lo4: [[0; 64]; 4], hi: [0; 8], d: [f16::ZERO; ROWS] };
            for r in 0..ROWS {
                let blk = &data[((t * ROWS + r) * kb + b) * 22..][..22];
                tile.d[r] = block_scale(blk);
                let v = q5_codes(blk);
                for h in 0..4 {
                    for j in 0..4 {
                        let (a, c) = (v[8 * h + j], v[8 * h + 4 + j]);
                        tile.lo4[h][r * 4 + j] = (a & 0x0F) | ((c & 0x0F) << 4);
                        tile.hi[2 * h] |= u64::from(a >> 4) << (r * 4 + j);
                        tile.hi[2 * h + 1] |= u64::from(c >> 4) << (r * 4 + j);
                    }
                }
            }
            out.push(tile);
        }
    }
    out
}

/// Activation rows quantized to 8 bits per 32 values, with each block's scale and sum.
struct QuantizedRows {
    k: usize,
    qs: Vec<i8>,
    d: Vec<f32>,
    sum: Vec<i32>,
}

impl QuantizedRows {
    fn new(x: &[f32], k: usize) -> QuantizedRows {
        debug_assert!(k.is_multiple_of(BLOCK) && x.len().is_multiple_of(k));
        let blocks = x.len() / BLOCK;
        let mut qs = vec![0i8; x.len()];
        let mut d = vec![0f32; blocks];
        let mut sum = vec![0i32; blocks];
        for (bi, (xb, qb)) in x.chunks_exact(BLOCK).zip(qs.chunks_exact_mut(BLOCK)).enumerate() {
            let amax = xb.iter().fold(0f32, |m, v| m.max(v.abs()));
            let scale = amax / 127.0;
            let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
            let mut s = 0i32;
            for (q, v) in qb.iter_mut().zip(xb) {
                *q = (v * inv).round() as i8;
                s += *q as i32;
            }
            d[bi] = scale;
            sum[bi] = s;
        }
        QuantizedRows { k, qs, d, sum }
    }
}

/// Computes x · Wᵀ for every matrix in `parts` (all with the same k) in one
/// parallel region over candle's thread pool; returns one m × n buffer per part.
pub fn matmul_many(parts: &[&PackedMatrix], x: &[f32]) -> Vec<Vec<f32>> {
    let k = parts[0].k;
    assert!(parts.iter().all(|p| p.k == k) && x.len().is_multiple_of(k), "packed matmul: inner sizes differ");
    let m = x.len() / k;
    // Each activation form only when a part needs it (q/k/v of one model share a type family).
    let acts = Activations {
        per_block: parts.iter().any(|p| !p.is_super()).then(|| QuantizedRows::new(x, k)),
        per_super: parts.iter().any(|p| p.is_super()).then(|| SuperRows::new(x, k)),
    };
    let mut outs: Vec<Vec<f32>> = parts.iter().map(|p| vec![0f32; m * p.n]).collect();
    let m_units = m.div_ceil(MT);
    // Work unit = (part, row tile, chunk of MT activation rows), row-tile major so a
    // worker's consecutive units reuse the same weight tiles from cache.
    let mut starts = Vec::with_capacity(parts.len());
    let mut total = 0usize;
    for p in parts {
        starts.push(total);
        total += p.n / ROWS * m_units;
    }
    // t = x·Aᵀ (m × r) per part with a low-rank path: small, done before the split.
    let ts: Vec<Option<Vec<f32>>> = parts.iter().map(|p| p.low_rank.as_ref().map(|lr| low_rank_input(x, k, lr))).collect();
    let ptrs: Vec<usize> = outs.iter_mut().map(|o| o.as_mut_ptr() as usize).collect();
    candle_core::utils::barrier_pool().execute_chunked(total, |range| {
        for unit in range {
            let pi = starts.iter().rposition(|&s| unit >= s).unwrap_or(0);
            let p = parts[pi];
            let local = unit - starts[pi];
            let (rt, m0) = (local / m_units, (local % m_units) * MT);
            let mt = (m - m0).min(MT);
            let side = match (&p.low_rank, &ts[pi]) {
                (Some(lr), Some(t)) => Some(Side { t, b: &lr.b_tiles[rt * lr.r * ROWS..(rt + 1) * lr.r * ROWS], r: lr.r }),
                _ => None,
            };
            // SAFETY: units write disjoint (row, 16-column) spans of their part's
            // buffer, which outlives the parallel region; the matrix's kernel was
            // checked against this CPU when it was packed.
            unsafe { run_unit(p, &acts, rt, m0, mt, side, ptrs[pi] as *mut f32) }
        }
    });
    outs
}

/// x·Aᵀ for all m rows: m × r.
fn low_rank_input(x: &[f32], k: usize, lr: &LowRank) -> Vec<f32> {
    let mut t = vec![0f32; x.len() / k * lr.r];
    for (xr, tr) in x.chunks_exact(k).zip(t.chunks_exact_mut(lr.r)) {
        for (xi, ar) in xr.iter().zip(lr.a_t.chunks_exact(lr.r)) {
            for (tj, aj) in tr.iter_mut().zip(ar) {
                *tj += xi * aj;
            }
        }
    }
    t
}

/// The input rows in the forms the parts of one call need: 8 bits per 32 values
/// (Q8_0, Q5_0) or per 256 (the K-quants).
struct Activations {
    per_block: Option<QuantizedRows>,
    per_super: Option<SuperRows>,
}

/// A unit's share of the low-rank path: all rows of t and its row tile of Bᵀ.
#[derive(Clone, Copy)]
struct Side<'a> {
    t: &'a [f32],
    b: &'a [f32],
    r: usize,
}

/// Activation rows per unit: enough to reuse each loaded weight vector several
/// times, few enough that accumulators stay in registers.
const MT: usize = 4;

/// One unit on the matrix's kernel.
///
/// # Safety
/// `p.kernel` runs on this CPU (true of every `PackedMatrix`) and `out` is the part's
/// m × n buffer.
unsafe fn run_unit(p: &PackedMatrix, acts: &Activations, rt: usize, m0: usize, mt: usize, side: Option<Side>, out: *mut f32) {
    #[cfg(target_arch = "x86_64")]
    {
        let kb = p.k / p.tiles.width();
        let (span, n) = (rt * kb..(rt + 1) * kb, p.n);
        let per_block = || acts.per_block.as_ref().expect("quantized per 32 for a Q8_0/Q5_0 part");
        let per_super = || acts.per_super.as_ref().expect("quantized per 256 for a K-quant part");
        match (&p.tiles, p.kernel) {
            (_, Kernel::Fallback) => unreachable!("nothing is packed for the fallback kernel"),
            (Tiles::Q8(t), Kernel::Avx512Vnni) => vnni::unit_any_m(&t[span], per_block(), m0, mt, rt, n, side, out),
            (Tiles::Q5(t), Kernel::Avx512Vnni) => vnni::unit_any_m(&t[span], per_block(), m0, mt, rt, n, side, out),
            (Tiles::Q8(t), Kernel::AvxVnni) => avx2::unit_any_m::<_, true>(&t[span], per_block(), m0, mt, rt, n, side, out),
            (Tiles::Q5(t), Kernel::AvxVnni) => avx2::unit_any_m::<_, true>(&t[span], per_block(), m0, mt, rt, n, side, out),
            (Tiles::Q8(t), Kernel::Avx2) => avx2::unit_any_m::<_, false>(&t[span], per_block(), m0, mt, rt, n, side, out),
            (Tiles::Q5(t), Kernel::Avx2) => avx2::unit_any_m::<_, false>(&t[span], per_block(), m0, mt, rt, n, side, out),
            (Tiles::Q4K(t), Kernel::Avx512Vnni) => vnni::unit_super_any_m(&t[span], per_super(), m0, mt, rt, n, side, out),
            (Tiles::Q6K(t), Kernel::Avx512Vnni) => vnni::unit_super_any_m(&t[span], per_super(), m0, mt, rt, n, side, out),
            (Tiles::Q4K(t), _) => avx2::unit_super_any_m(&t[span], per_super(), m0, mt, rt, n, side, out),
            (Tiles::Q6K(t), _) => avx2::unit_super_any_m(&t[span], per_super(), m0, mt, rt, n, side, out),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = (p, acts, rt, m0, mt, side, out);
        unreachable!("packed matrices are only built on x86_64");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::quantized::QMatMul;
    use candle_core::{Device, Module, Tensor};

    /// Deterministic pseudo-random values in [-1, 1).
    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
    }

    fn flat(t: &Tensor) -> Vec<f32> {
        t.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    }

    /// The packed kernels this CPU runs; a line for each one it cannot run, so a
    /// missing path is visible in the test output rather than silently skipped.
    fn kernels_here(test: &str) -> Vec<Kernel> {
        Kernel::ALL
            .into_iter()
            .filter(|k| k.is_packed())
            .filter(|k| {
                let missing = k.missing_features();
                if !missing.is_empty() {
                    eprintln!("{test}: kernel {k} NOT RUN: this CPU lacks {}", missing.join(", "));
                }
                missing.is_empty()
            })
            .collect()
    }

    /// candle's matmul on the same quantized weights (quantizing `w` again gives the
    /// same blocks; candle too quantizes activations per 32 for Q8_0/Q5_0 and as
    /// Q8_K for the K-quants).
    fn candle_matmul(w: &Tensor, dtype: GgmlDType, x: &[f32], m: usize) -> Vec<f32> {
        let k = w.dims2().unwrap().1;
        let xt = Tensor::from_vec(x.to_vec(), (m, k), w.device()).unwrap();
        flat(&QMatMul::from_qtensor(QTensor::quantize(w, dtype).unwrap()).unwrap().forward(&xt).unwrap())
    }

    const ALL_TYPES: [GgmlDType; 4] = [GgmlDType::Q8_0, GgmlDType::Q5_0, GgmlDType::Q4K, GgmlDType::Q6K];

    /// An inner size that suits the type: whole blocks of 32, or of 256 for K-quants.
    fn inner_for(dtype: GgmlDType, k32: usize, k256: usize) -> usize {
        if matches!(dtype, GgmlDType::Q4K | GgmlDType::Q6K) {
            k256
        } else {
            k32
        }
    }

    fn assert_close(got: &[f32], want: &[f32], what: &str) {
        assert_eq!(got.len(), want.len(), "{what}: length");
        let scale = want.iter().fold(0f32, |a, v| a.max(v.abs()));
        let diff = max_abs_diff(got, want);
        assert!(diff <= 1e-3 * scale.max(1.0), "{what}: max diff {diff} (scale {scale})");
    }

    /// Every packed kernel this CPU has, forced, agrees with candle's matmul for
    /// 1–9 activation rows (every row-chunk size and a remainder), several parts in
    /// one call, and outputs beyond one tile, for every packed type.
    #[test]
    fn packed_matmul_matches_candle_for_every_type() {
        let dev = Device::Cpu;
        let ns = [48usize, 16, 32];
        let kernels = kernels_here("packed_matmul_matches_candle");
        for dtype in ALL_TYPES {
            let k = inner_for(dtype, 160, 768);
            let weights: Vec<Tensor> = ns
                .iter()
                .enumerate()
                .map(|(i, &n)| Tensor::from_vec(values(n * k, 7 + i as u64), (n, k), &dev).unwrap())
                .collect();
            let qs: Vec<QTensor> = weights.iter().map(|w| QTensor::quantize(w, dtype).unwrap()).collect();
            assert!(qs.iter().all(|q| PackedMatrix::from_qtensor_with(q, Kernel::Fallback).is_none()), "fallback packs nothing");
            for &kernel in &kernels {
                let packed: Vec<PackedMatrix> = qs.iter().filter_map(|q| PackedMatrix::from_qtensor_with(q, kernel)).collect();
                assert_eq!(packed.len(), qs.len(), "{kernel}: every part packs");
                assert!(packed.iter().all(|p| p.kernel() == kernel && p.dtype() == dtype));
                let refs: Vec<&PackedMatrix> = packed.iter().collect();
                for m in 1..=9usize {
                    let x = values(m * k, 100 + m as u64);
                    let outs = matmul_many(&refs, &x);
                    for (w, (out, &n)) in weights.iter().zip(outs.iter().zip(ns.iter())) {
                        assert_close(out, &candle_matmul(w, dtype, &x, m), &format!("{kernel} {dtype:?} m={m} n={n}"));
                    }
                }
                eprintln!("packed_matmul_matches_candle: kernel {kernel} {dtype:?} ran, m = 1..9, {} parts", ns.len());
            }
        }
    }

    /// Weights and activations at the ends of their ranges (every code ±127 for
    /// Q8_0, 0 or 31 for Q5_0, 0 or 15 for Q4_K, 0 or 63 for Q6_K), where an i16
    /// pair sum without the AVX2 kernel's sign trick, or i16 sums over too many
    /// pairs, would saturate.
    #[test]
    fn extreme_codes_do_not_saturate() {
        let dev = Device::Cpu;
        let (n, k, m) = (32, 256, 3);
        let w: Vec<f32> = values(n * k, 21).iter().map(|v| if *v < 0.0 { -1.0 } else { 1.0 }).collect();
        let x: Vec<f32> = values(m * k, 22).iter().map(|v| if *v < 0.0 { -1.0 } else { 1.0 }).collect();
        let w = Tensor::from_vec(w, (n, k), &dev).unwrap();
        let kernels = kernels_here("extreme_codes_do_not_saturate");
        for dtype in ALL_TYPES {
            let q = QTensor::quantize(&w, dtype).unwrap();
            for &kernel in &kernels {
                let p = PackedMatrix::from_qtensor_with(&q, kernel).expect("fits");
                let got = matmul_many(&[&p], &x).remove(0);
                assert_close(&got, &candle_matmul(&w, dtype, &x, m), &format!("{kernel} {dtype:?} extremes"));
            }
        }
    }

    #[test]
    fn shapes_the_kernel_cannot_tile_are_left_to_candle() {
        let dev = Device::Cpu;
        for kernel in kernels_here("shapes_the_kernel_cannot_tile") {
            let w = Tensor::from_vec(values(8 * 64, 1), (8, 64), &dev).unwrap();
            let q = QTensor::quantize(&w, GgmlDType::Q8_0).unwrap();
            assert!(PackedMatrix::from_qtensor_with(&q, kernel).is_none(), "8 rows is not a 16-row tile");
            let w = Tensor::from_vec(values(16 * 256, 2), (16, 256), &dev).unwrap();
            let q = QTensor::quantize(&w, GgmlDType::Q2K).unwrap();
            assert!(PackedMatrix::from_qtensor_with(&q, kernel).is_none(), "Q2_K stays with candle");
            let w = Tensor::from_vec(values(24 * 256, 2), (24, 256), &dev).unwrap();
            let q = QTensor::quantize(&w, GgmlDType::Q6K).unwrap();
            assert!(PackedMatrix::from_qtensor_with(&q, kernel).is_none(), "24 rows is not whole 16-row tiles");
        }
    }

    /// A kernel this CPU lacks never packs (so its code can never run here).
    #[test]
    fn kernels_the_cpu_lacks_pack_nothing() {
        let dev = Device::Cpu;
        let w = Tensor::from_vec(values(16 * 64, 3), (16, 64), &dev).unwrap();
        let q = QTensor::quantize(&w, GgmlDType::Q8_0).unwrap();
        for kernel in Kernel::ALL {
            let packed = PackedMatrix::from_qtensor_with(&q, kernel).is_some();
            assert_eq!(packed, kernel.is_packed() && kernel.supported(), "{kernel}");
        }
    }

    /// The low-rank side path inside each kernel equals x·Wᵀ + (x·Aᵀ)·Bᵀ done by
    /// candle, for every weight type and several row counts.
    #[test]
    fn low_rank_side_path_matches_candle() {
        let dev = Device::Cpu;
        let (n, r) = (48, 4);
        for kernel in kernels_here("low_rank_side_path_matches_candle") {
            for dtype in ALL_TYPES {
                let k = inner_for(dtype, 96, 256);
                let w = Tensor::from_vec(values(n * k, 11), (n, k), &dev).unwrap();
                let a_t = Tensor::from_vec(values(k * r, 12), (k, r), &dev).unwrap();
                let b_t = (Tensor::from_vec(values(r * n, 13), (r, n), &dev).unwrap() * 0.1).unwrap();
                let q = QTensor::quantize(&w, dtype).unwrap();
                let mut p = PackedMatrix::from_qtensor_with(&q, kernel).expect("fits");
                assert!(!p.attach_low_rank(&flat(&a_t), &flat(&b_t), r + 1), "sizes that do not fit are refused");
                assert!(p.attach_low_rank(&flat(&a_t), &flat(&b_t), r));
                for m in [1usize, 4, 7, 9] {
                    let x = values(m * k, 40 + m as u64);
                    let got = matmul_many(&[&p], &x).remove(0);
                    let xt = Tensor::from_vec(x.clone(), (m, k), &dev).unwrap();
                    let side = flat(&xt.matmul(&a_t).unwrap().matmul(&b_t).unwrap());
                    let want: Vec<f32> = candle_matmul(&w, dtype, &x, m).iter().zip(&side).map(|(a, b)| a + b).collect();
                    assert_close(&got, &want, &format!("{kernel} {dtype:?} low rank m={m}"));
                }
            }
        }
    }
}

/// Timing of each kernel on the 0.5B model's shapes (`cargo test --release -p llm
/// --lib kernel_speed -- --ignored --nocapture`); printed, never asserted.
#[cfg(test)]
mod speed {
    use super::*;
    use candle_core::quantized::QMatMul;
    use candle_core::{Device, Module, Tensor};
    use std::time::Instant;

    #[test]
    #[ignore]
    fn kernel_speed() {
        let dev = Device::Cpu;
        for (n, k) in [(4864usize, 896usize), (896, 4864)] {
            let w: Vec<f32> = (0..n * k).map(|i| ((i * 7919 % 2003) as f32 / 1001.0) - 1.0).collect();
            let w = Tensor::from_vec(w, (n, k), &dev).unwrap();
            for dtype in [GgmlDType::Q8_0, GgmlDType::Q5_0, GgmlDType::Q4K, GgmlDType::Q6K] {
                if !k.is_multiple_of(super::SUPER) && matches!(dtype, GgmlDType::Q4K | GgmlDType::Q6K) {
                    continue;
                }
                let q = QTensor::quantize(&w, dtype).unwrap();
                for m in [1usize, 8, 128] {
                    let x: Vec<f32> = (0..m * k).map(|i| ((i * 31 % 97) as f32 / 48.0) - 1.0).collect();
                    let reps = if m == 1 { 200 } else { 10 };
                    for kernel in [Kernel::Avx512Vnni, Kernel::AvxVnni, Kernel::Avx2] {
                        let Some(p) = PackedMatrix::from_qtensor_with(&q, kernel) else { continue };
                        let _ = matmul_many(&[&p], &x);
                        let t0 = Instant::now();
                        for _ in 0..reps {
                            std::hint::black_box(matmul_many(&[&p], &x));
                        }
                        let ms = t0.elapsed().as_secs_f64() * 1e3 / reps as f64;
                        eprintln!("{kernel:>10} {dtype:?} {n}x{k} m={m}: {ms:.3} ms, {:.1} GB/s of weights", (q.storage_size_in_bytes() as f64) / ms / 1e6);
                    }
                    let mm = QMatMul::from_qtensor(QTensor::quantize(&w, dtype).unwrap()).unwrap();
                    let xt = Tensor::from_vec(x.clone(), (m, k), &dev).unwrap();
                    let _ = mm.forward(&xt).unwrap();
                    let t0 = Instant::now();
                    for _ in 0..reps {
                        std::hint::black_box(mm.forward(&xt).unwrap());
                    }
                    let ms = t0.elapsed().as_secs_f64() * 1e3 / reps as f64;
                    eprintln!("{:>10} {dtype:?} {n}x{k} m={m}: {ms:.3} ms", "candle");
                }
            }
        }
    }

    /// One-row matmul over weights far larger than the last-level cache (a
    /// 65,536 × 1,536 matrix, 36–54 MB), as in decode, where every weight comes
    /// from memory once per token: GB/s of weights per kernel and type.
    #[test]
    #[ignore]
    fn kernel_stream_speed() {
        let dev = Device::Cpu;
        let (n, k) = (65536usize, 1536usize);
        let w: Vec<f32> = (0..n * k).map(|i| ((i * 7919 % 2003) as f32 / 1001.0) - 1.0).collect();
        let w = Tensor::from_vec(w, (n, k), &dev).unwrap();
        let x: Vec<f32> = (0..k).map(|i| ((i * 31 % 97) as f32 / 48.0) - 1.0).collect();
        for dtype in [GgmlDType::Q8_0, GgmlDType::Q4K, GgmlDType::Q6K] {
            let q = QTensor::quantize(&w, dtype).unwrap();
            let bytes = q.storage_size_in_bytes() as f64;
            for kernel in [Kernel::Avx512Vnni, Kernel::AvxVnni, Kernel::Avx2] {
                let Some(p) = PackedMatrix::from_qtensor_with(&q, kernel) else { continue };
                let _ = matmul_many(&[&p], &x);
                let t0 = Instant::now();
                for _ in 0..20 {
                    std::hint::black_box(matmul_many(&[&p], &x));
                }
                let ms = t0.elapsed().as_secs_f64() * 1e3 / 20.0;
                eprintln!("{kernel:>10} {dtype:?} {n}x{k} m=1 stream: {ms:.3} ms, {:.1} GB/s of weights", bytes / ms / 1e6);
            }
            let mm = QMatMul::from_qtensor(q).unwrap();
            let xt = Tensor::from_vec(x.clone(), (1, k), &dev).unwrap();
            let _ = mm.forward(&xt).unwrap();
            let t0 = Instant::now();
            for _ in 0..20 {
                std::hint::black_box(mm.forward(&xt).unwrap());
            }
            let ms = t0.elapsed().as_secs_f64() * 1e3 / 20.0;
            eprintln!("{:>10} {dtype:?} {n}x{k} m=1 stream: {ms:.3} ms, {:.1} GB/s of weights", "candle", bytes / ms / 1e6);
        }
    }
}
