// benchmarks/render-full-motion in Remotion: the very same drawing code (its module is imported
// as it is), drawn on a <canvas> for the frame Remotion asks for. As in Bazaar's project: scene 1
// (seed 1) for frames 0–149, scene 2 (seed 2) for 150–299, whose first 15 frames show scene 1's
// last frame over it at 1 − (k + 1) / 16 opacity (Bazaar's crossfade, ui/runtime/runtime.js).
import { useLayoutEffect, useMemo, useRef } from "react";
import { useCurrentFrame, useVideoConfig } from "remotion";
import fullMotion from "../../render-full-motion/full-motion.js";

const SCENE = 150;
const CROSSFADE = 15;

export const FullMotion = () => {
  const frame = useCurrentFrame();
  const { width, height, fps } = useVideoConfig();
  const canvas = useRef(null);
  const held = useRef(null);
  const loaded = useMemo(() => [1, 2].map((seed) => fullMotion.load({ props: { shapes: 150, seed } })), []);
  useLayoutEffect(() => {
    const ctx = canvas.current.getContext("2d", { alpha: false });
    const scene = frame < SCENE ? 0 : 1;
    const local = frame - scene * SCENE;
    const draw = (c, s, f) =>
      fullMotion.draw(c, { frame: f, width, height, fps, durationInFrames: SCENE, props: { shapes: 150, seed: s + 1 }, loaded: loaded[s] });
    draw(ctx, scene, local);
    if (scene === 1 && local < CROSSFADE) {
      if (!held.current) {
        const c = document.createElement("canvas");
        c.width = width;
        c.height = height;
        draw(c.getContext("2d", { alpha: false }), 0, SCENE - 1);
        held.current = c;
      }
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.globalAlpha = 1 - (local + 1) / (CROSSFADE + 1);
      ctx.drawImage(held.current, 0, 0);
      ctx.restore();
    }
  }, [frame, width, height, fps, loaded]);
  return <canvas ref={canvas} width={width} height={height} style={{ position: "absolute", left: 0, top: 0 }} />;
};
