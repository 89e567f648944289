// A canvas scene: draw(ctx, info) paints one frame; the app calls it for every frame, in any
// order, so the picture must depend only on `info` (frame, size, props).

/** @type {import("./.bazaar/composition").Composition} */
export default {
  defaultProps: { text: "Hello", color: "#ffffff", background: "#1f1d1a", accent: "#e85d2a" },
  draw(ctx, { frame, fps, width, height, props }) {
    ctx.fillStyle = props.background;
    ctx.fillRect(0, 0, width, height);
    // A circle that goes round once every 4 seconds.
    const t = frame / fps;
    const r = height * 0.08;
    const x = width / 2 + Math.cos((t * Math.PI) / 2) * width * 0.3;
    const y = height / 2 + Math.sin((t * Math.PI) / 2) * height * 0.25;
    ctx.fillStyle = props.accent;
    ctx.beginPath();
    ctx.arc(x, y, r, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = props.color;
    ctx.font = `bold ${Math.round(height * 0.08)}px "DejaVu Sans", sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.globalAlpha = Math.min(1, frame / (fps * 0.5));
    ctx.fillText(props.text, width / 2, height / 2);
    ctx.globalAlpha = 1;
  },
};
