// A form marked data-busy takes a while (a street's roster): once sent, its buttons are disabled
// and say what is happening, so that nobody sends it twice. The form carries its action in a
// hidden field, so the disabled button takes nothing out of what is sent.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.busy) return;
  for (const button of form.querySelectorAll("button")) {
    button.disabled = true;
    button.textContent = form.dataset.busy;
  }
});
