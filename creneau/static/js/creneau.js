// Créneau: small behaviours shared by every page.
// A destructive action asks once: <button hx-confirm="..."> is handled by htmx itself;
// plain forms use data-confirm.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
// Flash messages fade out by themselves after a few seconds.
document.addEventListener("htmx:afterSettle", () => {
  document.querySelectorAll(".app-flash.alert-success").forEach((el) => {
    setTimeout(() => el.remove(), 4000);
  });
});
