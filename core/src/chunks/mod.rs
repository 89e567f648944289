//! Chunked renders: a long video rendered as N contiguous frame ranges (chunks), on any
//! machines sharing a folder, then joined without re-encoding the video.
//!
//! - A chunk is `chunk-K-of-N.<ext>` (video only: the sound is mixed once, at the join, over the
//!   whole timeline, so there are no seams) and its manifest `chunk-K-of-N.json`: the frames it
//!   holds, the settings, a hash of the project's content (the project file and every file it
//!   reads) and of the chunk file itself. Both are written to temp files and renamed into
//!   place, the manifest last: a chunk rendered again replaces both.
//! - [`join`] checks that every chunk is there, made from the same project content and
//!   settings, and whole, then joins them ([`join`]'s module says how, per format).

pub mod gif_join;
pub mod join;
pub mod webm_alpha_join;

use crate::content_hash::ContentHash;
use crate::encode::output::{check_destination, write_atomically};
use crate::encode::{EncodeError, EncodeSettings, Format, ProresProfile, Quality};
use crate::project::Project;
use crate::CancelToken;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::path::{Path, PathBuf};

pub use crate::render_plan::chunk_range as range;

/// What a chunk was made from and holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChunkManifest {
    pub k: u64,
    pub n: u64,
    /// Output frames `[from, to)` of the whole video.
    pub from: u64,
    pub to: u64,
    /// The project file (absolute), for the join's sound.
    pub project: PathBuf,
    /// [`ContentHash`] of the project file and every file it reads, in order.
    pub project_hash: String,
    pub format: String,
    pub quality: String,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// The whole video's frames.
    pub total_frames: u64,
    /// The chunk file (its name in the chunk folder: `chunk-K-of-N.<ext>`, nothing else), its
    /// size and [`ContentHash`]; empty for a chunk that holds no frames (`from == to`).
    pub file: String,
    pub file_bytes: u64,
    pub file_hash: String,
    /// The options besides format and quality that change the chunk's bytes.
    #[serde(flatten)]
    pub options: ChunkOptions,
}

/// The options besides format and quality that change a chunk's bytes, as its manifest records
/// them: only those its format uses (absent from the JSON otherwise). The join refuses chunks
/// whose options differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChunkOptions {
    /// ProRes's profile, for ProRes chunks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prores_profile: Option<ProresProfile>,
    /// A GIF's loop count (`--gif-loops`), for GIF chunks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gif_loops: Option<u16>,
    /// The chunk keeps the project's alpha (`--transparent`): a transparent chunk joined with
    /// a flattened one would change the picture halfway.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub transparent: bool,
}

impl ChunkOptions {
    pub fn of(settings: &EncodeSettings) -> Self {
        Self {
            prores_profile: (settings.format == Format::Prores).then_some(settings.prores_profile),
            gif_loops: (settings.format == Format::Gif).then_some(settings.gif_loops),
            transparent: settings.keep_alpha,
        }
    }
}

/// What to do about chunk `k` of `n` of `dir`, said after each refusal of it.
pub(crate) fn render_again(k: u64, n: u64, dir: &Path) -> String {
    format!("render it again with --chunk {k}/{n} --chunk-dir {}", dir.display())
}

/// The names of chunk `k` of `n`'s files: (video, manifest).
pub fn file_names(k: u64, n: u64, format: Format) -> (String, String) {
    (format!("chunk-{k}-of-{n}.{}", format.profile().extension), manifest_name(k, n))
}

/// The name of chunk `k` of `n`'s manifest (the same for every format).
pub fn manifest_name(k: u64, n: u64) -> String {
    format!("chunk-{k}-of-{n}.json")
}

/// The settings part of a manifest, for comparing chunks.
#[allow(clippy::type_complexity)]
pub fn settings_of(m: &ChunkManifest) -> (String, String, u32, u32, u32, u64, u64, ChunkOptions) {
    (m.format.clone(), m.quality.clone(), m.width, m.height, m.fps, m.total_frames, m.n, m.options)
}

/// A chunk's file opened and hashed: the open file (rewound, for the join to read the very file
/// that was checked), its size and [`ContentHash`].
pub struct Hashed {
    pub file: File,
    pub bytes: u64,
    pub hash: String,
}

/// The hash of a file's bytes (read in pieces: a chunk or a clip may be large).
pub fn hash_file(path: &Path) -> Result<(u64, String), String> {
    open_and_hash(path, None, &CancelToken::new()).map(|h| (h.bytes, h.hash))
}

/// Opens `path` if it is a regular file and hashes it, also appending the bytes read to `keep`
/// when given: a file that is checked and then used is read once, and what is used is what was
/// checked. Only regular files (`input_file::open_regular`): a FIFO would block the open
/// forever and `/dev/zero` never ends, both deaf to Ctrl+C. Stops when `cancel` is cancelled (a
/// chunk folder may hold hundreds of GB).
pub fn open_and_hash(path: &Path, mut keep: Option<&mut Vec<u8>>, cancel: &CancelToken) -> Result<Hashed, String> {
    use std::io::{Read, Seek};
    let cannot = |reason: String| format!("cannot read {}: {reason}", path.display());
    let (mut file, _) = crate::input_file::open_regular(path, u64::MAX).map_err(|e| cannot(e.to_string()))?;
    let (mut h, mut n, mut buf) = (ContentHash::default(), 0u64, vec![0u8; 1 << 20]);
    loop {
        if cancel.is_cancelled() {
            return Err("cancelled".into());
        }
        let got = file.read(&mut buf).map_err(|e| cannot(crate::input_file::io_reason(&e)))?;
        if got == 0 {
            file.rewind().map_err(|e| cannot(crate::input_file::io_reason(&e)))?;
            return Ok(Hashed { file, bytes: n, hash: h.hex() });
        }
        h.update(&buf[..got]);
        if let Some(keep) = keep.as_deref_mut() {
            keep.extend_from_slice(&buf[..got]);
        }
        n += got as u64;
    }
}

/// The hash of what a render of `project` depends on: the project file and every file it
/// reads (modules, pictures, sounds, clips), each with its name.
pub fn project_hash(project: &Project, cancel: &CancelToken) -> Result<String, String> {
    let mut h = ContentHash::default();
    for (path, _) in project.files_read() {
        // Named relative to the project folder: the same project opened by another path (a
        // relative one, a mount point on another node) hashes the same.
        let full = path.canonicalize().unwrap_or(path.clone());
        h.update(full.strip_prefix(&project.root).unwrap_or(&full).to_string_lossy().as_bytes());
        let file = open_and_hash(&path, None, cancel)?;
        h.update(&file.bytes.to_le_bytes());
        h.update(file.hash.as_bytes());
    }
    Ok(h.hex())
}

/// A manifest for chunk `k` of `n`, once its file is in place; `file` is `None` for a chunk that
/// holds no frames (more chunks than the video has frames: a job array sized before the frames
/// were known). Such a chunk has only its manifest, which says so, and the join skips it.
#[allow(clippy::too_many_arguments)]
pub fn manifest(
    project: &Project,
    format: Format,
    quality: Quality,
    (width, height, fps): (u32, u32, u32),
    total_frames: u64,
    (k, n): (u64, u64),
    file: Option<&Path>,
    options: ChunkOptions,
) -> Result<ChunkManifest, String> {
    let (from, to) = range(total_frames, k, n);
    let (file, file_bytes, file_hash) = match file {
        Some(path) => {
            let (bytes, hash) = hash_file(path)?;
            (path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(), bytes, hash)
        }
        None => (String::new(), 0, ContentHash::default().hex()),
    };
    Ok(ChunkManifest {
        k,
        n,
        from,
        to,
        project: std::path::absolute(&project.file).map_err(|e| e.to_string())?,
        project_hash: project_hash(project, &CancelToken::new())?,
        format: format.id().to_string(),
        quality: quality.id().to_string(),
        width,
        height,
        fps,
        total_frames,
        file,
        file_bytes,
        file_hash,
        options,
    })
}

/// Checks where chunk `k` of `n`'s manifest goes in `dir` by the rules of every output
/// (`encode::output::check_destination`): never a file the render reads (`reads`: a project file
/// may well be named like a manifest, the chunk folder being the project's own), a link, a
/// device or a folder. Returns the path.
pub fn check_manifest_destination(
    dir: &Path,
    (k, n): (u64, u64),
    reads: &[(PathBuf, String)],
) -> Result<PathBuf, String> {
    let dest = dir.join(manifest_name(k, n));
    match check_destination(&dest, reads) {
        Ok(()) => Ok(dest),
        Err(EncodeError::OverwritesInput { path, what }) => Err(format!(
            "{} is {what}, which this render reads: chunk {k} of {n}'s manifest would replace it. Give --chunk-dir a folder of its own.",
            path.display()
        )),
        Err(e) => Err(format!("chunk {k} of {n}'s manifest: {e}")),
    }
}

/// Writes `m` beside its chunk as `chunk-K-of-N.json` ([`check_manifest_destination`]), as every
/// file the app writes (`encode::output::write_atomically`: an exclusive temp file of an
/// unpredictable name, fsynced, then renamed into place).
pub fn write_manifest(dir: &Path, m: &ChunkManifest, reads: &[(PathBuf, String)]) -> Result<PathBuf, String> {
    let dest = check_manifest_destination(dir, (m.k, m.n), reads)?;
    let json = serde_json::to_vec_pretty(m).map_err(|e| e.to_string())?;
    write_atomically(&dest, &json)
        .map_err(|e| format!("cannot write {}: {}", dest.display(), crate::input_file::io_reason(&e)))?;
    Ok(dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_frame_once_in_near_equal_parts() {
        for (total, n) in [(600u64, 4u64), (601, 4), (7, 3), (3, 5), (108_000, 16)] {
            let parts: Vec<_> = (0..n).map(|k| range(total, k, n)).collect();
            assert_eq!(parts[0].0, 0);
            assert_eq!(parts.last().unwrap().1, total);
            assert!(parts.windows(2).all(|w| w[0].1 == w[1].0));
            let sizes: Vec<u64> = parts.iter().map(|(a, b)| b - a).collect();
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{sizes:?}");
        }
        assert_eq!(range(600, 1, 4), (150, 300));
    }
}
