// Countdown: whole seconds counting down inside a ring that empties, with a label.
//
// props:
//   from       seconds to count from (default: the scene's length, rounded up)
//   label      text under the number ("" for none)
//   color, accent, track (the empty ring), background, fontFamily (fontFile: a font in the project folder to load as fontFamily)
import { fadeInOut } from "./lib/easing.js";
import { FONT_DEFAULTS, fitFont, font, loadProjectFont, paintBackground, unit } from "./lib/paint.js";

/** @type {import("../types/composition").Composition} */
export default {
  // draw() begins by covering the frame (the background), see README.md.
  opaque: true,
  defaultProps: {
    from: 0,
    label: "Starting soon",
    color: "#ffffff",
    accent: "#2ec4b6",
    track: "rgba(255,255,255,0.15)",
    background: "#0b132b,#1c2541",
    ...FONT_DEFAULTS,
  },
  load: loadProjectFont,
  draw(ctx, { frame, durationInFrames, fps, width, height, props }) {
    paintBackground(ctx, width, height, props.background);
    const from = Number(props.from) > 0 ? Number(props.from) : Math.ceil(durationInFrames / fps);
    const elapsed = frame / fps;
    const left = Math.max(0, from - elapsed);
    const progress = durationInFrames > 1 ? frame / (durationInFrames - 1) : 1;
    const cx = width / 2;
    const cy = height * 0.46;
    const u = unit(width, height);
    const r = u * 0.26;
    ctx.save();
    ctx.globalAlpha = fadeInOut(frame, durationInFrames, Math.round(fps * 0.2), 0);
    ctx.lineWidth = u * 0.025;
    ctx.lineCap = "round";
    ctx.strokeStyle = props.track;
    ctx.beginPath();
    ctx.arc(cx, cy, r, 0, Math.PI * 2);
    ctx.stroke();
    ctx.strokeStyle = props.accent;
    ctx.beginPath();
    ctx.arc(cx, cy, r, -Math.PI / 2, -Math.PI / 2 + Math.PI * 2 * (1 - progress));
    ctx.stroke();
    ctx.fillStyle = props.color;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.font = font("bold", r * 0.9, props.fontFamily);
    ctx.fillText(String(Math.ceil(left - 1e-9)), cx, cy);
    if (props.label) {
      fitFont(ctx, "normal", u * 0.05, props.fontFamily, String(props.label), width * 0.9);
      ctx.globalAlpha *= 0.85;
      ctx.fillText(String(props.label), cx, cy + u * 0.39);
    }
    ctx.restore();
  },
};
