//! How long the I420 converter takes for a 1080p frame: whole from memory (the app converting a
//! DOM picture), and as the render page's bands of `BAND` rows (its `BAND_ROWS`) while each is
//! in the cache (the web-process extension converting into the frame ring), beside a plain copy
//! of those bands (what the extension did before it converted). Figures in BENCHMARKS.md
//! ("End-to-end render").
//!
//! `cargo run --release -p bazaar-pixels --example convert_speed`

use bazaar_pixels::{i420_rows_into, to_i420_into, Channels, I420Layout, Rows, YuvMatrix};
use std::time::Instant;

const ROUNDS: u32 = 100;
/// The render page's band (`src-tauri/src/render/page_spec.rs`, `BAND_ROWS`).
const BAND: usize = 128;

fn main() {
    let (w, h) = (1920u32, 1080u32);
    let stride = w as usize * 4;
    let frame: Vec<u8> = (0..w * h * 4).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let band = frame[..BAND * stride].to_vec();
    let mut out = vec![0u8; I420Layout::new(w, h).size];
    let mut copy = vec![0u8; band.len()];
    let ms = |f: &mut dyn FnMut()| {
        f();
        let t = Instant::now();
        for _ in 0..ROUNDS {
            f();
        }
        t.elapsed().as_secs_f64() * 1e3 / f64::from(ROUNDS)
    };
    for _ in 0..3 {
        let whole = ms(&mut || to_i420_into(&frame, stride, Channels::RGBA, w, h, YuvMatrix::Bt709, &mut out));
        let bands = ms(&mut || {
            for first in (0..h as usize).step_by(BAND) {
                let count = BAND.min(h as usize - first);
                let rows = Rows { pixels: &band[..count * stride], stride, channels: Channels::RGBA, first, count };
                assert!(i420_rows_into(rows, w, h, YuvMatrix::Bt709, &mut out));
            }
        });
        let copies = ms(&mut || {
            for first in (0..h as usize).step_by(BAND) {
                let count = BAND.min(h as usize - first) * stride;
                copy[..count].copy_from_slice(&band[..count]);
                std::hint::black_box(&copy);
            }
        });
        println!(
            "1080p: whole frame from memory {whole:.2} ms; {} bands of {BAND} rows in the cache {bands:.2} ms; copying them {copies:.2} ms",
            (h as usize).div_ceil(BAND)
        );
    }
}
