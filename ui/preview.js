// The preview player's controls. The picture itself is drawn inside the preview frame by the
// same runtime the export uses; we only send it seek/play/pause and show where it is.
const $ = (id) => document.getElementById(id);
const frame = $("preview-frame");
let fps = 30;
let total = 0;
let playing = false;
let muted = false;
let current = 0; // the frame shown
let resume = null; // after a live reload: { frame, playing } to go back to once the page is ready

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
    if (resume) {
      send({ type: "seek", frame: Math.min(resume.frame, Math.max(0, total - 1)) });
      if (resume.playing) send({ type: "play" });
      resume = null;
    }
  } else if (m.type === "frame") {
    playing = m.playing;
    current = m.frame;
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
  } else if (m.type === "key") {
    key(m); // pressed while the preview had the focus
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
  resume = p.reloaded ? { frame: current, playing } : null;
  if (!p.reloaded) current = 0;
  playing = false;
  $("preview-play").textContent = "Play";
  if (p.previewUrl && frame.src !== p.previewUrl) frame.src = p.previewUrl;
});

// Keys: Space plays or pauses; ←/→ a frame back or on (with Shift, a second); Home/End the
// first and last frame. Not while typing in a field, nor with Ctrl/Alt/Meta (the menus' keys).
function key(ev) {
  if (!total || ev.ctrlKey || ev.altKey || ev.metaKey) return false;
  const seek = (f) => {
    if (playing) send({ type: "pause" });
    send({ type: "seek", frame: Math.max(0, Math.min(total - 1, f)) });
  };
  const step = ev.shiftKey ? fps : 1;
  switch (ev.key) {
    case " ":
      send({ type: playing ? "pause" : "play" });
      return true;
    case "ArrowLeft":
      seek(current - step);
      return true;
    case "ArrowRight":
      seek(current + step);
      return true;
    case "Home":
      seek(0);
      return true;
    case "End":
      seek(total - 1);
      return true;
    default:
      return false;
  }
}
document.addEventListener("keydown", (ev) => {
  const t = ev.target;
  const typing = t && (t.isContentEditable || ["INPUT", "SELECT", "TEXTAREA", "BUTTON"].includes(t.tagName));
  if (typing || !$("export-panel").hidden) return;
  if (key(ev)) ev.preventDefault();
});

// Save frame…: the frame shown, at the project's own size, through the still command's code;
// where it went, or why it failed, is said under the player.
$("save-frame").addEventListener("click", async () => {
  const status = $("save-frame-status");
  const button = $("save-frame");
  const shown = current;
  button.disabled = true;
  status.classList.remove("errors");
  status.textContent = `Saving frame ${shown}…`;
  status.hidden = false;
  try {
    const path = await window.__TAURI__.core.invoke("save_frame", { frame: shown });
    status.textContent = path ? `Saved frame ${shown} to ${path}` : "";
    status.hidden = !path;
  } catch (e) {
    status.textContent = (e && e.message) || String(e);
    status.classList.add("errors");
  } finally {
    button.disabled = false;
  }
});

// For tests: ask the preview what it shows.
window.bazaarPreview = { seek: (f) => send({ type: "seek", frame: f }), probe: () => send({ type: "probe" }) };
