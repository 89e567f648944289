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

use crate::encode::{Format, Quality};
use crate::project::Project;
use serde::{Deserialize, Serialize};
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
    /// FNV-1a of the project file and every file it reads, in order.
    pub project_hash: String,
    pub format: String,
    pub quality: String,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// The whole video's frames.
    pub total_frames: u64,
    /// The chunk file (a name in the chunk folder), its size and FNV-1a.
    pub file: String,
    pub file_bytes: u64,
    pub file_hash: String,
}

/// The names of chunk `k` of `n`'s files: (video, manifest).
pub fn file_names(k: u64, n: u64, format: Format) -> (String, String) {
    (format!("chunk-{k}-of-{n}.{}", format.profile().extension), format!("chunk-{k}-of-{n}.json"))
}

/// The settings part of a manifest, for comparing chunks.
pub fn settings_of(m: &ChunkManifest) -> (String, String, u32, u32, u32, u64, u64) {
    (m.format.clone(), m.quality.clone(), m.width, m.height, m.fps, m.total_frames, m.n)
}

/// A stable 64-bit FNV-1a, as hex: the same on every machine and Rust version (a chunk may be
/// made on one machine and joined on another).
#[derive(Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn update(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The hash of a file's bytes (read in pieces: a chunk or a clip may be large).
pub fn hash_file(path: &Path) -> Result<(u64, String), String> {
    hash_file_keeping(path, None)
}

/// [`hash_file`], also appending the bytes read to `keep` when given: a file that is checked
/// and then used is read once, and what is used is what was checked.
pub fn hash_file_keeping(path: &Path, mut keep: Option<&mut Vec<u8>>) -> Result<(u64, String), String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)
        .map_err(|e| format!("cannot read {}: {}", path.display(), crate::input_file::io_reason(&e)))?;
    let (mut h, mut n, mut buf) = (Fnv::default(), 0u64, vec![0u8; 1 << 20]);
    loop {
        let got = f
            .read(&mut buf)
            .map_err(|e| format!("cannot read {}: {}", path.display(), crate::input_file::io_reason(&e)))?;
        if got == 0 {
            return Ok((n, h.hex()));
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
pub fn project_hash(project: &Project) -> Result<String, String> {
    let mut h = Fnv::default();
    for (path, _) in project.files_read() {
        // Named relative to the project folder: the same project opened by another path (a
        // relative one, a mount point on another node) hashes the same.
        let full = path.canonicalize().unwrap_or(path.clone());
        h.update(full.strip_prefix(&project.root).unwrap_or(&full).to_string_lossy().as_bytes());
        let (bytes, file) = hash_file(&path)?;
        h.update(&bytes.to_le_bytes());
        h.update(file.as_bytes());
    }
    Ok(h.hex())
}

/// A manifest for chunk `k` of `n`, once its file is in place.
#[allow(clippy::too_many_arguments)]
pub fn manifest(
    project: &Project,
    format: Format,
    quality: Quality,
    (width, height, fps): (u32, u32, u32),
    total_frames: u64,
    (k, n): (u64, u64),
    file: &Path,
) -> Result<ChunkManifest, String> {
    let (from, to) = range(total_frames, k, n);
    let (file_bytes, file_hash) = hash_file(file)?;
    Ok(ChunkManifest {
        k,
        n,
        from,
        to,
        project: std::path::absolute(&project.file).map_err(|e| e.to_string())?,
        project_hash: project_hash(project)?,
        format: format.id().to_string(),
        quality: quality.id().to_string(),
        width,
        height,
        fps,
        total_frames,
        file: file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
        file_bytes,
        file_hash,
    })
}

/// Writes `m` beside its chunk as `chunk-K-of-N.json` (temp file, then renamed).
pub fn write_manifest(dir: &Path, m: &ChunkManifest) -> Result<PathBuf, String> {
    let format = Format::parse(&m.format).ok_or("bad format")?;
    let dest = dir.join(file_names(m.k, m.n, format).1);
    let temp = dir.join(format!(".{}.part", file_names(m.k, m.n, format).1));
    let json = serde_json::to_vec_pretty(m).map_err(|e| e.to_string())?;
    std::fs::write(&temp, json).and_then(|_| std::fs::rename(&temp, &dest)).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!("cannot write {}: {}", dest.display(), crate::input_file::io_reason(&e))
    })?;
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

    #[test]
    fn the_hash_is_fnv_1a() {
        let mut h = Fnv::default();
        h.update(b"a");
        assert_eq!(h.hex(), "af63dc4c8601ec8c");
    }
}
