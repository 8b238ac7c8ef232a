// The period of the Facturation and Règlements lists: a preset (ce mois-ci, le mois
// dernier, cette année) clears the dates typed, and a date typed makes the period "Dates
// choisies". The server applies the same rule without JavaScript (a preset wins).
(() => {
  const form = document.getElementById("invoice-filters") || document.getElementById("payment-filters");
  if (!form) return;
  const period = form.querySelector("[name=period]");
  const dates = Array.from(form.querySelectorAll("[name=start], [name=end]"));
  period.addEventListener("change", () => {
    if (period.value && period.value !== "custom") dates.forEach((input) => { input.value = ""; });
  });
  dates.forEach((input) => input.addEventListener("change", () => {
    if (input.value) period.value = "custom";
  }));
})();
