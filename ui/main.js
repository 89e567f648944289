// The main window. Talks to Rust only through `invoke` (commands) and `listen` (events).
const { invoke } = window.__TAURI__.core;
const { listen } = window.__TAURI__.event;

const $ = (id) => document.getElementById(id);

function formatSeconds(s) {
  const whole = Math.floor(s);
  const cs = Math.round((s - whole) * 100) % 100;
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}.${String(cs).padStart(2, "0")}`;
}

// The open project, for the export panel.
window.bazaarProject = null;

// Each sound's waveform ({ frames heard, peaks }), asked once per project shown: the scene
// list's strips and the timeline's tracks share it. Two decodes at a time, so a long project's
// many sounds do not start as many decoders at once.
const waveforms = new Map();
const waveQueue = [];
let decoding = 0;
function pumpWaves() {
  while (decoding < 2 && waveQueue.length) {
    const { index, resolve, reject } = waveQueue.shift();
    decoding++;
    invoke("sound_waveform", { index, buckets: 4096 })
      .then(resolve, reject)
      .finally(() => {
        decoding--;
        pumpWaves();
      });
  }
}
function waveform(index) {
  if (!waveforms.has(index)) waveforms.set(index, new Promise((resolve, reject) => waveQueue.push({ index, resolve, reject })));
  pumpWaves();
  return waveforms.get(index);
}

// `reloaded`: the same project again after an edit (live reload): the preview keeps its frame.
function showProject(p, reloaded = false) {
  window.bazaarProject = p;
  waveforms.clear();
  waveQueue.length = 0;
  document.dispatchEvent(new CustomEvent("bazaar:project", { detail: { ...p, reloaded } }));
  $("empty").hidden = true;
  $("project").hidden = false;
  $("project-name").textContent = p.name;
  $("project-file").textContent = p.file;
  $("project-size").textContent = `${p.width} × ${p.height}`;
  $("project-fps").textContent = `${p.fps} fps`;
  $("project-duration").textContent = `${formatSeconds(p.durationSeconds)} (${p.totalFrames} frames)`;
  const sounds = (p.sounds || []).map((sound, index) => ({ ...sound, index }));
  const topLevel = sounds.filter((x) => x.scene === null || x.scene === undefined);
  $("sound-list").replaceChildren(...topLevel.map((x) => soundItem(x, p.fps, "li")));
  $("sound-list").hidden = topLevel.length === 0;
  const list = $("scene-list");
  list.replaceChildren(
    ...p.scenes.map((s, sceneIndex) => {
      const li = document.createElement("li");
      li.dataset.composition = s.composition;
      li.dataset.scene = String(sceneIndex);
      li.dataset.testid = `scene-${sceneIndex}`;
      const name = document.createElement("span");
      name.className = "composition";
      name.textContent = s.composition;
      const dur = document.createElement("span");
      dur.className = "dur";
      dur.textContent = `${s.seconds.toFixed(2)} s`;
      li.append(name, dur);
      if (s.transition && s.transition.type === "crossfade") {
        const t = document.createElement("span");
        t.className = "dur";
        t.textContent = `crossfade ${s.transition.durationInFrames} frames`;
        li.append(t);
      }
      const own = sounds.filter((x) => x.scene === sceneIndex);
      if (own.length) {
        const ul = document.createElement("ul");
        ul.className = "scene-sounds";
        ul.append(...own.map((x) => soundItem(x, p.fps, "li")));
        li.append(ul);
      }
      return li;
    }),
  );
  hideErrors();
  document.title = `${p.name} — Bazaar Export`;
}

// One sound in the lists: its file, where it starts, and a waveform strip of what is heard of
// it (the app decodes it in the background; the strip fills in when it arrives).
function soundItem(sound, fps, tag) {
  const el = document.createElement(tag);
  el.className = "sound";
  el.dataset.sound = sound.jsonPath;
  const name = document.createElement("span");
  name.textContent = `♪ ${sound.src}`;
  const at = document.createElement("span");
  at.className = "dur";
  at.textContent = `${sound.scene == null ? "whole video, " : ""}from ${formatSeconds(sound.at / fps)}${sound.loop ? ", looped" : ""}`;
  const wave = document.createElement("canvas");
  wave.className = "wave";
  wave.width = 280;
  wave.height = 14;
  const align = document.createElement("button");
  align.type = "button";
  align.textContent = "Align script…";
  align.dataset.testid = `align-script-${sound.index}`;
  align.addEventListener("click", () => document.dispatchEvent(new CustomEvent("bazaar:align", { detail: sound })));
  el.append(name, at, wave, align);
  waveform(sound.index)
    .then(({ peaks }) => {
      const g = wave.getContext("2d");
      g.fillStyle = "#5a67d8";
      const per = peaks.length / wave.width;
      for (let x = 0; x < wave.width; x++) {
        const v = Math.max(0, ...peaks.slice(Math.floor(x * per), Math.max(Math.floor(x * per) + 1, Math.floor((x + 1) * per))));
        const h = Math.max(1, Math.min(1, v) * wave.height);
        g.fillRect(x, (wave.height - h) / 2, 1, h);
      }
      wave.dataset.drawn = "true";
    })
    .catch((e) => {
      wave.title = typeof e === "object" && e ? e.message : String(e);
    });
  return el;
}

function hideErrors() {
  $("project-errors").hidden = true;
}

// Errors come from Rust as { kind, message, file?, problems? }; anything else is shown as text.
function showError(err) {
  const e = typeof err === "object" && err ? err : { kind: "internal", message: String(err) };
  $("errors-title").textContent = e.message || "Something went wrong";
  const items = (e.problems || []).map((p) => {
    const li = document.createElement("li");
    if (p.at) {
      const code = document.createElement("code");
      code.textContent = p.at;
      li.append(code, ": ");
    }
    li.append(p.message);
    return li;
  });
  $("errors-list").replaceChildren(...items);
  $("project-errors").hidden = false;
  $("project-errors").dataset.kind = e.kind || "internal";
}

async function run(action) {
  try {
    const p = await action();
    if (p) {
      $("reload-error").hidden = true;
      showProject(p);
    }
  } catch (e) {
    showError(e);
  }
}

const openViaDialog = () => run(() => invoke("pick_project"));
const openPath = (path) => run(() => invoke("open_project", { path }));

$("open").addEventListener("click", openViaDialog);
$("errors-dismiss").addEventListener("click", hideErrors);
document.addEventListener("keydown", (ev) => {
  if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "o") {
    ev.preventDefault();
    openViaDialog();
  }
});

// Live reload: the app watches the project's folder and says when something in it changed.
// One reload at a time; a change during one means another once it is done. A broken edit is
// shown over the preview, which keeps the last good project until the next good save.
let reloading = false;
let reloadAgain = false;
async function reload() {
  if (reloading) {
    reloadAgain = true;
    return;
  }
  reloading = true;
  try {
    const p = await invoke("reload_project");
    $("reload-error").hidden = true;
    showProject(p, true);
  } catch (err) {
    const e = typeof err === "object" && err ? err : { message: String(err) };
    const lines = (e.problems || []).map((x) => (x.at ? `${x.at}: ${x.message}` : x.message));
    // A project that is no longer there (its folder deleted or moved) is no bad save.
    $("reload-error-title").textContent =
      e.kind === "movedAway"
        ? "The project is no longer where it was opened."
        : "The last save has a problem: the preview shows the last good version.";
    $("reload-error-text").textContent = [e.message, ...lines].join("\n");
    $("reload-error").hidden = false;
  } finally {
    reloading = false;
    if (reloadAgain) {
      reloadAgain = false;
      reload();
    }
  }
}
listen("bazaar:changed", () => {
  if (window.bazaarProject) reload();
});

listen("bazaar:drop", ({ payload }) => {
  if (payload.kind === "hover") {
    $("drop-overlay").hidden = false;
  } else {
    $("drop-overlay").hidden = true;
    if (payload.kind === "drop") openPath(payload.path);
  }
});

// For the window's other modules (new-project.js, props.js) and tests; not a public API.
window.bazaar = { openPath, run, showProject, showError, waveform };

run(() => invoke("startup_project"));
