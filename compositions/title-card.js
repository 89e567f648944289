// TitleCard: a big title and a subtitle that rise in, hold, and fade out.
//
// props:
//   title       main line (default "Hello")
//   subtitle    smaller line under it ("" for none)
//   background  colour, or "top,bottom" gradient
//   color       text colour
//   accent      colour of the underline bar
//   fontFamily  an installed font, or the name to give `fontFile`
//   fontFile    a font file in the project folder, loaded as fontFamily ("" for none)
import { easeOutCubic, fadeInOut, interpolate } from "./lib/easing.js";
import { FONT_DEFAULTS, fitLines, loadProjectFont, paintBackground, unit } from "./lib/paint.js";

/** @type {import("../types/composition").Composition} */
export default {
  // draw() begins by covering the frame (the background), see README.md.
  opaque: true,
  defaultProps: {
    title: "Hello",
    subtitle: "",
    background: "#1f1d1a,#3b2a22",
    color: "#ffffff",
    accent: "#e85d2a",
    ...FONT_DEFAULTS,
  },
  load: loadProjectFont,
  draw(ctx, { frame, durationInFrames, fps, width, height, props }) {
    paintBackground(ctx, width, height, props.background);
    const alpha = fadeInOut(frame, durationInFrames, Math.round(fps * 0.5), Math.round(fps * 0.4));
    const u = unit(width, height);
    const rise = interpolate(frame, [0, fps * 0.8], [u * 0.06, 0], easeOutCubic);
    const baseline = height * 0.5 + rise;
    ctx.save();
    ctx.globalAlpha = alpha;
    ctx.textAlign = "center";
    ctx.textBaseline = "alphabetic";
    ctx.fillStyle = props.color;
    // A long title takes up to three lines, upwards: its last line sits where one line would.
    const title = fitLines(ctx, "bold", u * 0.11, props.fontFamily, String(props.title), width * 0.9, 3);
    title.lines.forEach((line, i) => {
      ctx.fillText(line, width / 2, baseline - (title.lines.length - 1 - i) * title.size * 1.15);
    });
    const bar = interpolate(frame, [fps * 0.3, fps * 1.1], [0, width * 0.18], easeOutCubic);
    ctx.fillStyle = props.accent;
    ctx.fillRect(width / 2 - bar / 2, baseline + u * 0.045, bar, Math.max(2, u * 0.008));
    if (props.subtitle) {
      ctx.fillStyle = props.color;
      ctx.globalAlpha = alpha * interpolate(frame, [fps * 0.4, fps * 1.0], [0, 0.85]);
      const sub = fitLines(ctx, "normal", u * 0.045, props.fontFamily, String(props.subtitle), width * 0.9, 2);
      sub.lines.forEach((line, i) => ctx.fillText(line, width / 2, baseline + u * 0.13 + i * sub.size * 1.3));
    }
    ctx.restore();
  },
};
