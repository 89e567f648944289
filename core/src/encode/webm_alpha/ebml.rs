//! A minimal EBML writer: element IDs, sizes, and unsigned, signed, float, string, binary and
//! master elements, into a byte vector.
//!
//! Hand-written on purpose: of the crates.io Matroska writers, `webm` (libwebm through C++ glue)
//! exposes no `BlockAdditional` or `AlphaMode`, and the generic EBML tag writers
//! (`webm-iterable`) would still leave the layout, the cue positions and the size patching to
//! us; what they would replace is this page.

/// The IDs this muxer writes, with their marker bits (as the Matroska specification lists them).
pub mod id {
    pub const EBML: u32 = 0x1A45_DFA3;
    pub const EBML_VERSION: u32 = 0x4286;
    pub const EBML_READ_VERSION: u32 = 0x42F7;
    pub const EBML_MAX_ID_LENGTH: u32 = 0x42F2;
    pub const EBML_MAX_SIZE_LENGTH: u32 = 0x42F3;
    pub const DOC_TYPE: u32 = 0x4282;
    pub const DOC_TYPE_VERSION: u32 = 0x4287;
    pub const DOC_TYPE_READ_VERSION: u32 = 0x4285;
    pub const SEGMENT: u32 = 0x1853_8067;
    pub const SEEK_HEAD: u32 = 0x114D_9B74;
    pub const SEEK: u32 = 0x4DBB;
    pub const SEEK_ID: u32 = 0x53AB;
    pub const SEEK_POSITION: u32 = 0x53AC;
    pub const INFO: u32 = 0x1549_A966;
    pub const TIMESTAMP_SCALE: u32 = 0x2A_D7B1;
    pub const DURATION: u32 = 0x4489;
    pub const MUXING_APP: u32 = 0x4D80;
    pub const WRITING_APP: u32 = 0x5741;
    pub const TRACKS: u32 = 0x1654_AE6B;
    pub const TRACK_ENTRY: u32 = 0xAE;
    pub const TRACK_NUMBER: u32 = 0xD7;
    pub const TRACK_UID: u32 = 0x73C5;
    pub const TRACK_TYPE: u32 = 0x83;
    pub const FLAG_LACING: u32 = 0x9C;
    pub const CODEC_ID: u32 = 0x86;
    pub const LANGUAGE: u32 = 0x22_B59C;
    pub const LANGUAGE_BCP47: u32 = 0x22_B59D;
    pub const DEFAULT_DURATION: u32 = 0x23_E383;
    pub const VIDEO: u32 = 0xE0;
    pub const PIXEL_WIDTH: u32 = 0xB0;
    pub const PIXEL_HEIGHT: u32 = 0xBA;
    pub const ALPHA_MODE: u32 = 0x53C0;
    pub const COLOUR: u32 = 0x55B0;
    pub const MATRIX_COEFFICIENTS: u32 = 0x55B1;
    pub const BITS_PER_CHANNEL: u32 = 0x55B2;
    pub const CHROMA_SUBSAMPLING_HORZ: u32 = 0x55B3;
    pub const CHROMA_SUBSAMPLING_VERT: u32 = 0x55B4;
    pub const RANGE: u32 = 0x55B9;
    pub const TRANSFER_CHARACTERISTICS: u32 = 0x55BA;
    pub const PRIMARIES: u32 = 0x55BB;
    pub const CODEC_PRIVATE: u32 = 0x63A2;
    pub const CODEC_DELAY: u32 = 0x56AA;
    pub const SEEK_PRE_ROLL: u32 = 0x56BB;
    pub const AUDIO: u32 = 0xE1;
    pub const SAMPLING_FREQUENCY: u32 = 0xB5;
    pub const CHANNELS: u32 = 0x9F;
    pub const SIMPLE_BLOCK: u32 = 0xA3;
    pub const CLUSTER: u32 = 0x1F43_B675;
    pub const TIMESTAMP: u32 = 0xE7;
    pub const BLOCK_GROUP: u32 = 0xA0;
    pub const BLOCK: u32 = 0xA1;
    pub const BLOCK_DURATION: u32 = 0x9B;
    pub const REFERENCE_BLOCK: u32 = 0xFB;
    pub const BLOCK_ADDITIONS: u32 = 0x75A1;
    pub const BLOCK_MORE: u32 = 0xA6;
    pub const BLOCK_ADD_ID: u32 = 0xEE;
    pub const BLOCK_ADDITIONAL: u32 = 0xA5;
    pub const CUES: u32 = 0x1C53_BB6B;
    pub const CUE_POINT: u32 = 0xBB;
    pub const CUE_TIME: u32 = 0xB3;
    pub const CUE_TRACK_POSITIONS: u32 = 0xB7;
    pub const CUE_TRACK: u32 = 0xF7;
    pub const CUE_CLUSTER_POSITION: u32 = 0xF1;
}

/// Bytes of a size written with [`size_fixed8`]: room for any size, patched once known.
pub const FIXED_SIZE_LEN: usize = 8;

/// An element ID: its bytes as written (the marker bit is part of the ID).
pub fn put_id(out: &mut Vec<u8>, id: u32) {
    let bytes = id.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(3);
    out.extend_from_slice(&bytes[first..]);
}

/// A size as the shortest variable-length integer (all ones is reserved for "unknown").
pub fn put_size(out: &mut Vec<u8>, size: u64) {
    let len = (1..=8u32).find(|&n| size < (1u64 << (7 * n)) - 1).unwrap_or(8);
    let marked = size | (1u64 << (7 * len));
    out.extend_from_slice(&marked.to_be_bytes()[8 - len as usize..]);
}

/// A size in exactly eight bytes, for an element whose size is patched in later.
pub fn size_fixed8(size: u64) -> [u8; FIXED_SIZE_LEN] {
    let mut b = (size & ((1u64 << 56) - 1)).to_be_bytes();
    b[0] = 0x01;
    b
}

fn element(out: &mut Vec<u8>, id: u32, payload: &[u8]) {
    put_id(out, id);
    put_size(out, payload.len() as u64);
    out.extend_from_slice(payload);
}

pub fn uint(out: &mut Vec<u8>, id: u32, v: u64) {
    let bytes = v.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(7);
    element(out, id, &bytes[first..]);
}

/// An unsigned integer in eight bytes whatever its value, so it can be patched in place.
pub fn uint_fixed8(out: &mut Vec<u8>, id: u32, v: u64) {
    element(out, id, &v.to_be_bytes());
}

pub fn sint(out: &mut Vec<u8>, id: u32, v: i64) {
    let bytes = v.to_be_bytes();
    // Drop leading bytes that only repeat the sign of the next one.
    let mut first = 0;
    while first < 7 {
        let (b, next) = (bytes[first], bytes[first + 1]);
        if (b == 0 && next & 0x80 == 0) || (b == 0xFF && next & 0x80 != 0) {
            first += 1;
        } else {
            break;
        }
    }
    element(out, id, &bytes[first..]);
}

pub fn float(out: &mut Vec<u8>, id: u32, v: f64) {
    element(out, id, &v.to_be_bytes());
}

pub fn string(out: &mut Vec<u8>, id: u32, s: &str) {
    element(out, id, s.as_bytes());
}

pub fn binary(out: &mut Vec<u8>, id: u32, data: &[u8]) {
    element(out, id, data);
}

/// A master element whose children `body` writes (built in memory, so its size is known).
pub fn master(out: &mut Vec<u8>, id: u32, body: impl FnOnce(&mut Vec<u8>)) {
    let mut children = Vec::new();
    body(&mut children);
    element(out, id, &children);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(f: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut v = Vec::new();
        f(&mut v);
        v
    }

    #[test]
    fn ids_sizes_and_numbers_are_encoded_as_the_specification_says() {
        assert_eq!(bytes(|o| put_id(o, id::EBML)), [0x1A, 0x45, 0xDF, 0xA3]);
        assert_eq!(bytes(|o| put_id(o, id::BLOCK)), [0xA1]);
        assert_eq!(bytes(|o| put_size(o, 0)), [0x80]);
        assert_eq!(bytes(|o| put_size(o, 126)), [0xFE]);
        // 127 would be all ones in one byte ("unknown size"): it takes two.
        assert_eq!(bytes(|o| put_size(o, 127)), [0x40, 0x7F]);
        assert_eq!(bytes(|o| put_size(o, 5000)), [0x53, 0x88]);
        assert_eq!(size_fixed8(0x1234), [0x01, 0, 0, 0, 0, 0, 0x12, 0x34]);
        assert_eq!(bytes(|o| uint(o, id::ALPHA_MODE, 1)), [0x53, 0xC0, 0x81, 0x01]);
        assert_eq!(bytes(|o| uint(o, id::TIMESTAMP, 0)), [0xE7, 0x81, 0x00]);
        assert_eq!(bytes(|o| uint(o, id::TIMESTAMP, 0x1_0000)), [0xE7, 0x83, 0x01, 0x00, 0x00]);
        assert_eq!(bytes(|o| sint(o, id::REFERENCE_BLOCK, -33)), [0xFB, 0x81, 0xDF]);
        assert_eq!(bytes(|o| sint(o, id::REFERENCE_BLOCK, -200)), [0xFB, 0x82, 0xFF, 0x38]);
        assert_eq!(bytes(|o| sint(o, id::REFERENCE_BLOCK, 200)), [0xFB, 0x82, 0x00, 0xC8]);
        assert_eq!(
            bytes(|o| master(o, id::BLOCK_MORE, |b| uint(b, id::BLOCK_ADD_ID, 1))),
            [0xA6, 0x83, 0xEE, 0x81, 0x01]
        );
    }
}
