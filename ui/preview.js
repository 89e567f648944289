// The preview player's controls. The picture itself is drawn inside the preview frame by the
// same runtime the export uses; we only send it seek/play/pause and show where it is.
const $ = (id) => document.getElementById(id);
const frame = $("preview-frame");
let fps = 30;
let total = 0;
let playing = false;
let muted = false;

function send(msg) {
  if (frame.contentWindow) frame.contentWindow.postMessage(msg, "*");
}

function clock(f) {
  const s = f / fps;
  return `${Math.floor(s / 60)}:${(s % 60).toFixed(2).padStart(5, "0")}`;
}

window.addEventListener("message", (ev) => {
  const m = ev.data || {};
  if (m.source !== "bazaar-preview" || ev.source !== frame.contentWindow) return;
  if (m.type === "ready") {
    total = m.totalFrames;
    fps = m.fps;
    $("preview-scrubber").max = String(Math.max(0, total - 1));
    $("preview-error").hidden = true;
    $("preview-mute").hidden = !m.sound;
    $("preview-sound").hidden = true;
    send({ type: "mute", muted });
  } else if (m.type === "frame") {
    playing = m.playing;
    $("preview-play").textContent = playing ? "Pause" : "Play";
    $("preview-scrubber").value = String(m.frame);
    $("preview-time").textContent = `frame ${m.frame} / ${total} · ${clock(m.frame)}`;
    $("preview-time").dataset.frame = String(m.frame);
  } else if (m.type === "error") {
    playing = false;
    $("preview-play").textContent = "Play";
    $("preview-error").textContent = m.error.message;
    $("preview-error").hidden = false;
  } else if (m.type === "sound") {
    // No sound output on this machine: the preview plays on silently.
    $("preview-sound").textContent = m.output === "none" ? "no sound output on this computer: playing silently" : "";
    $("preview-sound").hidden = m.output !== "none";
  } else if (m.type === "probe") {
    window.__previewProbe = m;
  }
});

$("preview-play").addEventListener("click", () => send({ type: playing ? "pause" : "play" }));
$("preview-mute").addEventListener("click", () => {
  muted = !muted;
  $("preview-mute").textContent = muted ? "Unmute" : "Mute";
  send({ type: "mute", muted });
});
$("preview-scrubber").addEventListener("input", (ev) => send({ type: "seek", frame: Number(ev.target.value) }));

document.addEventListener("bazaar:project", (ev) => {
  const p = ev.detail;
  playing = false;
  $("preview-play").textContent = "Play";
  if (p.previewUrl && frame.src !== p.previewUrl) frame.src = p.previewUrl;
});

// For tests: ask the preview what it shows.
window.bazaarPreview = { seek: (f) => send({ type: "seek", frame: f }), probe: () => send({ type: "probe" }) };
