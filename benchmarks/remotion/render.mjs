// Renders one composition of the bundle to MP4 through @remotion/renderer with the x264 settings
// of Bazaar Export's `high` (core/src/encode/profile.rs: CRF 18, preset veryfast, 4:2:0, no VBV
// cap since issue 31), and Debian's Chromium, never a downloaded one. `CAPPED=1` adds the cap
// our builds had before (`vbv_maxrate=2048 vbv_bufsize=1228`: GStreamer's x264enc kept its
// default `bitrate` as the VBV cap in CRF mode), to compare with their figures. Used by scripts/bench-remotion.sh, which times the
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
  ...(process.env.CAPPED === "1" ? { encodingMaxRate: "2048k", encodingBufferSize: "1228k" } : {}),
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
