// ImageSlide: a picture with a slow pan and zoom (the "Ken Burns" effect) and an optional caption.
//
// props:
//   src        image path relative to the project file (required for a picture; without it a
//              neutral backdrop is drawn)
//   zoomFrom   start scale (default 1.0); zoomTo end scale (default 1.15)
//   panX, panY how far the centre travels, as a fraction of the frame (default 0.05, -0.03)
//   caption    text in the lower left ("" for none); color, fontFamily (fontFile: a font in the project folder to load as fontFamily)
import { easeInOutCubic, fadeInOut, lerp } from "./lib/easing.js";
import { FONT_DEFAULTS, fitLines, loadFont, unit } from "./lib/paint.js";

/** @type {import("../types/composition").Composition} */
export default {
  // draw() begins by covering the frame (the background), see README.md.
  opaque: true,
  defaultProps: {
    src: "",
    zoomFrom: 1.0,
    zoomTo: 1.15,
    panX: 0.05,
    panY: -0.03,
    caption: "",
    color: "#ffffff",
    ...FONT_DEFAULTS,
  },
  async load({ props, assets }) {
    await loadFont(assets, props);
    return { image: props.src ? await assets.image(props.src) : null };
  },
  draw(ctx, { frame, durationInFrames, fps, width, height, props, loaded }) {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, width, height);
    const t = easeInOutCubic(durationInFrames > 1 ? frame / (durationInFrames - 1) : 1);
    const zoom = lerp(Number(props.zoomFrom) || 1, Number(props.zoomTo) || 1, t);
    const image = loaded && loaded.image;
    ctx.save();
    ctx.translate(width / 2 + props.panX * width * t, height / 2 + props.panY * height * t);
    ctx.scale(zoom, zoom);
    if (image) {
      // Cover the frame: scale the picture so its shorter fit fills it, centred.
      const cover = Math.max(width / image.width, height / image.height);
      const w = image.width * cover;
      const h = image.height * cover;
      ctx.drawImage(image, -w / 2, -h / 2, w, h);
    } else {
      const g = ctx.createRadialGradient(0, 0, 0, 0, 0, width * 0.7);
      g.addColorStop(0, "#556");
      g.addColorStop(1, "#112");
      ctx.fillStyle = g;
      ctx.fillRect(-width / 2, -height / 2, width, height);
    }
    ctx.restore();
    if (props.caption) {
      const a = fadeInOut(frame, durationInFrames, Math.round(fps * 0.6), Math.round(fps * 0.4));
      const u = unit(width, height);
      const pad = u * 0.05;
      ctx.save();
      ctx.globalAlpha = a;
      const g = ctx.createLinearGradient(0, height * 0.7, 0, height);
      g.addColorStop(0, "rgba(0,0,0,0)");
      g.addColorStop(1, "rgba(0,0,0,0.65)");
      ctx.fillStyle = g;
      ctx.fillRect(0, height * 0.7, width, height * 0.3);
      ctx.fillStyle = props.color;
      // Up to two lines, upwards from the bottom margin.
      const caption = fitLines(ctx, "bold", u * 0.05, props.fontFamily, String(props.caption), width - 2 * pad, 2);
      ctx.textBaseline = "alphabetic";
      caption.lines.forEach((line, i) => {
        ctx.fillText(line, pad, height - pad - (caption.lines.length - 1 - i) * caption.size * 1.2);
      });
      ctx.restore();
    }
  },
};
