// The timeline's tracks and its canvas (timeline.js places the canvas under the scenes'
// elements, which paint nothing, and the playhead): the time ruler, the scene blocks (name,
// thumbnail, crossfades over the scene before), each sound's box and waveform, the caption
// cues. Only what is in view is drawn, so a 60-minute project costs what a 10-second one does.

/** Each kind of track's height, in CSS pixels. */
export const ROW = { ruler: 22, scenes: 58, sound: 28, captions: 24 };

const FONT = "11px 'DejaVu Sans', sans-serif";
const NAME_FONT = "10px 'DejaVu Sans', sans-serif";

/** Blocks narrower than this (CSS px) show no name or thumbnail. */
export const NARROW = 40;

/**
 * The tracks of project `p`, top to bottom, each with its `y`: the ruler, the scenes, one per
 * top-level sound, the scenes' sounds packed into as few tracks as keep them apart (a sound's
 * room: as long as its waveform says it is heard when known (`heard`: sound index → frames),
 * else its `durationInFrames`, else up to where it must stop), one per caption file.
 */
export function tracksOf(p, heard = new Map()) {
  const out = [
    { kind: "ruler", h: ROW.ruler, label: "" },
    { kind: "scenes", h: ROW.scenes, label: "Scenes" },
  ];
  const sounds = (p.sounds || []).map((s, index) => ({
    ...s,
    index,
    room: heard.has(index)
      ? s.at + heard.get(index)
      : Math.min(s.until, s.durationInFrames == null ? s.until : s.at + s.durationInFrames),
  }));
  for (const s of sounds.filter((x) => x.scene == null)) {
    out.push({ kind: "sound", h: ROW.sound, label: `♪ ${s.src}`, sounds: [s] });
  }
  const lanes = [];
  for (const s of sounds.filter((x) => x.scene != null).sort((a, b) => a.at - b.at)) {
    let lane = lanes.find((l) => l.end <= s.at);
    if (!lane) {
      lane = { kind: "sound", h: ROW.sound, label: lanes.length ? "" : "♪ scenes' sounds", sounds: [], end: 0 };
      lanes.push(lane);
    }
    lane.sounds.push(s);
    lane.end = Math.max(lane.end, s.room);
  }
  out.push(...lanes);
  (p.captions || []).forEach((c, index) => out.push({ kind: "captions", h: ROW.captions, label: `CC ${c.src}`, index }));
  let y = 0;
  for (const t of out) {
    t.y = y;
    y += t.h;
  }
  return out;
}

/** Frame `f` as m:ss (h:mm:ss past an hour), with `:ff` frames when `frames` is set. */
export function timecode(f, fps, frames) {
  const s = Math.floor(f / fps);
  const mmss = s >= 3600
    ? `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`
    : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  return frames ? `${mmss}:${String(f % fps).padStart(2, "0")}` : mmss;
}

/** The ruler's steps in frames: labelled (≥ 70 px apart) and minor ticks (≥ 7 px apart). */
function rulerSteps(fps, ppf) {
  const steps = [1, 2, 5, 10, 15].filter((n) => n < fps);
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200]) steps.push(s * fps);
  const major = steps.find((n) => n * ppf >= 70) || steps[steps.length - 1];
  const minor = [...steps].reverse().find((n) => n < major && n * ppf >= 7 && major % n === 0);
  return { major, minor };
}

/**
 * Draws the canvas: `st` = { width, height (CSS px), x0 (the view's scroll, px), ppf (px per
 * frame), fps, total, tracks, waves (sound index → { frames, peaks }), cues (caption index →
 * { list: [[first frame, end frame, text]] by start, longest: the longest cue's frames }),
 * scenes (the project's, in order), selected (a scene index or -1), thumbOf (scene index → a
 * loaded image or null) }.
 */
export function drawTimeline(g, st) {
  const { width, height, x0, ppf, fps, total, tracks } = st;
  const f0 = Math.max(0, Math.floor(x0 / ppf));
  const f1 = Math.min(total, Math.ceil((x0 + width) / ppf));
  const X = (f) => f * ppf - x0;
  g.clearRect(0, 0, width, height);
  g.font = FONT;
  g.textBaseline = "middle";
  tracks.forEach((t, i) => {
    g.fillStyle = t.kind === "ruler" ? "#2a2825" : i % 2 ? "#f0eee9" : "#e8e5df";
    g.fillRect(0, t.y, width, t.h);
  });
  // Past the project's end.
  if (X(total) < width) {
    g.fillStyle = "rgba(0, 0, 0, .08)";
    g.fillRect(X(total), ROW.ruler, width - X(total), height - ROW.ruler);
  }
  for (const t of tracks) {
    if (t.kind === "ruler") drawRuler(g, t, st, f0, f1, X);
    else if (t.kind === "scenes") drawScenes(g, t, st, f0, f1, X);
    else if (t.kind === "sound") for (const s of t.sounds) drawSound(g, t, s, st.waves.get(s.index), f0, f1, X, ppf);
    else if (t.kind === "captions") drawCues(g, t, st.cues.get(t.index), f0, f1, X);
  }
}

function drawRuler(g, t, st, f0, f1, X) {
  const { major, minor } = rulerSteps(st.fps, st.ppf);
  g.strokeStyle = "#8d877d";
  g.fillStyle = "#e9e4da";
  g.beginPath();
  if (minor) {
    for (let f = Math.floor(f0 / minor) * minor; f <= f1; f += minor) {
      const x = Math.round(X(f)) + 0.5;
      g.moveTo(x, t.y + t.h - 5);
      g.lineTo(x, t.y + t.h);
    }
  }
  for (let f = Math.floor(f0 / major) * major; f <= f1; f += major) {
    const x = Math.round(X(f)) + 0.5;
    g.moveTo(x, t.y + 4);
    g.lineTo(x, t.y + t.h);
    g.fillText(timecode(f, st.fps, major % st.fps !== 0), x + 3, t.y + t.h / 2 - 1);
  }
  g.stroke();
}

// Each scene's colours, alternating: [fill, edge].
const SCENE_COLOURS = [["#f6d7c7", "#c98d70"], ["#f2e3c9", "#c3a56c"]];
const SELECTED = "#e85d2a";

/** The first index of `n` items in order that is not `before(i)` (those all come first). */
function firstNot(n, before) {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first of `scenes` (in order, end to end) that ends after frame `f`. */
export function firstEndingAfter(scenes, f) {
  return firstNot(scenes.length, (i) => scenes[i].startFrame + scenes[i].durationInFrames <= f);
}

function drawScenes(g, t, st, f0, f1, X) {
  const { scenes, ppf } = st;
  if (!scenes || !scenes.length) return;
  const lo = firstEndingAfter(scenes, f0);
  g.font = NAME_FONT;
  let end = lo;
  for (; end < scenes.length && scenes[end].startFrame < f1; end++) {
    drawBlock(g, t, scenes[end], end, end === st.selected, X(scenes[end].startFrame), scenes[end].durationInFrames * ppf, st.thumbOf);
  }
  g.font = FONT;
  // Crossfades, over the end of the scene before (also of a scene starting just past the view).
  for (let i = lo; i <= end && i < scenes.length; i++) {
    const tr = scenes[i].transition;
    if (!tr || tr.type !== "crossfade" || !tr.durationInFrames) continue;
    const b = X(scenes[i].startFrame);
    const a = b - tr.durationInFrames * ppf;
    const fade = g.createLinearGradient(a, 0, b, 0);
    fade.addColorStop(0, "rgba(232, 93, 42, 0)");
    fade.addColorStop(1, "rgba(232, 93, 42, .45)");
    g.fillStyle = fade;
    g.fillRect(a, t.y, b - a, t.h);
  }
}

function drawBlock(g, t, s, i, selected, x, w, thumbOf) {
  const [fill, edge] = SCENE_COLOURS[i % 2];
  const line = selected ? 2 : 1;
  const rounded = w >= 8 && g.roundRect;
  const rect = (inset, r) => {
    if (!rounded) return g.fillRect(x + inset, t.y + inset, w - 2 * inset, t.h - 2 * inset);
    g.beginPath();
    g.roundRect(x + inset, t.y + inset, w - 2 * inset, t.h - 2 * inset, r);
    g.fill();
  };
  g.fillStyle = selected ? SELECTED : edge;
  rect(0, 3);
  if (w <= 2 * line) return;
  g.fillStyle = fill;
  rect(line, 2);
  if (w < NARROW) return;
  // The thumbnail, 36 px high at the top left, cut (not squeezed) to the block's width.
  const img = thumbOf(i);
  if (img) {
    const h = 36;
    const full = (h * img.naturalWidth) / img.naturalHeight;
    const shown = Math.min(full, w - 6);
    g.drawImage(img, 0, 0, (img.naturalWidth * shown) / full, img.naturalHeight, x + 3, t.y + 3, shown, h);
  }
  const name = `${i + 1} ${s.composition}`;
  g.fillStyle = "#222";
  g.textBaseline = "alphabetic";
  if (g.measureText(name).width > w - 6) {
    g.save();
    g.beginPath();
    g.rect(x + 2, t.y, w - 4, t.h);
    g.clip();
    g.fillText(name, x + 4, t.y + t.h - 5);
    g.restore();
  } else {
    g.fillText(name, x + 4, t.y + t.h - 5);
  }
  g.textBaseline = "middle";
}

function drawSound(g, t, s, wave, f0, f1, X, ppf) {
  // Before its waveform arrives: the room it may take, outlined.
  const end = wave ? s.at + wave.frames : s.room;
  if (end <= f0 || s.at >= f1 || end <= s.at) return;
  const a = Math.max(X(s.at), X(f0) - 1);
  const b = Math.min(X(end), X(f1) + 1);
  const top = t.y + 3;
  const h = t.h - 6;
  g.fillStyle = wave ? "#dcdff7" : "rgba(90, 103, 216, .08)";
  g.fillRect(a, top, b - a, h);
  g.strokeStyle = "#9aa2e6";
  g.strokeRect(Math.round(a) + 0.5, top + 0.5, Math.max(0, Math.round(b - a) - 1), h - 1);
  if (!wave || !wave.frames) return;
  // One bar per pixel column: the loudest of the peaks under it.
  const n = wave.peaks.length;
  const per = n / wave.frames; // peaks per frame
  g.fillStyle = "#5a67d8";
  for (let x = Math.floor(a); x < b; x++) {
    const fa = (x - X(s.at)) / ppf; // frames into the sound at this column
    const i0 = Math.max(0, Math.floor(fa * per));
    const i1 = Math.min(n, Math.max(i0 + 1, Math.floor((fa + 1 / ppf) * per)));
    let v = 0;
    for (let i = i0; i < i1; i++) v = Math.max(v, wave.peaks[i]);
    const bar = Math.max(1, Math.min(1, v) * (h - 2));
    g.fillRect(x, top + (h - bar) / 2, 1, bar);
  }
}

function drawCues(g, t, cues, f0, f1, X) {
  if (!cues) return;
  // The first cue that may still show at f0: cues are sorted by start, none longer than `longest`.
  const { list, longest } = cues;
  const lo = firstNot(list.length, (i) => list[i][0] < f0 - longest);
  for (let i = lo; i < list.length && list[i][0] < f1; i++) {
    const [a, b, text] = list[i];
    if (b <= f0) continue;
    const x = X(a);
    const w = Math.max(1, X(b) - x);
    g.fillStyle = "#fff3c4";
    g.fillRect(x, t.y + 3, w, t.h - 6);
    g.strokeStyle = "#d4b24c";
    g.strokeRect(Math.round(x) + 0.5, t.y + 3.5, Math.max(0, Math.round(w) - 1), t.h - 7);
    if (w > 16) {
      g.save();
      g.beginPath();
      g.rect(x + 2, t.y, w - 4, t.h);
      g.clip();
      g.fillStyle = "#5c4a10";
      g.fillText(text.replace(/\s+/g, " "), x + 4, t.y + t.h / 2);
      g.restore();
    }
  }
}
