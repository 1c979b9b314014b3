// The portal's new-request form: the select of full catalog paths ("IT / Hardware / Laptops")
// becomes three selects, group -> category -> subcategory, each offering only what lies
// under the choice before it. The original select stays in the form (hidden) and is what is
// submitted, so without JavaScript the plain select of paths works as it is.
// Catalog names never contain "/" (core.catalog.clean_name), so " / " splits a path safely.
const LEVELS = ["Group", "Category", "Subcategory"];
const SEPARATOR = " / ";

const samePath = (a, b) => a.length === b.length && a.every((part, i) => part === b[i]);

// Every level of every offered path. A contract may cover only a category of a group: the
// group is then a step on the way (choosing it narrows the next select) but not a choice of
// its own, so the submitted value stays empty until an offered entry is chosen.
function catalogNodes(offered) {
  const keys = new Set();
  offered.forEach((_value, text) => {
    const parts = text.split(SEPARATOR);
    parts.forEach((_part, depth) => keys.add(parts.slice(0, depth + 1).join(SEPARATOR)));
  });
  return Array.from(keys, (key) => ({ key, path: key.split(SEPARATOR) }));
}

function cascade(original) {
  const offered = new Map(Array.from(original.options)
    .filter((option) => option.value)
    .map((option) => [option.text, option.value]));
  const nodes = catalogNodes(offered);
  const noneText = original.options[0] ? original.options[0].text : "";
  const host = document.createElement("div");
  host.className = "cascade";
  const selects = LEVELS.map((name, depth) => {
    const label = document.createElement("label");
    const select = document.createElement("select");
    select.id = `${original.id}-level-${depth}`;
    label.htmlFor = select.id;
    label.textContent = name;
    const describedBy = original.getAttribute("aria-describedby");
    if (describedBy) select.setAttribute("aria-describedby", describedBy);
    const cell = document.createElement("div");
    cell.append(label, select);
    host.append(cell);
    return select;
  });

  // Show `path` (the choices so far) and offer what lies under it; submit the deepest
  // offered entry on it.
  function show(path) {
    selects.forEach((select, depth) => {
      const options = depth > path.length ? [] : nodes.filter(
        (node) => node.path.length === depth + 1 && samePath(node.path.slice(0, depth), path.slice(0, depth)),
      );
      const first = new Option(depth === 0 ? noneText : "(any)", "");
      select.replaceChildren(first, ...options.map((node) => new Option(node.path[depth], node.key)));
      select.value = depth < path.length ? path.slice(0, depth + 1).join(SEPARATOR) : "";
      select.disabled = options.length === 0;
    });
    const depths = path.map((_part, depth) => path.length - depth);
    const deepest = depths.find((length) => offered.has(path.slice(0, length).join(SEPARATOR)));
    original.value = deepest ? offered.get(path.slice(0, deepest).join(SEPARATOR)) : "";
  }

  selects.forEach((select, depth) => {
    select.addEventListener("change", () => {
      const above = depth > 0 ? selects[depth - 1].value : "";
      const key = select.value || above;
      show(key ? key.split(SEPARATOR) : []);
    });
  });
  original.before(host);
  original.hidden = true;
  original.labels.forEach((label) => { label.hidden = true; });
  const initial = original.selectedOptions[0];
  show(initial && initial.value ? initial.text.split(SEPARATOR) : []);
}

document.querySelectorAll("select[data-cascade]").forEach(cascade);
