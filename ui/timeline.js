// The timeline below the preview: the time ruler, the scenes as blocks (width by duration,
// name, a thumbnail of the middle frame, a crossfade drawn over the scene before), the sounds
// with their waveforms, the captions, and the playhead. Click or drag to seek; a click on a
// block selects its scene (the props panel); Ctrl+wheel or +/− zoom around the pointer; the
// view follows the playhead. One element per scene; the rest is drawn on one canvas, only
// what is in view (timeline-draw.js). Thumbnails: one at a time, made by the app's still code
// in a view of their own once the preview is idle, kept by scene, props, variant and size.
import { drawTimeline, tracksOf, timecode } from "./timeline-draw.js";

const { invoke } = window.__TAURI__.core;
const { listen } = window.__TAURI__.event;
const $ = (id) => document.getElementById(id);
const preview = $("preview-frame");
const view = $("timeline-scroll"); // scrolls sideways
const content = $("timeline-content"); // the project's length at this zoom
const canvas = $("timeline-canvas");
const playhead = $("timeline-playhead");

// Zoom bounds: fit the whole project, up to 24 px a frame, and never wider than WebKit lays
// out exactly (its layout units end at 2^25 px).
const MAX_PX_PER_FRAME = 24;
const MAX_WIDTH = 8e6;
// A thumbnail's box (fitted, aspect kept): shown at half that, sharp on a 2× screen.
const THUMB = { width: 128, height: 72 };

let project = null;
let total = 0;
let fps = 30;
let ppf = 1; // CSS px per frame
let fitted = true; // the zoom follows the view's width until the creator zooms
let current = 0;
let playing = false;
let tracks = [];
let waves = new Map();
let cues = new Map();
let blocks = [];
let pointerX = null; // over the view, px from its left: where +/− zoom around
let drag = null;
let idleSince = 0;

const fitPpf = () => Math.max(1e-6, view.clientWidth / Math.max(1, total));
const maxPpf = () => Math.max(fitPpf(), Math.min(MAX_PX_PER_FRAME, MAX_WIDTH / Math.max(1, total)));

let drawQueued = false;
function redraw() {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    const width = view.clientWidth;
    const height = tracks.reduce((h, t) => h + t.h, 0);
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      Object.assign(canvas.style, { width: `${width}px`, height: `${height}px` });
    }
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawTimeline(g, { width, height, x0: view.scrollLeft, ppf, fps, total, tracks, waves, cues });
  });
}

/** The content's size, the blocks in view and the playhead, at the current zoom. */
function layout() {
  content.style.width = `${total * ppf}px`;
  content.style.height = `${tracks.reduce((h, t) => h + t.h, 0)}px`;
  for (const i of placed.keys()) placed.set(i, 0); // every place changes with the zoom
  placeBlocks();
  placePlayhead();
}

// Only the blocks in view (and a view's width either side) are placed and shown: a zoom or a
// scroll of a long project touches a few elements, not one per scene.
const placed = new Map(); // scene index → the px per frame it was placed at
function placeBlocks() {
  if (!project) return;
  const scenes = project.scenes;
  const span = view.clientWidth / ppf;
  const from = view.scrollLeft / ppf - span;
  const to = (view.scrollLeft + view.clientWidth) / ppf + span;
  let lo = 0;
  let hi = scenes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (scenes[mid].startFrame + scenes[mid].durationInFrames <= from) lo = mid + 1;
    else hi = mid;
  }
  const row = tracks.find((t) => t.kind === "scenes");
  const now = new Set();
  for (let i = lo; i < scenes.length && scenes[i].startFrame < to; i++) {
    now.add(i);
    if (placed.get(i) === ppf) continue;
    const s = scenes[i];
    const b = blocks[i];
    Object.assign(b.style, { display: "", left: `${s.startFrame * ppf}px`, width: `${s.durationInFrames * ppf}px`, top: `${row.y}px`, height: `${row.h}px` });
    const fade = b.querySelector(".tl-fade");
    if (fade) fade.style.width = `${s.transition.durationInFrames * ppf}px`;
    b.classList.toggle("narrow", s.durationInFrames * ppf < 40);
    placed.set(i, ppf);
  }
  for (const i of [...placed.keys()]) {
    if (!now.has(i)) {
      blocks[i].style.display = "none";
      placed.delete(i);
    }
  }
}

function placePlayhead() {
  playhead.style.transform = `translateX(${current * ppf}px)`;
  playhead.dataset.frame = String(current);
}

/** Zooms to `next` px a frame, keeping the frame at `x` (px from the view's left) under it. */
function zoom(next, x) {
  if (!project) return;
  const f = (view.scrollLeft + x) / ppf;
  ppf = Math.min(maxPpf(), Math.max(fitPpf(), next));
  fitted = ppf <= fitPpf() * 1.0001;
  layout();
  view.scrollLeft = f * ppf - x;
  placeBlocks();
  redraw();
}

/** Where +/− and the buttons zoom around: the pointer over the timeline, else the playhead
 * if it is in view, else the middle. */
function anchor() {
  if (pointerX !== null) return pointerX;
  const x = current * ppf - view.scrollLeft;
  return x >= 0 && x <= view.clientWidth ? x : view.clientWidth / 2;
}

function zoomKey(key) {
  if (key === "+" || key === "=") zoom(ppf * 1.5, anchor());
  else if (key === "-" || key === "_" || key === "−") zoom(ppf / 1.5, anchor());
  else return false;
  return true;
}

function frameAt(clientX) {
  const x = clientX - content.getBoundingClientRect().left;
  return Math.max(0, Math.min(total - 1, Math.floor(x / ppf)));
}

// Seeks while dragging go at most one an animation frame; the preview shows the last.
let wanted = null;
function seek(f) {
  idleSince = performance.now();
  if (wanted === null) {
    requestAnimationFrame(() => {
      window.bazaarPreview.seek(wanted);
      wanted = null;
    });
  }
  wanted = f;
}

view.addEventListener("pointerdown", (ev) => {
  // Not on the scrollbar (below the content's lanes).
  if (ev.button !== 0 || !total || ev.clientY - view.getBoundingClientRect().top >= view.clientHeight) return;
  ev.preventDefault();
  drag = { x: ev.clientX, moved: false, block: ev.target.closest(".tl-scene") };
  view.setPointerCapture(ev.pointerId);
  seek(frameAt(ev.clientX));
});
view.addEventListener("pointermove", (ev) => {
  pointerX = ev.clientX - view.getBoundingClientRect().left;
  if (!drag) return;
  if (Math.abs(ev.clientX - drag.x) > 3) drag.moved = true;
  seek(frameAt(ev.clientX));
});
const endDrag = () => {
  if (drag && !drag.moved && drag.block) {
    document.dispatchEvent(new CustomEvent("bazaar:select-scene", { detail: { scene: Number(drag.block.dataset.scene) } }));
  }
  drag = null;
};
view.addEventListener("pointerup", endDrag);
view.addEventListener("pointercancel", () => (drag = null));
view.addEventListener("pointerleave", () => (pointerX = drag ? pointerX : null));
view.addEventListener(
  "wheel",
  (ev) => {
    if (!ev.ctrlKey || !project) return; // a plain wheel scrolls as usual
    ev.preventDefault();
    const x = ev.clientX - view.getBoundingClientRect().left;
    zoom(ev.deltaY < 0 ? ppf * 1.25 : ppf / 1.25, x);
  },
  { passive: false },
);
view.addEventListener("scroll", () => {
  placeBlocks();
  redraw();
  scheduleThumbs();
});
new ResizeObserver(() => {
  if (!project) return;
  if (fitted || ppf < fitPpf()) zoom(fitPpf(), 0);
  else redraw();
}).observe(view);

$("timeline-zoom-in").addEventListener("click", () => zoom(ppf * 1.5, anchor()));
$("timeline-zoom-out").addEventListener("click", () => zoom(ppf / 1.5, anchor()));
$("timeline-fit").addEventListener("click", () => zoom(fitPpf(), 0));
document.addEventListener("keydown", (ev) => {
  const t = ev.target;
  const typing = t && (t.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(t.tagName));
  if (typing || ev.ctrlKey || ev.altKey || ev.metaKey || !project || !$("export-panel").hidden) return;
  if (zoomKey(ev.key)) ev.preventDefault();
});

// What the preview shows: the playhead follows it, and the view follows the playhead (a page
// on while playing, to the middle when a seek lands out of view).
window.addEventListener("message", (ev) => {
  const m = ev.data || {};
  if (m.source !== "bazaar-preview" || ev.source !== preview.contentWindow) return;
  if (m.type === "frame") {
    current = m.frame;
    playing = m.playing;
    idleSince = performance.now();
    placePlayhead();
    const x = current * ppf - view.scrollLeft;
    if (!drag && (x < 0 || x > view.clientWidth - 4)) {
      view.scrollLeft = current * ppf - (playing ? view.clientWidth * 0.05 : view.clientWidth / 2);
    }
    if (!playing) scheduleThumbs();
  } else if (m.type === "key") {
    zoomKey(m.key); // pressed while the preview had the focus
  }
});

function label(t) {
  const el = document.createElement("div");
  el.className = `tl-label ${t.kind}`;
  el.style.height = `${t.h}px`;
  el.textContent = t.label;
  el.title = t.label;
  if (t.kind === "sound") {
    el.dataset.testid = "timeline-sound";
    el.dataset.sounds = t.sounds.map((s) => s.jsonPath).join(" ");
  } else if (t.kind === "captions") {
    el.dataset.testid = "timeline-captions";
  }
  return el;
}

function setTracks(t) {
  tracks = t;
  $("timeline-labels").replaceChildren(...tracks.map(label));
  for (const el of $("timeline-labels").querySelectorAll("[data-testid=timeline-sound]")) {
    if (el.dataset.sounds.split(" ").every((path) => project.sounds.some((s, i) => s.jsonPath === path && waves.has(i)))) {
      el.dataset.drawn = "true";
    }
  }
}

function block(s, i) {
  const b = document.createElement("div");
  b.style.display = "none"; // until placed
  b.className = "tl-scene";
  b.dataset.testid = "timeline-scene";
  b.dataset.scene = String(i);
  b.title = `Scene ${i + 1} · ${s.composition} · ${s.seconds.toFixed(2)} s (${s.durationInFrames} frames) from ${timecode(s.startFrame, fps, true)}`;
  const img = document.createElement("img");
  img.className = "tl-thumb";
  img.alt = "";
  img.hidden = true;
  const name = document.createElement("span");
  name.className = "tl-name";
  name.textContent = `${i + 1} ${s.composition}`;
  b.append(img, name);
  if (s.transition && s.transition.type === "crossfade") {
    const fade = document.createElement("div");
    fade.className = "tl-fade";
    fade.title = `crossfade, ${s.transition.durationInFrames} frames`;
    b.append(fade);
  }
  return b;
}

document.addEventListener("bazaar:project", ({ detail: p }) => {
  const same = project && p.file === project.file;
  project = p;
  total = p.totalFrames;
  fps = p.fps;
  if (!same) {
    fitted = true;
    current = 0;
    view.scrollLeft = 0;
    for (const url of thumbs.values()) if (url) URL.revokeObjectURL(url);
    thumbs.clear(); // another project's compositions may have the same names
  }
  waves = new Map();
  setTracks(tracksOf(p));
  blocks = p.scenes.map(block);
  placed.clear();
  content.replaceChildren(...blocks, playhead);
  // Laid out once the window has shown the project (main.js shows it after this event).
  queueMicrotask(() => {
    if (project !== p) return;
    if (fitted || ppf < fitPpf()) ppf = fitPpf();
    ppf = Math.min(ppf, maxPpf());
    layout();
    redraw();
    scheduleThumbs();
  });
  markSelected();
  (p.sounds || []).forEach((s, index) => {
    window.bazaar
      .waveform(index)
      .then((w) => {
        if (project !== p) return;
        waves.set(index, w);
        // Once every scene's sound is known, they are packed again by how long each is heard.
        const sceneSounds = p.sounds.map((x, i) => i).filter((i) => p.sounds[i].scene != null);
        if (s.scene != null && sceneSounds.every((i) => waves.has(i))) {
          setTracks(tracksOf(p, new Map(sceneSounds.map((i) => [i, waves.get(i).frames]))));
          layout();
        } else {
          setTracks(tracks);
        }
        redraw();
      })
      .catch(() => {});
  });
  cues = new Map();
  (p.captions || []).forEach((c, index) => {
    invoke("caption_table", { index })
      .then((table) => {
        if (project !== p) return;
        const at = (ms) => c.at + Math.round((ms * fps) / 1000);
        const list = table.rows.map((r) => [at(r.startMs), Math.max(at(r.startMs) + 1, at(r.endMs)), r.text]).sort((a, b) => a[0] - b[0]);
        cues.set(index, { list, longest: list.reduce((m, [a, b]) => Math.max(m, b - a), 0) });
        redraw();
      })
      .catch(() => {});
  });
  redraw();
  showThumbs();
  scheduleThumbs();
});

// The selected scene (props.js says which) is marked on its block too.
let selected = -1;
function markSelected() {
  blocks.forEach((b, i) => b.classList.toggle("selected", i === selected));
}
document.addEventListener("bazaar:scene-selected", ({ detail }) => {
  selected = detail.scene;
  markSelected();
});

// Thumbnails. A file other than the project file changed (a composition, an asset): every
// thumbnail may have, so they are made again; a variant's props live in the project file.
const thumbs = new Map(); // key → object URL, or null when it could not be made
let thumbGeneration = 0;
let making = false;
let thumbTimer = null;
listen("bazaar:changed", ({ payload }) => {
  const file = project ? project.file.replace(/^.*\//, "") : "";
  if ((payload.files || []).some((f) => f.replace(/^.*\//, "") !== file)) thumbGeneration++;
});

function thumbKey(i) {
  const s = project.scenes[i];
  const variant = project.variant ? `${project.variant}@${project.fileStamp}` : "";
  return [thumbGeneration, s.composition, JSON.stringify(s.props), s.durationInFrames, variant, THUMB.width, THUMB.height].join("|");
}

function showThumbs() {
  blocks.forEach((b, i) => {
    const url = thumbs.get(thumbKey(i));
    const img = b.querySelector(".tl-thumb");
    if (url && img.src !== url) img.src = url;
    img.hidden = !url;
    img.dataset.ready = String(Boolean(url));
  });
}

function scheduleThumbs() {
  if (!thumbTimer) thumbTimer = setTimeout(makeThumb, 300);
}

/** Makes the next missing thumbnail of a scene in view, when the preview has been idle a while. */
function makeThumb() {
  thumbTimer = null;
  if (making || !project || !total) return;
  // Not while playing, dragging or an export renders (on two cores it would slow either).
  if (playing || drag || performance.now() - idleSince < 500 || !$("export-current").hidden) {
    scheduleThumbs();
    return;
  }
  const from = view.scrollLeft / ppf;
  const to = (view.scrollLeft + view.clientWidth) / ppf;
  const i = project.scenes.findIndex(
    (s, k) => s.startFrame + s.durationInFrames > from && s.startFrame < to && s.durationInFrames * ppf >= 24 && !thumbs.has(thumbKey(k)),
  );
  if (i < 0) return;
  const key = thumbKey(i);
  const p = project;
  making = true;
  invoke("scene_thumbnail", { scene: i, ...THUMB })
    .then(
      (png) => thumbs.set(key, URL.createObjectURL(new Blob([png], { type: "image/png" }))),
      (e) => {
        thumbs.set(key, null);
        if (p === project && blocks[i]) blocks[i].title += `\n(no thumbnail: ${(e && e.message) || e})`;
      },
    )
    .finally(() => {
      making = false;
      if (p === project) showThumbs();
      scheduleThumbs();
    });
}

// For tests: the zoom, and the frame at a point of the view.
window.bazaarTimeline = { pxPerFrame: () => ppf, frameAt };
