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

// Index loops over the M activation rows read clearer than zipped iterators here.
#![allow(clippy::needless_range_loop)]

use super::*;
use core::arch::x86_64::*;

/// One tile format: i32 partial sums for the 8 rows of one half and M activation
/// rows over one 32-input block, and the offset the codes carry as read here.
pub(super) trait Tile {
    const OFFSET: i32;
    fn scales(&self) -> &[f16; ROWS];
    unsafe fn half_sums<const M: usize>(&self, half: usize, acts: &QuantizedRows, m0: usize, at: usize) -> [__m256i; M];
}

/// Activation bytes at..at+4 of a row, in every 32-bit lane.
#[inline(always)]
unsafe fn bcast4(acts: &QuantizedRows, row: usize, at: usize) -> __m256i {
    _mm256_set1_epi32(std::ptr::read_unaligned(acts.qs.as_ptr().add(row * acts.k + at) as *const i32))
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
    /// Read signed (the +128 is flipped off), so there is nothing to subtract.
    const OFFSET: i32 = 0;
    fn scales(&self) -> &[f16; ROWS] {
        &self.d
    }
    #[inline(always)]
    unsafe fn half_sums<const M: usize>(&self, half: usize, acts: &QuantizedRows, m0: usize, at: usize) -> [__m256i; M] {
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
    const OFFSET: i32 = 16;
    fn scales(&self) -> &[f16; ROWS] {
        &self.d
    }
    #[inline(always)]
    unsafe fn half_sums<const M: usize>(&self, half: usize, acts: &QuantizedRows, m0: usize, at: usize) -> [__m256i; M] {
        let nib = _mm256_set1_epi8(0x0F);
        let bit4 = _mm256_set1_epi8(0x10);
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
#[target_feature(enable = "avx2,fma,f16c")]
unsafe fn unit<T: Tile, const M: usize>(tiles: &[T], acts: &QuantizedRows, m0: usize, rt: usize, n: usize, side: Option<Side>, out: *mut f32) {
    let kb = acts.k / BLOCK;
    let mut acc = [[_mm256_setzero_ps(); M]; 2];
    for (b, t) in tiles.iter().enumerate() {
        for half in 0..2 {
            let isum = t.half_sums::<M>(half, acts, m0, b * BLOCK);
            let dw = _mm256_cvtph_ps(_mm_loadu_si128(t.scales().as_ptr().add(half * 8) as *const __m128i));
            for i in 0..M {
                let bi = (m0 + i) * kb + b;
                let s = _mm256_sub_epi32(isum[i], _mm256_set1_epi32(T::OFFSET * acts.sum[bi]));
                acc[half][i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw, _mm256_set1_ps(acts.d[bi])), acc[half][i]);
            }
        }
    }
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

/// `unit` for the row count at hand (MT, or fewer for the last chunk).
///
/// # Safety
/// The CPU has AVX2, FMA and F16C; `out` spans the rows and columns written.
#[allow(clippy::too_many_arguments)]
pub(super) unsafe fn unit_any_m<T: Tile>(tiles: &[T], acts: &QuantizedRows, m0: usize, mt: usize, rt: usize, n: usize, side: Option<Side>, out: *mut f32) {
    match mt {
        1 => unit::<T, 1>(tiles, acts, m0, rt, n, side, out),
        2 => unit::<T, 2>(tiles, acts, m0, rt, n, side, out),
        3 => unit::<T, 3>(tiles, acts, m0, rt, n, side, out),
        _ => unit::<T, MT>(tiles, acts, m0, rt, n, side, out),
    }
}
