// The routing-rules editor (webadmin.rules_editor). Everything here improves pages that work
// without it: the form's row buttons post and the server adds or removes the row; the list's
// arrows post a move. With the script, rows are added and removed in place, a row shows only
// the fields of its kind, and the list can be reordered by dragging a row by its handle.

// ---- One rule's form: each row shows the fields of the chosen kind ----

function syncRow(row) {
  const select = row.querySelector("[data-kind-select]");
  const kind = select.value;
  row.querySelectorAll("[data-for-kinds]").forEach((part) => {
    part.hidden = !part.dataset.forKinds.split(" ").includes(kind);
  });
  const description = row.querySelector("[data-kind-description]");
  if (description) description.textContent = kind ? select.selectedOptions[0].title : "";
}

function wireRow(row) {
  row.querySelector("[data-kind-select]").addEventListener("change", () => syncRow(row));
  row.querySelector("[data-remove-row]").addEventListener("click", (event) => {
    event.preventDefault();
    row.remove();
  });
  syncRow(row);
}

// The next free row number of a section: one more than the highest in use.
function nextNumber(section) {
  const numbers = Array.from(section.querySelectorAll("[data-row-list] [data-kind-select]"))
    .map((select) => Number(select.name.split("-")[1]))
    .filter((number) => Number.isInteger(number));
  return numbers.length ? Math.max(...numbers) + 1 : 0;
}

document.querySelectorAll("[data-rows]").forEach((section) => {
  const list = section.querySelector("[data-row-list]");
  const template = section.querySelector("template[data-row-template]");
  list.querySelectorAll("[data-row]").forEach(wireRow);
  section.querySelector("[data-add-row]").addEventListener("click", (event) => {
    event.preventDefault();
    const holder = document.createElement("ol");
    holder.innerHTML = template.innerHTML.replaceAll("__i__", String(nextNumber(section)));
    const row = holder.querySelector("[data-row]");
    list.append(row);
    wireRow(row);
    row.querySelector("[data-kind-select]").focus();
  });
});

// ---- The list: drag a row by its handle, then the new order is posted ----

document.querySelectorAll("[data-rule-list]").forEach((table) => {
  const body = table.querySelector("tbody");
  const form = document.querySelector("form[data-rule-order]");
  const rows = () => Array.from(body.querySelectorAll("tr[data-rule-id]"));
  const order = () => rows().map((row) => row.dataset.ruleId);
  let dragged = null;
  let before = [];

  rows().forEach((row) => {
    row.querySelector("[data-drag-handle]").hidden = false;
    row.draggable = true;
    row.addEventListener("dragstart", (event) => {
      dragged = row;
      before = order();
      row.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", row.dataset.ruleId);
    });
    row.addEventListener("dragover", (event) => {
      if (!dragged || dragged === row) return;
      event.preventDefault();
      const box = row.getBoundingClientRect();
      const after = event.clientY > box.top + box.height / 2;
      row.parentNode.insertBefore(dragged, after ? row.nextSibling : row);
    });
    row.addEventListener("drop", (event) => event.preventDefault());
    row.addEventListener("dragend", () => {
      row.classList.remove("dragging");
      dragged = null;
      const now = order();
      if (now.join() === before.join()) return;
      rows().forEach((each, index) => { each.querySelector("[data-position]").textContent = String(index + 1); });
      now.forEach((id) => {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = "order";
        input.value = id;
        form.append(input);
      });
      form.submit();
    });
  });
});
