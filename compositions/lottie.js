// Lottie: an animation exported from After Effects (Bodymovin, LottieFiles: a `.json` Lottie
// file of the project), played by lottie-web's canvas renderer, which ships with the app
// (lib/lottie-web/, MIT).
//
// props:
//   src           the Lottie `.json` file, relative to the project file (required)
//   fit           "contain" (default: all of it, centred, the background around it) or "cover"
//                 (fills the frame, centred, cropped)
//   loop          true: starts again at its end; false (default): holds its last frame
//   playbackRate  1 (default) plays at the animation's own speed; 2 twice as fast; negative backwards
//   background    painted under it: a colour, "top,bottom" for a gradient, or "transparent"
//
// Time: scene frame n shows the animation's frame n / fps × playbackRate × its own frame rate
// (`fr`), counted from its in-point (`ip`), sub-frames interpolated: goToAndStop(frame, true)
// on each video frame, so the animation keeps its own speed at any project rate.
import { paintBackground } from "./lib/paint.js";

/** The vendored player, loaded once, when a project first uses it. A UMD build: it makes the
 * global `lottie`. (Not a static import, so the type check of the built-ins leaves it alone.) */
let player = null;
function lottiePlayer() {
  player ||= import(new URL("./lib/lottie-web/lottie_canvas.min.js", import.meta.url).href).then(() => /** @type {any} */ (globalThis).lottie);
  return player;
}

/** @type {import("../types/composition").Composition} */
export default {
  // draw() begins by painting the background (or clearing it for "transparent").
  opaque: true,
  defaultProps: { src: "", fit: "contain", loop: false, playbackRate: 1, background: "#000000" },
  async load({ props, assets, width, height }) {
    const src = String(props.src);
    // The file was checked before the render (`check`: inside the project, a Lottie file).
    const response = await fetch(assets.url(src));
    if (!response.ok) throw new Error(`the Lottie file ${JSON.stringify(src)} could not be read`);
    const data = await response.json();
    const lottie = await lottiePlayer();
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const animation = lottie.loadAnimation({
      renderer: "canvas",
      loop: false,
      autoplay: false,
      animationData: data,
      // Pictures the file names (not embedded) are beside it in the project.
      assetsPath: assets.url(src.includes("/") ? src.slice(0, src.lastIndexOf("/") + 1) : ""),
      rendererSettings: {
        // CPU-backed, as the runtime's own canvases: the same pixels on every run.
        context: canvas.getContext("2d", { willReadFrequently: true }),
        clearCanvas: true,
        dpr: 1,
        preserveAspectRatio: props.fit === "cover" ? "xMidYMid slice" : "xMidYMid meet",
      },
    });
    if (!animation.isLoaded) {
      // Pictures the file names are loading (lottie-web says so by events). Fonts of text layers
      // are waited for on timers, which stand still until frames are drawn: refused, with what to do.
      await new Promise((resolve, reject) => {
        animation.addEventListener("DOMLoaded", resolve);
        animation.addEventListener("data_failed", () => reject(new Error(`the Lottie file ${JSON.stringify(src)}: a picture it names could not be loaded`)));
        const fonts = animation.renderer && animation.renderer.globalData && animation.renderer.globalData.fontManager;
        if (fonts && !fonts.isLoaded) {
          reject(new Error(`the Lottie file ${JSON.stringify(src)} has text in fonts, which lottie-web cannot load in a render: export its text as glyphs (Bodymovin: "Glyphs") or as shapes`));
        }
      });
    }
    return { animation, canvas, frameRate: animation.frameRate, frames: animation.totalFrames };
  },
  draw(ctx, { frame, fps, width, height, props, loaded }) {
    paintBackground(ctx, width, height, props.background);
    const { animation, canvas, frameRate, frames } = loaded;
    // Drawn at the output's size (then laid 1:1 over it), not scaled up from the project's.
    const w = ctx.canvas.width;
    const h = ctx.canvas.height;
    if (canvas.width !== w || canvas.height !== h) animation.resize(w, h);
    const rate = Number(props.playbackRate);
    const at = (frame / fps) * (Number.isFinite(rate) ? rate : 1) * frameRate;
    // lottie-web's own end: the last whole frame, held.
    const last = Math.max(0, frames - 1);
    animation.goToAndStop(props.loop ? ((at % frames) + frames) % frames : Math.min(Math.max(at, 0), last), true);
    ctx.drawImage(canvas, 0, 0, width, height);
  },
};
