// A scene that moves with the sound: `audio.level` (0–1) is the mix's loudness at this frame
// and `audio.spectrum(n)` its pitches, computed from the same samples the export encodes.

/** @type {import("./.bazaar/composition").Composition} */
export default {
  defaultProps: { title: "Title", color: "#e85d2a", background: "#14121a" },
  draw(ctx, { width, height, props, audio }) {
    ctx.fillStyle = props.background;
    ctx.fillRect(0, 0, width, height);
    const bins = audio.spectrum(48);
    const w = width / bins.length;
    ctx.fillStyle = props.color;
    bins.forEach((v, i) => {
      const h = Math.min(1, v) * height * 0.5;
      ctx.fillRect(i * w + 2, height - h, w - 4, h);
    });
    const r = height * (0.12 + audio.level * 0.4);
    ctx.globalAlpha = 0.35;
    ctx.beginPath();
    ctx.arc(width / 2, height * 0.4, r, 0, Math.PI * 2);
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.fillStyle = "#ffffff";
    ctx.font = `bold ${Math.round(height * 0.07)}px "DejaVu Sans", sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(props.title, width / 2, height * 0.4);
  },
};
