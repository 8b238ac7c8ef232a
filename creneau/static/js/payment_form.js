// Saisir un règlement: the cheque's bank and number only for a cheque, the amounts per
// invoice only for an allocation by hand. Without JavaScript everything shows.
(() => {
  const form = document.querySelector("[data-payment-form]");
  if (!form) return;
  const cheque = form.querySelector("#cheque-fields");
  const byHand = form.querySelector("#allocation-by-hand");
  const show = () => {
    // Affecter un avoir has no method nor cheque fields: the allocation only.
    if (cheque) cheque.hidden = form.querySelector("[name=method]").value !== "cheque";
    byHand.hidden = form.querySelector("input[name=allocation]:checked")?.value !== "hand";
  };
  form.addEventListener("change", (event) => {
    if (event.target.name === "method" || event.target.name === "allocation") show();
  });
  show();
})();
