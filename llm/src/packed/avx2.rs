//! The AVX2 kernel (AVX2 + FMA + F16C), on the same tiles as the VNNI one. Without
//! `vpdpbusd`, a 32-byte half of a tile's 64-byte group (8 rows × 4 inputs) goes
//! through `vpmaddubsw` (u8 × i8 → i16, adjacent pairs summed) and `vpmaddwd` with
//! ones (i16 pairs → i32), the route ggml takes on AVX2. Each half of a 16-row tile
//! (rows 0–7, 8–15) gets its own 8-lane accumulators.
//!
//! `vpmaddubsw` saturates its i16 pair sums, so the operands are kept in range:
//! - Q8_0 codes are stored +128 for VNNI; here they are flipped back to signed and
//!   multiplied as |w| × (a · sign w) ("sign trick"): at most 2·128·127 = 32512.
//! - Q5_0 codes are 0..31: one pair is at most 2·31·127 = 7874, so four products
//!   (16 inputs) are summed in i16 (31496) before one `vpmaddwd`.
//!
//! Integer dot products are exact and the f32 steps run in the VNNI kernel's order,
//! so both kernels give the same numbers.
//!
//! The AVX-VNNI kernel (the VEX-encoded 256-bit `vpdpbusd` of Intel Alder Lake and
//! Sapphire Rapids on, AMD Zen 5) runs these same units with `VNNI = true`: each
//! 32-byte half goes through one `vpdpbusd` (u8 × i8, four products summed straight
//! into i32, so nothing saturates and Q8_0 is read as stored, +128, like the
//! AVX-512 kernel), in two chains so one row does not wait on its latency.

// Index loops over the M activation rows read clearer than zipped iterators here.
#![allow(clippy::needless_range_loop)]

use super::*;
use core::arch::x86_64::*;

/// One tile format: i32 partial sums for the 8 rows of one half and M activation
/// rows over one 32-input block, and the offset the codes carry as read here.
pub(super) trait Tile {
    /// The offset the codes carry as read by the `vpmaddubsw` route (`VNNI = false`)
    /// or the `vpdpbusd` route.
    fn offset<const VNNI: bool>() -> i32;
    fn scales(&self) -> &[f16; ROWS];
    unsafe fn half_sums<const M: usize, const VNNI: bool>(&self, half: usize, acts: &QuantizedRows, m0: usize, at: usize) -> [__m256i; M];
}

/// `s[c] += w · a` for chain c, per row (AVX-VNNI only).
#[inline(always)]
unsafe fn dpbusd_rows<const M: usize>(s: &mut [[__m256i; M]; 2], c: usize, w: __m256i, acts: &QuantizedRows, m0: usize, at: usize) {
    for i in 0..M {
        s[c][i] = _mm256_dpbusd_avx_epi32(s[c][i], w, bcast4(acts, m0 + i, at));
    }
}

#[inline(always)]
unsafe fn join<const M: usize>(s: [[__m256i; M]; 2]) -> [__m256i; M] {
    let mut out = s[0];
    for i in 0..M {
        out[i] = _mm256_add_epi32(s[0][i], s[1][i]);
    }
    out
}

/// Activation bytes at..at+4 of a row, in every 32-bit lane.
#[inline(always)]
unsafe fn bcast4(acts: &QuantizedRows, row: usize, at: usize) -> __m256i {
    bcast4_of(&acts.qs, acts.k, row, at)
}

#[inline(always)]
unsafe fn bcast4_of(qs: &[i8], k: usize, row: usize, at: usize) -> __m256i {
    _mm256_set1_epi32(std::ptr::read_unaligned(qs.as_ptr().add(row * k + at) as *const i32))
}

/// Byte b is 0xFF where bit b of `bits` is set, else 0.
#[inline(always)]
unsafe fn bits_to_bytes(bits: u32) -> __m256i {
    // Byte b takes source byte b / 8 (each 128-bit lane holds all four).
    let spread = _mm256_setr_epi8(
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3,
    );
    let v = _mm256_shuffle_epi8(_mm256_set1_epi32(bits as i32), spread);
    // Set every bit but bit (b mod 8): all ones exactly where that bit was set.
    let others = _mm256_set1_epi64x(0x7fbf_dfef_f7fb_fdfe);
    _mm256_cmpeq_epi8(_mm256_or_si256(v, others), _mm256_set1_epi8(-1))
}

/// 0x10 in the bytes of `half` whose bit in the tile's 64-bit mask is set.
#[inline(always)]
unsafe fn fifth_bits(mask: u64, half: usize, bit4: __m256i) -> __m256i {
    _mm256_and_si256(bits_to_bytes((mask >> (32 * half)) as u32), bit4)
}

impl Tile for TileQ8 {
    /// `vpmaddubsw` reads the codes signed (the +128 is flipped off), so there is
    /// nothing to subtract; `vpdpbusd` reads them as stored.
    fn offset<const VNNI: bool>() -> i32 {
        if VNNI {
            128
        } else {
            0
        }
    }
    fn scales(&self) -> &[f16; ROWS] {
        &self.d
    }
    #[inline(always)]
    unsafe fn half_sums<const M: usize, const VNNI: bool>(&self, half: usize, acts: &QuantizedRows, m0: usize, at: usize) -> [__m256i; M] {
        if VNNI {
            let mut s = [[_mm256_setzero_si256(); M]; 2];
            for g in 0..8 {
                let w = _mm256_loadu_si256(self.qs.as_ptr().add(g * 64 + half * 32) as *const __m256i);
                dpbusd_rows(&mut s, g % 2, w, acts, m0, at + g * 4);
            }
            return join(s);
        }
        let flip = _mm256_set1_epi8(-128);
        let ones = _mm256_set1_epi16(1);
        let mut s = [_mm256_setzero_si256(); M];
        for g in 0..8 {
            let stored = _mm256_loadu_si256(self.qs.as_ptr().add(g * 64 + half * 32) as *const __m256i);
            let w = _mm256_xor_si256(stored, flip);
            let w_abs = _mm256_abs_epi8(w);
            for i in 0..M {
                let a = _mm256_sign_epi8(bcast4(acts, m0 + i, at + g * 4), w);
                s[i] = _mm256_add_epi32(s[i], _mm256_madd_epi16(_mm256_maddubs_epi16(w_abs, a), ones));
            }
        }
        s
    }
}

impl Tile for TileQ5 {
    fn offset<const VNNI: bool>() -> i32 {
        16
    }
    fn scales(&self) -> &[f16; ROWS] {
        &self.d
    }
    #[inline(always)]
    unsafe fn half_sums<const M: usize, const VNNI: bool>(&self, half: usize, acts: &QuantizedRows, m0: usize, at: usize) -> [__m256i; M] {
        let nib = _mm256_set1_epi8(0x0F);
        let bit4 = _mm256_set1_epi8(0x10);
        if VNNI {
            let mut s = [[_mm256_setzero_si256(); M]; 2];
            for h in 0..4 {
                let w = _mm256_loadu_si256(self.lo4[h].as_ptr().add(half * 32) as *const __m256i);
                let lo = _mm256_or_si256(_mm256_and_si256(w, nib), fifth_bits(self.hi[2 * h], half, bit4));
                let hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(w, 4), nib), fifth_bits(self.hi[2 * h + 1], half, bit4));
                dpbusd_rows(&mut s, 0, lo, acts, m0, at + h * 8);
                dpbusd_rows(&mut s, 1, hi, acts, m0, at + h * 8 + 4);
            }
            return join(s);
        }
        let ones = _mm256_set1_epi16(1);
        let mut s = [_mm256_setzero_si256(); M];
        for pair in 0..2 {
            let mut p16 = [_mm256_setzero_si256(); M];
            for h in 2 * pair..2 * pair + 2 {
                let w = _mm256_loadu_si256(self.lo4[h].as_ptr().add(half * 32) as *const __m256i);
                let lo = _mm256_or_si256(_mm256_and_si256(w, nib), fifth_bits(self.hi[2 * h], half, bit4));
                let hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(w, 4), nib), fifth_bits(self.hi[2 * h + 1], half, bit4));
                for i in 0..M {
                    let plo = _mm256_maddubs_epi16(lo, bcast4(acts, m0 + i, at + h * 8));
                    let phi = _mm256_maddubs_epi16(hi, bcast4(acts, m0 + i, at + h * 8 + 4));
                    p16[i] = _mm256_add_epi16(p16[i], _mm256_add_epi16(plo, phi));
                }
            }
            for i in 0..M {
                s[i] = _mm256_add_epi32(s[i], _mm256_madd_epi16(p16[i], ones));
            }
        }
        s
    }
}

/// 16 outputs of row tile `rt` for activation rows m0..m0+M, as two halves of 8:
/// acc += (Σw·a − offset·Σa) · d_w · d_a per block, then the low-rank side path.
/// Both halves per block, so each weight line is used while it is in L1 (one half
/// at a time over all blocks measured slower at one and eight rows).
#[inline(always)]
unsafe fn unit_body<T: Tile, const M: usize, const VNNI: bool>(tiles: &[T], acts: &QuantizedRows, m0: usize, rt: usize, n: usize, side: Option<Side>, out: *mut f32) {
    let kb = acts.k / BLOCK;
    let mut acc = [[_mm256_setzero_ps(); M]; 2];
    for (b, t) in tiles.iter().enumerate() {
        for half in 0..2 {
            let isum = t.half_sums::<M, VNNI>(half, acts, m0, b * BLOCK);
            let dw = _mm256_cvtph_ps(_mm_loadu_si128(t.scales().as_ptr().add(half * 8) as *const __m128i));
            for i in 0..M {
                let bi = (m0 + i) * kb + b;
                let s = _mm256_sub_epi32(isum[i], _mm256_set1_epi32(T::offset::<VNNI>() * acts.sum[bi]));
                acc[half][i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw, _mm256_set1_ps(acts.d[bi])), acc[half][i]);
            }
        }
    }
    finish(acc, m0, rt, n, side, out);
}

#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn unit<T: Tile, const M: usize>(tiles: &[T], acts: &QuantizedRows, m0: usize, rt: usize, n: usize, side: Option<Side>, out: *mut f32) {
    unit_body::<T, M, false>(tiles, acts, m0, rt, n, side, out)
}

#[target_feature(enable = "avx2,fma,f16c,avxvnni")]
unsafe fn unit_vnni<T: Tile, const M: usize>(tiles: &[T], acts: &QuantizedRows, m0: usize, rt: usize, n: usize, side: Option<Side>, out: *mut f32) {
    unit_body::<T, M, true>(tiles, acts, m0, rt, n, side, out)
}

/// Adds the low-rank side path to a unit's 16 × M sums and stores them.
#[inline(always)]
unsafe fn finish<const M: usize>(mut acc: [[__m256; M]; 2], m0: usize, rt: usize, n: usize, side: Option<Side>, out: *mut f32) {
    if let Some(Side { t, b, r }) = side {
        for j in 0..r {
            for half in 0..2 {
                let bj = _mm256_loadu_ps(b.as_ptr().add(j * ROWS + half * 8));
                for i in 0..M {
                    acc[half][i] = _mm256_fmadd_ps(_mm256_set1_ps(t[(m0 + i) * r + j]), bj, acc[half][i]);
                }
            }
        }
    }
    for half in 0..2 {
        for i in 0..M {
            _mm256_storeu_ps(out.add((m0 + i) * n + rt * ROWS + half * 8), acc[half][i]);
        }
    }
}

/// `unit` for the row count at hand (MT, or fewer for the last chunk), on the
/// `vpdpbusd` route when `VNNI`.
///
/// # Safety
/// The CPU has AVX2, FMA and F16C, and AVX-VNNI when `VNNI`; `out` spans the rows
/// and columns written.
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn unit_any_m<T: Tile, const VNNI: bool>(tiles: &[T], acts: &QuantizedRows, m0: usize, mt: usize, rt: usize, n: usize, side: Option<Side>, out: *mut f32) {
    match (mt, VNNI) {
        (1, false) => unit::<T, 1>(tiles, acts, m0, rt, n, side, out),
        (2, false) => unit::<T, 2>(tiles, acts, m0, rt, n, side, out),
        (3, false) => unit::<T, 3>(tiles, acts, m0, rt, n, side, out),
        (_, false) => unit::<T, MT>(tiles, acts, m0, rt, n, side, out),
        (1, true) => unit_vnni::<T, 1>(tiles, acts, m0, rt, n, side, out),
        (2, true) => unit_vnni::<T, 2>(tiles, acts, m0, rt, n, side, out),
        (3, true) => unit_vnni::<T, 3>(tiles, acts, m0, rt, n, side, out),
        (_, true) => unit_vnni::<T, MT>(tiles, acts, m0, rt, n, side, out),
    }
}

/// A super-block tile format (Q4_K, Q6_K): adds its f32 contribution for the
/// halves `H0..H1` (8 rows each) and M activation rows over one 256-input
/// super-block. One row takes both halves per pass, so each weight line is read
/// whole and each broadcast activation serves 16 rows; more rows take one half at
/// a time, so their sums stay in registers.
pub(super) trait SuperTile {
    unsafe fn fma<const M: usize, const H0: usize, const H1: usize>(&self, acts: &SuperRows, m0: usize, sb: usize, acc: &mut [[__m256; M]; 2]);
}

/// Row r's byte `v[half·8 + r]` as the i16 pair (v, v) of lane r, the multiplier
/// of `vpmaddwd` for a lane's two i16 partial sums.
#[inline(always)]
unsafe fn row_pairs_u8(v: &[u8; ROWS], half: usize) -> __m256i {
    let x = _mm256_cvtepu8_epi32(_mm_loadl_epi64(v.as_ptr().add(half * 8) as *const __m128i));
    _mm256_or_si256(x, _mm256_slli_epi32(x, 16))
}

#[inline(always)]
unsafe fn row_pairs_i8(v: &[i8; ROWS], half: usize) -> __m256i {
    let x = _mm256_cvtepi8_epi32(_mm_loadl_epi64(v.as_ptr().add(half * 8) as *const __m128i));
    _mm256_or_si256(_mm256_and_si256(x, _mm256_set1_epi32(0xFFFF)), _mm256_slli_epi32(x, 16))
}

/// Rows' bytes of two sub-blocks as the i16 pair (a, b) of each lane.
#[inline(always)]
unsafe fn two_subs_u8(a: &[u8; ROWS], b: &[u8; ROWS], half: usize) -> __m256i {
    let lo = _mm256_cvtepu8_epi32(_mm_loadl_epi64(a.as_ptr().add(half * 8) as *const __m128i));
    let hi = _mm256_cvtepu8_epi32(_mm_loadl_epi64(b.as_ptr().add(half * 8) as *const __m128i));
    _mm256_or_si256(lo, _mm256_slli_epi32(hi, 16))
}

#[inline(always)]
unsafe fn two_subs_i8(a: &[i8; ROWS], b: &[i8; ROWS], half: usize) -> __m256i {
    let lo = _mm256_cvtepi8_epi32(_mm_loadl_epi64(a.as_ptr().add(half * 8) as *const __m128i));
    let hi = _mm256_cvtepi8_epi32(_mm_loadl_epi64(b.as_ptr().add(half * 8) as *const __m128i));
    _mm256_or_si256(_mm256_and_si256(lo, _mm256_set1_epi32(0xFFFF)), _mm256_slli_epi32(hi, 16))
}

/// Two adjacent i16 activation sums in every 32-bit lane.
#[inline(always)]
unsafe fn bcast_pair(sums: &[i16], at: usize) -> __m256i {
    _mm256_set1_epi32(std::ptr::read_unaligned(sums.as_ptr().add(at) as *const i32))
}

#[inline(always)]
unsafe fn row_scales(v: &[f16; ROWS], half: usize) -> __m256 {
    _mm256_cvtph_ps(_mm_loadu_si128(v.as_ptr().add(half * 8) as *const __m128i))
}

impl SuperTile for TileQ4K {
    /// Codes 0..15 against activations −127..127: a `vpmaddubsw` pair is at most
    /// 3810, so the 8 pairs of a 32-input sub-block sum in i16 (30480); `vpmaddwd`
    /// with the sub-block's scale then gives sc·Σ q·a per row.
    #[inline(always)]
    unsafe fn fma<const M: usize, const H0: usize, const H1: usize>(&self, acts: &SuperRows, m0: usize, sb: usize, acc: &mut [[__m256; M]; 2]) {
        let nib = _mm256_set1_epi8(0x0F);
        let mut sumi = [[_mm256_setzero_si256(); M]; 2];
        for s in 0..8 {
            let mut p16 = [[_mm256_setzero_si256(); M]; 2];
            let sub = &self.subs[s];
            for c in 4 * s..4 * s + 4 {
                let mut lo = [_mm256_setzero_si256(); 2];
                let mut hi = [_mm256_setzero_si256(); 2];
                for h in H0..H1 {
                    let w = _mm256_loadu_si256(sub.q4[c - 4 * s].as_ptr().add(h * 32) as *const __m256i);
                    lo[h] = _mm256_and_si256(w, nib);
                    hi[h] = _mm256_and_si256(_mm256_srli_epi16(w, 4), nib);
                }
                let at = sb * SUPER + c * 8;
                for i in 0..M {
                    let (a_lo, a_hi) = (bcast4_of(&acts.qs, acts.k, m0 + i, at), bcast4_of(&acts.qs, acts.k, m0 + i, at + 4));
                    for h in H0..H1 {
                        let p = _mm256_add_epi16(_mm256_maddubs_epi16(lo[h], a_lo), _mm256_maddubs_epi16(hi[h], a_hi));
                        p16[h][i] = _mm256_add_epi16(p16[h][i], p);
                    }
                }
            }
            for h in H0..H1 {
                let sc = row_pairs_u8(&sub.sc, h);
                for i in 0..M {
                    sumi[h][i] = _mm256_add_epi32(sumi[h][i], _mm256_madd_epi16(p16[h][i], sc));
                }
            }
        }
        let kb = acts.k / SUPER;
        for h in H0..H1 {
            // Σ_sub m·Σa, two sub-blocks per `vpmaddwd`.
            let mut summ = [_mm256_setzero_si256(); M];
            for s in (0..8).step_by(2) {
                let mins = two_subs_u8(&self.subs[s].m, &self.subs[s + 1].m, h);
                for i in 0..M {
                    let a = bcast_pair(&acts.sum32, (m0 + i) * acts.k / 32 + sb * 8 + s);
                    summ[i] = _mm256_add_epi32(summ[i], _mm256_madd_epi16(mins, a));
                }
            }
            let (d, dmin) = (row_scales(&self.d, h), row_scales(&self.dmin, h));
            for i in 0..M {
                let da = _mm256_set1_ps(acts.d[(m0 + i) * kb + sb]);
                acc[h][i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi[h][i]), _mm256_mul_ps(d, da), acc[h][i]);
                acc[h][i] = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(summ[i]), _mm256_mul_ps(dmin, da), acc[h][i]);
            }
        }
    }
}

/// The four 8-row × 4-input code groups 0..63 of a Q6_K sub-block, half h: group t
/// (inputs 16s + 4t..) has its top bits at 2t..2t+1 of `hb`, moved to bits 4..5.
#[inline(always)]
unsafe fn q6k_codes(sub: &Q6Sub, h: usize) -> [__m256i; 4] {
    let nib = _mm256_set1_epi8(0x0F);
    let top = _mm256_set1_epi8(0x30);
    let hb = _mm256_loadu_si256(sub.hb.as_ptr().add(h * 32) as *const __m256i);
    let wa = _mm256_loadu_si256(sub.q4[0].as_ptr().add(h * 32) as *const __m256i);
    let wb = _mm256_loadu_si256(sub.q4[1].as_ptr().add(h * 32) as *const __m256i);
    [
        _mm256_or_si256(_mm256_and_si256(wa, nib), _mm256_and_si256(_mm256_slli_epi16(hb, 4), top)),
        _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(wa, 4), nib), _mm256_and_si256(_mm256_slli_epi16(hb, 2), top)),
        _mm256_or_si256(_mm256_and_si256(wb, nib), _mm256_and_si256(hb, top)),
        _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(wb, 4), nib), _mm256_and_si256(_mm256_srli_epi16(hb, 2), top)),
    ]
}

impl SuperTile for TileQ6K {
    /// Codes 0..63: a pair is at most 16002, so two `vpmaddubsw` (8 inputs) sum in
    /// i16 before `vpmaddwd` with the scale; the −32 is taken off once per
    /// super-block as 32·Σ_sub sc·Σa.
    #[inline(always)]
    unsafe fn fma<const M: usize, const H0: usize, const H1: usize>(&self, acts: &SuperRows, m0: usize, sb: usize, acc: &mut [[__m256; M]; 2]) {
        let mut sumi = [[_mm256_setzero_si256(); M]; 2];
        for s in 0..16 {
            let mut codes = [[_mm256_setzero_si256(); 4]; 2];
            let mut sc = [_mm256_setzero_si256(); 2];
            for h in H0..H1 {
                codes[h] = q6k_codes(&self.subs[s], h);
                sc[h] = row_pairs_i8(&self.sc[s], h);
            }
            let at = sb * SUPER + s * 16;
            for i in 0..M {
                let a = [
                    bcast4_of(&acts.qs, acts.k, m0 + i, at),
                    bcast4_of(&acts.qs, acts.k, m0 + i, at + 4),
                    bcast4_of(&acts.qs, acts.k, m0 + i, at + 8),
                    bcast4_of(&acts.qs, acts.k, m0 + i, at + 12),
                ];
                for h in H0..H1 {
                    let c = &codes[h];
                    let p01 = _mm256_add_epi16(_mm256_maddubs_epi16(c[0], a[0]), _mm256_maddubs_epi16(c[1], a[1]));
                    let p23 = _mm256_add_epi16(_mm256_maddubs_epi16(c[2], a[2]), _mm256_maddubs_epi16(c[3], a[3]));
                    sumi[h][i] = _mm256_add_epi32(sumi[h][i], _mm256_add_epi32(_mm256_madd_epi16(p01, sc[h]), _mm256_madd_epi16(p23, sc[h])));
                }
            }
        }
        let kb = acts.k / SUPER;
        for h in H0..H1 {
            let mut off = [_mm256_setzero_si256(); M];
            for s in (0..16).step_by(2) {
                let sc = two_subs_i8(&self.sc[s], &self.sc[s + 1], h);
                for i in 0..M {
                    let a = bcast_pair(&acts.sum16, (m0 + i) * acts.k / 16 + sb * 16 + s);
                    off[i] = _mm256_add_epi32(off[i], _mm256_madd_epi16(sc, a));
                }
            }
            let d = row_scales(&self.d, h);
            for i in 0..M {
                let da = _mm256_set1_ps(acts.d[(m0 + i) * kb + sb]);
                let total = _mm256_sub_epi32(sumi[h][i], _mm256_slli_epi32(off[i], 5));
                acc[h][i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(total), _mm256_mul_ps(d, da), acc[h][i]);
            }
        }
    }
}

/// Asks for the tile two ahead of `at` (past the end of this unit's slice it is the
/// next row tile's, which the next unit reads; a prefetch never faults).
#[inline(always)]
pub(super) unsafe fn prefetch_ahead<T>(tiles: &[T], at: usize) {
    let next = tiles.as_ptr().wrapping_add(at + 2) as *const i8;
    for line in (0..std::mem::size_of::<T>()).step_by(64) {
        _mm_prefetch::<_MM_HINT_T0>(next.wrapping_add(line));
    }
}

#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn unit_super<T: SuperTile, const M: usize>(tiles: &[T], acts: &SuperRows, m0: usize, rt: usize, n: usize, side: Option<Side>, out: *mut f32) {
    let mut acc = [[_mm256_setzero_ps(); M]; 2];
    for (sb, t) in tiles.iter().enumerate() {
        prefetch_ahead(tiles, sb);
        if M == 1 {
            t.fma::<M, 0, 2>(acts, m0, sb, &mut acc);
        } else {
            t.fma::<M, 0, 1>(acts, m0, sb, &mut acc);
            t.fma::<M, 1, 2>(acts, m0, sb, &mut acc);
        }
    }
    finish(acc, m0, rt, n, side, out);
}

/// `unit_super` for the row count at hand, for the AVX2 and AVX-VNNI kernels (the
/// AVX-512 VNNI one has its own, `vnni::unit_super_any_m`).
///
/// # Safety
/// The CPU has AVX2, FMA and F16C; `out` spans the rows and columns written.
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn unit_super_any_m<T: SuperTile>(tiles: &[T], acts: &SuperRows, m0: usize, mt: usize, rt: usize, n: usize, side: Option<Side>, out: *mut f32) {
    match mt {
        1 => unit_super::<T, 1>(tiles, acts, m0, rt, n, side, out),
        2 => unit_super::<T, 2>(tiles, acts, m0, rt, n, side, out),
        3 => unit_super::<T, 3>(tiles, acts, m0, rt, n, side, out),
        _ => unit_super::<T, MT>(tiles, acts, m0, rt, n, side, out),
    }
}
