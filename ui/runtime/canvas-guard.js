// What the page's canvases may be, said where a composition makes one (runtime.js installs it
// before any composition loads).

// WebKit gives a canvas of more than 16384 × 16384 pixels no pixels at all: drawing into it
// does nothing and it reads back transparent, so a composition's picture silently went blank.
export const MAX_CANVAS_PIXELS = 16384 * 16384;

function tooLarge(w, h) {
  return new Error(
    `a canvas of ${w}×${h} pixels is larger than the render view can draw (at most ${MAX_CANVAS_PIXELS.toLocaleString("en")} pixels, ` +
      "16384 × 16384): it would stay blank; draw it smaller and scale it up with drawImage",
  );
}

// Makes a canvas that is too large fail where its context is made (or an OffscreenCanvas where it
// is created), with its size in the message, instead of drawing nothing; and WebGL asked of an
// OffscreenCanvas, which has none here, fail saying what works.
export function guardCanvases() {
  if (globalThis.__bazaarCanvasGuard) return;
  globalThis.__bazaarCanvasGuard = true;
  for (const Canvas of [globalThis.HTMLCanvasElement, globalThis.OffscreenCanvas]) {
    if (!Canvas) continue;
    const getContext = Canvas.prototype.getContext;
    Canvas.prototype.getContext = function (...args) {
      if (this.width * this.height > MAX_CANVAS_PIXELS) throw tooLarge(this.width, this.height);
      const context = getContext.apply(this, args);
      // WebKitGTK gives an OffscreenCanvas no WebGL (null, which three.js reports only as "Error
      // creating WebGL context"); a page's own canvas has it.
      if (!context && Canvas === globalThis.OffscreenCanvas && /^(webgl|webgl2|experimental-webgl)$/.test(args[0])) {
        throw new Error(`an OffscreenCanvas has no ${args[0]} context in the render view: draw WebGL on document.createElement("canvas") and copy it with ctx.drawImage`);
      }
      return context;
    };
  }
}
