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
// The record's tabs: the clicked tab shows as open while htmx loads its pane.
document.addEventListener("click", (event) => {
  const tab = event.target.closest("[data-record-tab]");
  if (!tab) return;
  tab.closest(".nav").querySelectorAll("[data-record-tab]").forEach((link) => {
    link.classList.toggle("active", link === tab);
    link.setAttribute("aria-selected", link === tab ? "true" : "false");
  });
});
// Filter forms marked data-drop-empty leave empty fields out of the URL they push.
document.addEventListener("htmx:configRequest", (event) => {
  if (!event.detail.elt.hasAttribute("data-drop-empty")) return;
  const params = event.detail.parameters;
  for (const [name, value] of Array.from(params.entries())) {
    if (value === "") params.delete(name);
  }
});
// Filter forms marked data-filters-typed="q": a change of any other field (a select, a
// box) fires "filters-change" on the form, which its hx-trigger listens to; the typed
// fields named there send as they are typed instead. (htmx's change[...] filter would need eval,
// which the Content-Security-Policy forbids.)
document.addEventListener("change", (event) => {
  const form = event.target.form;
  if (!form || !form.dataset.filtersTyped) return;
  if (form.dataset.filtersTyped.split(" ").includes(event.target.name)) return;
  htmx.trigger(form, "filters-change");
});
// Fields that only mean something for one kind of customer (SIREN, VAT for businesses).
document.addEventListener("change", (event) => {
  if (event.target.name !== "kind" || !event.target.form) return;
  event.target.form.querySelectorAll("[data-kind-only]").forEach((block) => {
    block.hidden = block.dataset.kindOnly !== event.target.value;
  });
});
// The top search box: arrows move through the suggestions, Escape closes them.
(() => {
  const input = document.getElementById("global-search");
  const results = document.getElementById("global-search-results");
  if (!input || !results) return;
  const items = () => Array.from(results.querySelectorAll("a"));
  const close = () => { results.innerHTML = ""; };
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && items().length) { event.preventDefault(); items()[0].focus(); }
    if (event.key === "Escape") close();
  });
  results.addEventListener("keydown", (event) => {
    const list = items();
    const index = list.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && index < list.length - 1) { event.preventDefault(); list[index + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (index > 0 ? list[index - 1] : input).focus(); }
    if (event.key === "Escape") { close(); input.focus(); }
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest(".app-search")) close();
  });
})();
// An htmx request that fails says so where flash messages appear, instead of doing nothing.
(() => {
  const show = (text) => {
    const box = document.getElementById("messages");
    if (!box) return;
    const alert = document.createElement("div");
    alert.className = "alert alert-danger app-flash";
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    box.replaceChildren(alert);
  };
  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr.status;
    if (status === 403) show("Action non autorisée pour votre rôle.");
    else if (status === 404) show("Introuvable : la fiche a peut-être été supprimée.");
    else show(`L'action n'a pas abouti (erreur ${status}). Rechargez la page et réessayez.`);
  });
  document.addEventListener("htmx:sendError", () => {
    show("Le serveur ne répond pas : vérifiez la connexion et réessayez.");
  });
})();
