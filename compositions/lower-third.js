// LowerThird: a name and a role on a bar that slides in from the left, then out.
//
// props:
//   name, role        the two lines
//   accent            colour of the bar's edge; barColor the bar itself
//   background        what is behind (colour or "a,b" gradient); "transparent" leaves it clear
//   color, fontFamily (fontFile: a font in the project folder to load as fontFamily)
import { easeInCubic, easeOutCubic, interpolate } from "./lib/easing.js";
import { FONT_DEFAULTS, fitFont, font, loadProjectFont, paintBackground, unit } from "./lib/paint.js";

/** @type {import("../types/composition").Composition} */
export default {
  // draw() begins by covering the frame (the background), see README.md.
  opaque: true,
  defaultProps: {
    name: "Ada Lovelace",
    role: "Founder, Analytical Engines",
    accent: "#e85d2a",
    barColor: "rgba(20,20,24,0.9)",
    background: "#2b2d42,#8d99ae",
    color: "#ffffff",
    ...FONT_DEFAULTS,
  },
  load: loadProjectFont,
  draw(ctx, { frame, durationInFrames, fps, width, height, props }) {
    paintBackground(ctx, width, height, props.background);
    const inT = interpolate(frame, [0, fps * 0.6], [0, 1], easeOutCubic);
    const outT = interpolate(frame, [durationInFrames - fps * 0.5, durationInFrames - 1], [0, 1], easeInCubic);
    const u = unit(width, height);
    const barH = u * 0.15;
    const pad = width * 0.025;
    // As wide as the name needs (a narrow variant's bar grows), within the frame.
    const widest = width * 0.88;
    const nameSize = fitFont(ctx, "bold", barH * 0.34, props.fontFamily, String(props.name), widest - 2 * pad);
    const nameW = ctx.measureText(String(props.name)).width;
    const roleSize = fitFont(ctx, "normal", barH * 0.22, props.fontFamily, String(props.role), widest - 2 * pad);
    const roleW = ctx.measureText(String(props.role)).width;
    const barW = Math.min(widest, Math.max(width * 0.42, Math.max(nameW, roleW) + 2 * pad));
    const x = width * 0.06 - (1 - inT) * (barW + width * 0.06) - outT * (barW + width * 0.06);
    const y = height * 0.74;
    ctx.fillStyle = props.barColor;
    ctx.fillRect(x, y, barW, barH);
    ctx.fillStyle = props.accent;
    ctx.fillRect(x, y, Math.max(4, width * 0.008), barH);
    ctx.fillStyle = props.color;
    ctx.textBaseline = "alphabetic";
    ctx.textAlign = "left";
    ctx.font = font("bold", nameSize, props.fontFamily);
    ctx.fillText(String(props.name), x + pad, y + barH * 0.47);
    ctx.globalAlpha = 0.8;
    ctx.font = font("normal", roleSize, props.fontFamily);
    ctx.fillText(String(props.role), x + pad, y + barH * 0.8);
    ctx.globalAlpha = 1;
  },
};
