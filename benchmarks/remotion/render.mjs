// Renders one composition of the bundle to MP4 through @remotion/renderer with the x264 settings
// of Bazaar Export's `high` (core/src/encode/profile.rs: CRF 18, preset veryfast, 4:2:0; and, as
// GStreamer's x264enc applies its default `bitrate` of 2048 kbit/s as the VBV cap in CRF mode
// with a 600 ms buffer, `vbv_maxrate=2048 vbv_bufsize=1228`, which x264's own header in our
// files shows), and Debian's Chromium, never a downloaded one. `UNCAPPED=1` leaves the VBV cap
// out (plain CRF 18, what Remotion users get). Used by scripts/bench-remotion.sh, which times the
// whole process tree; this prints the render's own time (browser open to file written).
//
//   node render.mjs <bundle dir> <composition id> <out.mp4> <frames|all> <concurrency>
import { openBrowser, renderMedia, selectComposition } from "@remotion/renderer";

const [bundle, id, out, frames, concurrency] = process.argv.slice(2);
if (!bundle || !id || !out) {
  console.error("usage: node render.mjs <bundle dir> <composition id> <out.mp4> <frames|all> <concurrency>");
  process.exit(2);
}
const browserExecutable = process.env.REMOTION_BROWSER || "/usr/bin/chromium";
// Debian's Chromium is a full browser, not Remotion's headless shell: the new headless mode.
const chromeMode = "chrome-for-testing";
const started = performance.now();
const browser = await openBrowser("chrome", { browserExecutable, chromeMode, chromiumOptions: {} });
const composition = await selectComposition({ serveUrl: bundle, id, puppeteerInstance: browser, browserExecutable, chromeMode });
const count = frames && frames !== "all" ? Math.min(Number(frames), composition.durationInFrames) : composition.durationInFrames;
const rendering = performance.now();
await renderMedia({
  composition,
  serveUrl: bundle,
  codec: "h264",
  crf: 18,
  x264Preset: "veryfast",
  pixelFormat: "yuv420p",
  ...(process.env.UNCAPPED === "1" ? {} : { encodingMaxRate: "2048k", encodingBufferSize: "1228k" }),
  outputLocation: out,
  frameRange: [0, count - 1],
  concurrency: Number(concurrency) || 1,
  puppeteerInstance: browser,
  browserExecutable,
  chromeMode,
  logLevel: "warn",
});
const done = performance.now();
await browser.close({ silent: true });
const secs = (done - started) / 1000;
console.log(
  `remotion ${id}: ${count} frames, render ${((done - rendering) / 1000).toFixed(2)} s (${(count / ((done - rendering) / 1000)).toFixed(1)} fps), browser open to file ${secs.toFixed(2)} s (${(count / secs).toFixed(1)} fps), concurrency ${Number(concurrency) || 1}`,
);
