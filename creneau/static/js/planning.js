// The planning's views: employees' colours, dragging a visit to another day or employee
// (SortableJS, vendored, loaded before this file for the roles that plan), the customer
// and site search-selects, and the way back from a visit's page.
(() => {
  // Colours come as data-color: a style="" attribute would break the Content-Security-
  // Policy, a property set from a script does not. Cards and chips read the variable.
  function paint(root) {
    const painted = root.matches?.("[data-color]") ? [root] : [];
    painted.push(...root.querySelectorAll("[data-color]"));
    painted.forEach((element) => element.style.setProperty("--employee-color", element.dataset.color));
  }

  // Drag and drop. In the week by employee a card goes to any day of any row; in the
  // week by site, to another day of its own row (its site), keeping its employee. The drop
  // is posted with the page's filter (its query string), and the server answers the rows
  // it touched, out of band, with their conflicts; a refusal puts the card back.
  const gridOf = (element) => element.closest(".planning-grid");

  function moveVisit(event) {
    const card = event.item;
    const cell = event.to;
    const grid = gridOf(cell);
    const bySite = grid.dataset.view === "week_sites";
    const employee = bySite ? card.dataset.employee : cell.closest("tr").dataset.employee;
    const visitId = card.pathname.match(/\/(\d+)\/$/)[1]; // a card links to /planning/visits/<id>/
    const url = grid.dataset.moveUrl.replace(/\/0\/move\/$/, `/${visitId}/move/`);
    card.classList.add("is-moving");
    htmx.ajax("POST", url + window.location.search, {
      source: card,
      swap: "none",
      values: { day: cell.dataset.day, employee: employee || "", view: grid.dataset.view },
    });
  }

  function makeSortable(cell) {
    const grid = gridOf(cell);
    if (!grid || !grid.dataset.moveUrl || typeof Sortable === "undefined" || Sortable.get(cell)) return;
    const bySite = grid.dataset.view === "week_sites";
    Sortable.create(cell, {
      group: bySite ? cell.closest("tr").id : "planning",
      draggable: ".visit",
      sort: false,
      animation: 120,
      delay: 150,
      delayOnTouchOnly: true,
      onAdd: moveVisit,
    });
  }

  // A move that failed (the server down, a session expired) redraws the whole grid, so that
  // no card stays where it was not saved.
  document.addEventListener("htmx:afterRequest", (event) => {
    const source = event.detail.elt;
    if (!(source instanceof Element) || !source.classList.contains("is-moving")) return;
    source.classList.remove("is-moving");
    const form = document.getElementById("planning-filters");
    if (!event.detail.successful && form) htmx.trigger(form, "filters-change");
  });

  // On a desk the grid scrolls in its own box, down to the bottom of the window, so that
  // the days and the names stay in sight (CSS gives a fallback height; a phone scrolls the
  // page, the week being a list there).
  function fitGrid() {
    const box = document.querySelector(".planning-scroll");
    if (!box) return;
    if (window.matchMedia("(max-width: 767.98px)").matches) {
      box.style.removeProperty("max-height");
      return;
    }
    const hint = box.nextElementSibling?.offsetHeight || 0;
    const room = window.innerHeight - box.getBoundingClientRect().top - window.scrollY - hint - 24;
    box.style.setProperty("max-height", `${Math.max(room, 288)}px`);
  }
  window.addEventListener("resize", fitGrid);

  htmx.onLoad((root) => {
    if (!(root instanceof Element)) return;
    paint(root);
    fitGrid();
    const cells = root.matches("td[data-day]") ? [root] : [];
    cells.push(...root.querySelectorAll("td[data-day]"));
    cells.forEach(makeSortable);
  });

  // A visit's page, opened from a grid, comes back to that grid (its week and filter).
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a.visit") : null;
    if (!link) return;
    const back = window.location.pathname + window.location.search;
    link.href = `${link.pathname}?next=${encodeURIComponent(back)}`;
  });

  // Search-selects: what is typed is searched (htmx fills the list); a result picked fills
  // the hidden field and, in the filters, sends the form (a "change" that creneau.js turns
  // into "filters-change"). Emptying the box removes the choice.
  const partsOf = (picker) => ({
    hidden: picker.querySelector("[data-picker-value]"),
    box: picker.querySelector("input[role=combobox]"),
    results: picker.querySelector("[role=listbox]"),
  });
  function close(picker) {
    const { box, results } = partsOf(picker);
    results.replaceChildren();
    box.setAttribute("aria-expanded", "false");
  }
  function pick(picker, value, label) {
    const { hidden, box } = partsOf(picker);
    box.value = label;
    hidden.dataset.label = label;
    close(picker);
    if (hidden.value === value) return;
    hidden.value = value;
    // Another customer: the site picked for the previous one no longer applies.
    const site = hidden.name === "customer" && hidden.form?.querySelector("[data-picker] [name=site]");
    if (site && site.value) pick(site.closest("[data-picker]"), "", "");
    hidden.dispatchEvent(new Event("change", { bubbles: true }));
  }
  document.addEventListener("click", (event) => {
    const option = event.target instanceof Element ? event.target.closest("[data-pick]") : null;
    if (!option) return;
    const picker = option.closest("[data-picker]");
    pick(picker, option.dataset.pick, option.dataset.pickLabel);
    partsOf(picker).box.focus();
  });
  document.addEventListener("input", (event) => {
    const picker = event.target.closest?.("[data-picker]");
    if (picker && event.target.matches("input[role=combobox]") && event.target.value === "") {
      pick(picker, "", "");
    }
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const results = event.detail.target;
    if (!(results instanceof Element) || !results.matches("[data-picker] [role=listbox]")) return;
    const { box } = partsOf(results.closest("[data-picker]"));
    box.setAttribute("aria-expanded", results.querySelector("[data-pick]") ? "true" : "false");
  });
  // Leaving a picker without choosing shows its choice again.
  document.addEventListener("focusout", (event) => {
    const picker = event.target.closest?.("[data-picker]");
    if (!picker || picker.contains(event.relatedTarget)) return;
    setTimeout(() => {
      if (picker.contains(document.activeElement)) return;
      const { hidden, box } = partsOf(picker);
      if (hidden.dataset.label !== undefined) box.value = hidden.dataset.label;
      else if (!hidden.value) box.value = "";
      else box.value = box.defaultValue;
      close(picker);
    }, 200);
  });
  // The arrows go down the results and back up to the box; Escape closes them.
  document.addEventListener("keydown", (event) => {
    const picker = event.target.closest?.("[data-picker]");
    if (!picker) return;
    const { box, results } = partsOf(picker);
    const options = Array.from(results.querySelectorAll("[data-pick]"));
    const index = options.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      options[Math.min(index + 1, options.length - 1)].focus();
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      (index > 0 ? options[index - 1] : box).focus();
    } else if (event.key === "Escape" && options.length) {
      event.preventDefault();
      close(picker);
      box.focus();
    }
  });

  // The filter form sends its choices, not what was typed in the pickers' boxes.
  document.addEventListener("htmx:configRequest", (event) => {
    if (event.detail.elt.id !== "planning-filters") return;
    for (const name of ["customer_q", "site_q"]) event.detail.parameters.delete(name);
  });
  // "Effacer" empties the filters but stays on the week (or month) shown.
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("[data-clear-filters]") : null;
    const form = link?.closest("form");
    if (!form) return;
    event.preventDefault();
    form.querySelectorAll("select").forEach((select) => { select.value = ""; });
    form.querySelectorAll("[data-picker]").forEach((picker) => {
      const { hidden, box } = partsOf(picker);
      hidden.value = "";
      hidden.dataset.label = "";
      box.value = "";
    });
    htmx.trigger(form, "filters-change");
  });
})();
