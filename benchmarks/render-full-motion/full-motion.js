// Full-motion benchmark content (scripts/bench-render.sh): every pixel changes every frame. A
// two-axis gradient whose colours and angle drift, 150 shapes moving and turning (circles,
// rounded boxes, rings, translucent), and lines of text scrolling across, so neither the
// encoder nor the frame path gets still areas for free.

/** @type {import("../../types/composition").Composition} */
export default {
  opaque: true,
  defaultProps: { shapes: 150, seed: 1 },
  load({ props }) {
    // Each shape's path, from a seeded generator (the same every run).
    let s = props.seed * 2654435761 >>> 0;
    const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 4294967296);
    return Array.from({ length: props.shapes }, (_, i) => ({
      kind: i % 3,
      x: rnd(), y: rnd(), vx: (rnd() - 0.5) * 0.02, vy: (rnd() - 0.5) * 0.02,
      size: 20 + rnd() * 90, spin: (rnd() - 0.5) * 0.2, hue: Math.floor(rnd() * 360), alpha: 0.35 + rnd() * 0.6,
    }));
  },
  draw(ctx, { frame, width, height, loaded }) {
    const t = frame / 30;
    const a = t * 0.7;
    const g = ctx.createLinearGradient(
      width / 2 - Math.cos(a) * width, height / 2 - Math.sin(a) * height,
      width / 2 + Math.cos(a) * width, height / 2 + Math.sin(a) * height);
    g.addColorStop(0, `hsl(${(frame * 3) % 360}, 70%, 35%)`);
    g.addColorStop(0.5, `hsl(${(frame * 3 + 120) % 360}, 60%, 45%)`);
    g.addColorStop(1, `hsl(${(frame * 3 + 240) % 360}, 70%, 30%)`);
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, width, height);
    const r = ctx.createRadialGradient(width * (0.5 + 0.3 * Math.sin(t)), height * 0.5, 0, width * 0.5, height * 0.5, width * 0.7);
    r.addColorStop(0, "rgba(255,255,255,0.25)");
    r.addColorStop(1, "rgba(0,0,0,0.25)");
    ctx.fillStyle = r;
    ctx.fillRect(0, 0, width, height);
    for (const p of loaded) {
      const x = (((p.x + p.vx * frame) % 1) + 1) % 1 * width;
      const y = (((p.y + p.vy * frame) % 1) + 1) % 1 * height;
      ctx.save();
      ctx.translate(x, y);
      ctx.rotate(p.spin * frame);
      ctx.globalAlpha = p.alpha;
      ctx.fillStyle = `hsl(${(p.hue + frame * 2) % 360}, 80%, 60%)`;
      ctx.strokeStyle = ctx.fillStyle;
      if (p.kind === 0) {
        ctx.beginPath();
        ctx.arc(0, 0, p.size / 2, 0, Math.PI * 2);
        ctx.fill();
      } else if (p.kind === 1) {
        ctx.beginPath();
        ctx.roundRect(-p.size / 2, -p.size / 3, p.size, p.size / 1.5, 12);
        ctx.fill();
      } else {
        ctx.lineWidth = 8;
        ctx.beginPath();
        ctx.arc(0, 0, p.size / 2, 0, Math.PI * 2);
        ctx.stroke();
      }
      ctx.restore();
    }
    ctx.globalAlpha = 1;
    ctx.fillStyle = "#ffffff";
    ctx.font = 'bold 64px "DejaVu Sans", sans-serif';
    for (let line = 0; line < 6; line++) {
      const dx = ((frame * (6 + line * 3)) % (width + 900)) - 900;
      ctx.fillText(`Full motion ${line + 1}: frame ${frame}`, line % 2 ? width - dx - 900 : dx, 120 + line * 170);
    }
  },
};
