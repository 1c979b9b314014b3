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
