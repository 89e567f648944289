//! Image headers made byte by byte, for the size check (`bazaar_core::image_size`): only the
//! header is there, no picture data, which is all the check reads.

/// An AVIF's header: `ftyp` (brand `avif`), then `meta` › `iprp` › `ipco` › `ispe` holding
/// the size, as an AV1 still image starts (no picture data: only the header is read).
pub fn avif_header(width: u32, height: u32) -> Vec<u8> {
    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = ((8 + body.len()) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }
    let mut ispe = vec![0; 4]; // version and flags
    ispe.extend_from_slice(&width.to_be_bytes());
    ispe.extend_from_slice(&height.to_be_bytes());
    let iprp = boxed(b"iprp", &boxed(b"ipco", &boxed(b"ispe", &ispe)));
    let mut meta = vec![0; 4];
    meta.extend_from_slice(&iprp);
    let mut file = boxed(b"ftyp", b"avif\0\0\0\0avifmif1miaf");
    file.extend_from_slice(&boxed(b"meta", &meta));
    file
}

/// A little-endian TIFF's header: one IFD with ImageWidth (256) and ImageLength (257).
pub fn tiff_header(width: u32, height: u32) -> Vec<u8> {
    let mut t = b"II*\0".to_vec();
    t.extend_from_slice(&8u32.to_le_bytes()); // the IFD follows
    t.extend_from_slice(&2u16.to_le_bytes());
    for (tag, value) in [(256u16, width), (257, height)] {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&4u16.to_le_bytes()); // LONG
        t.extend_from_slice(&1u32.to_le_bytes());
        t.extend_from_slice(&value.to_le_bytes());
    }
    t.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    t
}
