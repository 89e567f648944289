// AudioBars: the mix drawn as it sounds — a row of spectrum bars and a level ring that pulse
// with the music, voice-over or effects at each frame (audio-reactive, from `audio`).
//
// props:
//   title          a line of text under the bars ("" for none)
//   bars           how many bars (4–128)
//   color, accent  the bars' colours from the bottom to the top
//   background     a colour or "a,b" gradient
//   fontFamily (fontFile: a font in the project folder to load as fontFamily)
//
// `audio.spectrum(bars)` gives each bar's loudness (0–1, its loudest frequency); bars are drawn
// on a dB scale from −60 dB, so quiet sounds still show. `audio.level` sizes the ring.
import { FONT_DEFAULTS, fitLines, loadProjectFont, paintBackground, unit } from "./lib/paint.js";

const FLOOR_DB = -60;

/** @type {import("../types/composition").Composition} */
export default {
  opaque: true,
  defaultProps: {
    title: "",
    bars: 48,
    color: "#2ec4b6",
    accent: "#ff9f1c",
    background: "#0b132b,#1c2541",
    textColor: "#ffffff",
    ...FONT_DEFAULTS,
  },
  load: loadProjectFont,
  draw(ctx, { width, height, props, audio }) {
    paintBackground(ctx, width, height, props.background);
    const n = Math.max(4, Math.min(128, Math.floor(Number(props.bars)) || 48));
    const spectrum = audio.spectrum(n);
    const left = width * 0.08;
    const span = width * 0.84;
    const base = height * 0.72;
    const tallest = height * 0.5;
    const gap = span / n;
    const grad = ctx.createLinearGradient(0, base, 0, base - tallest);
    grad.addColorStop(0, props.color);
    grad.addColorStop(1, props.accent);
    ctx.fillStyle = grad;
    for (let i = 0; i < n; i++) {
      const db = 20 * Math.log10(Math.max(spectrum[i], 1e-6));
      const h = Math.max(2, tallest * Math.min(1, Math.max(0, (db - FLOOR_DB) / -FLOOR_DB)));
      ctx.fillRect(left + i * gap + gap * 0.15, base - h, gap * 0.7, h);
    }
    // The level ring: its radius follows the frame's RMS level.
    const u = unit(width, height);
    const r = u * (0.05 + 0.25 * Math.min(1, audio.level * 2));
    ctx.strokeStyle = props.accent;
    ctx.globalAlpha = 0.35 + 0.65 * Math.min(1, audio.level * 2);
    ctx.lineWidth = u * 0.012;
    ctx.beginPath();
    ctx.arc(width / 2, height * 0.4, r, 0, Math.PI * 2);
    ctx.stroke();
    ctx.globalAlpha = 1;
    if (props.title) {
      ctx.fillStyle = props.textColor;
      ctx.textAlign = "center";
      ctx.textBaseline = "alphabetic";
      // Up to two lines, upwards from where one line sits.
      const title = fitLines(ctx, "bold", u * 0.07, props.fontFamily, String(props.title), width * 0.9, 2);
      title.lines.forEach((line, i) => {
        ctx.fillText(line, width / 2, height * 0.86 - (title.lines.length - 1 - i) * title.size * 1.15);
      });
    }
  },
};
