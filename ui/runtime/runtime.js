// The composition runtime: loads a project's modules, runs their `load()`, and draws any
// project frame onto a 2D canvas. The export's render page and the window's preview both use
// this file, so what the creator previews is what is exported.
//
// Determinism: frames depend only on (project, frame). The time compositions and their
// libraries see is the frame clock (clock.js), no Math.random (compositions get `random(seed)`),
// and canvases are CPU-backed (`willReadFrequently`), whose pixels do not vary with the GPU path.

import { SILENCE } from "./sound.js";
import { DomScenes } from "./dom.js";
import { installFrameClock, realClearTimeout, realSetTimeout } from "./clock.js";
import { guardCanvases } from "./canvas-guard.js";
import { createCaptions } from "./captions.js";
import { countUpTo } from "./search.js";

export const LOAD_TIMEOUT_MS = 30000;

/** An error that names where it happened, for the creator. */
export class CompositionError extends Error {
  constructor(kind, where, message, stack) {
    super(message);
    this.kind = kind; // "module" | "load" | "draw" | "asset"
    this.where = where; // { scene, composition, frame?, asset? }
    this.jsStack = stack || "";
  }
  toJSON() {
    return { kind: this.kind, ...this.where, message: this.message, stack: this.jsStack };
  }
}

/** A seeded generator for scene `sceneIndex`: random(seed) → [0, 1), the same on every run. */
export function seededRandom(sceneIndex) {
  return (seed) => {
    // FNV-1a over "scene:seed", then a mulberry32 round: a cheap, well-mixed pure function.
    const s = `${sceneIndex}:${seed}`;
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    let t = (h + 0x6d2b79f5) | 0;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function withTimeout(promise, ms, onTimeout) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = realSetTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([promise, limit]).finally(() => realClearTimeout(timer));
}

/** Loads files from the project folder only: every URL is under `assetBase`, which the app
 * serves after checking the path stays inside the folder. */
function makeAssets(assetBase, where) {
  const url = (rel) => {
    const path = String(rel).split("/").map(encodeURIComponent).join("/");
    return assetBase + path;
  };
  // Why the app refused a file, in words (it says so in a response header), or null.
  const refusal = async (rel) => {
    try {
      const r = await fetch(url(rel));
      return r.ok ? null : r.headers.get("x-bazaar-refused");
    } catch (e) {
      return null;
    }
  };
  // A path that climbs out (`..`) or starts at the root is outside the project folder whatever
  // it names; the URL would be normalised before the app could say so.
  const escapes = (rel) => String(rel).startsWith("/") || String(rel).split("/").includes("..");
  const failed = async (kind, rel, fallback) => {
    const why = escapes(rel)
      ? "it is outside the project folder (asset paths are relative to the project file's folder and stay inside it)"
      : await refusal(rel);
    return new CompositionError("asset", { ...where, asset: rel },
      `the ${kind} ${JSON.stringify(rel)} could not be loaded: ${why || fallback}`);
  };
  return {
    url,
    async image(rel) {
      const img = new Image();
      img.decoding = "sync";
      img.src = url(rel);
      try {
        await img.decode();
      } catch (e) {
        throw await failed("image", rel, "it is missing or not an image this app can decode (PNG, JPEG, GIF, WebP, SVG)");
      }
      return img;
    },
    /** A video clip of the project: { width, height, duration, fps, frameAt(seconds) }, where
     * frameAt gives (a promise of) the clip's frame nearest to that time, drawable with
     * ctx.drawImage. The app decodes it (exact to the frame, see core/src/video). */
    async video(rel) {
      const clipUrl = (kind) => assetBase.replace(/p\/$/, "") + kind + "/" + url(rel).slice(assetBase.length);
      let info;
      try {
        const r = await fetch(clipUrl("vi"));
        if (!r.ok) throw new Error(r.headers.get("x-bazaar-refused") || (await r.text()));
        info = await r.json();
      } catch (e) {
        throw await failed("video", rel, (e && e.message) || "it is missing or not a video this app can decode");
      }
      // Frames asked for ahead (`prefetch`), by time and size: the app decodes the next frame
      // while this one is drawn, read back and encoded.
      const ahead = new Map();
      const path = (seconds, size) => {
        // Whole numbers the app reads: microseconds from 0 (before it, the first frame) to 2^53
        // (past the end, the last), sizes to 2^31 (larger than any clip: its own size). Beyond,
        // JavaScript writes "1e+21", which named no frame.
        const whole = (x, most) => Math.min(Math.max(Number.isFinite(x) ? x : x > 0 ? most : 0, 0), most);
        const micros = whole(Math.round(Number(seconds) * 1e6), Number.MAX_SAFE_INTEGER);
        const w = whole(Math.ceil(Number(size && size.width) || 0), 2 ** 31 - 1);
        const h = whole(Math.ceil(Number(size && size.height) || 0), 2 ** 31 - 1);
        return clipUrl(`vf/${micros}/${w}x${h}`);
      };
      return {
        ...info,
        /** Starts fetching the frame for `seconds` (and `size`), for a frameAt() to come. */
        prefetch(seconds, size) {
          const u = path(seconds, size);
          if (!ahead.has(u)) ahead.set(u, fetch(u).catch(() => null));
          if (ahead.size > 4) ahead.delete(ahead.keys().next().value);
        },
        /** The frame for `seconds`; `size` ({ width, height } in pixels), if given, is the most
         * the picture needs: a larger clip is scaled down (its aspect kept) before it is sent. */
        async frameAt(seconds, size) {
          const u = path(seconds, size);
          const early = ahead.get(u);
          ahead.delete(u);
          const r = (early && (await early)) || (await fetch(u));
          if (!r.ok) {
            const why = r.headers.get("x-bazaar-refused") || (await r.text());
            throw new CompositionError("asset", { ...where, asset: rel }, `the video ${JSON.stringify(rel)} failed at ${seconds} s: ${why}`);
          }
          const buf = await r.arrayBuffer();
          const head = new DataView(buf, 0, 16);
          const w = head.getUint32(0, true);
          const h = head.getUint32(4, true);
          return createImageBitmap(new ImageData(new Uint8ClampedArray(buf, 16, w * h * 4), w, h));
        },
      };
    },
    async font(family, rel) {
      const face = new FontFace(String(family), `url("${url(rel)}")`);
      try {
        await face.load();
      } catch (e) {
        throw await failed("font", rel, "it is missing or not a font file (TTF, OTF, WOFF, WOFF2)");
      }
      document.fonts.add(face);
      return face;
    },
  };
}

function describe(e) {
  if (e instanceof Error) return { message: e.message || String(e), stack: e.stack || "" };
  return { message: String(e), stack: "" };
}

/**
 * spec: { width, height, fps, variant, outWidth, outHeight, assetBase, loadTimeoutMs,
 *         scenes: [{ composition, module, durationInFrames, startFrame, props, transition }] }
 * stage: the element DOM scenes' roots go in, holding the canvas drawFrame() draws on (it
 *        covers the frame; see dom.js).
 * Returns { drawFrame(ctx, projectFrame, audio) → { dom }, sceneAt(projectFrame), whereAt(projectFrame) }.
 */
export async function createRuntime(spec, stage) {
  // Before any composition's module is evaluated: libraries take the time functions as they load.
  const clock = installFrameClock(spec.fps);
  guardCanvases();
  const modules = new Map();
  for (const scene of spec.scenes) {
    if (modules.has(scene.module)) continue;
    let mod;
    try {
      mod = await clock.during(import(scene.module));
    } catch (e) {
      const d = describe(e);
      throw new CompositionError("module", { scene: spec.scenes.indexOf(scene), composition: scene.composition },
        `the module of ${scene.composition} could not be loaded: ${d.message}`, d.stack);
    }
    const def = mod && mod.default;
    const dom = def && def.dom === true && typeof def.render === "function";
    if (!def || (!dom && typeof def.draw !== "function")) {
      throw new CompositionError("module", { scene: spec.scenes.indexOf(scene), composition: scene.composition },
        `the module of ${scene.composition} must export default { draw(ctx, info) { … } }, or { dom: true, render(root, info) { … } } for HTML and CSS`);
    }
    modules.set(scene.module, def);
  }

  const timeout = spec.loadTimeoutMs || LOAD_TIMEOUT_MS;
  const scenes = [];
  for (const [index, s] of spec.scenes.entries()) {
    const def = modules.get(s.module);
    const where = { scene: index, composition: s.composition };
    const props = { ...(def.defaultProps || {}), ...(s.props || {}) };
    let loaded;
    if (typeof def.load === "function") {
      const assets = makeAssets(spec.assetBase, where);
      try {
        loaded = await withTimeout(
          clock.during(Promise.resolve().then(() => def.load({ props, assets, width: spec.width, height: spec.height, variant: spec.variant ?? null }))),
          timeout,
          () => new CompositionError("load", where, `load() did not finish within ${Math.round(timeout / 1000)} s` + (clock.pending()
            ? " (requestAnimationFrame callbacks run on the frame clock, which moves only once frames are drawn, after load(): do not wait for them in load())" : "")),
        );
      } catch (e) {
        if (e instanceof CompositionError) throw e;
        const d = describe(e);
        throw new CompositionError("load", where, `load() failed: ${d.message}`, d.stack);
      }
    }
    const random = seededRandom(index);
    const scene = { ...s, def, props, loaded, random, where };
    // `scene.props`, not `props`: the preview's props panel replaces them (setProps).
    scene.info = (frame) => ({
      frame, durationInFrames: s.durationInFrames, fps: spec.fps, width: spec.width, height: spec.height, props: scene.props, random, loaded,
      variant: spec.variant ?? null,
    });
    scenes.push(scene);
  }

  const total = scenes.reduce((n, s) => n + s.durationInFrames, 0);
  // Burned captions, over every scene (captions.js): after load(), which may load their font.
  const captions = await createCaptions(spec, stage);
  // The previous scene's last frame, which a crossfade lays over the incoming scene at the
  // remaining opacity: drawn once and copied on each frame of the crossfade instead of drawn
  // again on each.
  let held = null; // { index, canvas }

  /** The last scene starting at or before `frame` (the first scene before the first frame). */
  function sceneAt(frame) {
    return Math.max(0, countUpTo(scenes, (s) => s.startFrame, frame) - 1);
  }

  async function drawScene(ctx, index, local, audio) {
    const s = scenes[index];
    const w = ctx.canvas.width;
    const h = ctx.canvas.height;
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = 1;
    ctx.globalCompositeOperation = "source-over";
    ctx.fillStyle = "#000";
    // The frame starts black, unless the composition promises to cover it all itself (`opaque`):
    // a full-frame fill is ≈1 ms at 1080p, about a third of a typical scene's drawing. A
    // transparent scene starts cleared, whatever it promises (its props may leave it clear).
    if (s.transparent === true) ctx.clearRect(0, 0, w, h);
    else if (s.def.opaque !== true) ctx.fillRect(0, 0, w, h);
    // Compositions draw in project coordinates; scaling here keeps a 720p export of a 1080p
    // project crisp instead of resizing pixels afterwards.
    ctx.scale(w / spec.width, h / spec.height);
    try {
      const pending = s.def.draw(ctx, { ...s.info(local), audio: audio || SILENCE });
      // draw() may be async (a video frame to wait for): the frame is taken once it settles.
      if (pending && typeof pending.then === "function") await clock.during(pending);
    } catch (e) {
      if (e instanceof CompositionError) throw e;
      const d = describe(e);
      throw new CompositionError("draw", { ...s.where, frame: s.startFrame + local }, `draw() threw: ${d.message}`, d.stack);
    } finally {
      ctx.restore();
    }
  }

  /** Scene `index`'s last frame at w×h, drawn on first use. Opaque like the export's canvas
   * (with alpha in a transparent project, as it is), so what a composition leaves clear comes
   * out the same as when drawn there directly. */
  async function heldFrame(index, w, h, audio) {
    const canvas = sized(held && held.canvas, w, h);
    if (!held || held.index !== index || held.canvas !== canvas) {
      const hctx = canvas.getContext("2d", { willReadFrequently: true, alpha: spec.alpha === true });
      await drawScene(hctx, index, scenes[index].durationInFrames - 1, audio);
      held = { index, canvas };
    }
    return canvas;
  }

  /** `canvas` if it is w×h, else a new w×h canvas. */
  function sized(canvas, w, h) {
    if (canvas && canvas.width === w && canvas.height === h) return canvas;
    const fresh = document.createElement("canvas");
    fresh.width = w;
    fresh.height = h;
    return fresh;
  }

  /** Copies `image` over the whole of `ctx`, at `alpha`, whatever ctx's transform. */
  function blit(ctx, image, alpha) {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = alpha;
    ctx.globalCompositeOperation = "source-over";
    ctx.drawImage(image, 0, 0);
    ctx.restore();
  }

  /** Mixes `image` into ctx (holding the incoming scene) as incoming × `t` + image × (1 − t), in
   * premultiplied colour: a dissolve that is right for transparent pixels too (laid over, a
   * clear incoming pixel would show the outgoing one at full strength). Two full-frame passes:
   * only in transparent projects. */
  function dissolve(ctx, image, t) {
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = t;
    ctx.globalCompositeOperation = "destination-in";
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, ctx.canvas.width, ctx.canvas.height);
    ctx.globalAlpha = 1 - t;
    ctx.globalCompositeOperation = "lighter";
    ctx.drawImage(image, 0, 0);
    ctx.restore();
  }

  const fail = (kind, where, message, e) => {
    if (e instanceof CompositionError) return e;
    const d = e ? describe(e) : { message: "", stack: "" };
    return new CompositionError(kind, where, e ? `${message}: ${d.message}` : message, d.stack);
  };
  const dom = scenes.some((s) => s.def.dom === true) && stage ? new DomScenes(stage, spec, fail) : null;
  if (!stage && scenes.some((s) => s.def.dom === true)) throw new Error("this page cannot show HTML scenes");

  /** Draws project frame `frame` (0-based), covering the whole frame (resolves when it is
   * drawn: a composition's draw() or render() may be async); `audio` is the compositions'
   * `audio` argument for it (sound.js; silence when left out). Returns { dom }: whether the frame
   * is the stage's picture (a DOM scene is in it) rather than the canvas alone. */
  async function drawFrame(ctx, frame, audio) {
    const f = Math.max(0, Math.min(total - 1, Math.floor(frame)));
    // Timers and animation-frame callbacks up to this frame run before it is drawn.
    clock.advanceTo(f);
    const index = sceneAt(f);
    const s = scenes[index];
    const local = f - s.startFrame;
    const t = s.transition || { type: "cut" };
    const fading = t.type === "crossfade" && index > 0 && local < t.durationInFrames;
    const incoming = fading ? (local + 1) / (t.durationInFrames + 1) : 1;
    const isDom = (i) => scenes[i].def.dom === true;
    if (!isDom(index) && !(fading && isDom(index - 1))) {
      if (dom) dom.hide(ctx.canvas);
      if (fading) {
        // Crossfade inside this scene's first frames: this scene fading in over the previous one,
        // held on its last frame. Drawn the other way round, the same mix: this scene straight
        // onto the canvas, then the held frame over it at the remaining opacity. That spares a
        // scratch layer and a full-frame copy per frame (≈1 ms at 1080p, in the stretch where
        // the page is the bottleneck). The total length stays the sum of the scenes.
        const { width: w, height: h } = ctx.canvas;
        await drawScene(ctx, index, local, audio);
        const held = await heldFrame(index - 1, w, h, audio);
        if (spec.alpha === true) dissolve(ctx, held, incoming);
        else blit(ctx, held, 1 - incoming);
      } else {
        await drawScene(ctx, index, local, audio);
      }
      if (captions) captions.draw(ctx, f);
      return { dom: false };
    }
    // A DOM scene is in the frame: the stage's layers, bottom to top, this scene then the
    // previous one held on its last frame at the remaining opacity. The canvas is one layer
    // at most (this scene, or the previous one's held frame).
    const where = { scene: index, composition: s.composition, frame: f };
    // Under DOM scenes, the stage: a transparent scene's (the matte, or clear when alpha is
    // kept), black for an opaque one.
    if (spec.alpha === true && stage) stage.style.background = s.transparent === true ? spec.stage : "#000";
    const layers = [];
    if (isDom(index)) layers.push({ el: await dom.show(index, s, local, audio), opacity: 1 });
    else {
      await drawScene(ctx, index, local, audio);
      layers.push({ el: ctx.canvas, opacity: 1 });
    }
    if (fading) {
      const p = scenes[index - 1];
      if (isDom(index - 1)) layers.push({ el: await dom.show(index - 1, p, p.durationInFrames - 1, audio), opacity: 1 - incoming });
      else {
        const { width: w, height: h } = ctx.canvas;
        blit(ctx, await heldFrame(index - 1, w, h, audio), 1);
        layers.push({ el: ctx.canvas, opacity: 1 - incoming });
      }
    }
    dom.arrange(layers, ctx.canvas, { x: ctx.canvas.width / spec.width, y: ctx.canvas.height / spec.height });
    if (captions) captions.overlay(ctx.canvas, f);
    await dom.settle(layers.map((l) => l.el).filter((el) => el !== ctx.canvas), where);
    return { dom: true };
  }

  /** Where project frame `frame` is, for messages. */
  function whereAt(frame) {
    const index = sceneAt(frame);
    return { scene: index, composition: scenes[index].composition, frame };
  }

  /** Scene `index`'s composition defaults and own props (the preview's props panel). */
  function propsOf(index) {
    const s = scenes[index];
    return s ? { defaults: s.def.defaultProps || {}, props: spec.scenes[index].props || {} } : null;
  }

  /** Replaces scene `index`'s own props (the composition's defaults under them), for the
   * preview only: what load() prepared stays as it was until the project is saved and reloaded. */
  function setProps(index, own) {
    const s = scenes[index];
    if (!s) return;
    s.props = { ...(s.def.defaultProps || {}), ...own };
    if (held && held.index === index) held = null;
  }

  /** The burned captions of project frame `frame` alone on ctx's canvas (see captions.js
   * layer()): the rectangle they may cover, or null. */
  const captionLayer = (ctx, frame) => (captions ? captions.layer(ctx, frame) : null);
  return { drawFrame, captionLayer, sceneAt, whereAt, propsOf, setProps, totalFrames: total, scenes: spec.scenes };
}
