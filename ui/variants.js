// Variants in the window: the preview's variant switch (the open project at another of its
// sizes, with those scenes' override props) and the export panel's sizes, one export each,
// named `<name>-<variant>.<ext>` beside the file chosen in the save dialog.
const { invoke } = window.__TAURI__.core;
const $ = (id) => document.getElementById(id);

const sizeOf = (w, h) => `${w}×${h}`;

// The project as opened: its own size (the view's size is the shown variant's).
let own = null;

document.addEventListener("bazaar:project", ({ detail: p }) => {
  const variants = p.variants || [];
  if (!p.variant) own = { width: p.width, height: p.height };
  const ownSize = own ? sizeOf(own.width, own.height) : "";
  const option = (value, text) => Object.assign(document.createElement("option"), { value, textContent: text });
  const select = $("variant-switch");
  select.replaceChildren(option("", `Project ${ownSize}`), ...variants.map((v) => option(v.name, `${v.name} ${sizeOf(v.width, v.height)}`)));
  select.value = p.variant || "";
  select.hidden = variants.length === 0;
  // The export panel: the project's own size and each variant, the shown one ticked.
  const box = $("export-variants");
  const tick = (value, text) => {
    const label = document.createElement("label");
    const input = Object.assign(document.createElement("input"), { type: "checkbox", value, checked: value === (p.variant || "") });
    input.dataset.testid = `export-variant-${value || "project"}`;
    label.append(input, ` ${text}`);
    return label;
  };
  box.replaceChildren(tick("", `Project ${ownSize}`), ...variants.map((v) => tick(v.name, `${v.name} ${sizeOf(v.width, v.height)}`)));
  box.hidden = variants.length === 0;
});

$("variant-switch").addEventListener("change", async (ev) => {
  try {
    const p = await invoke("preview_variant", { variant: ev.target.value || null });
    window.bazaar.showProject(p, true);
  } catch (e) {
    window.bazaar.showError(e);
  }
});

/** The sizes ticked in the export panel ("" is the project's own), in the panel's order. */
function chosen() {
  if ($("export-variants").hidden) return [""];
  return [...$("export-variants").querySelectorAll("input:checked")].map((i) => i.value);
}

/** The name the save dialog proposes for the first of `sizes`. */
function firstName(projectName, sizes) {
  return sizes[0] ? `${projectName}-${sizes[0]}` : projectName;
}

/** Each size's output: `path` (chosen in the dialog for the first) and its siblings, named by
 * the variant in place of the first's (or after the name when the dialog's name was changed). */
function outputs(path, sizes) {
  const slash = path.lastIndexOf("/");
  const folder = path.slice(0, slash + 1);
  const file = path.slice(slash + 1);
  const dot = file.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [file.slice(0, dot), file.slice(dot)] : [file, ""];
  const suffix = sizes[0] ? `-${sizes[0]}` : "";
  const base = suffix && stem.endsWith(suffix) ? stem.slice(0, -suffix.length) : stem;
  return sizes.map((v, i) => [v || null, i === 0 ? path : `${folder}${base}${v ? `-${v}` : ""}${ext}`]);
}

window.bazaarVariants = { chosen, firstName, outputs };
