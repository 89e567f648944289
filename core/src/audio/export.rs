//! A sound-only export (`wav`, `mp3`, `m4a`, `opus`): the project's mix, no picture.
//!
//! ```text
//! mixer thread (feed::run) --> appsrc name=asrc ! audioconvert ! <encoder> [! <muxer>] ! filesink (temp) --> rename
//! ```
//!
//! No page opens: the mix never depends on the pictures (the page only reads the mix's figures,
//! for sound-reactive compositions), so the samples are exactly those a video of the same frames
//! carries (the same [`feed`], timeline and frame edges), made in seconds. M4A's AAC priming is
//! skipped by the MP4 edit list, as in the MP4 (`encode/mp4_priming.rs`); an MP3 gets its
//! Info/LAME frame (`encode/mp3_info.rs`); Opus says its pre-skip in its own header.

use super::feed::{self, OutputFrames, Outputs};
use super::{AudioClip, Timeline};
use crate::encode::output::TempOutput;
use crate::encode::sound_writer::{sound_writer, until_written};
use crate::encode::{mp3_info, AudioInput, EncodeError, Format, Progress, ProgressFn, Quality};
use crate::stage::Stage;
use crate::CancelToken;
use gstreamer as gst;
use gstreamer::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a sound-only export mixes and writes.
pub struct SoundExport<'a> {
    pub clips: &'a [AudioClip],
    pub timeline: Timeline,
    /// The output frames of the same export as a video: the mix ends where the picture would.
    pub frames: OutputFrames,
    pub format: Format,
    pub quality: Quality,
}

/// Mixes and encodes to a temp file beside `dest`, renamed into place when complete.
/// Progress counts output frames' worth of sound mixed.
pub fn export(
    job: &SoundExport,
    dest: &Path,
    cancel: &CancelToken,
    progress: ProgressFn,
) -> Result<PathBuf, EncodeError> {
    let profile = job.format.profile();
    let codec = profile.audio.as_ref().ok_or_else(|| EncodeError::Settings(format!("{} has no sound", profile.id)))?;
    let output = TempOutput::create(dest)?;
    let total = job.frames.count;
    progress(Progress { stage: Stage::Rendering, frames_done: 0, total_frames: total });
    // An MP3's first frame is its Info/LAME tag, filled in at the end: room is made for it now,
    // and the encoder's frames are appended after it.
    let mp3_kbps = (job.format == Format::Mp3).then(|| codec.bitrate(job.quality) / 1000);
    if let Some(kbps) = mp3_kbps {
        output
            .file()?
            .write_all(&vec![0u8; mp3_info::frame_len(kbps)])
            .map_err(|e| crate::encode::output::classify_io(&e, dest))?;
    }
    let temp = output.temp_path().to_str().ok_or_else(|| EncodeError::Destination {
        path: dest.into(),
        reason: "the folder's name is not valid UTF-8".into(),
    })?;
    let (pipeline, input) = sound_writer(job.format, job.quality, temp, mp3_kbps.is_some())?;
    let result = run(job, &pipeline, &input, dest, cancel, &progress);
    let _ = pipeline.set_state(gst::State::Null);
    result?;
    let samples = input.frames_pushed();
    if codec.priming > 0 {
        crate::encode::mp4_priming::skip_priming(output.temp_path(), codec.priming, samples)
            .map_err(|e| EncodeError::Encoder { element: "mp4mux".into(), message: e })?;
    }
    if let Some(kbps) = mp3_kbps {
        mp3_info::write(output.temp_path(), kbps, samples)
            .map_err(|e| EncodeError::Encoder { element: "lamemp3enc".into(), message: e })?;
    }
    progress(Progress { stage: Stage::Finalizing, frames_done: total, total_frames: total });
    if cancel.is_cancelled() {
        return Err(EncodeError::Cancelled);
    }
    let path = output.commit()?;
    progress(Progress { stage: Stage::Done, frames_done: total, total_frames: total });
    Ok(path)
}

/// Plays the pipeline while the mixer feeds it, until the file is complete (EOS), an element
/// fails, the mix fails (naming the sound) or the export is cancelled.
fn run(
    job: &SoundExport,
    pipeline: &gst::Pipeline,
    input: &AudioInput,
    dest: &Path,
    cancel: &CancelToken,
    progress: &ProgressFn,
) -> Result<(), EncodeError> {
    let (clips, timeline, frames, mix_cancel, sound) =
        (job.clips.to_vec(), job.timeline, job.frames, cancel.clone(), input.clone());
    let samples_per_frame = f64::from(super::RATE) / f64::from(frames.fps.max(1));
    let tick = || {
        let done = ((input.frames_pushed() as f64 / samples_per_frame) as u64).min(frames.count);
        progress(Progress { stage: Stage::Rendering, frames_done: done, total_frames: frames.count });
    };
    pipeline.set_state(gst::State::Playing).map_err(|_| EncodeError::Init("the pipeline could not start".into()))?;
    let mixer = std::thread::Builder::new()
        .name("bazaar-mix".into())
        .spawn(move || feed::run(&clips, timeline, frames, Outputs { sound: Some(sound), figures: None }, &mix_cancel))
        .map_err(|e| EncodeError::Init(format!("cannot start the mixer's thread: {e}")))?;
    let outcome = until_written(pipeline, dest, cancel, tick);
    // Stopping the pipeline releases a mixer blocked on a full input.
    if outcome.is_err() {
        let _ = pipeline.set_state(gst::State::Null);
    }
    let mixed = mixer.join().map_err(|_| EncodeError::Audio("the mixer's thread panicked".into()))?;
    match (outcome, mixed) {
        (Err(EncodeError::Cancelled), _) => Err(EncodeError::Cancelled),
        (_, Err(why)) if !cancel.is_cancelled() => Err(EncodeError::Audio(why)),
        (outcome, _) => outcome,
    }
}
