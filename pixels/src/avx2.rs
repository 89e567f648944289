//! The I420 conversion's inner loop in AVX2: 16 pixels of two rows at a time, with the same
//! integer arithmetic as the scalar loop (every intermediate is an exact i32, and each result
//! is 16..=240, so taking a lane's low byte is the scalar `as u8`). Why: every canvas frame is
//! converted, on the CPU x264 shares (BENCHMARKS.md, "End-to-end render").

use std::arch::x86_64::*;

/// Whether this CPU runs [`rows`] (asked once; the standard library caches the answer).
pub(super) fn available() -> bool {
    is_x86_feature_detected!("avx2")
}

/// Converts the first `n` pixels (a multiple of 16) of two rows: luma into `yt` and `yb`,
/// the 2×2 blocks' chroma into `u` and `v`. `shifts` are the bit offsets of red, green and
/// blue in a pixel read as a little-endian u32; `k` the matrix's coefficients (× 2^16).
///
/// # Safety
/// The CPU must have AVX2 ([`available`]).
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2")]
pub(super) unsafe fn rows(
    top: &[u8],
    bottom: &[u8],
    n: usize,
    shifts: [u32; 3],
    k: [[i32; 3]; 3],
    (yt, yb): (&mut [u8], &mut [u8]),
    (u, v): (&mut [u8], &mut [u8]),
) {
    let s = shifts.map(|x| _mm_cvtsi32_si128(x as i32));
    let [cy, cu, cv] = k.map(|c| c.map(|x| _mm256_set1_epi32(x)));
    let blocks = top[..n * 4]
        .chunks_exact(64)
        .zip(bottom[..n * 4].chunks_exact(64))
        .zip(yt[..n].chunks_exact_mut(16).zip(yb[..n].chunks_exact_mut(16)))
        .zip(u[..n / 2].chunks_exact_mut(8).zip(v[..n / 2].chunks_exact_mut(8)));
    for (((t, b), (yt, yb)), (u, v)) in blocks {
        // SAFETY: `c` is a 64-byte chunk; the two loads read its halves (unaligned loads).
        let load = |c: &[u8], at: usize| unsafe { _mm256_loadu_si256(c[at..at + 32].as_ptr().cast()) };
        let (t0, t1) = (split(load(t, 0), &s), split(load(t, 32), &s));
        let (b0, b1) = (split(load(b, 0), &s), split(load(b, 32), &s));
        yt[..8].copy_from_slice(&bytes::<16>(dot(&cy, &t0), 32768, 16));
        yt[8..].copy_from_slice(&bytes::<16>(dot(&cy, &t1), 32768, 16));
        yb[..8].copy_from_slice(&bytes::<16>(dot(&cy, &b0), 32768, 16));
        yb[8..].copy_from_slice(&bytes::<16>(dot(&cy, &b1), 32768, 16));
        // Each 2×2 block's sums: down the columns, then pairs across (`hadd` works within
        // 128-bit halves, so the 64-bit quarters are put back in order after it).
        let sums: [__m256i; 3] = std::array::from_fn(|c| {
            let pairs = _mm256_hadd_epi32(_mm256_add_epi32(t0[c], b0[c]), _mm256_add_epi32(t1[c], b1[c]));
            _mm256_permute4x64_epi64::<0b11_01_10_00>(pairs)
        });
        u.copy_from_slice(&bytes::<18>(dot(&cu, &sums), 131072, 128));
        v.copy_from_slice(&bytes::<18>(dot(&cv, &sums), 131072, 128));
    }
}

/// Eight pixels' red, green and blue, one i32 lane each.
#[inline]
#[target_feature(enable = "avx2")]
fn split(p: __m256i, shifts: &[__m128i; 3]) -> [__m256i; 3] {
    let byte = _mm256_set1_epi32(255);
    shifts.map(|s| _mm256_and_si256(_mm256_srl_epi32(p, s), byte))
}

#[inline]
#[target_feature(enable = "avx2")]
fn dot(c: &[__m256i; 3], x: &[__m256i; 3]) -> __m256i {
    let rg = _mm256_add_epi32(_mm256_mullo_epi32(c[0], x[0]), _mm256_mullo_epi32(c[1], x[1]));
    _mm256_add_epi32(rg, _mm256_mullo_epi32(c[2], x[2]))
}

/// `((d + round) >> SHIFT) + offset` in each lane, as 8 bytes (the lanes' low bytes).
#[inline]
#[target_feature(enable = "avx2")]
fn bytes<const SHIFT: i32>(d: __m256i, round: i32, offset: i32) -> [u8; 8] {
    let shifted = _mm256_srai_epi32::<SHIFT>(_mm256_add_epi32(d, _mm256_set1_epi32(round)));
    let v = _mm256_add_epi32(shifted, _mm256_set1_epi32(offset));
    let low = _mm256_setr_epi8(
        0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, //
        0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    );
    let packed = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, low), _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0));
    (_mm_cvtsi128_si64(_mm256_castsi256_si128(packed)) as u64).to_le_bytes()
}
