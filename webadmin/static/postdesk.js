// Switch an inbound mail between its sanitised HTML and its plain text.
// The buttons start hidden, so without JavaScript the page shows the HTML and no dead button.
document.querySelectorAll("[data-toggle-body]").forEach((button) => {
  const message = button.closest(".message");
  const html = message.querySelector(".body-html");
  const text = message.querySelector(".body-text");
  button.hidden = false;
  button.addEventListener("click", () => {
    const showText = text.hidden;
    text.hidden = !showText;
    html.hidden = showText;
    button.textContent = showText ? "Show HTML" : "Show plain text";
    button.setAttribute("aria-pressed", String(showText));
  });
});

// ---- Staff ticket list and ticket page (webadmin.staff) ----

// Keys on every page: "/" focuses the search box. On the ticket list: j/k move between
// tickets, x selects the current one for a bulk action, Enter opens it (the focused link).
// Keys never fire while someone types in a field, or with a modifier held.
const isTyping = (target) => target.closest("input, textarea, select, [contenteditable]") !== null;

const ticketRows = () => Array.from(document.querySelectorAll("[data-ticket-list] tbody tr"));

function moveInList(step) {
  const rows = ticketRows();
  if (rows.length === 0) return;
  const current = rows.findIndex((row) => row.classList.contains("current"));
  const next = current === -1 ? (step > 0 ? 0 : rows.length - 1) : Math.min(Math.max(current + step, 0), rows.length - 1);
  rows.forEach((row) => row.classList.remove("current"));
  rows[next].classList.add("current");
  rows[next].querySelector("td.title a").focus();
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
  if (event.key === "/") {
    const search = document.querySelector("[data-search]");
    if (search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  } else if (event.key === "j" || event.key === "k") {
    moveInList(event.key === "j" ? 1 : -1);
  } else if (event.key === "x") {
    const row = document.querySelector("[data-ticket-list] tbody tr.current");
    const box = row && row.querySelector("input[type=checkbox]");
    if (box) box.click();
  }
});

// A click or focus in a row makes it the current one, so j/k continue from there.
document.querySelectorAll("[data-ticket-list] tbody").forEach((body) => {
  body.addEventListener("focusin", (event) => {
    const row = event.target.closest("tr");
    ticketRows().forEach((other) => other.classList.toggle("current", other === row));
  });
});

// "Select all" on the list: shown only when this script runs.
document.querySelectorAll("[data-select-all]").forEach((all) => {
  const boxes = () => ticketRows().map((row) => row.querySelector("input[type=checkbox]"));
  all.hidden = false;
  all.addEventListener("change", () => boxes().forEach((box) => { box.checked = all.checked; }));
});

// The bulk bar shows only the value that its action needs (without JS it shows them all).
document.querySelectorAll("[data-bulk]").forEach((form) => {
  const action = form.querySelector("[data-bulk-action]");
  const sync = () => form.querySelectorAll("[data-for-action]").forEach((part) => {
    part.hidden = part.dataset.forAction !== action.value;
  });
  action.addEventListener("change", sync);
  sync();
});

// Forms that undo work ask first (merge).
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});

// Counts per status on the list's tabs arrive after the list (counting can take longer than
// the page): "1,234", or "10,000+" when the count stopped at its cap. None while searching
// for a word too frequent to count: the tabs then say so in their tooltip.
document.querySelectorAll("nav[data-counts]").forEach((tabs) => {
  fetch(tabs.dataset.counts, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
    .then(({ counts }) => {
      if (counts === null) {
        tabs.title = "Too many matches to count.";
        return;
      }
      tabs.querySelectorAll("[data-count-for]").forEach((badge) => {
        const count = counts[badge.dataset.countFor];
        if (!count) return;
        badge.textContent = count.count.toLocaleString("en") + (count.capped ? "+" : "");
        badge.hidden = false;
      });
    })
    .catch(() => { tabs.title = "Counts are not available right now."; });
});
