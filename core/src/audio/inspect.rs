//! What `check` and the window say about a project's sound files before anything renders:
//! each file is opened and decoded up to its first sound (not to its end, so a long file costs
//! no more than a short one), and each problem is reported at the JSON path that names it.

use super::source::{frames_in, Source};
use super::{AudioClip, AudioError, RATE};
use crate::project::Problem;
use std::collections::HashMap;
use std::path::PathBuf;

/// Problems with the files the sounds name: unreadable, not sound, no decoder installed,
/// `trimStart` past the file's end.
pub fn inspect(clips: &[AudioClip]) -> Vec<Problem> {
    let mut seen: HashMap<PathBuf, Result<Option<u64>, AudioError>> = HashMap::new();
    let mut problems = Vec::new();
    // A video scene's sound track is checked with its video (`crate::video::inspect`): it need
    // not have one.
    for clip in clips.iter().filter(|c| !c.from_video) {
        let result = seen.entry(clip.path.clone()).or_insert_with(|| Source::open(clip, 0).map(|s| s.length())).clone();
        match result {
            Err(e) => problems.push(Problem { at: format!("{}.src", clip.json_path), message: e.said_as(&clip.src) }),
            Ok(Some(length)) if clip.trim_start > 0.0 && frames_in(clip.trim_start) >= length => {
                problems.push(Problem {
                    at: format!("{}.trimStart", clip.json_path),
                    message: format!(
                        "{} s is past the end of {}, which lasts {:.2} s",
                        clip.trim_start,
                        clip.src,
                        length as f64 / f64::from(RATE)
                    ),
                })
            }
            Ok(_) => {}
        }
    }
    problems
}
