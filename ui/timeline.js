// The timeline below the preview: the time ruler, the scenes as blocks (width by duration,
// name, a thumbnail of the middle frame, a crossfade drawn over the scene before), the sounds
// with their waveforms, the captions, and the playhead. Click or drag to seek; a click on a
// block selects its scene (the props panel); Ctrl+wheel or +/− zoom around the pointer; the
// view follows the playhead. Everything is drawn on one canvas, only what is in view
// (timeline-draw.js); each scene also has an element that paints nothing (what a click hits,
// its tooltip, its thumbnail's image), placed in percent of the project's length so a zoom
// moves none of them: re-placing and painting hundreds of blocks made a zoom several times
// slower than a scroll (BENCHMARKS.md, "The timeline with a 60-minute project"). Thumbnails:
// one at a time, made by the app's still code in a view of their own once the preview is
// idle, kept by scene, props, variant and size.
import { drawTimeline, firstEndingAfter, tracksOf, timecode, ROW, NARROW } from "./timeline-draw.js";

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
let selected = -1; // the scene whose props are open
let imgs = []; // each block's thumbnail image (not shown itself: the canvas draws it)
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
    // Kept in CPU memory (not drawn through the GPU): its few thousand small rects cost less
    // there, on a GPU and far more so on a software GL (BENCHMARKS.md, "The timeline with a
    // 60-minute project").
    const g = canvas.getContext("2d", { willReadFrequently: true });
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const scenes = project ? project.scenes : [];
    drawTimeline(g, { width, height, x0: view.scrollLeft, ppf, fps, total, tracks, waves, cues, scenes, selected, thumbOf });
  });
}

/** The content's size at the current zoom (the blocks follow: they are placed in percent). */
function size() {
  content.style.width = `${total * ppf}px`;
  content.style.height = `${tracks.reduce((h, t) => h + t.h, 0)}px`;
}

function layout() {
  size();
  placeBlocks();
  placePlayhead();
}

// Only the blocks in view (and a view's width either side) are shown, so a scroll or a zoom
// of a long project lays out a few elements, not one per scene; each is marked `narrow` (no
// thumbnail shown) by its width at this zoom.
const shown = new Map(); // scene index → whether it was narrow
function placeBlocks() {
  if (!project) return;
  const scenes = project.scenes;
  const span = view.clientWidth / ppf;
  const from = view.scrollLeft / ppf - span;
  const to = (view.scrollLeft + view.clientWidth) / ppf + span;
  const lo = firstEndingAfter(scenes, from);
  for (const i of shown.keys()) {
    const s = scenes[i];
    if (s.startFrame + s.durationInFrames <= from || s.startFrame >= to) {
      blocks[i].style.display = "none";
      shown.delete(i);
    }
  }
  for (let i = lo; i < scenes.length && scenes[i].startFrame < to; i++) {
    const narrow = scenes[i].durationInFrames * ppf < NARROW;
    if (shown.get(i) === narrow) continue;
    if (!shown.has(i)) blocks[i].style.display = "";
    blocks[i].classList.toggle("narrow", narrow);
    shown.set(i, narrow);
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
  size();
  view.scrollLeft = f * ppf - x;
  placeBlocks();
  placePlayhead();
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

// A scene's element: where it is, in percent of the project's length; painted by the canvas.
function block(s, i) {
  const b = document.createElement("div");
  b.style.display = "none"; // until in view
  b.className = "tl-scene";
  b.dataset.testid = "timeline-scene";
  b.dataset.scene = String(i);
  const whole = Math.max(1, total);
  Object.assign(b.style, {
    left: `${(s.startFrame / whole) * 100}%`,
    width: `${(s.durationInFrames / whole) * 100}%`,
    top: `${ROW.ruler}px`,
    height: `${ROW.scenes}px`,
  });
  b.title = `Scene ${i + 1} · ${s.composition} · ${s.seconds.toFixed(2)} s (${s.durationInFrames} frames) from ${timecode(s.startFrame, fps, true)}`;
  if (s.transition && s.transition.type === "crossfade") b.title += `\ncrossfade in, ${s.transition.durationInFrames} frames`;
  const img = document.createElement("img");
  img.className = "tl-thumb";
  img.alt = "";
  img.addEventListener("load", redraw);
  b.append(img);
  return b;
}

/** Scene `i`'s thumbnail once it can be drawn, else null. */
function thumbOf(i) {
  const img = imgs[i];
  return img && img.dataset.ready === "true" && img.complete && img.naturalWidth > 0 ? img : null;
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
  imgs = blocks.map((b) => b.firstChild);
  shown.clear();
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
function markSelected() {
  blocks.forEach((b, i) => b.classList.toggle("selected", i === selected));
  redraw();
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
  imgs.forEach((img, i) => {
    const url = thumbs.get(thumbKey(i));
    if (url && img.src !== url) img.src = url;
    img.dataset.ready = String(Boolean(url));
  });
  redraw();
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
