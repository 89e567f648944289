// Burned captions (issue 33): drawn over every scene by this one file, in the export's render
// page and in the window's preview alike, so the preview shows them as exported.
//
// The app sends each burned caption file already paged (spec.captions, made by
// core/src/captions/burn.rs): pages and words with the project frames they are on, [from, to),
// the pinned timing rule applied there once, in integers. Here a frame is only compared with
// those numbers; the text is laid out with the browser's own measurement (measureText) inside
// the title-safe area (the middle 90 % of the picture), broken into lines to fit, shrunk when a
// word or a subtitle's two lines do not fit, and clipped to that area whatever happens, so no
// caption ever leaves the frame.
//
// Where: canvas frames get the captions drawn onto the frame's canvas after the scene; frames
// with a DOM scene get them on a canvas of their own above every layer of the stage (the app
// takes the picture of the whole stage). Over the full-frame video clip frames the app makes
// itself, the app lays the captions the page drew alone (layer(): a transparent canvas, the
// rectangle they cover), once per look (src-tauri/src/render/caption_layer.rs).

import { countUpTo } from "./search.js";

/** The title-safe area: the middle 90 % of the picture, each way. */
export const SAFE = 0.9;
const DEFAULTS = {
  color: "#ffffff",
  highlight: "#ffd400",
  background: "rgba(0,0,0,0.6)",
  position: "bottom",
};
/** Default font sizes, as a share of the project's height. */
const SIZE = { subtitle: 0.05, words: 0.075, karaoke: 0.06 };
/** No caption is drawn smaller than this (output pixels). */
const MIN_PX = 6;
/** A word too wide for the title-safe area shrinks the page's text down to this share of its
 * size; past it, the word is broken into pieces that fit. */
const WORD_SHRINK = 0.5;
const LINE = 1.25; // line height, in font sizes
const PAD_X = 0.3; // background's padding each side, in font sizes

/** The caption layer of `spec` (null when the project burns no captions); `stage` holds the
 * overlay canvas for DOM frames. */
export async function createCaptions(spec, stage) {
  const layers = (spec.captions || []).filter((l) => l.pages && l.pages.length);
  if (!layers.length) return null;
  for (const l of layers) {
    const p = l.styleProps || {};
    l.family = p.fontFamily ? `"${String(p.fontFamily).replace(/["\\]/g, "")}", sans-serif` : "sans-serif";
    l.weight = l.style === "subtitle" ? "normal" : "bold";
    l.fps = spec.fps;
    // Props the file leaves out arrive as null: the defaults stand for them.
    l.props = { ...DEFAULTS };
    for (const [k, v] of Object.entries(p)) if (v !== null && v !== undefined) l.props[k] = v;
    // Pages sorted by their first frame, and the furthest end so far: the pages on a frame are
    // found by a binary search and a short walk back.
    let reach = 0;
    l.reach = l.pages.map((pg) => (reach = Math.max(reach, pg.to)));
    // A family the project loaded (a composition's assets.font) or the system has: loaded now,
    // so the first frame is measured and drawn in it. A missing family falls back to sans-serif.
    try {
      await document.fonts.load(`${l.weight} 16px ${l.family}`);
    } catch (e) {
      // Not a family the browser can parse: drawn in the fallback.
    }
  }
  const layouts = new WeakMap(); // page → { key, lines, px }
  // Text is measured on a context of its own (the frame's keeps its state, and a page's layout
  // does not depend on which canvas it goes to).
  const measure = cpuContext(document.createElement("canvas"));
  let overlay = null;

  /** What the captions on project frame `frame` of a W×H picture are, or null when none shows:
   * each shown layer's blocks and where they go, and the part of the picture they may cover
   * (`rect`: { x, y, w, h }, whole pixels, inside the title-safe area). */
  function plan(frame, W, H) {
    const box = { x: (W * (1 - SAFE)) / 2, y: (H * (1 - SAFE)) / 2, w: W * SAFE, h: H * SAFE };
    const shown = [];
    let drawn = null;
    for (const l of layers) {
      const pages = shownOn(l, frame);
      if (!pages.length) continue;
      const scale = H / spec.height;
      const base = Math.max(MIN_PX, ((l.styleProps && l.styleProps.fontSize) || spec.height * SIZE[l.style]) * scale);
      const blocks = pages.map((pg) => layoutOf(l, pg, base, box));
      const placed = place(l, blocks, box);
      shown.push(placed);
      const e = placed.reach;
      drawn = drawn ? { x0: Math.min(drawn.x0, e.x0), y0: Math.min(drawn.y0, e.y0), x1: Math.max(drawn.x1, e.x1), y1: Math.max(drawn.y1, e.y1) } : e;
    }
    if (!drawn) return null;
    // Inside the title-safe area (the clip), whole pixels.
    const x0 = Math.max(Math.floor(drawn.x0), Math.floor(box.x));
    const y0 = Math.max(Math.floor(drawn.y0), Math.floor(box.y));
    const x1 = Math.min(Math.ceil(drawn.x1), Math.ceil(box.x + box.w), W);
    const y1 = Math.min(Math.ceil(drawn.y1), Math.ceil(box.y + box.h), H);
    return { frame, box, shown, rect: { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) } };
  }

  /** Draws plan `pl` onto ctx, whose (0, 0) is the picture's pixel `origin` (whole pixels, so
   * every glyph lands on the same pixels wherever it is drawn), any transform. */
  function paint(ctx, pl, origin) {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, -origin.x, -origin.y);
    ctx.globalAlpha = 1;
    ctx.globalCompositeOperation = "source-over";
    ctx.beginPath();
    ctx.rect(pl.box.x, pl.box.y, pl.box.w, pl.box.h);
    ctx.clip();
    for (const placed of pl.shown) drawLayer(ctx, placed, pl.frame, pl.box);
    ctx.restore();
  }

  /** Draws the captions on project frame `frame` onto ctx (output pixels, any transform);
   * returns the part of the canvas they may cover ({ x, y, w, h }, whole pixels), or null. */
  function drawOn(ctx, frame) {
    const pl = plan(frame, ctx.canvas.width, ctx.canvas.height);
    if (!pl) return null;
    paint(ctx, pl, ORIGIN);
    return pl.rect;
  }

  function layoutOf(l, page, base, box) {
    const key = `${base}|${box.w}|${box.h}|${document.fonts.size}`;
    const known = layouts.get(page);
    if (known && known.key === key) return known;
    const made = { key, ...layout(measure, l, page.words, base, box) };
    layouts.set(page, made);
    return made;
  }

  return {
    /** A canvas frame: the captions onto its canvas, the overlay hidden. */
    draw(ctx, frame) {
      if (overlay) overlay.style.display = "none";
      drawOn(ctx, frame);
    },
    /** A DOM frame: the captions on their own canvas above every layer of the stage, only as
     * large as the part of the picture they cover: the app's picture of the stage paints it on
     * every such frame (a full-frame overlay cost ≈10 ms a 1080p frame, BENCHMARKS.md "Burned
     * captions"). */
    overlay(canvas, frame) {
      const pl = plan(frame, canvas.width, canvas.height);
      const r = pl && pl.rect;
      if (!r || !r.w || !r.h) {
        if (overlay) overlay.style.display = "none";
        return;
      }
      if (!overlay) {
        overlay = document.createElement("canvas");
        Object.assign(overlay.style, { position: "absolute", zIndex: "1000", pointerEvents: "none" });
        overlay.dataset.captions = "";
        stage.appendChild(overlay);
      }
      const octx = cpuContext(overlay);
      if (overlay.width !== r.w || overlay.height !== r.h) {
        overlay.width = r.w;
        overlay.height = r.h;
      } else {
        octx.clearRect(0, 0, r.w, r.h);
      }
      Object.assign(overlay.style, { left: `${r.x}px`, top: `${r.y}px`, display: "block" });
      paint(octx, pl, r);
    },
    /** The captions alone on ctx's canvas (cleared first: transparent), for the app to lay over
     * a frame it makes; returns the rectangle they may cover, or null. */
    layer(ctx, frame) {
      ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
      return drawOn(ctx, frame);
    },
  };
}

const ORIGIN = { x: 0, y: 0 };

/** Canvas's 2D context, CPU-backed: a GPU-backed one (WebKit's default, software GL here) is
 * read back each time it is drawn onto the frame's CPU canvas or painted into the app's
 * picture of the stage, which cost more than drawing the captions (BENCHMARKS.md "Burned
 * captions"). CPU-backed, its pixels are also the same as the frame canvas's own. */
function cpuContext(canvas) {
  return canvas.getContext("2d", { willReadFrequently: true });
}

/** The pages of layer `l` on `frame`, in order. */
function shownOn(l, frame) {
  const pages = l.pages;
  const out = [];
  for (let i = countUpTo(pages, (p) => p.from, frame) - 1; i >= 0 && l.reach[i] > frame; i--) {
    if (frame < pages[i].to) out.push(pages[i]);
  }
  return out.reverse();
}

const fontOf = (l, px) => `${l.weight} ${px}px ${l.family}`;

/** The page's words in lines that fit the box at the largest size up to `base` (a subtitle in
 * two lines at most, shrinking down to MIN_PX for it); a word wider than the box at half the
 * size is broken into pieces. */
function layout(ctx, l, words, base, box) {
  const most = l.style === "subtitle" ? 2 : Infinity;
  const wordFloor = Math.max(MIN_PX, Math.floor(base * WORD_SHRINK));
  let px = Math.floor(base);
  for (;;) {
    ctx.font = fontOf(l, px);
    const maxW = box.w - 2 * PAD_X * px;
    const space = ctx.measureText(" ").width;
    const pieces = [];
    let tooWide = 0;
    for (const w of words) {
      if (w.text === "\n") {
        pieces.push({ br: true });
        continue;
      }
      const width = ctx.measureText(w.text).width;
      if (width <= maxW) pieces.push({ word: w, text: w.text, width });
      else if (px > wordFloor) tooWide = Math.max(tooWide, width);
      else pieces.push(...split(ctx, w.text, maxW).map((p) => ({ word: w, ...p })));
    }
    if (tooWide) {
      px = Math.max(wordFloor, Math.min(px - 1, Math.floor((px * maxW) / tooWide)));
      continue;
    }
    const lines = fill(pieces, maxW, space);
    const tall = lines.length * LINE * px > box.h;
    if ((lines.length > most || tall) && px > MIN_PX) {
      px = Math.max(MIN_PX, Math.floor(px * 0.9));
      continue;
    }
    return { px, lines, space };
  }
}

/** Greedy lines: a piece goes on the line if it fits, a forced break starts a new one. */
function fill(pieces, maxW, space) {
  const lines = [];
  let line = { items: [], width: 0 };
  for (const p of pieces) {
    if (p.br) {
      lines.push(line);
      line = { items: [], width: 0 };
      continue;
    }
    const gap = line.items.length && !p.joined ? space : 0;
    if (line.items.length && line.width + gap + p.width > maxW) {
      lines.push(line);
      line = { items: [], width: 0 };
    }
    const x = line.items.length ? line.width + (p.joined ? 0 : space) : 0;
    line.items.push({ ...p, x });
    line.width = x + p.width;
  }
  if (line.items.length) lines.push(line);
  return lines.filter((ln) => ln.items.length);
}

/** A word too long for a line at the smallest size, in pieces that each fit. */
function split(ctx, text, maxW) {
  const out = [];
  let piece = "";
  for (const ch of Array.from(text)) {
    if (piece && ctx.measureText(piece + ch).width > maxW) {
      out.push({ text: piece, width: ctx.measureText(piece).width, joined: out.length > 0 });
      piece = "";
    }
    piece += ch;
  }
  if (piece) out.push({ text: piece, width: ctx.measureText(piece).width, joined: out.length > 0 });
  return out;
}

/** Where layer `l`'s pages (blocks of lines) go, stacked at its position in the box: their
 * tops (`ys`), and how far the drawing may reach (`reach`, { x0, y0, x1, y1 }: the lines'
 * backgrounds and half a font size around, for glyphs that overhang their line). */
function place(l, blocks, box) {
  const p = l.props;
  const total = blocks.reduce((sum, b) => sum + b.lines.length * LINE * b.px, 0);
  let y = p.position === "top" ? box.y : p.position === "middle" ? box.y + (box.h - total) / 2 : box.y + box.h - total;
  const reach = { x0: Infinity, y0: y, x1: -Infinity, y1: y + total };
  const ys = [];
  for (const b of blocks) {
    const over = b.px / 2 + PAD_X * b.px + 2;
    for (const line of b.lines) {
      reach.x0 = Math.min(reach.x0, box.x + (box.w - line.width) / 2 - over);
      reach.x1 = Math.max(reach.x1, box.x + (box.w + line.width) / 2 + over);
    }
    reach.y0 = Math.min(reach.y0, y - b.px / 2 - 2);
    reach.y1 = Math.max(reach.y1, y + b.lines.length * LINE * b.px + b.px / 2 + 2);
    ys.push(y);
    y += b.lines.length * LINE * b.px;
  }
  return { l, blocks, ys, reach };
}

/** A placed layer's blocks onto ctx (frame pixels). */
function drawLayer(ctx, { l, blocks, ys }, frame, box) {
  const p = l.props;
  const t = ((frame - l.at) * 1000) / (l.fps || 1);
  blocks.forEach((b, i) => {
    if (l.style === "karaoke") {
      // The fill moves every frame: drawn as it is.
      drawBlock(ctx, l, p, b, ORIGIN, ys[i], box, frame, t);
    } else {
      // A subtitle or a page of words looks the same until its highlight moves to the next
      // word: drawn once into a bitmap and copied on the frames between (text is the costly
      // part of a caption; see BENCHMARKS.md "Burned captions").
      const bmp = blockBitmap(l, p, b, ys[i], box, frame, t);
      ctx.drawImage(bmp.canvas, bmp.ox, bmp.oy);
    }
  });
}

/** How many page bitmaps a layer keeps (pages shown together, and the one before). */
const BITMAPS = 4;

/** Block `b` drawn into a bitmap at whole-pixel offsets (the same pixels as drawing it on the
 * frame), reused while its highlighted word, place and size stay the same. */
function blockBitmap(l, p, b, y, box, frame, t) {
  const lit = l.style === "words" ? litIndex(b, frame) : -1;
  const pad = PAD_X * b.px;
  const ox = Math.floor(box.x - pad);
  const oy = Math.floor(y);
  const key = `${lit}|${y}|${box.x}|${box.w}|${b.key}`;
  l.bitmaps = l.bitmaps || new Map();
  const known = l.bitmaps.get(b);
  if (known && known.key === key) return known;
  const canvas = (known && known.canvas) || document.createElement("canvas");
  canvas.width = Math.ceil(box.w + 2 * pad) + 2;
  canvas.height = Math.ceil(b.lines.length * LINE * b.px) + 2;
  drawBlock(cpuContext(canvas), l, p, b, { x: ox, y: oy }, y, box, frame, t);
  const made = { key, canvas, ox, oy };
  l.bitmaps.delete(b);
  l.bitmaps.set(b, made);
  if (l.bitmaps.size > BITMAPS) l.bitmaps.delete(l.bitmaps.keys().next().value);
  return made;
}

/** Which of block `b`'s pieces is spoken on `frame` (-1: none), without a list a frame. */
function litIndex(b, frame) {
  let i = 0;
  for (const line of b.lines) {
    for (const it of line.items) {
      if (it.word && it.word.from <= frame && frame < it.word.to) return i;
      i += 1;
    }
  }
  return -1;
}

/** Block `b`'s lines from `y` down, onto ctx whose (0, 0) is the frame's `origin`. */
function drawBlock(ctx, l, p, b, origin, y, box, frame, t) {
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  ctx.font = fontOf(l, b.px);
  const lh = LINE * b.px;
  const pad = PAD_X * b.px;
  for (const line of b.lines) {
    const x0 = box.x + (box.w - line.width) / 2;
    if (p.background) {
      ctx.fillStyle = p.background;
      ctx.fillRect(Math.round(x0 - pad) - origin.x, Math.round(y) - origin.y, Math.round(line.width + 2 * pad), Math.round(lh));
    }
    const mid = y + lh / 2 - origin.y;
    for (const it of line.items) drawWord(ctx, l, p, it, x0 + it.x - origin.x, mid, lh, frame, t);
    y += lh;
  }
}

/** One word (or piece of one) at x, centred on `mid`, in a line `lh` high. */
function drawWord(ctx, l, p, it, x, mid, lh, frame, t) {
  const w = it.word;
  let fill = p.color;
  if (w && l.style === "words" && w.from <= frame && frame < w.to) fill = p.highlight;
  ctx.fillStyle = fill;
  ctx.fillText(it.text, x, mid);
  if (!w || l.style !== "karaoke" || frame < w.from) return;
  // Karaoke: the highlight fills the word from the left, in proportion to the time spent in it
  // (whole once the word is over).
  const share = frame >= w.to ? 1 : Math.min(1, Math.max(0, (t - w.startMs) / Math.max(1, w.endMs - w.startMs)));
  if (share <= 0) return;
  ctx.save();
  ctx.beginPath();
  ctx.rect(x, mid - lh / 2, it.width * share, lh);
  ctx.clip();
  ctx.fillStyle = p.highlight;
  ctx.fillText(it.text, x, mid);
  ctx.restore();
}
