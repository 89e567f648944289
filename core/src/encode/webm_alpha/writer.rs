//! The WebM layout of a VP9 video track with alpha:
//!
//! ```text
//! EBML header (DocType webm)
//! Segment (size patched at the end)
//!   SeekHead → Info, Tracks, Cues (the Cues' position patched at the end)
//!   Info      TimestampScale 1 ms, Duration (patched), MuxingApp, WritingApp
//!   Tracks    V_VP9, PixelWidth/Height, AlphaMode 1, Colour (BT.709, limited range)
//!   Cluster…  one from each keyframe (size patched when the next one starts):
//!               BlockGroup { Block, BlockAdditions { BlockMore { BlockAddID 1,
//!               BlockAdditional = the alpha frame } }, ReferenceBlock unless a keyframe }
//!   Cues      one CuePoint per keyframe, so players seek to where both streams decode
//! ```
//!
//! Frames are written as they arrive and nothing is held but the cue list (a few bytes per
//! keyframe), so memory stays flat however long the video; sizes unknown until the end are
//! written in eight bytes and patched in place.

use super::ebml::{self, id};
use std::io::{Seek, SeekFrom, Write};

/// Blocks carry their time as a signed 16-bit offset from their cluster's: a cluster is closed
/// well before that overflows, keyframe or not.
const MAX_CLUSTER_SPAN_MS: u64 = 30_000;
/// The BlockAddID of the alpha frame (Matroska's codec mapping for `V_VP9` with `AlphaMode`).
const ALPHA_ADD_ID: u64 = 1;
const TRACK_NUMBER: u64 = 1;
const AUDIO_TRACK_NUMBER: u64 = 2;
/// Subtitle tracks (WebVTT) are numbered from here, in the order given.
const TEXT_TRACK_FIRST: u64 = 3;

/// What the video track says about itself.
#[derive(Debug, Clone, Copy)]
pub struct VideoTrack {
    pub width: u32,
    pub height: u32,
    /// Nanoseconds a frame (the track's DefaultDuration).
    pub frame_ns: u64,
    /// Whether blocks carry an alpha frame (`AlphaMode` 1).
    pub alpha: bool,
}

/// The Opus sound track, when there is one.
#[derive(Debug, Clone)]
pub struct OpusTrack {
    /// The encoder's `OpusHead` (the track's CodecPrivate).
    pub head: Vec<u8>,
    /// Its pre-skip, in nanoseconds (CodecDelay).
    pub delay_ns: u64,
    pub rate: u32,
    pub channels: u32,
}

struct OpenCluster {
    /// File offset of the cluster's 8-byte size.
    size_at: u64,
    timestamp_ms: u64,
}

/// Writes one WebM file with one VP9 track into `out` (a fresh, empty file).
pub struct WebmWriter<W: Write + Seek> {
    out: W,
    /// Bytes written so far (the file offset of the next byte).
    pos: u64,
    /// Offset of the Segment's 8-byte size, and of its first child (cue positions count from there).
    segment_size_at: u64,
    segment_start: u64,
    /// Offsets of the Duration's and the Cues' SeekPosition's 8-byte payloads.
    duration_at: u64,
    cues_seek_at: u64,
    cluster: Option<OpenCluster>,
    /// (time in ms, cluster offset in the segment) of each keyframe.
    cues: Vec<(u64, u64)>,
    last_ms: Option<u64>,
}

impl<W: Write + Seek> WebmWriter<W> {
    /// Writes the EBML header, the Segment's start, SeekHead, Info and Tracks.
    /// `texts`: the BCP 47 language of each WebVTT subtitle track.
    pub fn new(out: W, track: VideoTrack, sound: Option<&OpusTrack>, texts: &[String]) -> std::io::Result<Self> {
        let mut head = Vec::new();
        ebml::master(&mut head, id::EBML, |b| {
            ebml::uint(b, id::EBML_VERSION, 1);
            ebml::uint(b, id::EBML_READ_VERSION, 1);
            ebml::uint(b, id::EBML_MAX_ID_LENGTH, 4);
            ebml::uint(b, id::EBML_MAX_SIZE_LENGTH, 8);
            ebml::string(b, id::DOC_TYPE, "webm");
            // Version 4: BlockAdditions and AlphaMode are in WebM from there.
            ebml::uint(b, id::DOC_TYPE_VERSION, 4);
            ebml::uint(b, id::DOC_TYPE_READ_VERSION, 2);
        });
        ebml::put_id(&mut head, id::SEGMENT);
        let segment_size_at = head.len() as u64;
        head.extend_from_slice(&ebml::size_fixed8(0));
        let segment_start = head.len() as u64;

        let mut info = Vec::new();
        ebml::master(&mut info, id::INFO, |b| {
            ebml::uint(b, id::TIMESTAMP_SCALE, 1_000_000);
            ebml::float(b, id::DURATION, 0.0);
            ebml::string(b, id::MUXING_APP, "Bazaar Export");
            ebml::string(b, id::WRITING_APP, "Bazaar Export");
        });
        // The Duration's 8 bytes end the Info's first two children; found by position below.
        let tracks = tracks_element(track, sound, texts);
        // The SeekHead's entries are fixed-width, so its size does not depend on the offsets.
        let seek_head = |info_at: u64, tracks_at: u64| {
            let mut s = Vec::new();
            ebml::master(&mut s, id::SEEK_HEAD, |b| {
                for (target, at) in [(id::INFO, info_at), (id::TRACKS, tracks_at), (id::CUES, 0)] {
                    ebml::master(b, id::SEEK, |e| {
                        let mut target_id = Vec::new();
                        ebml::put_id(&mut target_id, target);
                        ebml::binary(e, id::SEEK_ID, &target_id);
                        ebml::uint_fixed8(e, id::SEEK_POSITION, at);
                    });
                }
            });
            s
        };
        let seek_len = seek_head(0, 0).len() as u64;
        let info_at = seek_len;
        let tracks_at = info_at + info.len() as u64;
        let seeks = seek_head(info_at, tracks_at);
        // Last 8 bytes of the SeekHead: the Cues' position.
        let cues_seek_at = segment_start + seek_len - 8;
        let duration_at = segment_start + info_at + duration_offset(&info)?;
        head.extend_from_slice(&seeks);
        head.extend_from_slice(&info);
        head.extend_from_slice(&tracks);

        let mut w = Self {
            out,
            pos: 0,
            segment_size_at,
            segment_start,
            duration_at,
            cues_seek_at,
            cluster: None,
            cues: Vec::new(),
            last_ms: None,
        };
        w.write(&head)?;
        Ok(w)
    }

    /// Writes frame at `time_ms`: `key` when both the colour and the alpha frame are keyframes
    /// (a player may start decoding there); `alpha` is the alpha frame (`AlphaMode` tracks);
    /// `duration_ms` for a last frame held longer than the others.
    pub fn write_frame(
        &mut self,
        time_ms: u64,
        key: bool,
        colour: &[u8],
        alpha: Option<&[u8]>,
        duration_ms: Option<u64>,
    ) -> std::io::Result<()> {
        let span_full =
            self.cluster.as_ref().is_some_and(|c| time_ms - c.timestamp_ms.min(time_ms) > MAX_CLUSTER_SPAN_MS);
        if self.cluster.is_none() || key || span_full {
            self.close_cluster()?;
            self.open_cluster(time_ms, key)?;
        }
        let cluster_ms = self.cluster.as_ref().map_or(time_ms, |c| c.timestamp_ms);
        let relative = i16::try_from(time_ms.saturating_sub(cluster_ms)).unwrap_or(i16::MAX);
        let mut group = Vec::with_capacity(colour.len() + alpha.map_or(0, <[u8]>::len) + 64);
        ebml::master(&mut group, id::BLOCK_GROUP, |g| {
            let mut block = Vec::with_capacity(colour.len() + 4);
            ebml::put_size(&mut block, TRACK_NUMBER);
            block.extend_from_slice(&relative.to_be_bytes());
            block.push(0); // no lacing; keyframe-ness is said by ReferenceBlock's absence
            block.extend_from_slice(colour);
            ebml::binary(g, id::BLOCK, &block);
            if let Some(a) = alpha {
                ebml::master(g, id::BLOCK_ADDITIONS, |adds| {
                    ebml::master(adds, id::BLOCK_MORE, |more| {
                        ebml::uint(more, id::BLOCK_ADD_ID, ALPHA_ADD_ID);
                        ebml::binary(more, id::BLOCK_ADDITIONAL, a);
                    });
                });
            }
            if !key {
                let previous = self.last_ms.unwrap_or(time_ms);
                ebml::sint(g, id::REFERENCE_BLOCK, previous as i64 - time_ms as i64);
            }
            if let Some(d) = duration_ms {
                ebml::uint(g, id::BLOCK_DURATION, d);
            }
        });
        self.write(&group)?;
        self.last_ms = Some(time_ms);
        Ok(())
    }

    /// Writes an Opus packet at `time_ms` (sound blocks are all keyframes) into the open
    /// cluster; the caller writes every track in time order.
    pub fn write_sound(&mut self, time_ms: u64, packet: &[u8]) -> std::io::Result<()> {
        let relative = self.in_cluster(time_ms)?;
        let mut block = Vec::with_capacity(packet.len() + 4);
        ebml::put_size(&mut block, AUDIO_TRACK_NUMBER);
        block.extend_from_slice(&relative.to_be_bytes());
        block.push(0x80); // keyframe
        block.extend_from_slice(packet);
        let mut element = Vec::with_capacity(block.len() + 12);
        ebml::binary(&mut element, id::SIMPLE_BLOCK, &block);
        self.write(&element)
    }

    /// Writes a cue of subtitle track `index` (WebM's WebVTT mapping: `payload` is its id and
    /// settings lines, then its text) from `start_ms` to `end_ms`, into the open cluster; the
    /// caller writes every track in time order.
    pub fn write_text(&mut self, index: usize, start_ms: u64, end_ms: u64, payload: &[u8]) -> std::io::Result<()> {
        let relative = self.in_cluster(start_ms)?;
        let mut group = Vec::with_capacity(payload.len() + 24);
        ebml::master(&mut group, id::BLOCK_GROUP, |g| {
            let mut block = Vec::with_capacity(payload.len() + 4);
            ebml::put_size(&mut block, TEXT_TRACK_FIRST + index as u64);
            block.extend_from_slice(&relative.to_be_bytes());
            block.push(0);
            block.extend_from_slice(payload);
            ebml::binary(g, id::BLOCK, &block);
            ebml::uint(g, id::BLOCK_DURATION, end_ms.saturating_sub(start_ms).max(1));
        });
        self.write(&group)
    }

    /// Closes the last cluster, writes the Cues, patches the sizes, the Duration and the
    /// Cues' position, flushes. Returns the writer.
    pub fn finish(mut self, duration_ms: f64) -> std::io::Result<W> {
        self.close_cluster()?;
        let cues_at = self.pos - self.segment_start;
        let mut cues = Vec::new();
        ebml::master(&mut cues, id::CUES, |c| {
            for &(time, cluster) in &self.cues {
                ebml::master(c, id::CUE_POINT, |p| {
                    ebml::uint(p, id::CUE_TIME, time);
                    ebml::master(p, id::CUE_TRACK_POSITIONS, |t| {
                        ebml::uint(t, id::CUE_TRACK, TRACK_NUMBER);
                        ebml::uint(t, id::CUE_CLUSTER_POSITION, cluster);
                    });
                });
            }
        });
        self.write(&cues)?;
        let end = self.pos;
        self.patch(self.segment_size_at, &ebml::size_fixed8(end - self.segment_start))?;
        self.patch(self.duration_at, &duration_ms.to_be_bytes())?;
        self.patch(self.cues_seek_at, &cues_at.to_be_bytes())?;
        self.out.seek(SeekFrom::Start(end))?;
        self.out.flush()?;
        Ok(self.out)
    }

    /// A sound or text block at `time_ms` goes into the open cluster, or a new one (not a
    /// keyframe's) when none is open, it starts later, or it would span too long; returns the
    /// block's time relative to its cluster.
    fn in_cluster(&mut self, time_ms: u64) -> std::io::Result<i16> {
        let open_at = self.cluster.as_ref().map(|c| c.timestamp_ms);
        if open_at.is_none_or(|at| time_ms < at || time_ms - at > MAX_CLUSTER_SPAN_MS) {
            self.close_cluster()?;
            self.open_cluster(time_ms, false)?;
        }
        let cluster_ms = self.cluster.as_ref().map_or(time_ms, |c| c.timestamp_ms);
        Ok(i16::try_from(time_ms - cluster_ms).unwrap_or(i16::MAX))
    }

    fn open_cluster(&mut self, time_ms: u64, key: bool) -> std::io::Result<()> {
        let at = self.pos;
        if key {
            self.cues.push((time_ms, at - self.segment_start));
        }
        let mut head = Vec::new();
        ebml::put_id(&mut head, id::CLUSTER);
        let size_at = at + head.len() as u64;
        head.extend_from_slice(&ebml::size_fixed8(0));
        ebml::uint(&mut head, id::TIMESTAMP, time_ms);
        self.write(&head)?;
        self.cluster = Some(OpenCluster { size_at, timestamp_ms: time_ms });
        Ok(())
    }

    fn close_cluster(&mut self) -> std::io::Result<()> {
        if let Some(c) = self.cluster.take() {
            let size = self.pos - (c.size_at + ebml::FIXED_SIZE_LEN as u64);
            let end = self.pos;
            self.patch(c.size_at, &ebml::size_fixed8(size))?;
            self.out.seek(SeekFrom::Start(end))?;
        }
        Ok(())
    }

    /// Overwrites bytes already written at `at` (the caller seeks back to the end after).
    fn patch(&mut self, at: u64, bytes: &[u8]) -> std::io::Result<()> {
        self.out.seek(SeekFrom::Start(at))?;
        self.out.write_all(bytes)
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.out.write_all(bytes)?;
        self.pos += bytes.len() as u64;
        Ok(())
    }
}

fn tracks_element(track: VideoTrack, sound: Option<&OpusTrack>, texts: &[String]) -> Vec<u8> {
    let mut tracks = Vec::new();
    ebml::master(&mut tracks, id::TRACKS, |t| {
        ebml::master(t, id::TRACK_ENTRY, |e| {
            ebml::uint(e, id::TRACK_NUMBER, TRACK_NUMBER);
            ebml::uint(e, id::TRACK_UID, 1);
            ebml::uint(e, id::TRACK_TYPE, 1); // video
            ebml::uint(e, id::FLAG_LACING, 0);
            ebml::string(e, id::CODEC_ID, "V_VP9");
            ebml::uint(e, id::DEFAULT_DURATION, track.frame_ns);
            ebml::master(e, id::VIDEO, |v| {
                ebml::uint(v, id::PIXEL_WIDTH, u64::from(track.width));
                ebml::uint(v, id::PIXEL_HEIGHT, u64::from(track.height));
                if track.alpha {
                    ebml::uint(v, id::ALPHA_MODE, 1);
                }
                // What the colour frames are (`convert.rs`): BT.709 matrix, primaries and
                // transfer (codes 1, ISO/IEC 23091-4), limited ("broadcast", 1) range, 4:2:0.
                ebml::master(v, id::COLOUR, |c| {
                    ebml::uint(c, id::MATRIX_COEFFICIENTS, 1);
                    ebml::uint(c, id::BITS_PER_CHANNEL, 8);
                    ebml::uint(c, id::CHROMA_SUBSAMPLING_HORZ, 1);
                    ebml::uint(c, id::CHROMA_SUBSAMPLING_VERT, 1);
                    ebml::uint(c, id::RANGE, 1);
                    ebml::uint(c, id::TRANSFER_CHARACTERISTICS, 1);
                    ebml::uint(c, id::PRIMARIES, 1);
                });
            });
        });
        if let Some(o) = sound {
            ebml::master(t, id::TRACK_ENTRY, |e| {
                ebml::uint(e, id::TRACK_NUMBER, AUDIO_TRACK_NUMBER);
                ebml::uint(e, id::TRACK_UID, 2);
                ebml::uint(e, id::TRACK_TYPE, 2); // audio
                ebml::uint(e, id::FLAG_LACING, 0);
                ebml::string(e, id::CODEC_ID, "A_OPUS");
                ebml::binary(e, id::CODEC_PRIVATE, &o.head);
                ebml::uint(e, id::CODEC_DELAY, o.delay_ns);
                // 80 ms, what the Opus mapping asks a player to decode before a seek target.
                ebml::uint(e, id::SEEK_PRE_ROLL, 80_000_000);
                ebml::master(e, id::AUDIO, |a| {
                    ebml::float(a, id::SAMPLING_FREQUENCY, f64::from(o.rate));
                    ebml::uint(a, id::CHANNELS, u64::from(o.channels));
                });
            });
        }
        for (i, language) in texts.iter().enumerate() {
            ebml::master(t, id::TRACK_ENTRY, |e| {
                ebml::uint(e, id::TRACK_NUMBER, TEXT_TRACK_FIRST + i as u64);
                ebml::uint(e, id::TRACK_UID, TEXT_TRACK_FIRST + i as u64);
                ebml::uint(e, id::TRACK_TYPE, 0x11); // subtitle
                ebml::uint(e, id::FLAG_LACING, 0);
                ebml::string(e, id::CODEC_ID, "D_WEBVTT/SUBTITLES");
                ebml::string(e, id::LANGUAGE, &crate::encode::subtitles::iso_639_2(language));
                ebml::string(e, id::LANGUAGE_BCP47, language);
            });
        }
    });
    tracks
}

/// Where the Duration's 8-byte payload is in an Info element built by [`WebmWriter::new`]:
/// after the Info's ID and size, the TimestampScale, and the Duration's ID and size.
fn duration_offset(info: &[u8]) -> std::io::Result<u64> {
    let mut probe = Vec::new();
    ebml::float(&mut probe, id::DURATION, 0.0);
    let pattern = &probe[..probe.len() - 8];
    info.windows(pattern.len())
        .position(|w| w == pattern)
        .map(|p| (p + pattern.len()) as u64)
        .ok_or_else(|| std::io::Error::other("the Info element has no Duration"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn track() -> VideoTrack {
        VideoTrack { width: 64, height: 48, frame_ns: 40_000_000, alpha: true }
    }

    /// Sizes patched at the end describe the bytes actually written, and the SeekHead and the
    /// cues point at the elements they name.
    #[test]
    fn patched_sizes_and_positions_point_at_what_was_written() {
        let mut w = WebmWriter::new(Cursor::new(Vec::new()), track(), None, &[]).unwrap();
        w.write_frame(0, true, &[1; 10], Some(&[2; 5]), None).unwrap();
        w.write_frame(40, false, &[3; 10], Some(&[4; 5]), None).unwrap();
        w.write_frame(80, true, &[5; 10], Some(&[6; 5]), Some(40)).unwrap();
        let (segment_size_at, segment_start, cues_seek_at, duration_at) =
            (w.segment_size_at, w.segment_start, w.cues_seek_at, w.duration_at);
        let cues = w.cues.clone();
        let file = w.finish(120.0).unwrap().into_inner();
        let be =
            |at: u64, n: usize| file[at as usize..at as usize + n].iter().fold(0u64, |a, &b| a << 8 | u64::from(b));
        assert_eq!(file[segment_size_at as usize], 0x01);
        assert_eq!(be(segment_size_at + 1, 7), file.len() as u64 - segment_start);
        assert_eq!(f64::from_bits(be(duration_at, 8)), 120.0);
        let cues_at = segment_start + be(cues_seek_at, 8);
        assert_eq!(&file[cues_at as usize..cues_at as usize + 4], &[0x1C, 0x53, 0xBB, 0x6B]);
        assert_eq!(cues.len(), 2, "a cue per keyframe");
        for (_, cluster) in cues {
            let at = (segment_start + cluster) as usize;
            assert_eq!(&file[at..at + 4], &[0x1F, 0x43, 0xB6, 0x75], "a cue points at a cluster");
        }
    }
}
