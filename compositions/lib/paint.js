// Drawing helpers shared by the built-ins.

/** The length the built-ins size things by: the picture's shorter side. In landscape it is the
 * height, as it always was; in a portrait or square variant the width, so a title keeps its
 * proportions instead of growing with the height past the frame's sides. */
export function unit(width, height) {
  return Math.min(width, height);
}

/** Sets `ctx.font` to `weight` `size` `family`, smaller when `text` would be wider than
 * `maxWidth` (fillText's own maxWidth squeezes the letters instead). Returns the size set. */
export function fitFont(ctx, weight, size, family, text, maxWidth) {
  ctx.font = font(weight, size, family);
  const w = ctx.measureText(text).width;
  if (!(w > maxWidth) || maxWidth <= 0) return size;
  // Whole pixels, rounded down: `font()` rounds, and rounding up would overflow by a pixel.
  const fitted = Math.max(1, Math.floor((size * maxWidth) / w));
  ctx.font = font(weight, fitted, family);
  return fitted;
}

/** Sets `ctx.font` and breaks `text` into at most `maxLines` lines no wider than `maxWidth`, at
 * the largest size up to `size` where it fits: a long title wraps before it shrinks (a portrait
 * variant is narrow). Returns `{ lines, size }`. Remembered per text, font and box, since
 * draw() runs on every frame. */
export function fitLines(ctx, weight, size, family, text, maxWidth, maxLines) {
  const key = [weight, size, family, text, maxWidth, maxLines].join("|");
  let fit = fittedLines.get(key);
  if (!fit) {
    // 8 % smaller a step, down to a seventh of the size asked (then it is what it is).
    for (let s = size; ; s *= 0.92) {
      ctx.font = font(weight, s, family);
      const lines = wrapLines(ctx, text, maxWidth);
      const widest = Math.max(...lines.map((l) => ctx.measureText(l).width));
      fit = { lines, size: s };
      if ((lines.length <= maxLines && widest <= maxWidth) || s < size * 0.15) break;
    }
    if (fittedLines.size >= 64) fittedLines.delete(fittedLines.keys().next().value);
    fittedLines.set(key, fit);
  }
  ctx.font = font(weight, fit.size, family);
  return fit;
}
const fittedLines = new Map();

/** Fills the frame with `background`: a colour, or "a,b" for a vertical gradient. Covers every
 * pixel with opaque paint (a translucent background is laid over black), which is what lets the
 * built-ins declare `opaque: true`. "transparent" clears the frame instead: clear in a scene
 * with `"background": "transparent"` (a canvas with alpha), black in an opaque one. */
export function paintBackground(ctx, width, height, background) {
  if (background === "transparent") {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.restore();
    return;
  }
  // Split at the commas between colours, not those inside one (`rgba(0, 0, 0, 0.5)`).
  const parts = String(background).split(/,(?![^()]*\))/).map((s) => s.trim()).filter(Boolean);
  if (!isOpaque(ctx, parts)) {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.restore();
  }
  if (parts.length < 2) {
    ctx.fillStyle = parts[0] || "#111";
    ctx.fillRect(0, 0, width, height);
    return;
  }
  const fill = (c) => {
    const g = c.createLinearGradient(0, 0, width * 0.3, height);
    parts.forEach((colour, i) => g.addColorStop(i / (parts.length - 1), colour));
    c.fillStyle = g;
    c.fillRect(0, 0, width, height);
  };
  // Shading a full-frame gradient costs about twice as much as copying one (≈2 ms against
  // ≈1 ms a frame at 1080p on a CPU canvas), and a background is the same on every frame:
  // it is shaded once per size and transform, then copied.
  const m = ctx.getTransform();
  if (m.b !== 0 || m.c !== 0) {
    fill(ctx); // rotated or skewed: rare, shaded in place
    return;
  }
  const { width: cw, height: ch } = ctx.canvas;
  const key = [background, width, height, cw, ch, m.a, m.d, m.e, m.f].join("|");
  let layer = backgrounds.get(key);
  if (layer) {
    backgrounds.delete(key); // most recently used last
  } else {
    layer = document.createElement("canvas");
    layer.width = cw;
    layer.height = ch;
    const lctx = layer.getContext("2d", { willReadFrequently: true });
    lctx.setTransform(m);
    fill(lctx);
    if (backgrounds.size >= MAX_BACKGROUNDS) backgrounds.delete(backgrounds.keys().next().value);
  }
  backgrounds.set(key, layer);
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(layer, 0, 0);
  ctx.restore();
}

/** Whether every colour in `parts` is opaque. A canvas writes an opaque colour back as
 * `#rrggbb` and a translucent one as `rgba(…)`; one it cannot read leaves the fill as it was
 * (the runtime's black, opaque). Remembered per list of colours. */
function isOpaque(ctx, parts) {
  const key = parts.join(",");
  let opaque = opaqueColours.get(key);
  if (opaque === undefined) {
    ctx.save();
    opaque = parts.every((colour) => {
      ctx.fillStyle = "#000";
      ctx.fillStyle = colour;
      return String(ctx.fillStyle).startsWith("#");
    });
    ctx.restore();
    opaqueColours.set(key, opaque);
  }
  return opaque;
}
const opaqueColours = new Map();

// Shaded backgrounds by size, transform and colours, least recently used first. Each is a
// frame's worth of pixels (8 MB at 1080p), so few are kept: an export draws one scene at a
// time (a crossfade draws the scene it leaves only once, see runtime.js), and a second spares
// the preview shading again when the creator scrubs back and forth across a cut.
const backgrounds = new Map();
const MAX_BACKGROUNDS = 2;

/** A CSS font string; `family` may be a loaded asset font or an installed one. */
export const font = (weight, sizePx, family) =>
  `${weight} ${Math.round(sizePx)}px "${family}", "DejaVu Sans", sans-serif`;

/** Breaks `text` into lines no wider than `maxWidth` with the current font. */
export function wrapLines(ctx, text, maxWidth) {
  const lines = [];
  for (const paragraph of String(text).split("\n")) {
    let line = "";
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      const next = line ? `${line} ${word}` : word;
      if (line && ctx.measureText(next).width > maxWidth) {
        lines.push(line);
        line = word;
      } else {
        line = next;
      }
    }
    lines.push(line);
  }
  return lines;
}

/** Loads `props.fontFile` (relative to the project) as `props.fontFamily`, if one is given. */
export async function loadFont(assets, props) {
  if (props.fontFile) await assets.font(props.fontFamily, props.fontFile);
}

/** Every built-in's font props: an installed family, or a file in the project loaded as it. */
export const FONT_DEFAULTS = { fontFamily: "DejaVu Sans", fontFile: "" };

/** The `load()` of built-ins whose only asset is an optional font. */
export async function loadProjectFont({ props, assets }) {
  await loadFont(assets, props);
}
