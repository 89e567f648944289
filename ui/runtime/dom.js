// DOM scenes (`dom: true` compositions): each scene renders into a root element of the project's
// size, kept in the page's stage above the canvas and scaled to the output. The export takes the
// render view's own picture of the stage (src-tauri/src/render/snapshot.rs); the preview simply
// shows it.
//
// The clock: CSS animations, CSS transitions and Web Animations run on the composition's time.
// After each render() every animation in the root is paused and set to the time since it began,
// counted in frames: one that began with the scene shows n / fps seconds at scene frame n, one a
// class change started at frame 30 shows (n − 30) / fps. Timers and requestAnimationFrame run on
// the frame clock, the project's (clock.js).
//
// History: transitions depend on what the page looked like the frame before, so a scene's root
// is only ever moved forward a frame at a time. Asked for an earlier frame (the preview's
// scrubber), or for a later one than the next, the root is built again from the scene's first
// frame and render() replayed up to it: the same frame always looks the same.

import { compositionWait } from "./clock.js";

export class DomScenes {
  /** stage: the element the roots live in; spec: the page spec; fail(kind, where, message, stack). */
  constructor(stage, spec, fail) {
    this.stage = stage;
    this.spec = spec;
    this.fail = fail;
    this.state = new Map(); // scene index → { root, last, births }
    this.broken = new WeakSet(); // elements whose resource failed to load
    // Resource errors do not bubble; they are seen on the way down.
    document.addEventListener("error", (ev) => this.broken.add(ev.target), true);
    // What the page's CSP refused (anything on the network: a stylesheet's `@import`, a
    // `<video>`, an SVG `<image>`, `<object>`…): most such refusals leave no other trace a page
    // can wait for, and the frame would be taken with the thing silently missing.
    this.refused = []; // { url, directive }, the first few
    document.addEventListener("securitypolicyviolation", (ev) => {
      const url = ev.blockedURI;
      // Inline code and eval are not files (and inline handlers are never run, by design).
      if (!url || ["inline", "eval", "wasm-eval"].includes(url) || this.refused.length >= 16) return;
      this.refused.push({ url, directive: ev.effectiveDirective || ev.violatedDirective });
    }, true);
  }

  /** Scene `s`'s root (made on first use). */
  root(index) {
    let st = this.state.get(index);
    if (!st) {
      st = { root: null, last: null, births: new WeakMap() };
      this.state.set(index, st);
    }
    if (!st.root) {
      const root = document.createElement("div");
      root.dataset.scene = String(index);
      Object.assign(root.style, {
        position: "absolute", left: "0", top: "0", width: `${this.spec.width}px`, height: `${this.spec.height}px`,
        overflow: "hidden", transformOrigin: "0 0", display: "none", isolation: "isolate",
      });
      this.stage.appendChild(root);
      st.root = root;
    }
    return st;
  }

  /** Brings scene `index` (its record `scene`) to scene frame `local`, replaying from its start
   * when that is not the next frame (see above). */
  async show(index, scene, local, audio) {
    let st = this.root(index);
    if (st.last === local) return st.root;
    let from = st.last === null || local < st.last ? 0 : st.last + 1;
    if (from === 0 && st.last !== null) {
      st.root.remove();
      st.root = null;
      st.births = new WeakMap();
      st = this.root(index);
    }
    st.root.style.display = "block";
    const where = { ...scene.where, frame: scene.startFrame + local };
    for (let f = from; f <= local; f++) {
      await this.render(scene, st.root, f, f === local ? audio : undefined);
      // Stylesheets first: the animations they declare begin with the frame that added them.
      await this.sheets(st.root, where);
      this.sync(st, f);
      st.last = f;
    }
    return st.root;
  }

  /** Waits for the stylesheets in `root` to be applied; one that failed is named, and so is an
   * `@import` that did not load (its stylesheet loads all the same). */
  async sheets(root, where) {
    for (const link of root.querySelectorAll('link[rel~="stylesheet"]')) {
      if (!link.sheet && !this.broken.has(link)) {
        await new Promise((resolve) => {
          link.addEventListener("load", resolve, { once: true });
          link.addEventListener("error", resolve, { once: true });
        });
      }
      if (!link.sheet) throw this.missing("stylesheet", link.getAttribute("href"), where);
    }
    for (const el of root.querySelectorAll('link[rel~="stylesheet"], style')) {
      const gone = el.sheet && missingImport(el.sheet);
      if (gone) throw this.missing("stylesheet", gone, where);
    }
  }

  async render(scene, root, frame, audio) {
    try {
      const pending = scene.def.render(root, { ...scene.info(frame), audio });
      if (pending && typeof pending.then === "function") await compositionWait(pending);
    } catch (e) {
      throw this.fail("draw", { ...scene.where, frame: scene.startFrame + frame }, "render() threw", e);
    }
  }

  /** Pauses every animation in the root at its time on the composition's clock. */
  sync(st, frame) {
    for (const a of st.root.getAnimations({ subtree: true })) {
      if (!st.births.has(a)) st.births.set(a, frame);
      a.pause();
      a.currentTime = ((frame - st.births.get(a)) * 1000) / this.spec.fps;
    }
  }

  /** Lays out the stage: `layers` bottom to top ({ el, opacity }), everything else hidden. */
  arrange(layers, canvas, scale) {
    const shown = new Set(layers.map((l) => l.el));
    for (const { root } of this.state.values()) {
      if (root && !shown.has(root)) root.style.display = "none";
    }
    if (!shown.has(canvas)) canvas.style.visibility = "hidden";
    layers.forEach(({ el, opacity }, z) => {
      el.style.zIndex = String(z + 1);
      el.style.opacity = opacity >= 1 ? "" : String(opacity);
      if (el === canvas) el.style.visibility = "visible";
      else {
        el.style.display = "block";
        el.style.transform = `scale(${scale.x}, ${scale.y})`;
      }
    });
  }

  /** Hides every root (a canvas-only frame). */
  hide(canvas) {
    for (const { root } of this.state.values()) if (root) root.style.display = "none";
    canvas.style.visibility = "visible";
    canvas.style.opacity = "";
  }

  /** Waits until what the shown roots need is there: layout done, web fonts and images loaded
   * and decoded (stylesheets were waited for in show()). A file that failed is named. */
  async settle(roots, where) {
    const families = new Set();
    for (const root of roots) {
      void root.offsetWidth; // layout
      const { images, fonts, references } = usedBy(root);
      for (const f of fonts) families.add(f);
      // Another document's shapes: WebKit loads only the page's own origin's, silently.
      const outside = references.find((ref) => !ref.startsWith("#") && !resolved(ref).startsWith(this.spec.assetBase));
      if (outside) throw this.missing("SVG reference", outside, where);
      const pictures = [];
      for (const img of root.querySelectorAll("img")) {
        // A picture may come from `srcset` or a `<picture>`'s `<source>` (the one chosen is
        // its currentSrc): named as written when it is the `src`.
        const src = img.getAttribute("src");
        if (!src && !img.getAttribute("srcset") && !img.currentSrc) continue;
        const name = () => (img.currentSrc && img.currentSrc !== resolved(src || "") ? this.named(img.currentSrc) : src || img.getAttribute("srcset"));
        pictures.push(img.decode().then(() => null, name));
      }
      for (const url of images) pictures.push(preload(url));
      for (const bad of await Promise.all(pictures)) {
        if (bad) throw this.missing("image", bad, where);
      }
    }
    // The web fonts the roots use, loaded now: WebKit starts a face's load some time after the
    // layout that needs it, and the frame could be taken in the fallback font, or before a face
    // that cannot load (on the network, say) says so.
    const faces = [...document.fonts].filter((f) => f.status === "unloaded" && families.has(unquote(f.family)));
    await Promise.all(faces.map((f) => f.load().catch(() => null)));
    await document.fonts.ready;
    for (const face of document.fonts) {
      if (face.status === "error") throw this.missing("font", fontSource(face.family), where);
    }
    // A refusal is reported in a task of its own: one turn of the event loop lets those of
    // this frame's loads arrive.
    await nextTask();
    if (this.refused.length) {
      const { url, directive } = this.refused[0];
      const kind = REFUSED_KINDS[directive.replace(/-(elem|attr)$/, "")] || "file";
      // A project file refused for its kind (a <video>, an <object>, an <iframe>), not its place.
      const why = url.startsWith(this.spec.assetBase) ? "a render page loads only images, fonts, stylesheets and scripts" : undefined;
      throw this.missing(kind, this.named(url), where, why);
    }
  }

  /** `url` as a creator wrote it: relative to the project folder when it is inside it. */
  named(url) {
    if (!url.startsWith(this.spec.assetBase)) return url;
    const rel = url.slice(this.spec.assetBase.length);
    try {
      return decodeURIComponent(rel);
    } catch (e) {
      return rel;
    }
  }

  missing(kind, name, where, why = "it is missing, outside the project folder, or on the network, which a composition cannot reach") {
    return this.fail("asset", { ...where, asset: String(name) }, `the ${kind} ${JSON.stringify(String(name))} could not be loaded (${why})`);
  }
}

/** What a CSP refusal was for, by its directive (`style-src-elem` as `style-src`). */
const REFUSED_KINDS = {
  "img-src": "image", "font-src": "font", "style-src": "stylesheet", "media-src": "media file", "script-src": "script",
  "worker-src": "script", "object-src": "object", "frame-src": "frame", "child-src": "frame", "connect-src": "request",
  "form-action": "form's target",
};

/** Resolves after the tasks already queued (a message to this page is a task; timers are
 * throttled in a hidden view). */
function nextTask() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = resolve;
    channel.port2.postMessage(null);
  });
}

/** The URL of the first `@import` in `sheet` (or in a sheet it imports) that did not load. */
function missingImport(sheet, depth = 0) {
  let rules = [];
  try {
    rules = sheet.cssRules;
  } catch (e) {
    return null;
  }
  for (const rule of rules) {
    if (!(rule instanceof CSSImportRule)) continue;
    if (!rule.styleSheet) return rule.href;
    const deeper = depth < 16 ? missingImport(rule.styleSheet, depth + 1) : null;
    if (deeper) return deeper;
  }
  return null;
}

/** `ref` as an absolute URL (itself when it is not one). */
function resolved(ref) {
  try {
    return new URL(ref, document.baseURI).href;
  } catch (e) {
    return ref;
  }
}

const unquote = (family) => family.trim().replace(/^["']|["']$/g, "");

/** The `src` of the `@font-face` rule for `family` (what a creator wrote), else the family. */
function fontSource(family) {
  const name = unquote(family);
  for (const sheet of document.styleSheets) {
    let rules = [];
    try {
      rules = sheet.cssRules;
    } catch (e) {
      continue;
    }
    for (const rule of rules) {
      if (rule instanceof CSSFontFaceRule && unquote(rule.style.getPropertyValue("font-family")) === name) {
        return `${name}: ${rule.style.getPropertyValue("src")}`;
      }
    }
  }
  return name;
}

const preloaded = new Map(); // url → promise of null (loaded) or the url (failed)

/** Loads and decodes `url` (a CSS image), so the picture taken has it painted. */
function preload(url) {
  if (!preloaded.has(url)) {
    const img = new Image();
    img.src = url;
    preloaded.set(url, img.decode().then(() => null, () => url));
  }
  return preloaded.get(url);
}

const IMAGE_PROPERTIES = ["background-image", "mask-image", "-webkit-mask-image", "border-image-source", "list-style-image"];

/** What the elements of `root` use: the URLs of their CSS images, their font families, and
 * the references of their SVG `<use>` elements. */
function usedBy(root) {
  const images = new Set();
  const fonts = new Set();
  const references = [];
  for (const el of [root, ...root.querySelectorAll("*")]) {
    const style = getComputedStyle(el);
    for (const p of IMAGE_PROPERTIES) {
      const v = style.getPropertyValue(p);
      if (!v || v === "none") continue;
      for (const m of v.matchAll(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)/g)) {
        const u = m[1] || m[2] || m[3];
        if (u && !u.startsWith("data:")) images.add(u);
      }
    }
    for (const family of style.fontFamily.split(",")) fonts.add(unquote(family));
    if (el instanceof SVGUseElement) {
      const ref = el.getAttribute("href") || el.getAttributeNS("http://www.w3.org/1999/xlink", "href");
      if (ref) references.push(ref);
    }
  }
  return { images, fonts, references };
}
