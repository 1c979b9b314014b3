// The portal's new-request form: the select of full catalog paths ("IT / Hardware / Laptops")
// becomes three selects, group -> category -> subcategory, each offering only what lies
// under the choice before it. The original select stays in the form (hidden) and is what is
// submitted, so without JavaScript the plain select of paths works as it is.
// Catalog names never contain "/" (core.catalog.clean_name), so " / " splits a path safely.
const LEVELS = ["Group", "Category", "Subcategory"];

const samePath = (a, b) => a.length === b.length && a.every((part, i) => part === b[i]);

function cascade(original) {
  const entries = Array.from(original.options)
    .filter((option) => option.value)
    .map((option) => ({ value: option.value, path: option.text.split(" / ") }));
  const byValue = new Map(entries.map((entry) => [entry.value, entry]));
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

  // Show `entry` (the deepest choice, or null) and offer what lies under it.
  function show(entry) {
    const path = entry ? entry.path : [];
    selects.forEach((select, depth) => {
      const options = depth > path.length ? [] : entries.filter(
        (item) => item.path.length === depth + 1 && samePath(item.path.slice(0, depth), path.slice(0, depth)),
      );
      const first = new Option(depth === 0 ? noneText : "(any)", "");
      select.replaceChildren(first, ...options.map((item) => new Option(item.path[depth], item.value)));
      const chosen = depth < path.length ? options.find((item) => item.path[depth] === path[depth]) : undefined;
      select.value = chosen ? chosen.value : "";
      select.disabled = options.length === 0;
    });
    original.value = entry ? entry.value : "";
  }

  selects.forEach((select, depth) => {
    select.addEventListener("change", () => {
      const above = depth > 0 ? byValue.get(selects[depth - 1].value) : undefined;
      show(byValue.get(select.value) || above || null);
    });
  });
  original.before(host);
  original.hidden = true;
  original.labels.forEach((label) => { label.hidden = true; });
  show(byValue.get(original.value) || null);
}

document.querySelectorAll("select[data-cascade]").forEach(cascade);
