// What reading a 1080p canvas back costs in WebKit itself, before the app's part (issue 30's
// per-frame overhead): a canvas made as the render page makes the frame canvas (CPU-backed,
// opaque), the full-motion benchmark's frames drawn into it, then read back by `getImageData`
// in bands of 128 rows (as the render page does: `BAND_ROWS`), of 32 (its band before
// 2026-12-07) and whole, and the same bytes copied by a
// typed array's `set` (a plain memory copy of 8 MB, for scale). 90 frames; reports the means
// by failing with them (scripts/bench-readback.sh prints the line).
import motion from "./full-motion.js";

const W = 1920, H = 1080, FRAMES = 90, BAND = 128, OLD_BAND = 32;
// The page's performance.now() is the frame clock (it stands still within a frame); an event's
// time stamp is not on that clock (ui/runtime/clock.js), so it reads real time, in whole ms
// (WebKit coarsens it): each figure is a mean over the frames, not a median.
const now = () => new Event("t").timeStamp;

export default {
  load() {
    const canvas = document.createElement("canvas");
    canvas.width = W;
    canvas.height = H;
    const ctx = canvas.getContext("2d", { willReadFrequently: true, alpha: false });
    const shapes = motion.load({ props: motion.defaultProps });
    const copy = new Uint8Array(W * H * 4);
    const t = { draw: [], bands: [], old: [], whole: [], copy: [] };
    let keep = 0;
    for (let frame = 0; frame < FRAMES; frame++) {
      const t0 = now();
      motion.draw(ctx, { frame, width: W, height: H, loaded: shapes });
      const t1 = now();
      for (let y = 0; y < H; y += BAND) keep += ctx.getImageData(0, y, W, Math.min(BAND, H - y)).data[7];
      const t2 = now();
      for (let y = 0; y < H; y += OLD_BAND) keep += ctx.getImageData(0, y, W, Math.min(OLD_BAND, H - y)).data[7];
      const t2b = now();
      const whole = ctx.getImageData(0, 0, W, H).data;
      const t3 = now();
      copy.set(whole);
      const t4 = now();
      keep += copy[frame];
      t.draw.push(t1 - t0);
      t.bands.push(t2 - t1);
      t.old.push(t2b - t2);
      t.whole.push(t3 - t2b);
      t.copy.push(t4 - t3);
    }
    const mean = (v) => (v.reduce((a, b) => a + b, 0) / v.length).toFixed(2);
    if (t.draw.every((v) => v === 0)) throw new Error("read-back floor: no real clock in the page");
    throw new Error(
      `read-back floor: getImageData in ${BAND}-row bands ${mean(t.bands)} ms a frame, ${OLD_BAND}-row bands ${mean(t.old)} ms, whole ${mean(t.whole)} ms; ` +
        `the same 8 MB copied by TypedArray.set ${mean(t.copy)} ms; drawing ${mean(t.draw)} ms (means of ${FRAMES} frames; ${keep & 1})`,
    );
  },
  draw() {},
};
