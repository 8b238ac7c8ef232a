// Faire un avoir: show the quantities per line only for a credit by lines, and the amount
// only for a credit by amount. Without JavaScript both show, and the server reads the mode.
(() => {
  const form = document.querySelector("[data-credit-note-form]");
  if (!form) return;
  const byLines = form.querySelector("#credit-by-lines");
  const byAmount = form.querySelector(".credit-amount");
  const show = () => {
    const mode = form.querySelector("input[name=mode]:checked")?.value;
    byLines.hidden = mode !== "lines";
    byAmount.hidden = mode !== "amount";
  };
  form.addEventListener("change", (event) => {
    if (event.target.name === "mode") show();
  });
  show();
})();
