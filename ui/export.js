// Export from the window: the panel (format, quality, size, estimate), the save dialog, live
// progress, the queue with cancel, the result (Open / Show in folder), errors with Retry, and
// the history. Progress arrives from Rust as `bazaar:export` events, throttled there.
const { invoke } = window.__TAURI__.core;
const { listen } = window.__TAURI__.event;

const $ = (id) => document.getElementById(id);
const jobs = new Map(); // id → job, this session
let presets = [];
let lastFailed = null;
let lastCompleted = null;

const STAGE_WORDS = {
  queued: "Waiting in the queue",
  preparing: "Preparing (loading the project)",
  rendering: "Rendering",
  finalizing: "Finalizing the file",
  done: "Done",
};

function fmtSeconds(s) {
  if (s == null || !isFinite(s)) return "";
  s = Math.max(0, Math.round(s));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

// The message and each problem under it (a project that cannot be opened lists them there).
function errorText(e) {
  if (typeof e !== "object" || !e) return String(e);
  const lines = (e.problems || []).map((p) => (p.at ? `${p.at}: ${p.message}` : p.message));
  return [e.message || JSON.stringify(e), ...lines].join("\n");
}

async function refreshPresets() {
  if (!window.bazaarProject) return;
  try {
    presets = await invoke("export_options");
  } catch (e) {
    presets = [];
  }
  describeChoice();
}

// The last choice, kept for the next export (also across restarts, in the view's storage).
const REMEMBERED = ["export-format", "export-quality", "export-size-choice", "export-prores", "export-gif-loops", "export-gif-fps", "export-captions-sidecar"];
function remember() {
  try {
    const choice = Object.fromEntries(REMEMBERED.map((id) => [id, $(id).value]));
    localStorage.setItem("bazaar.export.choice", JSON.stringify(choice));
  } catch (e) {
    // storage unavailable: the choice is simply not kept
  }
}
function recall() {
  try {
    const choice = JSON.parse(localStorage.getItem("bazaar.export.choice") || "{}");
    for (const id of REMEMBERED) {
      const el = $(id);
      if (choice[id] != null && [...el.options].some((o) => o.value === choice[id])) el.value = choice[id];
    }
  } catch (e) {
    // a damaged entry: the defaults stay
  }
}

function describeChoice() {
  const f = $("export-format").value;
  // A GIF's frame rate: the quality's (10, 15, 25) unless one is chosen; never above the
  // project's (the command line's --gif-fps).
  $("export-prores-row").hidden = f !== "prores";
  $("export-gif-loops-row").hidden = f !== "gif";
  $("export-gif-fps-row").hidden = f !== "gif";
  remember();
  const q = $("export-quality").value;
  const size = $("export-size-choice").value;
  const p = presets.find((x) => x.format === f && x.quality === q && (x.size || "preset") === size);
  if (!p) {
    $("export-size").textContent = "";
    return;
  }
  let codec = p.codec;
  if (f === "prores") codec = `Apple ProRes ${$("export-prores").selectedOptions[0].textContent}, 10-bit`;
  else if (p.crf != null) codec += f.startsWith("webm") ? `, cq-level ${p.crf}` : `, CRF ${p.crf}`;
  $("export-codec").textContent = codec;
  // The sound alone has no picture: its length, not a size.
  let text = p.kind === "soundOnly" ? `${(p.frames / p.fps).toFixed(2)} s` : `${p.width} × ${p.height} px`;
  let frames = p.frames;
  if (f === "gif") {
    const fps = gifFps() ? Math.min(gifFps(), window.bazaarProject.fps) : p.fps;
    // As the render plans it: the project's frames sampled at the GIF's rate, same length.
    if (gifFps()) frames = Math.ceil((window.bazaarProject.totalFrames * fps) / window.bazaarProject.fps);
    text += ` at ${fps} fps`;
  }
  if (p.kind !== "soundOnly") text += `, ${frames} frames`;
  const bytes = (p.estimateBytes || {})[f === "prores" ? $("export-prores").value : ""];
  // ProRes: its profile's target rate, which flat pictures stay far under.
  if (bytes != null) text += `, about ${fmtBytes(bytes)}${f === "prores" ? " at the profile's data rate" : ""}`;
  if (p.kind === "imageSequence") text += ", one picture each, into a new folder";
  if (p.estimateSeconds != null) text += ` — about ${fmtSeconds(p.estimateSeconds)} on this machine`;
  $("export-size").textContent = text;
  $("export-sound").textContent = p.sound || "";
  $("export-sound").hidden = !p.sound;
  // Keep transparency: only where the format can; greyed with the reason elsewhere. A
  // transparent project whose alpha is not kept is said to be flattened over its matte.
  // ProRes keeps it only in its 4444 profiles.
  const keepsAlpha = p.keepsAlpha && (f !== "prores" || $("export-prores").value.startsWith("4444"));
  const keep = $("export-keep-alpha");
  keep.disabled = !keepsAlpha;
  if (!keepsAlpha) keep.checked = false;
  const why = f === "prores" ? "ProRes keeps transparency only as 4444 or 4444 XQ" : `${p.label} cannot keep transparency (ProRes 4444, transparent WebM and PNG sequences can)`;
  $("export-alpha-row").title = keepsAlpha ? "" : why;
  const flat = p.flattenedOver && !keep.checked ? `Transparent project: flattened over ${p.flattenedOver}` : "";
  $("export-alpha").textContent = flat;
  $("export-alpha").hidden = !flat;
  // Captions: a file beside the video (shown only when the project has captions), and the one
  // line said when the format cannot carry their tracks.
  $("export-captions-row").hidden = !(p.captions > 0 && p.kind === "video");
  $("export-captions").textContent = p.captionsNote || "";
  $("export-captions").hidden = !p.captionsNote;
  $("export-size").dataset.width = p.width;
  $("export-size").dataset.height = p.height;
}

function fmtBytes(n) {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i += 1;
  }
  return `${i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

// The GIF frame rate chosen, or null for the quality's.
function gifFps() {
  const v = $("export-gif-fps").value;
  return v ? Number(v) : null;
}

function openPanel() {
  if (!window.bazaarProject) return;
  $("export-panel").hidden = false;
  refreshPresets();
}

async function confirmExport(format, quality) {
  const project = window.bazaarProject;
  if (!project) return;
  format = format || $("export-format").value;
  quality = quality || $("export-quality").value;
  const size = $("export-size-choice").value;
  const proresProfile = format === "prores" ? $("export-prores").value : null;
  const gifLoops = format === "gif" ? Number($("export-gif-loops").value) : null;
  const gifFpsChosen = format === "gif" ? gifFps() : null;
  const keepAlpha = $("export-keep-alpha").checked && !$("export-keep-alpha").disabled;
  const sizes = window.bazaarVariants.chosen();
  if (sizes.length === 0) {
    showError("Tick at least one size to export.", null);
    return;
  }
  const captionsSidecar = $("export-captions-row").hidden ? null : $("export-captions-sidecar").value;
  let outputPath;
  try {
    outputPath = await invoke("choose_output", { projectName: window.bazaarVariants.firstName(project.name, sizes), format });
  } catch (e) {
    showError(errorText(e), null);
    return;
  }
  if (!outputPath) return; // the dialog was cancelled: nothing else changes
  // One queued export per size ticked, each beside the first (see variants.js).
  for (const [variant, path] of window.bazaarVariants.outputs(outputPath, sizes)) {
    const args = { projectPath: project.file, format, quality, outputPath: path, size, proresProfile, gifLoops, gifFps: gifFpsChosen, keepAlpha, variant, captionsSidecar };
    try {
      const started = await invoke("start_export", args);
      update(started.job);
      $("export-panel").hidden = true;
    } catch (e) {
      showError(errorText(e), args);
      return;
    }
  }
}

function showError(message, retry) {
  lastFailed = retry;
  $("export-error-text").textContent = message;
  $("export-error").hidden = false;
  $("export-retry").hidden = !retry;
}

const FINAL = ["completed", "failed", "cancelled", "interrupted"];

function update(job) {
  // Events and command replies can arrive out of order (they come from different threads): a
  // job that has ended never goes back to running, and progress never goes backwards.
  const known = jobs.get(job.id);
  if (known && FINAL.includes(known.status) && !FINAL.includes(job.status)) return;
  if (known && known.status === job.status && job.framesDone < known.framesDone) return;
  jobs.set(job.id, job);
  render();
  if (job.status === "completed") {
    lastCompleted = job;
    $("export-result-text").textContent = `Saved ${job.outputPath}`;
    $("export-result").dataset.path = job.outputPath;
    $("export-result").hidden = false;
    $("export-error").hidden = true;
    loadHistory();
    refreshPresets();
  } else if (job.status === "failed") {
    showError(job.error ? job.error.message : "The export failed.", {
      projectPath: job.projectPath,
      format: job.format,
      quality: job.quality,
      outputPath: job.outputPath,
    });
    $("export-error").dataset.kind = job.error ? job.error.kind : "";
    loadHistory();
  } else if (job.status === "cancelled") {
    loadHistory();
  }
}

function render() {
  const all = [...jobs.values()].sort((a, b) => a.createdAt - b.createdAt);
  const running = all.find((j) => j.status === "rendering" || j.status === "finalizing");
  const bar = $("export-progress");
  if (running) {
    $("export-current").hidden = false;
    $("export-current").dataset.id = running.id;
    const pct = Math.floor(running.progress * 1000) / 10;
    $("export-current-title").textContent = `${running.projectName} → ${running.outputPath}`;
    let words = STAGE_WORDS[running.stage] || running.stage;
    if (running.stage === "rendering") {
      words += ` ${running.framesDone}/${running.totalFrames} frames, ${pct}%`;
      if (running.fps > 0) words += `, ${running.fps.toFixed(1)} fps`;
      if (running.etaSeconds != null) words += `, ${fmtSeconds(running.etaSeconds)} left`;
    }
    $("export-current-words").textContent = words;
    bar.dataset.stage = running.stage;
    bar.dataset.progress = String(running.progress);
    bar.dataset.id = running.id;
    $("export-progress-fill").style.width = `${pct}%`;
  } else {
    $("export-current").hidden = true;
    bar.dataset.stage = all.length ? all[all.length - 1].stage : "";
  }
  $("export-queue").replaceChildren(
    ...all.map((j) => {
      const li = document.createElement("li");
      li.dataset.id = j.id;
      li.dataset.status = j.status;
      const name = document.createElement("span");
      name.textContent = `${j.projectName} — ${j.format.toUpperCase()} ${j.quality}${j.options ? ` (${j.options})` : ""}`;
      const status = document.createElement("span");
      status.className = "status";
      status.textContent = j.status === "pending" && j.position ? `queued (#${j.position})` : j.status;
      li.append(name, status);
      if (!FINAL.includes(j.status)) {
        const cancel = document.createElement("button");
        cancel.textContent = "Cancel";
        cancel.dataset.testid = "export-cancel";
        cancel.addEventListener("click", () => cancelJob(j.id));
        li.append(cancel);
      }
      return li;
    }),
  );
}

async function cancelJob(id) {
  try {
    update(await invoke("cancel_export", { exportId: id }));
  } catch (e) {
    showError(errorText(e), null);
  }
}

// "Show log": the export's stages, fallbacks and limits, as Rust kept them with its entry.
function logButton(id, li) {
  const button = document.createElement("button");
  button.textContent = "Show log";
  button.dataset.testid = "show-log";
  button.addEventListener("click", async () => {
    const shown = li.querySelector("pre.log");
    if (shown) {
      shown.remove();
      button.textContent = "Show log";
      return;
    }
    const pre = document.createElement("pre");
    pre.className = "log";
    pre.dataset.testid = "export-log";
    try {
      pre.textContent = (await invoke("export_log", { exportId: id })) || "No log was kept for this export.";
    } catch (e) {
      pre.textContent = errorText(e);
    }
    li.append(pre);
    button.textContent = "Hide log";
  });
  return button;
}

async function loadHistory() {
  let view;
  try {
    view = await invoke("export_history");
  } catch (e) {
    return;
  }
  $("history-warning").hidden = !view.warning;
  $("history-warning").textContent = view.warning || "";
  $("export-history").replaceChildren(
    ...view.entries.map((h) => {
      const li = document.createElement("li");
      li.dataset.id = h.id;
      li.dataset.status = h.status;
      const when = new Date(h.createdAt).toLocaleString();
      const name = document.createElement("span");
      name.textContent = `${h.projectName || h.projectPath} — ${h.format.toUpperCase()} ${h.quality}${h.options ? ` (${h.options})` : ""}`;
      const status = document.createElement("span");
      status.className = "status";
      status.textContent = `${h.status}, ${when}`;
      li.append(name, status);
      if (h.status === "completed" && h.fileExists) {
        const open = document.createElement("button");
        open.textContent = "Open";
        open.addEventListener("click", () => invoke("open_output", { path: h.outputPath }).catch((e) => showError(errorText(e), null)));
        const show = document.createElement("button");
        show.textContent = "Show in folder";
        show.addEventListener("click", () => invoke("show_in_folder", { path: h.outputPath }).catch((e) => showError(errorText(e), null)));
        li.append(open, show);
      } else if (h.status === "completed") {
        const gone = document.createElement("span");
        gone.className = "gone";
        gone.dataset.gone = "true";
        gone.textContent = "moved or deleted";
        li.append(gone);
      }
      if (FINAL.includes(h.status)) li.append(logButton(h.id, li));
      if (h.error) li.title = h.error;
      return li;
    }),
  );
}

$("export").addEventListener("click", openPanel);
$("export-close").addEventListener("click", () => ($("export-panel").hidden = true));
$("export-format").addEventListener("change", describeChoice);
$("export-keep-alpha").addEventListener("change", describeChoice);
$("export-quality").addEventListener("change", describeChoice);
$("export-size-choice").addEventListener("change", describeChoice);
$("export-prores").addEventListener("change", describeChoice);
$("export-captions-sidecar").addEventListener("change", describeChoice);
$("export-gif-loops").addEventListener("change", describeChoice);
$("export-gif-fps").addEventListener("change", describeChoice);
recall();
$("export-confirm").addEventListener("click", () => confirmExport());
$("export-current-cancel").addEventListener("click", () => {
  const id = $("export-current").dataset.id;
  if (id) cancelJob(id);
});
$("export-open").addEventListener("click", () => {
  if (lastCompleted) invoke("open_output", { path: lastCompleted.outputPath }).catch((e) => showError(errorText(e), null));
});
$("export-show").addEventListener("click", () => {
  if (lastCompleted) invoke("show_in_folder", { path: lastCompleted.outputPath }).catch((e) => showError(errorText(e), null));
});
$("export-retry").addEventListener("click", async () => {
  const r = lastFailed;
  if (!r) return;
  $("export-error").hidden = true;
  try {
    const started = await invoke("start_export", r);
    update(started.job);
  } catch (e) {
    showError(errorText(e), r);
  }
});
document.addEventListener("keydown", (ev) => {
  if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "e") {
    ev.preventDefault();
    openPanel();
  }
});
document.addEventListener("bazaar:project", () => {
  $("export").disabled = false;
  if (!$("export-panel").hidden) refreshPresets();
});

listen("bazaar:export", ({ payload }) => update(payload));
invoke("list_exports").then((list) => list.forEach(update)).catch(() => {});
loadHistory();

window.bazaarExport = { confirmExport, openPanel, cancelJob };
