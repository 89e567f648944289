// The props panel: select a scene, edit its props in a form built from the composition's
// defaultProps (text, number, colour, on/off; JSON for the rest), see the preview follow at
// once, and Save them into the project file (the app keeps the file's layout and backs it up if
// it changed on disk meanwhile). Unsaved edits survive a live reload.
const { invoke } = window.__TAURI__.core;
const $ = (id) => document.getElementById(id);
const frame = $("preview-frame");

// The panel: { scene, composition, stamp, own (the file's props), defaults, values, dirty }.
let panel = null;

const send = (msg) => frame.contentWindow && frame.contentWindow.postMessage(msg, "*");
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const isColour = (v) => typeof v === "string" && /^#[0-9a-fA-F]{6}$/.test(v);

/** What Save writes: the file's keys (in its order), then those set away from the default. */
function entries() {
  const keys = [...Object.keys(panel.own), ...Object.keys(panel.values).filter((k) => !(k in panel.own))];
  return keys.filter((k) => k in panel.own || !same(panel.values[k], panel.defaults[k])).map((k) => [k, panel.values[k]]);
}

function ownProps() {
  return Object.fromEntries(entries());
}

function field(key, value) {
  const label = document.createElement("label");
  label.dataset.testid = `prop-${key}`;
  const name = document.createElement("span");
  name.textContent = key;
  let input;
  const kind = (v) => (typeof v === "boolean" ? "bool" : typeof v === "number" ? "number" : isColour(v) ? "colour" : typeof v === "string" ? "text" : "json");
  const type = kind(key in panel.defaults ? panel.defaults[key] : value);
  const read = () => {
    switch (type) {
      case "bool": return input.checked;
      case "number": {
        const n = Number(input.value);
        if (input.value.trim() === "" || !Number.isFinite(n)) throw new Error("not a number");
        return n;
      }
      case "colour":
      case "text": return input.value;
      default: return JSON.parse(input.value);
    }
  };
  // Text goes in a <textarea>, never an <input>: WebKit cuts an input's value at 524,288
  // characters and drops its line breaks, and Save would then write the cut text.
  let shown;
  if (type === "json" || type === "text") {
    input = document.createElement("textarea");
    shown = type === "json" ? JSON.stringify(value) : String(value);
    if (type === "text") {
      input.className = "text";
      input.rows = Math.min(6, shown.split("\n").length);
    }
    input.value = shown;
  } else {
    input = document.createElement("input");
    input.type = { bool: "checkbox", number: "number", colour: "color" }[type];
    if (type === "bool") input.checked = Boolean(value);
    else input.value = type === "colour" ? String(value).toLowerCase() : String(value);
    if (type === "number") input.step = "any";
  }
  input.name = key;
  input.dataset.kind = type;
  label.append(name, input);
  // A value the field cannot hold as it is (a carriage return, which a textarea turns into a
  // line feed) is shown but not editable here: an edit would save it changed without a word.
  if (shown !== undefined && input.value !== shown) {
    input.readOnly = true;
    input.classList.add("read-only");
    const why = document.createElement("small");
    why.className = "field-note";
    why.dataset.testid = `prop-${key}-note`;
    why.textContent = "This value has characters the form cannot keep as they are (carriage returns): edit it in the project file.";
    label.append(why);
    return label;
  }
  input.addEventListener(type === "bool" || type === "colour" ? "change" : "input", () => {
    try {
      panel.values[key] = read();
      input.classList.remove("invalid");
      input.title = "";
    } catch (e) {
      input.classList.add("invalid");
      input.title = `Not valid: ${e.message}`;
      return;
    }
    panel.dirty = true;
    update();
    send({ type: "set-props", scene: panel.scene, props: ownProps() });
  });
  // The colour picker also reports while it is dragged.
  if (type === "colour") input.addEventListener("input", () => input.dispatchEvent(new Event("change")));
  return label;
}

function update() {
  $("props-save").disabled = !panel || !panel.dirty;
  $("props-revert").disabled = !panel || !panel.dirty;
  if (panel && panel.dirty) $("props-status").textContent = "Unsaved changes (the preview shows them).";
}

function build() {
  const keys = [...Object.keys(panel.defaults), ...Object.keys(panel.own).filter((k) => !(k in panel.defaults))];
  $("props-title").textContent = `Scene ${panel.scene + 1} · ${panel.composition}`;
  $("props-form").replaceChildren(...keys.map((k) => field(k, panel.values[k])));
  $("props-panel").hidden = false;
  update();
}

function select(index) {
  const p = window.bazaarProject;
  if (!p || !p.scenes[index]) return;
  for (const li of document.querySelectorAll("#scene-list > li")) li.classList.toggle("selected", li.dataset.scene === String(index));
  document.dispatchEvent(new CustomEvent("bazaar:scene-selected", { detail: { scene: index } }));
  panel = { scene: index, composition: p.scenes[index].composition, stamp: p.fileStamp, own: { ...p.scenes[index].props }, defaults: null, values: null, dirty: false };
  $("props-status").textContent = "";
  send({ type: "props-of", scene: index });
}

$("scene-list").addEventListener("click", (ev) => {
  const li = ev.target.closest("#scene-list > li");
  if (li) select(Number(li.dataset.scene));
});
// A scene's block clicked on the timeline (timeline.js).
document.addEventListener("bazaar:select-scene", (ev) => select(ev.detail.scene));

window.addEventListener("message", (ev) => {
  const m = ev.data || {};
  if (m.source !== "bazaar-preview" || ev.source !== frame.contentWindow || !panel) return;
  if (m.type === "scene-props" && m.scene === panel.scene && panel.values === null) {
    panel.defaults = m.defaults || {};
    panel.values = { ...panel.defaults, ...panel.own };
    build();
  } else if (m.type === "ready" && panel.values === null) {
    send({ type: "props-of", scene: panel.scene }); // asked before this page was ready
  } else if (m.type === "ready" && panel.dirty) {
    // A live reload while editing: the new preview shows the unsaved edits too.
    send({ type: "set-props", scene: panel.scene, props: ownProps() });
  }
});

$("props-revert").addEventListener("click", () => {
  if (!panel) return;
  panel.values = { ...panel.defaults, ...panel.own };
  panel.dirty = false;
  send({ type: "set-props", scene: panel.scene, props: panel.own });
  build();
  $("props-status").textContent = "";
});

$("props-save").addEventListener("click", async () => {
  if (!panel || !panel.dirty) return;
  $("props-save").disabled = true;
  let said;
  try {
    const report = await invoke("save_scene_props", { scene: panel.scene, props: entries(), stamp: panel.stamp });
    panel.dirty = false;
    panel.own = ownProps();
    said = report.backup
      ? `Saved. The file had changed on disk since it was opened: that version is kept as ${report.backup}.`
      : "Saved.";
  } catch (err) {
    said = `Not saved: ${typeof err === "object" && err ? err.message : String(err)}`;
  }
  update();
  // After update(), which would otherwise cover why a save was refused with "Unsaved changes".
  $("props-status").textContent = said;
});

// Another project, or the same one reloaded: the panel follows unless it has unsaved edits
// (which Save then writes over the new file, backing that up).
document.addEventListener("bazaar:project", (ev) => {
  const p = ev.detail;
  if (!panel) return;
  if (!p.reloaded || !p.scenes[panel.scene]) {
    panel = null;
    $("props-panel").hidden = true;
    document.dispatchEvent(new CustomEvent("bazaar:scene-selected", { detail: { scene: -1 } }));
    return;
  }
  if (panel.dirty) return;
  const status = $("props-status").textContent;
  const index = panel.scene;
  setTimeout(() => {
    select(index);
    $("props-status").textContent = status;
  }, 0);
});
