// Nouvelle remise de chèques: made for typing thirty cheques in a row.
// - Enter moves to the next field (never submits: the form's default button is disabled);
//   Enter in the last row adds ten rows.
// - "Ajouter des lignes" adds ten empty rows here (the server does it without JavaScript).
// - The count and total of the cheques typed follow the amounts.
// - The Client field suggests customers (code · name) as one types; the code is what counts.
(() => {
  const form = document.querySelector("[data-deposit-form]");
  if (!form) return;
  const rows = form.querySelector("#cheque-rows");
  const template = form.querySelector("#cheque-row-template");
  const totalForms = form.querySelector("[name$=-TOTAL_FORMS]");
  const maxRows = Number(form.dataset.maxRows || 100);
  const ROWS_ADDED = 10;
  const prefix = totalForms.name.replace(/-TOTAL_FORMS$/, "");

  const addRows = (count) => {
    let total = Number(totalForms.value);
    const added = [];
    for (let step = 0; step < count && total < maxRows; step += 1, total += 1) {
      const html = template.innerHTML
        .replaceAll("__prefix__", String(total))
        .replaceAll("__number__", String(total + 1));
      rows.insertAdjacentHTML("beforeend", html);
      added.push(rows.lastElementChild);
    }
    totalForms.value = String(total);
    return added;
  };

  form.querySelector("#cheque-add-rows").addEventListener("click", (event) => {
    event.preventDefault();
    const added = addRows(ROWS_ADDED);
    if (added.length) added[0].querySelector("input").focus();
  });

  // Enter: the next field of the rows (the date and reference lead to the first row).
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT") return;
    event.preventDefault();
    const fields = Array.from(form.querySelectorAll("input:not([type=hidden]):not([disabled])"));
    let index = fields.indexOf(event.target);
    if (index === fields.length - 1) {
      addRows(ROWS_ADDED);
      index = fields.length - 1;
      const more = Array.from(form.querySelectorAll("input:not([type=hidden]):not([disabled])"));
      if (more[index + 1]) more[index + 1].focus();
      return;
    }
    fields[index + 1].focus();
  });

  // "1 234,56", "1234.56", "120 €": as the server reads an amount.
  const amountOf = (text) => {
    const cleaned = text.replace(/€/g, "").replace(/\s/g, "").replace(",", ".");
    if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
    return Math.round(Number(cleaned) * 100);
  };
  const euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });
  const showTotals = () => {
    let count = 0;
    let cents = 0;
    form.querySelectorAll("[data-cheque-amount]").forEach((input) => {
      const amount = amountOf(input.value);
      if (amount !== null && amount > 0) {
        count += 1;
        cents += amount;
      }
    });
    form.querySelector("#deposit-count").textContent = String(count);
    form.querySelector("#deposit-total").textContent = euros.format(cents / 100);
  };
  form.addEventListener("input", (event) => {
    if (event.target.matches("[data-cheque-amount]")) showTotals();
  });
  showTotals();

  // Customer suggestions, into the one datalist the Client fields share.
  const list = form.querySelector("#cheque-customers");
  const suggestUrl = form.dataset.suggestUrl;
  let timer = null;
  let asked = "";
  const suggest = async (query) => {
    asked = query;
    const response = await fetch(`${suggestUrl}?q=${encodeURIComponent(query)}`, {
      headers: { Accept: "application/json" },
    });
    if (!response.ok || asked !== query) return;
    const { customers } = await response.json();
    list.replaceChildren(...customers.map((customer) => {
      const option = document.createElement("option");
      option.value = customer.value;
      option.label = customer.label;
      return option;
    }));
  };
  form.addEventListener("input", (event) => {
    if (!event.target.matches("[data-cheque-customer]")) return;
    const query = event.target.value.trim();
    const name = event.target.parentElement.querySelector("[data-customer-name]");
    if (name) name.remove();
    clearTimeout(timer);
    if (query.length < 2 || query.includes(" · ")) return;
    timer = setTimeout(() => suggest(query).catch(() => {}), 200);
  });
})();
