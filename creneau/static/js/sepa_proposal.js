// Nouvelle remise de prélèvements: the count and total of the ticked invoices follow the
// boxes (the server counts again when the batch is created).
(() => {
  const form = document.querySelector("#sepa-proposal");
  if (!form) return;
  const euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });
  const count = form.querySelector("[data-total=count]");
  const amount = form.querySelector("[data-total=amount]");
  const boxes = [...form.querySelectorAll("input[name=invoice]")];
  const refresh = () => {
    const ticked = boxes.filter((box) => box.checked);
    const cents = ticked.reduce((sum, box) => sum + Number(box.dataset.cents || 0), 0);
    count.textContent = String(ticked.length);
    amount.textContent = euros.format(cents / 100);
  };
  form.addEventListener("change", (event) => {
    if (event.target.name === "invoice") refresh();
  });
})();
