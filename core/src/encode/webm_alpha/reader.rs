//! Reading back a transparent WebM this app wrote ([`super::writer`]): its VP9 track (size,
//! frame duration, `AlphaMode`) and, frame by frame, each block's colour frame, its alpha frame
//! (the `BlockAdditional` of BlockAddID 1), whether it is a keyframe and its time. What `join`
//! reads transparent VP9 chunks with (GStreamer's Matroska demuxer hands the additions on, but
//! its WebM muxer drops them).
//!
//! The file is untrusted: every element must fit inside its parent and the file, so no size read
//! from it allocates more than the file holds, and nothing in it can make this panic; an
//! unknown size (which this writer never uses), lacing in the video track, or a file cut short is
//! a [`ReadError`], never a guess.

use super::ebml::id;
use std::io::{Read, Seek, SeekFrom};

/// The BlockAddID of the alpha frame (as [`super::writer`] writes it).
const ALPHA_ADD_ID: u64 = 1;
/// The longest string read (a DocType, a CodecID): anything longer is not one of ours.
const MAX_STRING: u64 = 64;
/// The largest frame read, besides the file's own length: 256 MiB, far past a 16384² VP9 frame
/// at the highest quality preset.
const MAX_FRAME: u64 = 256 << 20;

/// Why a file is not a transparent WebM this app could have written.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("it is not a WebM file ({0})")]
    NotWebm(String),
    #[error("it has no VP9 track with alpha ({0})")]
    NoAlpha(String),
    #[error("it is cut short or damaged at byte {at} ({what})")]
    Damaged { at: u64, what: String },
    #[error("it cannot be read: {0}")]
    Io(String),
}

/// What the video track says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrackInfo {
    pub number: u64,
    pub codec: String,
    pub width: u64,
    pub height: u64,
    /// Nanoseconds a frame (DefaultDuration), if said.
    pub frame_ns: Option<u64>,
    pub alpha_mode: u64,
}

/// One picture: its time in nanoseconds, whether a player may start there, its VP9 frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub time_ns: u64,
    pub key: bool,
    pub colour: Vec<u8>,
    pub alpha: Option<Vec<u8>>,
}

/// An element's ID and where its payload is.
struct Element {
    id: u32,
    start: u64,
    end: u64,
}

/// Reads one WebM's video frames in file order.
pub struct WebmReader<R: Read + Seek> {
    r: R,
    pos: u64,
    segment_end: u64,
    /// TimestampScale: nanoseconds a tick.
    scale_ns: u64,
    /// The open cluster's end and timestamp (ticks).
    cluster: Option<(u64, u64)>,
    pub track: TrackInfo,
}

impl<R: Read + Seek> WebmReader<R> {
    /// Reads the header up to the first cluster: DocType `webm`, the Info's TimestampScale, the
    /// video track. `len` is the file's length (no element may reach past it).
    pub fn open(mut r: R, len: u64) -> Result<Self, ReadError> {
        r.seek(SeekFrom::Start(0)).map_err(io)?;
        let mut me =
            Self { r, pos: 0, segment_end: len, scale_ns: 1_000_000, cluster: None, track: TrackInfo::default() };
        let not_webm = |why: &str| ReadError::NotWebm(why.into());
        let head = me.element(len).map_err(|_| not_webm("no EBML header"))?;
        if head.id != id::EBML {
            return Err(not_webm("no EBML header"));
        }
        let mut doc_type = String::new();
        while me.pos < head.end {
            let e = me.element(head.end)?;
            if e.id == id::DOC_TYPE {
                doc_type = me.string(&e)?;
            }
            me.skip_to(e.end)?;
        }
        if doc_type != "webm" {
            return Err(ReadError::NotWebm(format!("its DocType is {doc_type:?}")));
        }
        let segment = me.element(len)?;
        if segment.id != id::SEGMENT {
            return Err(not_webm("no Segment after the header"));
        }
        me.segment_end = segment.end;
        let mut tracks = false;
        while me.pos < me.segment_end {
            let e = me.element(me.segment_end)?;
            match e.id {
                id::INFO => me.info(&e)?,
                id::TRACKS => {
                    me.tracks(&e)?;
                    tracks = true;
                }
                id::CLUSTER => {
                    me.cluster = Some((e.end, 0));
                    break;
                }
                _ => me.skip_to(e.end)?,
            }
        }
        let t = &me.track;
        if !tracks || t.number == 0 {
            return Err(ReadError::NoAlpha("no video track".into()));
        }
        if t.codec != "V_VP9" {
            return Err(ReadError::NoAlpha(format!("its video is {:?}, not V_VP9", t.codec)));
        }
        if t.alpha_mode != 1 {
            return Err(ReadError::NoAlpha("its video track does not say AlphaMode 1".into()));
        }
        Ok(me)
    }

    /// The next frame of the video track, or `None` at the end of the segment.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, ReadError> {
        loop {
            let Some((cluster_end, cluster_ts)) = self.cluster else {
                if self.pos >= self.segment_end {
                    return Ok(None);
                }
                let e = self.element(self.segment_end)?;
                if e.id == id::CLUSTER {
                    self.cluster = Some((e.end, 0));
                } else {
                    self.skip_to(e.end)?;
                }
                continue;
            };
            if self.pos >= cluster_end {
                self.cluster = None;
                continue;
            }
            let e = self.element(cluster_end)?;
            let frame = match e.id {
                id::TIMESTAMP => {
                    let ts = self.uint(&e)?;
                    self.cluster = Some((cluster_end, ts));
                    None
                }
                id::SIMPLE_BLOCK => {
                    let data = self.bytes(&e, MAX_FRAME)?;
                    self.block(&data, e.start, cluster_ts, None, None)?
                }
                id::BLOCK_GROUP => self.block_group(&e, cluster_ts)?,
                _ => None,
            };
            self.skip_to(e.end)?;
            if frame.is_some() {
                return Ok(frame);
            }
        }
    }

    fn block_group(&mut self, group: &Element, cluster_ts: u64) -> Result<Option<Frame>, ReadError> {
        let (mut block, mut alpha, mut key) = (None, None, true);
        while self.pos < group.end {
            let e = self.element(group.end)?;
            match e.id {
                id::BLOCK => block = Some((self.bytes(&e, MAX_FRAME)?, e.start)),
                id::REFERENCE_BLOCK => key = false,
                id::BLOCK_ADDITIONS => {
                    while self.pos < e.end {
                        let more = self.element(e.end)?;
                        if more.id == id::BLOCK_MORE {
                            let (mut add_id, mut data) = (1, None);
                            while self.pos < more.end {
                                let c = self.element(more.end)?;
                                match c.id {
                                    id::BLOCK_ADD_ID => add_id = self.uint(&c)?,
                                    id::BLOCK_ADDITIONAL => data = Some(self.bytes(&c, MAX_FRAME)?),
                                    _ => {}
                                }
                                self.skip_to(c.end)?;
                            }
                            if add_id == ALPHA_ADD_ID && data.is_some() {
                                alpha = data;
                            }
                        }
                        self.skip_to(more.end)?;
                    }
                }
                _ => {}
            }
            self.skip_to(e.end)?;
        }
        let Some((data, at)) = block else { return Err(damaged(group.start, "a BlockGroup without its Block")) };
        self.block(&data, at, cluster_ts, alpha, Some(key))
    }

    /// A Block's or SimpleBlock's header (track, relative time, flags) and frame; `None` for
    /// another track's block. `group_key`: a Block's keyframe-ness (no ReferenceBlock in its
    /// group); `None` for a SimpleBlock, whose flags say it.
    fn block(
        &self,
        data: &[u8],
        at: u64,
        cluster_ts: u64,
        alpha: Option<Vec<u8>>,
        group_key: Option<bool>,
    ) -> Result<Option<Frame>, ReadError> {
        let (track, n) = vint(data).ok_or_else(|| damaged(at, "a block without its track number"))?;
        let head = data.get(n..n + 3).ok_or_else(|| damaged(at, "a block cut short"))?;
        if track != self.track.number {
            return Ok(None);
        }
        let relative = i64::from(i16::from_be_bytes([head[0], head[1]]));
        let flags = head[2];
        if flags & 0x06 != 0 {
            return Err(damaged(at, "a laced video block"));
        }
        let key = group_key.unwrap_or(flags & 0x80 != 0);
        let ticks = u64::try_from(i64::try_from(cluster_ts).unwrap_or(i64::MAX).saturating_add(relative))
            .map_err(|_| damaged(at, "a block before time 0"))?;
        let time_ns = ticks.checked_mul(self.scale_ns).ok_or_else(|| damaged(at, "a block time out of range"))?;
        Ok(Some(Frame { time_ns, key, colour: data[n + 3..].to_vec(), alpha }))
    }

    fn info(&mut self, info: &Element) -> Result<(), ReadError> {
        while self.pos < info.end {
            let e = self.element(info.end)?;
            if e.id == id::TIMESTAMP_SCALE {
                self.scale_ns = self.uint(&e)?.max(1);
            }
            self.skip_to(e.end)?;
        }
        Ok(())
    }

    /// The first video track (TrackType 1) of the Tracks element.
    fn tracks(&mut self, tracks: &Element) -> Result<(), ReadError> {
        while self.pos < tracks.end {
            let entry = self.element(tracks.end)?;
            if entry.id == id::TRACK_ENTRY {
                let mut t = TrackInfo::default();
                let mut kind = 0;
                while self.pos < entry.end {
                    let e = self.element(entry.end)?;
                    match e.id {
                        id::TRACK_NUMBER => t.number = self.uint(&e)?,
                        id::TRACK_TYPE => kind = self.uint(&e)?,
                        id::CODEC_ID => t.codec = self.string(&e)?,
                        id::DEFAULT_DURATION => t.frame_ns = Some(self.uint(&e)?),
                        id::VIDEO => {
                            while self.pos < e.end {
                                let v = self.element(e.end)?;
                                match v.id {
                                    id::PIXEL_WIDTH => t.width = self.uint(&v)?,
                                    id::PIXEL_HEIGHT => t.height = self.uint(&v)?,
                                    id::ALPHA_MODE => t.alpha_mode = self.uint(&v)?,
                                    _ => {}
                                }
                                self.skip_to(v.end)?;
                            }
                        }
                        _ => {}
                    }
                    self.skip_to(e.end)?;
                }
                if kind == 1 && self.track.number == 0 {
                    self.track = t;
                }
            }
            self.skip_to(entry.end)?;
        }
        Ok(())
    }

    /// The next element's header, which must lie inside `parent_end` (itself inside the file).
    fn element(&mut self, parent_end: u64) -> Result<Element, ReadError> {
        let at = self.pos;
        let first = self.byte()?;
        let len = first.leading_zeros() + 1;
        if len > 4 {
            return Err(damaged(at, "not an element ID"));
        }
        let mut element_id = u32::from(first);
        for _ in 1..len {
            element_id = element_id << 8 | u32::from(self.byte()?);
        }
        let first = self.byte()?;
        let len = first.leading_zeros() + 1;
        if len > 8 {
            return Err(damaged(at, "not an element size"));
        }
        let mut size = u64::from(first) & (0xFF >> len);
        let mut all_ones = size == 0xFF >> len;
        for _ in 1..len {
            let b = self.byte()?;
            all_ones &= b == 0xFF;
            size = size << 8 | u64::from(b);
        }
        if all_ones {
            return Err(damaged(at, "an element of unknown size"));
        }
        let start = self.pos;
        let end = start.checked_add(size).filter(|&e| e <= parent_end).ok_or_else(|| {
            damaged(at, &format!("an element of {size} bytes reaching past its parent or the file's end"))
        })?;
        Ok(Element { id: element_id, start, end })
    }

    fn byte(&mut self) -> Result<u8, ReadError> {
        let mut b = [0u8];
        self.r.read_exact(&mut b).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => damaged(self.pos, "the file ends here"),
            _ => io(e),
        })?;
        self.pos += 1;
        Ok(b[0])
    }

    /// The payload of `e` (at most `cap` bytes; it already fits in the file).
    fn bytes(&mut self, e: &Element, cap: u64) -> Result<Vec<u8>, ReadError> {
        let size = e.end - e.start;
        if size > cap {
            return Err(damaged(e.start, &format!("an element of {size} bytes, more than {cap}")));
        }
        let mut v = vec![0u8; size as usize];
        self.r.read_exact(&mut v).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => damaged(self.pos, "the file ends inside an element"),
            _ => io(e),
        })?;
        self.pos = e.end;
        Ok(v)
    }

    fn uint(&mut self, e: &Element) -> Result<u64, ReadError> {
        if e.end - e.start > 8 {
            return Err(damaged(e.start, "an integer of more than 8 bytes"));
        }
        Ok(self.bytes(e, 8)?.iter().fold(0u64, |a, &b| a << 8 | u64::from(b)))
    }

    fn string(&mut self, e: &Element) -> Result<String, ReadError> {
        let bytes = self.bytes(e, MAX_STRING)?;
        let text = bytes.split(|&b| b == 0).next().unwrap_or_default();
        Ok(String::from_utf8_lossy(text).into_owned())
    }

    fn skip_to(&mut self, end: u64) -> Result<(), ReadError> {
        if self.pos != end {
            self.r.seek(SeekFrom::Start(end)).map_err(io)?;
            self.pos = end;
        }
        Ok(())
    }
}

/// A block's track number: an EBML variable-length integer, its marker bit removed.
fn vint(data: &[u8]) -> Option<(u64, usize)> {
    let first = *data.first()?;
    let len = first.leading_zeros() as usize + 1;
    if len > 8 {
        return None;
    }
    let rest = data.get(1..len)?;
    let value = rest.iter().fold(u64::from(first) & (0xFF >> len), |a, &b| a << 8 | u64::from(b));
    Some((value, len))
}

fn damaged(at: u64, what: &str) -> ReadError {
    ReadError::Damaged { at, what: what.into() }
}

fn io(e: std::io::Error) -> ReadError {
    ReadError::Io(crate::input_file::io_reason(&e))
}

#[cfg(test)]
mod tests;
