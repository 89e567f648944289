// A canvas scene in TypeScript: the app strips the types when it loads the file (no build
// step); `npm install` gives your editor the TypeScript compiler to check them.
import type { CanvasComposition } from "./.bazaar/composition";

interface Props {
  title: string;
  dots: number;
}

/** Where a dot is at time `t` (0 to 1). */
function dotAt(i: number, count: number, t: number, width: number, height: number): [number, number] {
  const phase = (i / count) * Math.PI * 2 + t * Math.PI * 2;
  return [width / 2 + Math.cos(phase) * width * 0.25, height * 0.62 + Math.sin(phase) * height * 0.12];
}

const scene: CanvasComposition<Props> = {
  opaque: true,
  defaultProps: { title: "Title", dots: 5 },
  draw(ctx, { frame, durationInFrames, width, height, props }) {
    ctx.fillStyle = "#101820";
    ctx.fillRect(0, 0, width, height);
    ctx.fillStyle = "#f2aa4c";
    ctx.font = `bold ${Math.round(height * 0.1)}px sans-serif`;
    ctx.textAlign = "center";
    ctx.fillText(props.title, width / 2, height * 0.38);
    const t = frame / durationInFrames;
    for (let i = 0; i < props.dots; i++) {
      const [x, y] = dotAt(i, props.dots, t, width, height);
      ctx.beginPath();
      ctx.arc(x, y, height * 0.03, 0, Math.PI * 2);
      ctx.fill();
    }
  },
};

export default scene;
