//! An image sequence (`png-seq`, `jpeg-seq`): a folder of numbered pictures, and the mix beside
//! them as `<name>.wav`, written complete or not at all ([`folder`]).
//!
//! ```text
//! app frames (RGBA) ─▶ bounded queue ─▶ 2 workers: PictureEncoder (still.rs) ─▶ <name>-00000.png … (temp folder)
//! mixer ─▶ AudioInput ─▶ appsrc ! audioconvert ! wavenc ! filesink <name>.wav (temp folder)
//!                                             commit: every picture written, the WAV's EOS ─▶ rename
//! ```
//!
//! Pictures are numbered by their frame's index in the whole video's output (`first_number` +
//! the frame's index here): a `--frames 30-59` render of a 30 fps project writes
//! `<name>-00030` to `<name>-00059`, so parts rendered apart go into one folder as they are.
//! Five digits, more when the last number needs them. The frames are the page's RGBA, with
//! straight alpha when it is kept (`--transparent`, PNG only), otherwise already flattened over
//! the project's matte (by the frame ring), and written as RGB.
//!
//! Frames in flight are bounded (the queue's [`QUEUED`] plus one per worker), so memory stays
//! flat however long the video; two workers because the target has two cores, and the page
//! draws on one of them.

pub mod folder;

use super::settings::{EncodeSettings, Progress, ProgressFn};
use super::still::{PictureEncoder, StillFormat};
use super::{AudioInput, EncodeError, Format};
use crate::stage::Stage;
use crate::CancelToken;
use folder::TempFolder;
use gstreamer as gst;
use gstreamer::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Pictures encoded at once.
const WORKERS: usize = 2;
/// Frames waiting for a worker before `push_frame` blocks.
const QUEUED: usize = 2;

/// A frame handed to a worker: any buffer (a pooled one goes back to its pool once written).
type Frame = Box<dyn AsRef<[u8]> + Send>;

/// One image sequence in progress: push every frame in order, then [`ImageSeqEncoder::commit`].
/// Dropped before, it removes its temp folder.
pub struct ImageSeqEncoder {
    settings: EncodeSettings,
    folder: Arc<TempFolder>,
    queue: Option<SyncSender<(u64, Frame)>>,
    workers: Vec<JoinHandle<()>>,
    shared: Arc<Shared>,
    next_index: u64,
    cancel: CancelToken,
    progress: ProgressFn,
    sound: Option<(gst::Pipeline, AudioInput)>,
}

/// What the workers share with the encoder: pictures written, and the first failure.
struct Shared {
    written: Mutex<u64>,
    failure: Mutex<Option<EncodeError>>,
}

impl Shared {
    fn failed(&self) -> bool {
        self.failure.lock().map(|f| f.is_some()).unwrap_or(true)
    }
    fn fail(&self, e: EncodeError) {
        if let Ok(mut f) = self.failure.lock() {
            f.get_or_insert(e);
        }
    }
    fn take_failure(&self) -> Option<EncodeError> {
        self.failure.lock().ok().and_then(|mut f| f.take())
    }
}

/// A sequence's picture type.
fn picture_format(format: Format) -> Result<StillFormat, EncodeError> {
    match format {
        Format::PngSeq => Ok(StillFormat::Png),
        Format::JpegSeq => Ok(StillFormat::Jpeg),
        other => Err(EncodeError::Settings(format!("{} is not an image sequence", other.id()))),
    }
}

/// `<name>-<number>.<ext>`, the number zero-padded to `digits`.
pub fn picture_name(name: &str, number: u64, digits: usize, ext: &str) -> String {
    format!("{name}-{number:0digits$}.{ext}")
}

/// Five digits, more when `last` needs them.
pub fn digits_for(last: u64) -> usize {
    last.to_string().len().max(5)
}

impl ImageSeqEncoder {
    /// Makes the temp folder beside `dest` (refused if `dest` is not a new name or an empty
    /// folder), starts the workers and, when the settings ask for sound, the WAV's pipeline.
    /// Pictures are numbered from `first_number`.
    pub fn start(
        settings: EncodeSettings,
        dest: &Path,
        first_number: u64,
        cancel: CancelToken,
        progress: ProgressFn,
    ) -> Result<Self, EncodeError> {
        let kind = picture_format(settings.format)?;
        let (w, h, total) = (settings.width, settings.height, settings.total_frames);
        if w == 0 || h == 0 || total == 0 {
            return Err(EncodeError::Settings(format!("{w}×{h}, {total} frames: nothing to write")));
        }
        super::check_elements(settings.format)?;
        let name = dest
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| EncodeError::Destination {
                path: dest.into(),
                reason: "the folder's name is not valid UTF-8".into(),
            })?
            .to_string();
        let folder = Arc::new(TempFolder::create(dest)?);
        let sound = match settings.audio {
            false => None,
            true => {
                let wav = folder.path_through_handle(&format!("{name}.wav"));
                let location = wav.to_str().ok_or_else(|| EncodeError::Init("the WAV's path".into()))?;
                let (pipeline, input) =
                    super::sound_writer::sound_writer(settings.format, settings.quality, location, false)?;
                pipeline
                    .set_state(gst::State::Playing)
                    .map_err(|_| EncodeError::Init("the sound's pipeline could not start".into()))?;
                Some((pipeline, input))
            }
        };
        let shared = Arc::new(Shared { written: Mutex::new(0), failure: Mutex::new(None) });
        let (queue, jobs) = mpsc::sync_channel::<(u64, Frame)>(QUEUED);
        let jobs = Arc::new(Mutex::new(jobs));
        let digits = digits_for(first_number + total - 1);
        let ext = settings.format.profile().extension;
        let mut workers = Vec::new();
        for i in 0..WORKERS {
            let encoder = PictureEncoder::new(kind, settings.quality, w, h, settings.keep_alpha)?;
            let work = Worker {
                encoder,
                jobs: jobs.clone(),
                folder: folder.clone(),
                shared: shared.clone(),
                cancel: cancel.clone(),
                progress: progress.clone(),
                total,
                name: name.clone(),
                first_number,
                digits,
                ext,
            };
            let spawned = std::thread::Builder::new().name(format!("bazaar-pictures-{i}")).spawn(move || work.run());
            workers.push(spawned.map_err(|e| EncodeError::Init(format!("cannot start a thread: {e}")))?);
        }
        progress(Progress { stage: Stage::Rendering, frames_done: 0, total_frames: total });
        Ok(Self { settings, folder, queue: Some(queue), workers, shared, next_index: 0, cancel, progress, sound })
    }

    /// Queues frame `index` (the next one, RGBA) for a worker; blocks while the queue is full.
    pub fn push_frame<P>(&mut self, index: u64, pixels: P) -> Result<(), EncodeError>
    where
        P: AsRef<[u8]> + AsMut<[u8]> + Send + 'static,
    {
        if self.cancel.is_cancelled() {
            return Err(EncodeError::Cancelled);
        }
        if let Some(e) = self.shared.take_failure() {
            return Err(e);
        }
        let s = &self.settings;
        if pixels.as_ref().len() != s.frame_bytes() {
            return Err(EncodeError::BadFrame {
                index,
                got: pixels.as_ref().len(),
                expected: s.frame_bytes(),
                width: s.width,
                height: s.height,
                format: s.input,
            });
        }
        if index != self.next_index || index >= s.total_frames {
            return Err(EncodeError::Settings(format!(
                "frame {index} arrived out of order (expected frame {} of {})",
                self.next_index, s.total_frames
            )));
        }
        let queue = self.queue.as_ref().ok_or_else(|| EncodeError::Settings("the sequence has ended".into()))?;
        queue.send((index, Box::new(pixels))).map_err(|_| EncodeError::Init("the picture writers stopped".into()))?;
        self.next_index += 1;
        Ok(())
    }

    /// The WAV's input, when the settings asked for sound.
    pub fn audio_input(&self) -> Option<AudioInput> {
        self.sound.as_ref().map(|(_, input)| input.clone())
    }

    /// Waits for every picture and the WAV, then renames the folder into place.
    pub fn commit(&mut self) -> Result<PathBuf, EncodeError> {
        let total = self.settings.total_frames;
        super::session_end::all_frames_given(self.next_index, total)?;
        self.queue = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        if self.cancel.is_cancelled() {
            return Err(EncodeError::Cancelled);
        }
        if let Some(e) = self.shared.take_failure() {
            return Err(e);
        }
        if let Some((pipeline, input)) = &self.sound {
            let waited = super::sound_writer::until_written(pipeline, self.folder.dest(), &self.cancel, || {});
            if let Some(why) = input.failure() {
                return Err(EncodeError::Audio(why));
            }
            waited?;
        }
        super::session_end::commit_reporting(&self.progress, total, &self.cancel, || self.folder.commit())
    }
}

impl Drop for ImageSeqEncoder {
    fn drop(&mut self) {
        // Unfinished: the workers let the frames still queued go without writing them.
        if !self.workers.is_empty() {
            self.shared.fail(EncodeError::Cancelled);
        }
        self.queue = None;
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        if let Some((pipeline, _)) = &self.sound {
            let _ = pipeline.set_state(gst::State::Null);
        }
        // The folder goes with the last `Arc`: removed unless committed.
    }
}

/// One picture writer.
struct Worker {
    encoder: PictureEncoder,
    jobs: Arc<Mutex<Receiver<(u64, Frame)>>>,
    folder: Arc<TempFolder>,
    shared: Arc<Shared>,
    cancel: CancelToken,
    progress: ProgressFn,
    total: u64,
    name: String,
    first_number: u64,
    digits: usize,
    ext: &'static str,
}

impl Worker {
    fn run(mut self) {
        loop {
            let job = match self.jobs.lock() {
                Ok(rx) => rx.recv(),
                Err(_) => return,
            };
            let Ok((index, frame)) = job else { return };
            // After a failure or a cancel the frames are only let go, so a push never blocks.
            if self.cancel.is_cancelled() || self.shared.failed() {
                continue;
            }
            match self.write(index, frame.as_ref().as_ref()) {
                Ok(()) => {
                    let Ok(mut written) = self.shared.written.lock() else { return };
                    *written += 1;
                    let stage = if *written == self.total { Stage::Finalizing } else { Stage::Rendering };
                    (self.progress)(Progress { stage, frames_done: *written, total_frames: self.total });
                }
                Err(e) => self.shared.fail(e),
            }
        }
    }

    fn write(&mut self, index: u64, rgba: &[u8]) -> Result<(), EncodeError> {
        let bytes = self.encoder.encode(rgba)?;
        let name = picture_name(&self.name, self.first_number + index, self.digits, self.ext);
        let mut file = self.folder.create_file(&name)?;
        let dest = self.folder.dest();
        file.write_all(&bytes).map_err(|e| super::output::classify_io(&e, dest))?;
        file.sync_all().map_err(|e| super::output::classify_io(&e, dest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_have_five_digits_or_more() {
        assert_eq!(picture_name("intro", 7, digits_for(89), "png"), "intro-00007.png");
        assert_eq!(picture_name("intro", 7, digits_for(123_456), "jpg"), "intro-000007.jpg");
        assert_eq!(digits_for(99_999), 5);
        assert_eq!(digits_for(100_000), 6);
    }
}
