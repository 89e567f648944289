// BulletList: a heading and items revealed one by one.
//
// props:
//   title          heading ("" for none)
//   items          array of strings
//   revealEvery    seconds between items (default 0.8); the first appears after `delay` s (0.4)
//   color, accent, background, fontFamily (fontFile: a font in the project folder to load as fontFamily)
import { easeOutCubic, fadeInOut, interpolate } from "./lib/easing.js";
import { FONT_DEFAULTS, fitLines, loadProjectFont, paintBackground, unit } from "./lib/paint.js";

/** @type {import("../types/composition").Composition} */
export default {
  // draw() begins by covering the frame (the background), see README.md.
  opaque: true,
  defaultProps: {
    title: "Why it matters",
    items: ["Fast", "Honest progress", "Never loses a file"],
    revealEvery: 0.8,
    delay: 0.4,
    color: "#1f1d1a",
    accent: "#e85d2a",
    background: "#fbf7f0",
    ...FONT_DEFAULTS,
  },
  load: loadProjectFont,
  draw(ctx, { frame, durationInFrames, fps, width, height, props }) {
    paintBackground(ctx, width, height, props.background);
    const fade = fadeInOut(frame, durationInFrames, 0, Math.round(fps * 0.3));
    const left = width * 0.12;
    let y = height * 0.22;
    ctx.save();
    ctx.globalAlpha = fade;
    ctx.textBaseline = "middle";
    if (props.title) {
      ctx.fillStyle = props.color;
      const title = fitLines(ctx, "bold", unit(width, height) * 0.08, props.fontFamily, String(props.title), width - 2 * left, 3);
      const a = interpolate(frame, [0, fps * 0.4], [0, 1]);
      ctx.globalAlpha = fade * a;
      title.lines.forEach((line, i) => ctx.fillText(line, left, y + i * title.size * 1.2));
      y += height * 0.14 + (title.lines.length - 1) * title.size * 1.2;
    }
    const items = Array.isArray(props.items) ? props.items : [];
    const step = Math.max(1, Number(props.revealEvery) * fps);
    const size = unit(width, height) * 0.055;
    items.forEach((item, i) => {
      const start = Number(props.delay) * fps + i * step;
      const t = interpolate(frame, [start, start + fps * 0.4], [0, 1], easeOutCubic);
      if (t <= 0) return;
      ctx.globalAlpha = fade * t;
      const dx = (1 - t) * width * 0.04;
      ctx.fillStyle = props.accent;
      ctx.beginPath();
      ctx.arc(left + dx + size * 0.3, y, size * 0.22, 0, Math.PI * 2);
      ctx.fill();
      ctx.fillStyle = props.color;
      const text = fitLines(ctx, "normal", size, props.fontFamily, String(item), width - 2 * left - size, 2);
      text.lines.forEach((line, l) => ctx.fillText(line, left + dx + size, y + l * text.size * 1.25));
      y += size * 1.7 + (text.lines.length - 1) * text.size * 1.25;
    });
    ctx.restore();
  },
};
