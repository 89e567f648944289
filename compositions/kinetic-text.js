// KineticText: words pop in one after another, then the line holds.
//
// props:
//   text           the words (default "Make something people want")
//   wordsPerSecond how fast words arrive (default 4)
//   fontSize       in project pixels (default: 9% of the shorter side); smaller when the words
//                  would not fit in 80 % of the width and 85 % of the height
//   color, highlight (colour of every `*starred*` word), background, fontFamily (fontFile: a font in the project folder to load as fontFamily)
import { easeOutBack, fadeInOut, interpolate } from "./lib/easing.js";
import { FONT_DEFAULTS, font, loadProjectFont, paintBackground, unit } from "./lib/paint.js";

/** @type {import("../types/composition").Composition} */
export default {
  // draw() begins by covering the frame (the background), see README.md.
  opaque: true,
  defaultProps: {
    text: "Make something *people* want",
    wordsPerSecond: 4,
    fontSize: 0,
    color: "#ffffff",
    highlight: "#ffb347",
    background: "#14213d,#1d3557",
    ...FONT_DEFAULTS,
  },
  load: loadProjectFont,
  draw(ctx, { frame, durationInFrames, fps, width, height, props }) {
    paintBackground(ctx, width, height, props.background);
    const asked = props.fontSize > 0 ? props.fontSize : unit(width, height) * 0.09;
    const { size, lines, space } = fitted(ctx, String(props.text), asked, props.fontFamily, width, height);
    ctx.font = font("bold", size, props.fontFamily);
    ctx.textBaseline = "middle";
    const lineHeight = size * 1.25;
    const top = height / 2 - ((lines.length - 1) * lineHeight) / 2;
    const perWord = fps / Math.max(0.1, Number(props.wordsPerSecond) || 4);
    const fadeOut = fadeInOut(frame, durationInFrames, 0, Math.round(fps * 0.3));
    let index = 0;
    lines.forEach((line, li) => {
      const total = line.reduce((s, w, i) => s + w.width + (i ? space : 0), 0);
      let x = (width - total) / 2;
      for (const w of line) {
        const start = index * perWord;
        const t = interpolate(frame, [start, start + fps * 0.35], [0, 1]);
        if (t > 0) {
          const scale = easeOutBack(t);
          ctx.save();
          ctx.globalAlpha = Math.min(1, t * 2) * fadeOut;
          ctx.translate(x + w.width / 2, top + li * lineHeight + (1 - t) * size * 0.4);
          ctx.scale(scale, scale);
          ctx.fillStyle = w.hot ? props.highlight : props.color;
          ctx.textAlign = "center";
          ctx.fillText(w.text, 0, 0);
          ctx.restore();
        }
        x += w.width + space;
        index += 1;
      }
    });
  },
};

/** The words in centred lines no wider than 80 % of the frame and together no taller than 85 %
 * of it, at `asked` or smaller (a square or portrait variant is narrow: words wrap, then they
 * shrink). Laid out before any word lands, so a word never moves once it has. Remembered for
 * the last text and box: draw() runs every frame. */
function fitted(ctx, text, asked, family, width, height) {
  const key = [text, asked, family, width, height].join("|");
  if (last.key === key) return last.fit;
  let fit;
  for (let size = asked; ; size *= 0.92) {
    fit = layout(ctx, text, size, family, width * 0.8);
    if ((fit.lines.length * size * 1.25 <= height * 0.85 && fit.widest <= width * 0.8) || size < asked * 0.15) break;
  }
  last.key = key;
  last.fit = fit;
  return fit;
}
const last = { key: "", fit: null };

function layout(ctx, text, size, family, maxWidth) {
  ctx.font = font("bold", size, family);
  const words = text.split(/\s+/).filter(Boolean).map((w) => {
    const t = w.replace(/^\*|\*$/g, "");
    return { text: t, hot: /^\*.*\*$/.test(w), width: ctx.measureText(t).width };
  });
  const space = ctx.measureText(" ").width;
  const lines = [[]];
  let lineWidth = 0;
  for (const w of words) {
    if (lines[lines.length - 1].length && lineWidth + space + w.width > maxWidth) {
      lines.push([]);
      lineWidth = 0;
    }
    lineWidth += (lines[lines.length - 1].length ? space : 0) + w.width;
    lines[lines.length - 1].push(w);
  }
  return { size, lines, space, widest: Math.max(0, ...words.map((w) => w.width)) };
}
