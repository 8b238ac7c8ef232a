// The schedule form: "Chaque semaine" shows the days and the weeks' interval, "Chaque mois"
// the day of the month or the nth weekday. The live summary is htmx's (hx-get on change).
document.addEventListener("change", (event) => {
  const field = event.target;
  if (field.name !== "frequency" || !field.form) return;
  field.form.querySelectorAll("[data-frequency-only]").forEach((block) => {
    block.hidden = block.dataset.frequencyOnly !== field.value;
  });
});
// Typing in the day of the month or picking the nth weekday chooses that way of counting.
document.addEventListener("input", (event) => {
  const field = event.target;
  if (!field.form || !["month_day", "month_nth", "month_weekday"].includes(field.name)) return;
  const mode = field.name === "month_day" ? "monthly-mode-day" : "monthly-mode-weekday";
  const radio = document.getElementById(mode);
  if (radio && !radio.checked) radio.checked = true;
});
