// DOM scenes (`dom: true` compositions): each scene renders into a root element of the project's
// size, kept in the page's stage above the canvas and scaled to the output. The export takes the
// render view's own picture of the stage (src-tauri/src/render/snapshot.rs); the preview simply
// shows it.
//
// The clock: CSS animations, CSS transitions and Web Animations run on the composition's time.
// After each render() every animation in the root is paused and set to the time since it began,
// counted in frames: one that began with the scene shows n / fps seconds at scene frame n, one a
// class change started at frame 30 shows (n − 30) / fps. Timers and requestAnimationFrame are not
// the clock (a hidden render view throttles them; a frame takes as long as it takes).
//
// History: transitions depend on what the page looked like the frame before, so a scene's root
// is only ever moved forward a frame at a time. Asked for an earlier frame (the preview's
// scrubber), or for a later one than the next, the root is built again from the scene's first
// frame and render() replayed up to it: the same frame always looks the same.

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

  /** Waits for the stylesheets in `root` to be applied; one that failed is named. */
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
  }

  async render(scene, root, frame, audio) {
    try {
      const pending = scene.def.render(root, { ...scene.info(frame), audio });
      if (pending && typeof pending.then === "function") await pending;
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
    for (const root of roots) {
      void root.offsetWidth; // layout, which starts the web fonts it uses loading
      const pictures = [];
      for (const img of root.querySelectorAll("img")) {
        if (!img.getAttribute("src")) continue;
        pictures.push(img.decode().then(() => null, () => img));
      }
      for (const url of backgroundImages(root)) pictures.push(preload(url));
      for (const bad of await Promise.all(pictures)) {
        if (bad) throw this.missing("image", bad.getAttribute ? bad.getAttribute("src") : bad, where);
      }
    }
    await document.fonts.ready;
    for (const face of document.fonts) {
      if (face.status === "error") throw this.missing("font", fontSource(face.family), where);
    }
  }

  missing(kind, name, where) {
    return this.fail("asset", { ...where, asset: String(name) }, `the ${kind} ${JSON.stringify(String(name))} could not be loaded (it is missing, outside the project folder, or on the network, which a composition cannot reach)`);
  }
}

/** The `src` of the `@font-face` rule for `family` (what a creator wrote), else the family. */
function fontSource(family) {
  const name = family.replace(/^["']|["']$/g, "");
  for (const sheet of document.styleSheets) {
    let rules = [];
    try {
      rules = sheet.cssRules;
    } catch (e) {
      continue;
    }
    for (const rule of rules) {
      if (rule instanceof CSSFontFaceRule && rule.style.getPropertyValue("font-family").replace(/^["']|["']$/g, "") === name) {
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

/** The URLs of the CSS images the elements of `root` use. */
function backgroundImages(root) {
  const urls = new Set();
  for (const el of [root, ...root.querySelectorAll("*")]) {
    const style = getComputedStyle(el);
    for (const p of IMAGE_PROPERTIES) {
      const v = style.getPropertyValue(p);
      if (!v || v === "none") continue;
      for (const m of v.matchAll(/url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)/g)) {
        const u = m[1] || m[2] || m[3];
        if (u && !u.startsWith("data:")) urls.add(u);
      }
    }
  }
  return urls;
}
