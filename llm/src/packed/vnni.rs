//! The AVX-512 VNNI kernel: one 512-bit `vpdpbusd` takes a 64-byte group of a tile
//! (16 rows × 4 inputs) against 4 broadcast activation bytes. Q8_0 codes are stored
//! +128 (unsigned, as `vpdpbusd` wants), Q5_0 codes as their raw 0..31. The K-quant
//! tiles (`SuperTile512`) have the same 16 × 4 groups, so they take the same route.

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
    finish(acc, m0, rt, n, side, out);
}

/// Adds the low-rank side path, then stores the 16 outputs of each activation row.
#[inline(always)]
unsafe fn finish<const M: usize>(mut acc: [__m512; M], m0: usize, rt: usize, n: usize, side: Option<Side>, out: *mut f32) {
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

/// A super-block tile format (Q4_K, Q6_K) on 512 bits: a 64-byte group of its codes
/// is 16 rows × 4 inputs, as in the 32-input tiles, so one `vpdpbusd` takes all 16
/// rows and sums four products straight into i32 (no `vpmaddubsw` pairs, no
/// saturation to keep clear of). Adds its f32 contribution for M activation rows
/// over super-block `sb`.
pub(super) trait SuperTile512 {
    unsafe fn fma512<const M: usize>(&self, acts: &SuperRows, m0: usize, sb: usize, acc: &mut [__m512; M]);
}

#[inline(always)]
unsafe fn bcast4_super(acts: &SuperRows, row: usize, at: usize) -> __m512i {
    _mm512_set1_epi32(std::ptr::read_unaligned(acts.qs.as_ptr().add(row * acts.k + at) as *const i32))
}

/// Row r's byte of `v` in lane r, zero- or sign-extended.
#[inline(always)]
unsafe fn lanes_u8(v: &[u8; ROWS]) -> __m512i {
    _mm512_cvtepu8_epi32(_mm_loadu_si128(v.as_ptr() as *const __m128i))
}

#[inline(always)]
unsafe fn lanes_i8(v: &[i8; ROWS]) -> __m512i {
    _mm512_cvtepi8_epi32(_mm_loadu_si128(v.as_ptr() as *const __m128i))
}

#[inline(always)]
unsafe fn lanes_f16(v: &[f16; ROWS]) -> __m512 {
    _mm512_cvtph_ps(_mm256_loadu_si256(v.as_ptr() as *const __m256i))
}

impl SuperTile512 for TileQ4K {
    /// Per 32-input sub-block: Σ q·a (at most 15·127·32 per row) in two chains, times
    /// the row's scale; the mins as dmin·Σ_sub m·Σa, as in the AVX2 units.
    #[inline(always)]
    unsafe fn fma512<const M: usize>(&self, acts: &SuperRows, m0: usize, sb: usize, acc: &mut [__m512; M]) {
        let nib = _mm512_set1_epi8(0x0F);
        let mut sumi = [_mm512_setzero_si512(); M];
        let mut summ = [_mm512_setzero_si512(); M];
        for s in 0..8 {
            let sub = &self.subs[s];
            let mut p = [[_mm512_setzero_si512(); M]; 2];
            for c in 0..4 {
                let w = _mm512_loadu_si512(sub.q4[c].as_ptr() as *const __m512i);
                let (lo, hi) = (_mm512_and_si512(w, nib), _mm512_and_si512(_mm512_srli_epi16(w, 4), nib));
                let at = sb * SUPER + (4 * s + c) * 8;
                for i in 0..M {
                    p[0][i] = _mm512_dpbusd_epi32(p[0][i], lo, bcast4_super(acts, m0 + i, at));
                    p[1][i] = _mm512_dpbusd_epi32(p[1][i], hi, bcast4_super(acts, m0 + i, at + 4));
                }
            }
            let (sc, m) = (lanes_u8(&sub.sc), lanes_u8(&sub.m));
            for i in 0..M {
                sumi[i] = _mm512_add_epi32(sumi[i], _mm512_mullo_epi32(_mm512_add_epi32(p[0][i], p[1][i]), sc));
                let a = acts.sum32[(m0 + i) * acts.k / 32 + sb * 8 + s] as i32;
                summ[i] = _mm512_add_epi32(summ[i], _mm512_mullo_epi32(m, _mm512_set1_epi32(a)));
            }
        }
        let (d, dmin) = (lanes_f16(&self.d), lanes_f16(&self.dmin));
        let kb = acts.k / SUPER;
        for i in 0..M {
            let da = _mm512_set1_ps(acts.d[(m0 + i) * kb + sb]);
            acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi[i]), _mm512_mul_ps(d, da), acc[i]);
            acc[i] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(summ[i]), _mm512_mul_ps(dmin, da), acc[i]);
        }
    }
}

impl SuperTile512 for TileQ6K {
    /// Per 16-input sub-block: Σ q·a over codes 0..63 in two chains, less 32·Σa
    /// (the codes' offset), times the row's signed scale.
    #[inline(always)]
    unsafe fn fma512<const M: usize>(&self, acts: &SuperRows, m0: usize, sb: usize, acc: &mut [__m512; M]) {
        let nib = _mm512_set1_epi8(0x0F);
        let top = _mm512_set1_epi8(0x30);
        let mut sumi = [_mm512_setzero_si512(); M];
        for s in 0..16 {
            let sub = &self.subs[s];
            let hb = _mm512_loadu_si512(sub.hb.as_ptr() as *const __m512i);
            let wa = _mm512_loadu_si512(sub.q4[0].as_ptr() as *const __m512i);
            let wb = _mm512_loadu_si512(sub.q4[1].as_ptr() as *const __m512i);
            // Group t (inputs 16s + 4t..) has its top bits at 2t..2t+1 of `hb`.
            let codes = [
                _mm512_or_si512(_mm512_and_si512(wa, nib), _mm512_and_si512(_mm512_slli_epi16(hb, 4), top)),
                _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(wa, 4), nib), _mm512_and_si512(_mm512_slli_epi16(hb, 2), top)),
                _mm512_or_si512(_mm512_and_si512(wb, nib), _mm512_and_si512(hb, top)),
                _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(wb, 4), nib), _mm512_and_si512(_mm512_srli_epi16(hb, 2), top)),
            ];
            let sc = lanes_i8(&self.sc[s]);
            let at = sb * SUPER + s * 16;
            for i in 0..M {
                let row = m0 + i;
                let p0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), codes[0], bcast4_super(acts, row, at));
                let p1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), codes[1], bcast4_super(acts, row, at + 4));
                let p0 = _mm512_dpbusd_epi32(p0, codes[2], bcast4_super(acts, row, at + 8));
                let p1 = _mm512_dpbusd_epi32(p1, codes[3], bcast4_super(acts, row, at + 12));
                let off = 32 * acts.sum16[row * acts.k / 16 + sb * 16 + s] as i32;
                let p = _mm512_sub_epi32(_mm512_add_epi32(p0, p1), _mm512_set1_epi32(off));
                sumi[i] = _mm512_add_epi32(sumi[i], _mm512_mullo_epi32(p, sc));
            }
        }
        let d = lanes_f16(&self.d);
        let kb = acts.k / SUPER;
        for i in 0..M {
            let da = _mm512_set1_ps(acts.d[(m0 + i) * kb + sb]);
            acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sumi[i]), _mm512_mul_ps(d, da), acc[i]);
        }
    }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
unsafe fn unit_super<T: SuperTile512, const M: usize>(tiles: &[T], acts: &SuperRows, m0: usize, rt: usize, n: usize, side: Option<Side>, out: *mut f32) {
    let mut acc = [_mm512_setzero_ps(); M];
    for (sb, t) in tiles.iter().enumerate() {
        avx2::prefetch_ahead(tiles, sb);
        t.fma512::<M>(acts, m0, sb, &mut acc);
    }
    finish(acc, m0, rt, n, side, out);
}

/// `unit_super` for the row count at hand.
///
/// # Safety
/// The CPU has AVX-512 F, BW and VNNI; `out` spans the rows and columns written.
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn unit_super_any_m<T: SuperTile512>(tiles: &[T], acts: &SuperRows, m0: usize, mt: usize, rt: usize, n: usize, side: Option<Side>, out: *mut f32) {
    match mt {
        1 => unit_super::<T, 1>(tiles, acts, m0, rt, n, side, out),
        2 => unit_super::<T, 2>(tiles, acts, m0, rt, n, side, out),
        3 => unit_super::<T, 3>(tiles, acts, m0, rt, n, side, out),
        _ => unit_super::<T, MT>(tiles, acts, m0, rt, n, side, out),
    }
}
