// The captions list (the project's caption files, beside its sounds), the caption table (time,
// text: fix a typo, Save writes that text back into the .srt / .vtt / .json, atomically, with a
// backup if the file changed on disk since it was read), and Align script… for a sound (a
// script in the project folder aligned to it offline, written as JSON word timings).
const { invoke } = window.__TAURI__.core;
const $ = (id) => document.getElementById(id);

// The open table: { index, src, stamp, rows }.
let open = null;
let project = null;

const message = (e) => (typeof e === "object" && e ? e.message : String(e));

function formatMs(ms) {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}.${String(ms % 1000).padStart(3, "0")}`;
}

function status(text, error = false) {
  $("caption-status").textContent = text;
  $("caption-status").classList.toggle("errors", error);
}

function showList(p) {
  const items = (p.captions || []).map((c, index) => {
    const li = document.createElement("li");
    li.className = "caption-file";
    li.dataset.testid = `caption-${index}`;
    const name = document.createElement("span");
    name.textContent = `💬 ${c.src}`;
    const facts = document.createElement("span");
    facts.className = "dur";
    facts.textContent = `${c.cues} cue${c.cues === 1 ? "" : "s"}, ${c.style}, ${c.language}, from ${formatMs(Math.round((c.at / p.fps) * 1000))}`;
    const edit = document.createElement("button");
    edit.type = "button";
    edit.textContent = "Edit";
    edit.dataset.testid = `caption-edit-${index}`;
    edit.addEventListener("click", () => load(index, c.src));
    li.append(name, facts, edit);
    return li;
  });
  $("captions-list").replaceChildren(...items);
  $("captions-panel").hidden = items.length === 0 && $("align-form").hidden;
}

// `reload`: the project was reloaded; an edit made while the file was read again is kept.
async function load(index, src, reload = false) {
  try {
    const table = await invoke("caption_table", { index });
    if (reload && open && changed().length > 0) return;
    open = { index, src, stamp: table.stamp, rows: table.rows };
    showTable();
    // A reload (the save's own, say) keeps what the last save said.
    if (!reload) status("");
  } catch (e) {
    status(message(e), true);
  }
}

function showTable() {
  $("caption-title").textContent = open.src;
  const rows = open.rows.map((r, i) => {
    const tr = document.createElement("tr");
    tr.dataset.testid = `caption-row-${i}`;
    const time = document.createElement("td");
    time.className = "dur";
    time.textContent = `${formatMs(r.startMs)} → ${formatMs(r.endMs)}`;
    const cell = document.createElement("td");
    const input = document.createElement("input");
    input.type = "text";
    input.value = r.text.replace(/\n/g, " / ");
    input.dataset.testid = `caption-text-${i}`;
    input.dataset.row = String(i);
    input.addEventListener("input", () => ($("caption-save").disabled = changed().length === 0));
    cell.append(input);
    tr.append(time, cell);
    return tr;
  });
  $("caption-table").querySelector("tbody").replaceChildren(...rows);
  $("caption-editor").hidden = false;
  $("caption-save").disabled = true;
}

// Rows whose text was edited: [row, text] (" / " separates a cue's lines).
function changed() {
  return [...$("caption-table").querySelectorAll("input[data-row]")]
    .map((input) => [Number(input.dataset.row), input.value.split(" / ").join("\n")])
    .filter(([row, text]) => text !== open.rows[row].text);
}

async function save() {
  const edits = changed();
  $("caption-save").disabled = true;
  let backup = null;
  try {
    for (const [row, text] of edits) {
      const saved = await invoke("save_caption", { index: open.index, row, text, stamp: open.stamp });
      backup = backup || saved.backup;
      open.stamp = saved.table.stamp;
      open.rows = saved.table.rows;
    }
    showTable();
    status(
      backup
        ? `Saved ${open.src}. It had changed on disk since it was read: that version is kept as ${backup}.`
        : `Saved ${open.src}.`,
    );
  } catch (e) {
    $("caption-save").disabled = false;
    status(message(e), true);
  }
}

// Align script… for sound `sound` (its index among the project's sounds).
function showAlign(sound) {
  const stem = sound.src.replace(/^.*\//, "").replace(/\.[^.]*$/, "");
  $("align-form").dataset.sound = String(sound.index);
  $("align-sound").textContent = sound.src;
  $("align-output").value = `captions/${stem}.json`;
  $("align-form").hidden = false;
  $("captions-panel").hidden = false;
  $("align-status").textContent = "";
  $("align-script").focus();
}

async function runAlign() {
  const sound = Number($("align-form").dataset.sound);
  $("align-run").disabled = true;
  $("align-status").textContent = "Aligning…";
  try {
    const r = await invoke("align_script", { sound, script: $("align-script").value, output: $("align-output").value });
    const lines = [`Wrote ${r.written}: ${r.placed} of the script's ${r.total} words placed.`];
    if (r.unplaced.length) {
      lines.push(`${r.unplaced.length} not placed (left out of the file):`, ...r.unplaced);
    }
    $("align-status").textContent = lines.join("\n");
    $("align-status").classList.remove("errors");
  } catch (e) {
    $("align-status").textContent = message(e);
    $("align-status").classList.add("errors");
  } finally {
    $("align-run").disabled = false;
  }
}

document.addEventListener("bazaar:project", (event) => {
  const p = event.detail;
  const same = project && p.file === project.file;
  project = p;
  showList(p);
  // A reload (after a save, or an edit elsewhere) re-reads the open table unless it has edits.
  if (open && same && open.index < (p.captions || []).length && changed().length === 0) {
    load(open.index, p.captions[open.index].src, true);
  } else if (!same) {
    open = null;
    $("caption-editor").hidden = true;
    $("align-form").hidden = true;
  }
});
document.addEventListener("bazaar:align", (event) => showAlign(event.detail));
$("caption-save").addEventListener("click", save);
$("align-run").addEventListener("click", runAlign);
$("align-close").addEventListener("click", () => {
  $("align-form").hidden = true;
  showList(project);
});
