// Drawing helpers shared by the built-ins.

/** Fills the frame with `background`: a colour, or "a,b" for a vertical gradient. */
export function paintBackground(ctx, width, height, background) {
  const parts = String(background).split(",").map((s) => s.trim()).filter(Boolean);
  if (parts.length >= 2) {
    const g = ctx.createLinearGradient(0, 0, width * 0.3, height);
    parts.forEach((c, i) => g.addColorStop(i / (parts.length - 1), c));
    ctx.fillStyle = g;
  } else {
    ctx.fillStyle = parts[0] || "#111";
  }
  ctx.fillRect(0, 0, width, height);
}

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
