//! The frame canvas's pixels read where WebKit keeps them, not through `getImageData`.
//!
//! Why: WebKit keeps a 2D canvas premultiplied (Skia's BGRA), and `getImageData` makes every
//! pixel straight again through Skia's floating-point pipeline even when the canvas is opaque.
//! That one read cost more than the whole per-frame budget of issue 30 (BENCHMARKS.md, "The
//! read-back's floor"). An opaque canvas's premultiplied pixels are its straight ones, so this
//! process (the extension lives in the page's web process) can convert them to I420 where they
//! lie, as it converts a band.
//!
//! Nothing here trusts an address it was not shown to hold the canvas, nothing is read from
//! memory that is not mapped, and nothing is written to WebKit's memory. The marks and stamps
//! are random bytes this extension makes ([`random_pixels`]) and gives the page to put on the
//! canvas (through `putImageData`), so a composition cannot choose them:
//! - [`CanvasPixels::find`]: two runs of marks at the start of the canvas's first row and the
//!   end of its last. The process's private writable mappings are searched (read through
//!   `process_vm_readv`, which fails instead of faulting on memory freed meanwhile) for a place
//!   where both lie exactly a frame apart, inside one mapping. Found only when there is exactly
//!   one such place.
//! - [`CanvasPixels::stamped`]: before each frame is read, a stamp on the canvas's first pixel
//!   and one on its last; the read goes on only when both are there (read safely again) and
//!   every page between them is mapped (`mincore`). WebKit moves a canvas's pixels when it
//!   is resized; the stamps then land elsewhere and the page reads that frame with
//!   `getImageData` and looks for the canvas again.
//!
//! While the page's thread is in the call that reads (this process's main thread, which owns the
//! canvas), WebKit cannot free or draw into those pixels.

use bazaar_pixels::{opaque_i420_rows_into, Channels, Rows, YuvMatrix};

/// Pixels in each of the two runs of marks [`CanvasPixels::find`] looks for.
pub const MARK_PIXELS: usize = 16;

/// Where a `width`×`height` canvas's pixels are in this process: rows of `width * 4` bytes,
/// blue, green, red, alpha (Skia's order on a little-endian machine) or red first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CanvasPixels {
    at: usize,
    width: usize,
    height: usize,
    channels: Channels,
}

impl CanvasPixels {
    /// Looks for the canvas by its marks (`marks`: [`MARK_PIXELS`] RGBA pixels at the start of
    /// the first row, then as many at the end of the last row). None unless exactly one place
    /// holds both, the whole frame inside one mapping.
    pub fn find(width: usize, height: usize, marks: &[u8]) -> Option<Self> {
        let n = MARK_PIXELS * 4;
        let len = width.checked_mul(height)?.checked_mul(4)?;
        if width < MARK_PIXELS || height < 4 || marks.len() != 2 * n {
            return None;
        }
        let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
        let forms = [Channels::BGRA, Channels::RGBA].map(|c| (c, in_order(&marks[..n], c), in_order(&marks[n..], c)));
        let mut found = None;
        // The pages being searched are copied here, where the marks then are too.
        let mut copy = vec![0u8; SEARCH_PAGES * PAGE];
        for (start, end) in private_writable(&maps).filter(|(s, e)| e - s >= len) {
            for at in first_words(start, end - len + 4, [&forms[0].1[..4], &forms[1].1[..4]], &mut copy) {
                if copy.as_ptr_range().contains(&(at as *const u8)) {
                    continue;
                }
                for (channels, first, last) in &forms {
                    let here = read_at(at, n).is_some_and(|p| p == *first)
                        && read_at(at + len - n, n).is_some_and(|t| t == *last);
                    if here {
                        if found.is_some() {
                            return None;
                        }
                        found = Some(Self { at, width, height, channels: *channels });
                    }
                }
            }
        }
        found
    }

    /// Whether the canvas is still here: its first pixel is `stamps[..4]` and its last
    /// `stamps[4..]` (RGBA, opaque), as the page has just put them, and all of it is mapped.
    pub fn stamped(&self, stamps: &[u8]) -> bool {
        let len = self.width * self.height * 4;
        let (mut first, mut last) = ([0u8; 4], [0u8; 4]);
        stamps.len() == 8
            && read_into(self.at, &mut first)
            && read_into(self.at + len - 4, &mut last)
            && first[..] == in_order(&stamps[..4], self.channels)
            && last[..] == in_order(&stamps[4..], self.channels)
            && mapped(self.at, len)
    }

    /// The canvas's pixels, rows of `width * 4` bytes.
    ///
    /// # Safety
    /// Only right after [`CanvasPixels::stamped`] said yes, on the page's thread, within the
    /// same call from the page (WebKit then cannot free or change them).
    pub unsafe fn pixels(&self) -> &[u8] {
        std::slice::from_raw_parts(self.at as *const u8, self.width * self.height * 4)
    }

    /// The canvas's byte order.
    pub fn channels(&self) -> Channels {
        self.channels
    }
}

/// Converts a whole opaque frame (`canvas`, all its rows, at least four) into the I420 frame
/// `out`, its first and last pixels taken from `under` (RGBA: what the page's stamps covered),
/// through `scratch`. False when it does not fit (nothing written), or when a pixel is not
/// opaque (the frame partly written): an opaque canvas can still hold such pixels (a `copy` of
/// a half-transparent colour, `putImageData`), which WebKit keeps premultiplied and
/// `getImageData` gives straight, so that frame goes by bands.
pub fn canvas_into_i420(canvas: Rows, under: &[u8], matrix: YuvMatrix, scratch: &mut Vec<u8>, out: &mut [u8]) -> bool {
    let Rows { pixels, stride, channels, count: h, .. } = canvas;
    let w = stride / 4;
    if pixels.len() != stride * h || under.len() != 8 || w < 1 || h < 4 {
        return false;
    }
    let (width, height) = (w as u32, h as u32);
    // The first two rows and the last (two, or one of an odd height) from a copy with the
    // page's own pixels put back under the stamps; the rows between straight from the canvas.
    let bottom = (h - 1) & !1;
    let [r, g, b] = channels.0;
    let mut edge = |from: usize, pixel: usize, under: &[u8]| {
        let end = (from + 2).min(h);
        scratch.clear();
        scratch.extend_from_slice(&pixels[from * stride..end * stride]);
        let p = &mut scratch[pixel * 4..pixel * 4 + 4];
        (p[r], p[g], p[b], p[3]) = (under[0], under[1], under[2], under[3]);
        let rows = Rows { pixels: scratch, first: from, count: end - from, ..canvas };
        opaque_i420_rows_into(rows, width, height, matrix, &mut *out) == Some(true)
    };
    let last = (h - bottom) * w - 1;
    if !(edge(0, 0, &under[..4]) && edge(bottom, last, &under[4..])) {
        return false;
    }
    let middle = Rows { pixels: &pixels[2 * stride..bottom * stride], first: 2, count: bottom - 2, ..canvas };
    opaque_i420_rows_into(middle, width, height, matrix, out) == Some(true)
}

/// `n` bytes of random opaque pixels (RGBA, alpha 255), from the kernel's generator; None if it
/// fails or `n` is not whole pixels.
pub fn random_pixels(n: usize) -> Option<Vec<u8>> {
    let mut out = vec![0u8; n];
    // SAFETY: `out` is `n` bytes.
    let got = unsafe { libc::getrandom(out.as_mut_ptr().cast(), n, 0) };
    if got != n as isize || !n.is_multiple_of(4) {
        return None;
    }
    out.iter_mut().skip(3).step_by(4).for_each(|a| *a = 255);
    Some(out)
}

/// Whether every page from `at` for `len` bytes is mapped in this process.
fn mapped(at: usize, len: usize) -> bool {
    let start = at & !(PAGE - 1);
    let pages = (at + len - start).div_ceil(PAGE);
    let mut resident = vec![0u8; pages];
    // SAFETY: `start` is page-aligned and `resident` has a byte per page; the kernel fails with
    // ENOMEM, and nothing is touched, where the range is not mapped.
    unsafe { libc::mincore(start as *mut libc::c_void, pages * PAGE, resident.as_mut_ptr()) == 0 }
}

/// RGBA pixels in `channels`' byte order.
fn in_order(rgba: &[u8], channels: Channels) -> Vec<u8> {
    let [r, g, b] = channels.0;
    let mut out = rgba.to_vec();
    for (o, p) in out.chunks_exact_mut(4).zip(rgba.chunks_exact(4)) {
        (o[r], o[g], o[b]) = (p[0], p[1], p[2]);
    }
    out
}

/// The private, readable and writable mappings of this process without a file behind them
/// (the heap and anonymous memory, where WebKit's canvases are), as address ranges.
fn private_writable(maps: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    maps.lines().filter_map(|line| {
        let mut fields = line.split_whitespace();
        let (range, perms) = (fields.next()?, fields.next()?);
        let path = fields.nth(3).unwrap_or("");
        let anonymous = path.is_empty() || path == "[heap]" || path.starts_with("[anon:");
        if !perms.starts_with("rw") || !perms.ends_with('p') || !anonymous {
            return None;
        }
        let (start, end) = range.split_once('-')?;
        Some((usize::from_str_radix(start, 16).ok()?, usize::from_str_radix(end, 16).ok()?))
    })
}

/// Where one of the 4-byte `words` is, 4-byte aligned, at addresses from `start` (a page's
/// start) up to `end`, in the pages that are in memory: a canvas just drawn is, and a
/// process's reservations that were never touched (gigabytes of them in WebKit's) are skipped
/// without being read.
fn first_words(start: usize, end: usize, words: [&[u8]; 2], copy: &mut [u8]) -> Vec<usize> {
    let words = words.map(|w| u32::from_ne_bytes([w[0], w[1], w[2], w[3]]));
    let pages = (end - start).div_ceil(PAGE);
    let mut resident = vec![0u8; pages];
    // SAFETY: `start` is a mapping's start (page-aligned), `resident` has a byte per page.
    if unsafe { libc::mincore(start as *mut libc::c_void, pages * PAGE, resident.as_mut_ptr()) } != 0 {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut page = 0;
    while page < pages {
        if resident[page] & 1 == 0 {
            page += 1;
            continue;
        }
        // A run of pages in memory, read at most `copy`'s length at a time.
        let run = resident[page..].iter().take(copy.len() / PAGE).take_while(|r| *r & 1 == 1).count();
        let at = start + page * PAGE;
        let bytes = &mut copy[..(run * PAGE).min(end - at)];
        if read_into(at, bytes) {
            let hits = bytes.chunks_exact(4).enumerate().filter(|(_, w)| {
                let w = u32::from_ne_bytes([w[0], w[1], w[2], w[3]]);
                w == words[0] || w == words[1]
            });
            found.extend(hits.map(|(i, _)| at + i * 4));
        }
        page += run;
    }
    found
}

const PAGE: usize = 4096;
/// Pages read at a time when searching.
const SEARCH_PAGES: usize = 256;

/// `len` bytes of this process's memory from `at`, or None where any of them is not mapped
/// (copied by the kernel, which reports a fault instead of taking it).
fn read_at(at: usize, len: usize) -> Option<Vec<u8>> {
    let mut out = vec![0u8; len];
    read_into(at, &mut out).then_some(out)
}

/// Fills `out` from this process's memory at `at`; false where any of it is not mapped
/// (copied by the kernel, which reports a fault instead of taking it).
fn read_into(at: usize, out: &mut [u8]) -> bool {
    let len = out.len();
    let local = libc::iovec { iov_base: out.as_mut_ptr().cast(), iov_len: len };
    let remote = libc::iovec { iov_base: at as *mut libc::c_void, iov_len: len };
    // SAFETY: `local` is `out`, `len` bytes; the kernel checks `remote` itself.
    let n = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) };
    n == len as isize
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn marks(seed: u8) -> Vec<u8> {
        (0..2 * MARK_PIXELS)
            .flat_map(|i| [seed.wrapping_mul(31).wrapping_add(i as u8 * 7), 200 - i as u8, 13 + seed, 255])
            .collect()
    }

    /// A canvas laid out as WebKit keeps it (BGRA) is found by its marks, and only when the
    /// marks are a frame apart; stamps say whether it is still there.
    #[test]
    fn a_canvas_is_found_by_its_marks_and_known_by_its_stamps() {
        let (w, h) = (64, 16);
        let m = marks(3);
        let mut canvas = vec![9u8; w * h * 4];
        let n = MARK_PIXELS * 4;
        canvas[..n].copy_from_slice(&in_order(&m[..n], Channels::BGRA));
        canvas[w * h * 4 - n..].copy_from_slice(&in_order(&m[n..], Channels::BGRA));
        // Read by the kernel, which the compiler cannot see: the writes must happen first.
        std::hint::black_box(&mut canvas);
        let found = CanvasPixels::find(w, h, &m).expect("found");
        assert_eq!(found.at, canvas.as_ptr() as usize);
        assert_eq!(found.channels().0, Channels::BGRA.0);
        assert!(CanvasPixels::find(w, h - 1, &m).is_none(), "not a frame apart at another height");
        assert!(CanvasPixels::find(w, h, &marks(4)).is_none(), "other marks");

        let stamps = [1, 2, 3, 255, 4, 5, 6, 255];
        assert!(!found.stamped(&stamps));
        canvas[..4].copy_from_slice(&[3, 2, 1, 255]);
        let end = w * h * 4;
        std::hint::black_box(&mut canvas);
        assert!(!found.stamped(&stamps), "the first stamp alone");
        canvas[end - 4..].copy_from_slice(&[6, 5, 4, 255]);
        std::hint::black_box(&mut canvas);
        assert!(found.stamped(&stamps));
        // SAFETY: the test's own vector, alive.
        assert_eq!(unsafe { found.pixels() }.len(), end);
        let moved = CanvasPixels { at: 8, ..found };
        assert!(!moved.stamped(&stamps), "an address that is not mapped is read safely");
        drop(canvas);
        assert!(mapped(stamps.as_ptr() as usize, 8));
        assert!(!mapped(8, 8));
        let marks = random_pixels(64).expect("random");
        assert!(marks.iter().skip(3).step_by(4).all(|&a| a == 255) && random_pixels(64) != Some(marks));
        assert!(random_pixels(6).is_none(), "not whole pixels");
    }

    /// A `w`×`h` frame as RGBA, the same as WebKit keeps it (BGRA) with stamps on its first and
    /// last pixels, and the RGBA pixels under the stamps.
    pub(crate) fn stamped_canvas(w: usize, h: usize) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let rgba: Vec<u8> =
            (0..w * h).flat_map(|i| [(i * 7 % 251) as u8, (i * 13 % 256) as u8, (i % 97) as u8, 255]).collect();
        let mut canvas = rgba.clone();
        for p in canvas.chunks_exact_mut(4) {
            p.swap(0, 2);
        }
        let n = canvas.len();
        canvas[..4].copy_from_slice(&[1, 2, 3, 255]);
        canvas[n - 4..].copy_from_slice(&[4, 5, 6, 255]);
        let under = [&rgba[..4], &rgba[n - 4..]].concat();
        (rgba, canvas, under)
    }

    /// The frame converted in place is the frame with the page's own pixels under the stamps.
    #[test]
    fn the_pixels_under_the_stamps_are_the_pages() {
        for (w, h) in [(6usize, 4usize), (6, 5), (32, 7)] {
            let (rgba, canvas, under) = stamped_canvas(w, h);
            let l = bazaar_pixels::I420Layout::new(w as u32, h as u32);
            let (mut direct, mut whole) = (vec![0u8; l.size], vec![0u8; l.size]);
            let rows = Rows { pixels: &canvas, stride: w * 4, channels: Channels::BGRA, first: 0, count: h };
            assert!(canvas_into_i420(rows, &under, YuvMatrix::Bt709, &mut Vec::new(), &mut direct));
            bazaar_pixels::to_i420_into(&rgba, w * 4, Channels::RGBA, w as u32, h as u32, YuvMatrix::Bt709, &mut whole);
            assert_eq!(direct, whole, "{w}×{h}");
        }
    }
}
