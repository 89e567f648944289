// A project's own composition: a seeded starfield that drifts, with a closing line.
// It imports a helper by relative path from inside the project folder.
import { twinkle } from "./lib/twinkle.js";

/** @type {import("../../../types/composition").Composition} */
export default {
  defaultProps: { stars: 160, text: "Made with Bazaar Export", fontFamily: "Brand" },
  draw(ctx, { frame, durationInFrames, width, height, props, random }) {
    ctx.fillStyle = "#05060f";
    ctx.fillRect(0, 0, width, height);
    for (let i = 0; i < props.stars; i++) {
      // random(seed) is deterministic: the same star is in the same place on every run.
      const x = (random(`x${i}`) * width + frame * (0.5 + random(`s${i}`) * 2)) % width;
      const y = random(`y${i}`) * height;
      const r = 0.6 + random(`r${i}`) * 2.2;
      ctx.globalAlpha = twinkle(frame, random(`p${i}`));
      ctx.fillStyle = "#fff";
      ctx.beginPath();
      ctx.arc(x, y, r, 0, Math.PI * 2);
      ctx.fill();
    }
    ctx.globalAlpha = Math.min(1, frame / 20, (durationInFrames - 1 - frame) / 10 + 0.001);
    ctx.fillStyle = "#ffd27a";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    // Sized by the shorter side and shrunk to fit: the vertical and square variants are narrow.
    const size = Math.min(width, height) * 0.07;
    const family = `"${props.fontFamily}", "DejaVu Sans", sans-serif`;
    ctx.font = `bold ${size}px ${family}`;
    const wide = ctx.measureText(props.text).width;
    if (wide > width * 0.9) ctx.font = `bold ${(size * width * 0.9) / wide}px ${family}`;
    ctx.fillText(props.text, width / 2, height / 2);
    ctx.globalAlpha = 1;
  },
};
