//! The pixel size of an image file, read from its header without decoding it (by the
//! `imagesize` crate: PNG, JPEG, GIF, WebP, BMP, ICO, AVIF/HEIF, TIFF, JPEG XL). Used to refuse
//! images whose *decoded* size would be huge before anything decodes them: a 20000×20000 PNG of
//! one colour is a few hundred KB on disk and 1.6 GB decoded.
//!
//! Only the formats a page can show are recognised (the crate's features in core/Cargo.toml):
//! every file of the project passes through here, modules included, and a format told by a
//! loose signature (TGA, PNM) could read a text file as a huge image.

/// Width and height in pixels, or `None` when the header is not one of the formats above (or is
/// cut short). A size past `u32::MAX` reads as `u32::MAX` (it is refused all the same).
pub fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let size = imagesize::blob_size(bytes).ok()?;
    let side = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Some((side(size.width), side(size.height)))
}

#[cfg(test)]
#[path = "../../tests/support/images.rs"]
mod images;

#[cfg(test)]
mod tests {
    use super::images::{avif_header, tiff_header};
    use super::*;

    #[test]
    fn reads_the_size_from_each_header() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&20000u32.to_be_bytes());
        png.extend_from_slice(&300u32.to_be_bytes());
        assert_eq!(image_size(&png), Some((20000, 300)));
        assert_eq!(image_size(b"GIF89a\x10\x00\x20\x00\0\0\0\0"), Some((16, 32)));
        // JPEG: SOI, an APP0 segment, then SOF0 with height 480 and width 640.
        let jpeg = [0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0x01, 0xe0, 0x02, 0x80, 1, 0, 0, 0];
        assert_eq!(image_size(&jpeg), Some((640, 480)));
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\0\0\0\0\0\0\0\0".to_vec();
        webp.extend_from_slice(&[0x1f, 0x4e, 0x00, 0x1f, 0x4e, 0x00]); // 19999 + 1 each
        assert_eq!(image_size(&webp), Some((20000, 20000)));
        assert_eq!(image_size(b"not an image"), None);
        assert_eq!(image_size(b"\x89PNG\r\n\x1a\n"), None);
    }

    /// AVIF and TIFF passed the size check before `imagesize` read them.
    #[test]
    fn avif_and_tiff_headers_give_their_size() {
        assert_eq!(image_size(&avif_header(20000, 20000)), Some((20000, 20000)));
        assert_eq!(image_size(&avif_header(640, 360)), Some((640, 360)));
        assert_eq!(image_size(&tiff_header(20000, 20000)), Some((20000, 20000)));
        assert_eq!(image_size(&tiff_header(64, 48)), Some((64, 48)));
    }

    /// Modules and data files pass through the same check: text is never read as an image.
    #[test]
    fn text_files_are_not_images() {
        for text in [&b"P6 export default {}"[..], b"export default { draw() {} };\n", b"{ \"a\": 1 }\n"] {
            assert_eq!(image_size(text), None, "{:?}", String::from_utf8_lossy(text));
        }
    }
}
