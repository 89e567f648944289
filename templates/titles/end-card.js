// The last card: a line of text that rises into place. The title and the lower third before it
// are built into the app (TitleCard, LowerThird); their props are in the project file.

/** @type {import("./.bazaar/composition").Composition} */
export default {
  defaultProps: { text: "Thanks for watching", color: "#ffffff", background: "#2b2d42" },
  draw(ctx, { frame, fps, width, height, props }) {
    ctx.fillStyle = props.background;
    ctx.fillRect(0, 0, width, height);
    const p = Math.min(1, frame / (fps * 0.6));
    const ease = 1 - (1 - p) ** 3;
    ctx.globalAlpha = ease;
    ctx.fillStyle = props.color;
    ctx.font = `bold ${Math.round(height * 0.07)}px "DejaVu Sans", sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(props.text, width / 2, height / 2 + (1 - ease) * height * 0.05);
    ctx.globalAlpha = 1;
  },
};
