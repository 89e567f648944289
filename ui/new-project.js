// "New project…" (Ctrl+N): a template, then a folder (the native dialog, in the app), and the
// new project opens. Nothing is written when the dialog is cancelled.
const { invoke } = window.__TAURI__.core;
const $ = (id) => document.getElementById(id);

async function openPanel() {
  if ($("new-templates").childElementCount === 0) {
    const templates = await invoke("project_templates");
    $("new-templates").replaceChildren(
      ...templates.map((t, i) => {
        const label = document.createElement("label");
        label.dataset.testid = `template-${t.id}`;
        const input = document.createElement("input");
        Object.assign(input, { type: "radio", name: "template", value: t.id, checked: i === 0 });
        const name = document.createElement("b");
        name.textContent = ` ${t.name}`;
        const what = document.createElement("span");
        what.className = "meta";
        what.textContent = t.description;
        label.append(input, name, what);
        return label;
      }),
    );
  }
  $("new-panel").hidden = false;
  document.querySelector("#new-templates input:checked")?.focus();
}

$("new").addEventListener("click", openPanel);
$("new-cancel").addEventListener("click", () => {
  $("new-panel").hidden = true;
});
$("new-create").addEventListener("click", () => {
  const template = document.querySelector("#new-templates input:checked")?.value;
  if (!template) return;
  window.bazaar.run(async () => {
    const p = await invoke("new_project", { template });
    if (p) $("new-panel").hidden = true;
    return p;
  });
});
document.addEventListener("keydown", (ev) => {
  if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "n") {
    ev.preventDefault();
    openPanel();
  }
});
