//! The I420 conversion's inner loop in AVX2: 16 pixels of two rows at a time, with the same
//! integer arithmetic as the scalar loop. Each pixel's red and blue stay paired in the two
//! 16-bit halves of a lane (and its green is doubled into both), so one `madd` multiplies and
//! adds two channels exactly in 32 bits; green's luma coefficient, above 16 bits, is split into
//! two halves that add up to it. Every intermediate is then the scalar's exact i32, and each
//! result is 16..=240, so the saturating packs keep it. Why: every canvas frame is converted, on
//! the page's thread or the CPU x264 shares (BENCHMARKS.md, "End-to-end render").

use std::arch::x86_64::*;

/// Whether this CPU runs [`rows`] (asked once; the standard library caches the answer).
pub(super) fn available() -> bool {
    is_x86_feature_detected!("avx2")
}

/// Converts the first `n` pixels (a multiple of 16) of two rows: luma into `yt` and `yb`,
/// the 2×2 blocks' chroma into `u` and `v`; returns whether every one of them is opaque (its
/// fourth byte 255). `red_low`: red is the pixel's first byte (RGBA),
/// else its third (BGRA); green is the second either way. `k` holds the matrix's coefficients
/// (× 2^16).
///
/// # Safety
/// The CPU must have AVX2 ([`available`]).
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn rows(
    top: &[u8],
    bottom: &[u8],
    n: usize,
    red_low: bool,
    k: [[i32; 3]; 3],
    (yt, yb): (&mut [u8], &mut [u8]),
    (u, v): (&mut [u8], &mut [u8]),
) -> bool {
    // Per lane, the coefficients of (first, third byte), and of green in both halves.
    let pair = |c: [i32; 3]| {
        let (lo, hi) = if red_low { (c[0], c[2]) } else { (c[2], c[0]) };
        _mm256_set1_epi32((hi << 16) | (lo & 0xffff))
    };
    let green = |c: i32| {
        let half = c / 2;
        _mm256_set1_epi32(((c - half) << 16) | (half & 0xffff))
    };
    let [cy, cu, cv] = k;
    let (y_rb, y_gg) = (pair(cy), green(cy[1]));
    // Chroma's green coefficients fit 16 bits; its sums of four are in the low half alone.
    let (u_rb, u_g) = (pair(cu), _mm256_set1_epi32(cu[1] & 0xffff));
    let (v_rb, v_g) = (pair(cv), _mm256_set1_epi32(cv[1] & 0xffff));
    let blocks = top[..n * 4]
        .chunks_exact(64)
        .zip(bottom[..n * 4].chunks_exact(64))
        .zip(yt[..n].chunks_exact_mut(16).zip(yb[..n].chunks_exact_mut(16)))
        .zip(u[..n / 2].chunks_exact_mut(8).zip(v[..n / 2].chunks_exact_mut(8)));
    // Every pixel's bytes ANDed together: the fourth bytes stay 255 only if all are.
    let mut all = _mm256_set1_epi32(-1);
    for (((t, b), (yt, yb)), (u, v)) in blocks {
        // SAFETY: `c` is a 64-byte chunk; the two loads read its halves (unaligned loads).
        let load = |c: &[u8], at: usize| unsafe { _mm256_loadu_si256(c[at..at + 32].as_ptr().cast()) };
        let loads = [load(t, 0), load(t, 32), load(b, 0), load(b, 32)];
        all = _mm256_and_si256(
            all,
            _mm256_and_si256(_mm256_and_si256(loads[0], loads[1]), _mm256_and_si256(loads[2], loads[3])),
        );
        let [t0, t1, b0, b1] = loads.map(|p| split(p));
        let luma = |(rb, g): (__m256i, __m256i)| {
            let gg = _mm256_or_si256(g, _mm256_slli_epi32::<16>(g));
            scale::<16>(_mm256_add_epi32(_mm256_madd_epi16(rb, y_rb), _mm256_madd_epi16(gg, y_gg)), 32768, 16)
        };
        let (top16, bottom16) = (_mm256_packs_epi32(luma(t0), luma(t1)), _mm256_packs_epi32(luma(b0), luma(b1)));
        // Bytes in 4-pixel runs: top 0-3, 8-11, bottom 0-3, 8-11 | top 4-7, 12-15, bottom 4-7, 12-15.
        let ys = _mm256_permutevar8x32_epi32(
            _mm256_packus_epi16(top16, bottom16),
            _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7),
        );
        _mm_storeu_si128(yt.as_mut_ptr().cast(), _mm256_castsi256_si128(ys));
        _mm_storeu_si128(yb.as_mut_ptr().cast(), _mm256_extracti128_si256::<1>(ys));
        // Each 2×2 block's sums: down the columns, then pairs across (`hadd` works within
        // 128-bit halves, so the 64-bit quarters are put back in order after it). A red or
        // blue sum is at most 1020, so the two halves of a lane never carry into each other.
        let across = |a: __m256i, b: __m256i| _mm256_permute4x64_epi64::<0b11_01_10_00>(_mm256_hadd_epi32(a, b));
        let rb = across(_mm256_add_epi32(t0.0, b0.0), _mm256_add_epi32(t1.0, b1.0));
        let g = across(_mm256_add_epi32(t0.1, b0.1), _mm256_add_epi32(t1.1, b1.1));
        let chroma = |c_rb: __m256i, c_g: __m256i| {
            scale::<18>(_mm256_add_epi32(_mm256_madd_epi16(rb, c_rb), _mm256_madd_epi16(g, c_g)), 131072, 128)
        };
        let uv16 = _mm256_packs_epi32(chroma(u_rb, u_g), chroma(v_rb, v_g));
        // Bytes: u 0-3, v 0-3 (twice) | u 4-7, v 4-7 (twice).
        let uv =
            _mm256_permutevar8x32_epi32(_mm256_packus_epi16(uv16, uv16), _mm256_setr_epi32(0, 4, 1, 5, 0, 0, 0, 0));
        let uv = _mm256_castsi256_si128(uv);
        u.copy_from_slice(&(_mm_cvtsi128_si64(uv) as u64).to_le_bytes());
        v.copy_from_slice(&(_mm_extract_epi64::<1>(uv) as u64).to_le_bytes());
    }
    let alpha = _mm256_set1_epi32(0xff00_0000_u32 as i32);
    _mm256_movemask_epi8(_mm256_cmpeq_epi32(_mm256_and_si256(all, alpha), alpha)) == -1
}

/// Eight pixels as (first and third bytes, in the two 16-bit halves of each lane; green, in
/// the low half).
#[inline]
#[target_feature(enable = "avx2")]
fn split(p: __m256i) -> (__m256i, __m256i) {
    let rb = _mm256_and_si256(p, _mm256_set1_epi32(0x00ff_00ff));
    let g = _mm256_and_si256(_mm256_srli_epi32::<8>(p), _mm256_set1_epi32(0xff));
    (rb, g)
}

/// `((d + round) >> SHIFT) + offset` in each lane.
#[inline]
#[target_feature(enable = "avx2")]
fn scale<const SHIFT: i32>(d: __m256i, round: i32, offset: i32) -> __m256i {
    let shifted = _mm256_srai_epi32::<SHIFT>(_mm256_add_epi32(d, _mm256_set1_epi32(round)));
    _mm256_add_epi32(shifted, _mm256_set1_epi32(offset))
}
