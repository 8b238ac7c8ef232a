// Copy buttons: <button data-copy="#field" data-copied-label="Copié"> copies the field's
// value (a new API token). navigator.clipboard needs a secure context (https or
// localhost); elsewhere the field is selected and copied the old way.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.querySelector(button.dataset.copy);
  if (!field) return;
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    field.select();
    document.execCommand("copy");
  }
  const label = button.querySelector("span") || button;
  label.textContent = button.dataset.copiedLabel || label.textContent;
  field.focus();
  field.select();
});
