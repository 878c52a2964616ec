//! The AVX-512 VNNI kernel: one 512-bit `vpdpbusd` takes a 64-byte group of a tile
//! (16 rows × 4 inputs) against 4 broadcast activation bytes. Q8_0 codes are stored
//! +128 (unsigned, as `vpdpbusd` wants), Q5_0 codes as their raw 0..31.

// Index loops over the M activation rows read clearer than zipped iterators here.
#![allow(clippy::needless_range_loop)]

use super::*;
use core::arch::x86_64::*;

/// One tile format: its integer partial sums for M activation rows over one
/// 32-input block, and the unsigned offset its codes carry.
pub(super) trait Tile {
    const OFFSET: i32;
    fn scales(&self) -> &[f16; ROWS];
    /// Two independent accumulator chains (even/odd input groups), so a single
    /// row is not serialized on vpdpbusd latency; summed at the end.
    unsafe fn block_sums<const M: usize>(&self, acts: &QuantizedRows, m0: usize, at: usize) -> [__m512i; M];
}

#[inline(always)]
unsafe fn bcast4(acts: &QuantizedRows, row: usize, at: usize) -> __m512i {
    _mm512_set1_epi32(std::ptr::read_unaligned(acts.qs.as_ptr().add(row * acts.k + at) as *const i32))
}

#[inline(always)]
unsafe fn dot2<const M: usize>(s: &mut [[__m512i; M]; 2], w: [__m512i; 2], acts: &QuantizedRows, m0: usize, at: [usize; 2]) {
    for i in 0..M {
        s[0][i] = _mm512_dpbusd_epi32(s[0][i], w[0], bcast4(acts, m0 + i, at[0]));
        s[1][i] = _mm512_dpbusd_epi32(s[1][i], w[1], bcast4(acts, m0 + i, at[1]));
    }
}

#[inline(always)]
unsafe fn join<const M: usize>(s: [[__m512i; M]; 2]) -> [__m512i; M] {
    let mut out = s[0];
    for i in 0..M {
        out[i] = _mm512_add_epi32(s[0][i], s[1][i]);
    }
    out
}

impl Tile for TileQ8 {
    const OFFSET: i32 = 128;
    fn scales(&self) -> &[f16; ROWS] {
        &self.d
    }
    #[inline(always)]
    unsafe fn block_sums<const M: usize>(&self, acts: &QuantizedRows, m0: usize, at: usize) -> [__m512i; M] {
        let mut s = [[_mm512_setzero_si512(); M]; 2];
        for g in (0..8).step_by(2) {
            let w0 = _mm512_loadu_si512(self.qs.as_ptr().add(g * 64) as *const __m512i);
            let w1 = _mm512_loadu_si512(self.qs.as_ptr().add(g * 64 + 64) as *const __m512i);
            dot2(&mut s, [w0, w1], acts, m0, [at + g * 4, at + g * 4 + 4]);
        }
        join(s)
    }
}

impl Tile for TileQ5 {
    const OFFSET: i32 = 16;
    fn scales(&self) -> &[f16; ROWS] {
        &self.d
    }
    #[inline(always)]
    unsafe fn block_sums<const M: usize>(&self, acts: &QuantizedRows, m0: usize, at: usize) -> [__m512i; M] {
        let nib = _mm512_set1_epi8(0x0F);
        let bit4 = _mm512_set1_epi8(0x10);
        let mut s = [[_mm512_setzero_si512(); M]; 2];
        for h in 0..4 {
            let w = _mm512_loadu_si512(self.lo4[h].as_ptr() as *const __m512i);
            let lo = _mm512_and_si512(w, nib);
            let hi = _mm512_and_si512(_mm512_srli_epi16(w, 4), nib);
            // The 5th bit, per byte, from the tile's bit masks.
            let lo = _mm512_mask_blend_epi8(self.hi[2 * h], lo, _mm512_or_si512(lo, bit4));
            let hi = _mm512_mask_blend_epi8(self.hi[2 * h + 1], hi, _mm512_or_si512(hi, bit4));
            dot2(&mut s, [lo, hi], acts, m0, [at + h * 8, at + h * 8 + 4]);
        }
        join(s)
    }
}

/// 16 outputs of row tile `rt` for activation rows m0..m0+M:
/// acc += (Σu·a − offset·Σa) · d_w · d_a per block, then one store per row.
#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn unit<T: Tile, const M: usize>(tiles: &[T], acts: &QuantizedRows, m0: usize, rt: usize, n: usize, side: Option<Side>, out: *mut f32) {
    let kb = acts.k / BLOCK;
    let mut acc = [_mm512_setzero_ps(); M];
    for (b, t) in tiles.iter().enumerate() {
        let isum = t.block_sums::<M>(acts, m0, b * BLOCK);
        let dw = _mm512_cvtph_ps(_mm256_loadu_si256(t.scales().as_ptr() as *const __m256i));
        for i in 0..M {
            let bi = (m0 + i) * kb + b;
            let s = _mm512_sub_epi32(isum[i], _mm512_set1_epi32(T::OFFSET * acts.sum[bi]));
            acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dw, _mm512_set1_ps(acts.d[bi])), acc[i]);
        }
    }
    if let Some(Side { t, b, r }) = side {
        for j in 0..r {
            let bj = _mm512_loadu_ps(b.as_ptr().add(j * ROWS));
            for i in 0..M {
                acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(t[(m0 + i) * r + j]), bj, acc[i]);
            }
        }
    }
    for (i, a) in acc.iter().enumerate() {
        _mm512_storeu_ps(out.add((m0 + i) * n + rt * ROWS), *a);
    }
}

/// `unit` for the row count at hand (MT, or fewer for the last chunk).
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn unit_any_m<T: Tile>(tiles: &[T], acts: &QuantizedRows, m0: usize, mt: usize, rt: usize, n: usize, side: Option<Side>, out: *mut f32) {
    match mt {
        1 => unit::<T, 1>(tiles, acts, m0, rt, n, side, out),
        2 => unit::<T, 2>(tiles, acts, m0, rt, n, side, out),
        3 => unit::<T, 3>(tiles, acts, m0, rt, n, side, out),
        _ => unit::<T, MT>(tiles, acts, m0, rt, n, side, out),
    }
}
