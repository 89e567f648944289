//! The colour test card as a real browser shows it (`browser.rs`): the probe page
//! `tests/fixtures/colour-card/probe.html` shows a rendered file, draws frames of it to a canvas
//! and posts each patch's colour back.

use super::browser::{ask, Browser};
use std::path::Path;

/// What `browser` shows of `file` (a video, or an image when `image`): for each of `frames`
/// (at `fps`), the mean colour of each patch's middle third; or why it could not.
pub fn patches_in(
    browser: Browser,
    file: &Path,
    image: bool,
    frames: &[u32],
    fps: u32,
) -> Result<Vec<Vec<[u8; 3]>>, String> {
    let card = super::colour_card::project().parent().expect("the card's folder").to_path_buf();
    let name = file.file_name().and_then(|n| n.to_str()).expect("a file name");
    let list: Vec<String> = frames.iter().map(u32::to_string).collect();
    let kind = if image { "image" } else { "video" };
    let query = format!("file=/file/{name}&kind={kind}&fps={fps}&frames={}", list.join(","));
    let body = ask(browser, &card, "probe.html", &query, &[file.to_path_buf()])?;
    let frames = body["frames"].as_array().ok_or("no frames in the answer")?;
    Ok(frames
        .iter()
        .map(|f| {
            let patches = f.as_array().map(Vec::as_slice).unwrap_or_default();
            patches.iter().map(|p| [0, 1, 2].map(|c| p[c].as_u64().unwrap_or(999).min(255) as u8)).collect()
        })
        .collect())
}
