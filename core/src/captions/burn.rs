//! Burned captions as the page draws them: each burned caption file's cues made into **pages**
//! (what is on screen together: a subtitle cue, or a few words) whose words carry the project
//! frames they are shown on, `[from, to)`. The pinned timing rule ([`super::shown_on`]) is applied
//! here once, in integers (the same edges as [`super::shown_on`], tested against it); the page (`ui/runtime/captions.js`) only compares frame numbers, lays
//! the text out and draws it. Karaoke's fill needs the time inside a word: the words keep their
//! milliseconds too.

use super::{CaptionStyle, CaptionTrack, Cue, Word};
use serde::Serialize;

/// Words further apart than this do not share a page (`words`, `karaoke`): the page ends and the
/// next starts with the next word.
pub const PAGE_GAP_MS: u64 = 1000;
/// Words a page holds when `wordsPerPage` is not given.
pub const WORDS_PER_PAGE: u32 = 4;
pub const KARAOKE_WORDS_PER_PAGE: u32 = 8;

/// One burned caption file as the page draws it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BurnLayer {
    pub style: super::CaptionStyle,
    pub style_props: super::CaptionStyleProps,
    /// The project frame where the file's time 0 falls (karaoke's time inside a word).
    pub at: u64,
    /// In order of `from`.
    pub pages: Vec<BurnPage>,
}

/// What is shown together, on project frames `from ≤ f < to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BurnPage {
    pub from: u64,
    pub to: u64,
    /// The page's words in order; a `\n` word is a line break the file asked for.
    pub words: Vec<BurnWord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BurnWord {
    pub text: String,
    /// The frames the word is spoken on (`words`: highlighted; karaoke: filling), `[from, to)`.
    pub from: u64,
    pub to: u64,
    pub start_ms: u64,
    pub end_ms: u64,
}

/// The first project frame at or after `ms` of a file placed at `at` (the timing rule's edge:
/// frame f shows time t when `t·fps ≤ (f − at)·1000`).
pub fn first_frame(ms: u64, at: u64, fps: u32) -> u64 {
    let fps = u64::from(fps.max(1));
    at + (ms * fps).div_ceil(1000)
}

/// The burned layers of a project's captions (files with `burn: false` are left out).
pub fn layers(tracks: &[CaptionTrack], fps: u32) -> Vec<BurnLayer> {
    tracks
        .iter()
        .filter(|t| t.burn)
        .map(|t| {
            let per_page = t.style_props.words_per_page.unwrap_or(match t.style {
                CaptionStyle::Karaoke => KARAOKE_WORDS_PER_PAGE,
                _ => WORDS_PER_PAGE,
            });
            let mut pages: Vec<BurnPage> = t
                .cues
                .iter()
                .flat_map(|c| match t.style {
                    CaptionStyle::Subtitle => vec![subtitle_page(c, t.at, fps)],
                    _ => word_pages(c, per_page.max(1) as usize, t.at, fps),
                })
                .filter(|p| p.from < p.to)
                .collect();
            pages.sort_by_key(|p| p.from);
            BurnLayer { style: t.style, style_props: t.style_props.clone(), at: t.at, pages }
        })
        .collect()
}

/// What the burned captions look like on project frame `frame`, as a key that two frames share
/// exactly when `ui/runtime/captions.js` draws the same picture on both; None when no caption
/// is on it. The key names each page shown, and per word: `words`' highlight, karaoke's fill
/// (none, whole, or the frame itself while the word fills: it moves every frame). The app lays
/// one picture of the captions over every frame of a look (`src-tauri/src/render/caption_layer.rs`).
pub fn look_at(layers: &[BurnLayer], frame: u64) -> Option<Vec<u64>> {
    let mut key = Vec::new();
    for (l, layer) in layers.iter().enumerate() {
        // Pages are in order of `from`: those that started by the frame and have not ended.
        let started = layer.pages.partition_point(|p| p.from <= frame);
        for (p, page) in layer.pages[..started].iter().enumerate().filter(|(_, p)| frame < p.to) {
            key.extend([l as u64, p as u64, page.words.len() as u64]);
            key.extend(page.words.iter().map(|w| match layer.style {
                CaptionStyle::Subtitle => 0,
                CaptionStyle::Words => u64::from(w.from <= frame && frame < w.to),
                CaptionStyle::Karaoke if frame < w.from => 0,
                CaptionStyle::Karaoke if frame >= w.to => 1,
                CaptionStyle::Karaoke => 2 + frame,
            }));
        }
    }
    (!key.is_empty()).then_some(key)
}

fn word(text: &str, start_ms: u64, end_ms: u64, at: u64, fps: u32) -> BurnWord {
    BurnWord {
        text: text.to_string(),
        from: first_frame(start_ms, at, fps),
        to: first_frame(end_ms, at, fps),
        start_ms,
        end_ms,
    }
}

/// A cue as one page: its words with no times of their own (the cue's), its line breaks kept.
fn subtitle_page(c: &Cue, at: u64, fps: u32) -> BurnPage {
    let mut words = Vec::new();
    for (i, line) in c.text.lines().enumerate() {
        if i > 0 {
            words.push(word("\n", c.start_ms, c.end_ms, at, fps));
        }
        words.extend(line.split_whitespace().map(|w| word(w, c.start_ms, c.end_ms, at, fps)));
    }
    BurnPage { from: first_frame(c.start_ms, at, fps), to: first_frame(c.end_ms, at, fps), words }
}

/// A cue's words with their times: the file's (a WebVTT stretch of several words between two
/// time stamps gives each of them its time), else the cue's time shared out by length (SubRip
/// gives none; a word's share is its characters', plus one for the space).
fn timed_words(c: &Cue) -> Vec<Word> {
    if !c.words.is_empty() {
        return c
            .words
            .iter()
            .flat_map(|w| {
                w.text.split_whitespace().map(|t| Word { text: t.to_string(), start_ms: w.start_ms, end_ms: w.end_ms })
            })
            .collect();
    }
    let texts: Vec<&str> = c.text.split_whitespace().collect();
    let total: u64 = texts.iter().map(|t| t.chars().count() as u64 + 1).sum();
    let span = c.end_ms.saturating_sub(c.start_ms);
    let mut done = 0;
    texts
        .iter()
        .map(|t| {
            let start = c.start_ms + span * done / total.max(1);
            done += t.chars().count() as u64 + 1;
            Word { text: t.to_string(), start_ms: start, end_ms: c.start_ms + span * done / total.max(1) }
        })
        .collect()
}

/// A cue's words in pages of at most `per_page`, a new page after a pause of [`PAGE_GAP_MS`].
/// A page lasts from its first word to the next page of the cue (no blink between pages of
/// one sentence), the last one to the cue's end.
fn word_pages(c: &Cue, per_page: usize, at: u64, fps: u32) -> Vec<BurnPage> {
    let words = timed_words(c);
    let mut groups: Vec<Vec<&Word>> = Vec::new();
    for w in &words {
        match groups.last_mut() {
            Some(g)
                if g.len() < per_page
                    && g.last().is_some_and(|p| w.start_ms.saturating_sub(p.end_ms) <= PAGE_GAP_MS) =>
            {
                g.push(w)
            }
            _ => groups.push(vec![w]),
        }
    }
    let starts: Vec<u64> = groups.iter().map(|g| g[0].start_ms).collect();
    groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let last = g.last().map_or(c.end_ms, |w| w.end_ms);
            let end_ms = match starts.get(i + 1) {
                Some(&next) if next.saturating_sub(last) <= PAGE_GAP_MS => next,
                Some(_) => last,
                None => last.max(c.end_ms),
            };
            BurnPage {
                from: first_frame(starts[i], at, fps),
                to: first_frame(end_ms.max(starts[i]), at, fps),
                words: g.iter().map(|w| word(&w.text, w.start_ms, w.end_ms, at, fps)).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::captions::{shown_on, CaptionStyleProps};

    /// The rule as [`shown_on`] states it: frames `[from, to)` must be exactly those.
    fn frames_by_rule(start: u64, end: u64, at: u64, fps: u32) -> Vec<u64> {
        (0..400).filter(|&f| shown_on(f, at, fps, start, end)).collect()
    }

    fn track(style: CaptionStyle, cues: Vec<Cue>, at: u64) -> CaptionTrack {
        CaptionTrack {
            json_path: "captions[0]".into(),
            src: "a.srt".into(),
            path: "a.srt".into(),
            at,
            language: "en".into(),
            burn: true,
            track: false,
            style,
            style_props: CaptionStyleProps::default(),
            cues,
        }
    }

    fn cue(text: &str, start_ms: u64, end_ms: u64, words: &[(&str, u64, u64)]) -> Cue {
        let words = words.iter().map(|(t, s, e)| Word { text: t.to_string(), start_ms: *s, end_ms: *e }).collect();
        Cue { start_ms, end_ms, text: text.into(), words, line: 1 }
    }

    #[test]
    fn frames_are_those_of_the_timing_rule() {
        for fps in [24, 25, 30, 60] {
            for at in [0, 7] {
                for (s, e) in [(0, 1), (100, 200), (33, 34), (999, 2001), (1000, 1000), (41, 84)] {
                    let shown: Vec<u64> = (first_frame(s, at, fps)..first_frame(e, at, fps)).collect();
                    assert_eq!(shown, frames_by_rule(s, e, at, fps), "{s}–{e} ms at {fps} fps from {at}");
                }
            }
        }
    }

    #[test]
    fn words_are_paged_and_timed() {
        let words = [("One", 0, 300), ("two", 300, 600), ("three", 600, 900), ("four", 3000, 3300)];
        let c = cue("One two three four", 0, 3300, &words);
        let mut t = track(CaptionStyle::Words, vec![c], 3);
        t.style_props.words_per_page = Some(2);
        let l = &layers(&[t], 30)[0];
        let pages: Vec<(u64, u64, Vec<&str>)> =
            l.pages.iter().map(|p| (p.from, p.to, p.words.iter().map(|w| w.text.as_str()).collect())).collect();
        // 2 a page; "four" after a 2.1 s pause starts its own page; a page lasts to the next.
        assert_eq!(pages, [(3, 21, vec!["One", "two"]), (21, 30, vec!["three"]), (93, 102, vec!["four"])]);
        assert_eq!((l.pages[0].words[1].from, l.pages[0].words[1].to), (12, 21));
        let layers = std::slice::from_ref(l);
        let shown: Vec<u64> = (0..110).filter(|&f| look_at(layers, f).is_some()).collect();
        assert_eq!(shown, (3..30).chain(93..102).collect::<Vec<_>>());
        // A look per page and highlighted word: frames 3–11 ("One"), 12–20 ("two"), 21–29.
        let changes: Vec<u64> = (1..110).filter(|&f| look_at(layers, f) != look_at(layers, f - 1)).collect();
        assert_eq!(changes, [3, 12, 21, 30, 93, 102]);
        // Karaoke's look moves every frame while a word fills, and holds between words.
        let mut k = l.clone();
        k.style = CaptionStyle::Karaoke;
        let k = std::slice::from_ref(&k);
        let held: Vec<u64> = (4..35).filter(|&f| look_at(k, f) == look_at(k, f - 1)).collect();
        assert_eq!(held, [31, 32, 33, 34], "filling to the last frame, 29; none from 30");
    }

    #[test]
    fn subtitles_keep_lines_and_subrip_words_share_the_cue() {
        let c = cue("Hello there\nsecond line", 500, 1500, &[]);
        let l = &layers(&[track(CaptionStyle::Subtitle, vec![c.clone()], 0)], 30)[0];
        let texts: Vec<&str> = l.pages[0].words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(texts, ["Hello", "there", "\n", "second", "line"]);
        assert_eq!((l.pages[0].from, l.pages[0].to), (15, 45));
        // Without word times, each word's share is by length, in order, to the cue's end.
        let w = timed_words(&c);
        assert_eq!((w[0].start_ms, w[3].end_ms), (500, 1500));
        assert!(w.windows(2).all(|p| p[0].end_ms == p[1].start_ms));
        let stretch = cue("Hello there world", 0, 900, &[("Hello there", 0, 500), ("world", 500, 900)]);
        let w: Vec<(String, u64)> = timed_words(&stretch).into_iter().map(|w| (w.text, w.start_ms)).collect();
        assert_eq!(w, [("Hello".into(), 0), ("there".into(), 0), ("world".into(), 500)]);
        let mut off = track(CaptionStyle::Subtitle, vec![c], 0);
        off.burn = false;
        assert!(layers(&[off], 30).is_empty());
    }
}
