// Safe zones over the preview (never exported: drawn in the window, over the preview's frame):
// the title-safe and action-safe frames, and in a 9:16 picture the areas a short-video app's
// interface covers. The figures are data, in one table, with where they come from.
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

export const SAFE_ZONES = {
  // EBU R 95 ("Safe areas for 16:9 television production"): action-safe 93 %, graphics
  // (title-) safe 90 % of the picture's width and height, centred.
  actionSafe: 0.93,
  titleSafe: 0.9,
  // TikTok and Instagram Reels together, the worst case of each side at 1080×1920: the caption,
  // buttons and bars of both apps, from their published safe-zone templates (2024–2026; they
  // change: check before a campaign). Scaled to the picture for other 9:16 sizes.
  vertical: { width: 1080, height: 1920, top: 220, bottom: 500, left: 180, right: 180, label: "TikTok / Reels interface" },
};

let on = false;

/** The picture's box inside the preview frame: the stage is scaled to fit and centred. */
function pictureBox(frame, w, h) {
  const fw = frame.clientWidth;
  const fh = frame.clientHeight;
  const s = Math.min(fw / w, fh / h);
  return { x: frame.offsetLeft + (fw - w * s) / 2, y: frame.offsetTop + (fh - h * s) / 2, s };
}

function rect(x, y, w, h, cls) {
  const r = document.createElementNS(SVG, "rect");
  Object.entries({ x, y, width: Math.max(0, w), height: Math.max(0, h), class: cls }).forEach(([k, v]) => r.setAttribute(k, String(v)));
  return r;
}

function draw() {
  const svg = $("safe-zones-overlay");
  const p = window.bazaarProject;
  // An <svg> has no `hidden` property (HTML elements do): the attribute itself.
  svg.toggleAttribute("hidden", !on || !p);
  if (!on || !p) return;
  const frame = $("preview-frame");
  const { width: w, height: h } = p;
  const box = pictureBox(frame, w, h);
  Object.assign(svg.style, { left: `${box.x}px`, top: `${box.y}px`, width: `${w * box.s}px`, height: `${h * box.s}px` });
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
  const parts = [];
  const v = SAFE_ZONES.vertical;
  if (Math.abs(w / h - v.width / v.height) < 0.01) {
    const k = w / v.width;
    parts.push(rect(0, 0, w, v.top * k, "covered"), rect(0, h - v.bottom * k, w, v.bottom * k, "covered"));
    parts.push(rect(0, v.top * k, v.left * k, h - (v.top + v.bottom) * k, "covered"));
    parts.push(rect(w - v.right * k, v.top * k, v.right * k, h - (v.top + v.bottom) * k, "covered"));
  }
  for (const [share, cls] of [[SAFE_ZONES.actionSafe, "action"], [SAFE_ZONES.titleSafe, "title"]]) {
    parts.push(rect((w * (1 - share)) / 2, (h * (1 - share)) / 2, w * share, h * share, cls));
  }
  svg.replaceChildren(...parts);
  svg.dataset.zones = parts.map((r) => r.getAttribute("class")).join(" ");
}

$("safe-zones").addEventListener("click", () => {
  on = !on;
  $("safe-zones").setAttribute("aria-pressed", String(on));
  draw();
});
document.addEventListener("bazaar:project", () => requestAnimationFrame(draw));
window.addEventListener("resize", draw);
