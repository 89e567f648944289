// Measures the other capture path for DOM scenes: the bench-dom scene serialised into an SVG
// foreignObject (its CSS inlined, its web font inlined as a data: URL), drawn into the canvas
// from a data: URL and read back, 60 times; reports the time per frame (by failing with it).
export default {
  async load({ assets }) {
    const font = await (await fetch(assets.url("fonts/brand.ttf"))).arrayBuffer();
    let bin = "";
    const bytes = new Uint8Array(font);
    for (let i = 0; i < bytes.length; i += 8192) bin += String.fromCharCode(...bytes.subarray(i, i + 8192));
    const fontUrl = `data:font/ttf;base64,${btoa(bin)}`;
    const css = `@font-face { font-family: "Brand"; src: url("${fontUrl}"); }
.scene { position: absolute; inset: 0; background: linear-gradient(135deg, #1d2b64, #f8cdda); font-family: "Brand"; color: #fff; }
.title { position: absolute; left: 120px; top: 80px; font-size: 96px; }
.card { position: absolute; width: 160px; height: 90px; border-radius: 16px; background: linear-gradient(90deg, #ff512f, #dd2476); font-size: 28px; padding: 12px; box-sizing: border-box; }`;
    const canvas = document.createElement("canvas");
    canvas.width = 1920;
    canvas.height = 1080;
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    const times = [];
    for (let f = 0; f < 60; f++) {
      const t0 = performance.now();
      // The keyframed cards at frame f, as computed styles would give them (inlined transforms).
      const cards = Array.from({ length: 20 }, (_, i) => {
        const p = ((f / 30 + i * 0.37) % 8) / 4;
        const x = 1400 * (p <= 1 ? p : 2 - p);
        return `<div class="card" style="left:60px;top:${220 + (i % 10) * 80}px;transform:translateX(${x}px) rotate(${(x / 1400) * 20}deg)">#${i + 1}</div>`;
      }).join("");
      const html = `<div xmlns="http://www.w3.org/1999/xhtml" class="scene"><style>${css}</style><div class="title">Quarterly recap · ${(f / 30).toFixed(1)} s</div>${cards}</div>`;
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1920" height="1080"><foreignObject width="100%" height="100%">${html}</foreignObject></svg>`;
      const img = new Image();
      img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
      await img.decode();
      ctx.drawImage(img, 0, 0);
      ctx.getImageData(0, 0, 1920, 1080);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    throw new Error(`foreignObject capture: median ${times[30].toFixed(1)} ms a frame (min ${times[0].toFixed(1)}, max ${times[59].toFixed(1)})`);
  },
  draw() {},
};
