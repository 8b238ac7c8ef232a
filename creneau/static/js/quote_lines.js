// Quote editor: a draft's lines are dragged by their grip (SortableJS, vendored). On drop the
// new order is posted and the server answers the lines again (positions, arrows, totals),
// or a refusal in the page's messages with the order it kept. The up and down arrows beside
// the grip stay for keyboard users. Loaded on the quote page only, after Sortable.min.js.
(() => {
  const rowIds = (list) =>
    Array.from(list.querySelectorAll("tr[data-line-id]"), (row) => row.dataset.lineId);

  function postOrder(list) {
    htmx.ajax("POST", list.dataset.reorderUrl, {
      source: list,
      target: "#quote-lines",
      swap: "innerHTML",
      values: { line: rowIds(list) },
    });
  }

  function makeSortable(list) {
    if (Sortable.get(list)) return;
    Sortable.create(list, {
      handle: ".quote-line-grip",
      draggable: "tr[data-line-id]",
      animation: 150,
      onEnd: (event) => {
        if (event.oldIndex !== event.newIndex) postOrder(list);
      },
    });
  }

  // A line just added takes the focus: its starting text ("Nouvelle ligne") selected, so
  // that typing replaces it; a catalogue line, its quantity.
  function focusNewLine(root) {
    const row = root.querySelector("[data-new-line]");
    if (!row) return;
    const field = row.querySelector("[data-select-on-focus]") || row.querySelector("[name=quantity]");
    if (field) {
      field.focus();
      field.select();
    }
  }

  // htmx.onLoad runs for the page and again for every piece htmx swaps in.
  htmx.onLoad((root) => {
    if (!(root instanceof Element)) return;
    if (root.matches("[data-sortable-lines]")) makeSortable(root);
    root.querySelectorAll("[data-sortable-lines]").forEach(makeSortable);
    focusNewLine(root);
  });

  // A line saves 300 ms after its last key. A click in that time that redraws the lines
  // (adding a line, moving or deleting one) would drop the typed value with its row, and
  // one that leaves the page (Finaliser, Envoyer, the PDF) would freeze or print the old
  // one: such a click waits until the pending lines are saved and every save has answered.
  // "line-save-now" (in the row's hx-trigger) sends a line's save at once and cancels its
  // delayed one.
  const unsaved = new Set();
  let inFlight = 0;
  let whenIdle = [];
  const lineOf = (element) =>
    element instanceof Element ? element.closest("tr[data-line-id][hx-post]") : null;
  document.addEventListener("input", (event) => {
    const row = lineOf(event.target);
    if (row) unsaved.add(row);
  });
  document.addEventListener("htmx:beforeRequest", (event) => {
    unsaved.delete(event.detail.elt);
    inFlight += 1;
  });
  const answered = () => {
    inFlight = Math.max(0, inFlight - 1);
    if (inFlight === 0) whenIdle.splice(0).forEach((resolve) => resolve());
  };
  document.addEventListener("htmx:afterRequest", answered);
  document.addEventListener("htmx:sendAbort", answered);
  const pendingLines = () => Array.from(unsaved).filter((row) => row.isConnected);
  const busy = () => inFlight > 0 || pendingLines().length > 0;
  const saveNow = (row) =>
    new Promise((resolve) => {
      row.addEventListener("htmx:afterRequest", resolve, { once: true });
      htmx.trigger(row, "line-save-now");
    });
  // (At most 5 s: a request that never answers must not hold every click.)
  const idle = () =>
    new Promise((resolve) => {
      if (inFlight === 0) return resolve();
      whenIdle.push(resolve);
      setTimeout(resolve, 5000);
    });
  const allSaved = () => Promise.all(pendingLines().map(saveNow)).then(idle);

  document.addEventListener("htmx:confirm", (event) => {
    if (lineOf(event.detail.elt) === event.detail.elt) return; // a line's own save
    if (!busy()) return;
    event.preventDefault();
    allSaved().then(() => event.detail.issueRequest());
  });
  // The page's plain forms (Finaliser, Dupliquer…), after their confirmation if any.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (event.defaultPrevented || !busy()) return;
    event.preventDefault();
    allSaved().then(() => form.submit());
  });
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!link || event.defaultPrevented || link.target || event.ctrlKey || event.metaKey) return;
    if (event.shiftKey || event.button !== 0 || !busy()) return;
    event.preventDefault();
    allSaved().then(() => window.location.assign(link.href));
  });

  // A starting text is selected whenever its field is entered, while it is unchanged.
  document.addEventListener("focusin", (event) => {
    const field = event.target;
    if (field.matches?.("[data-select-on-focus]") && field.value === field.defaultValue) {
      field.select();
    }
  });

  // A refused value: the field is marked in error, and put back to the value saved (which
  // the line's amount and the totals count) once the user leaves it, or at once when the
  // user is elsewhere already. The error stays, saying what was refused.
  const fieldOf = (error) => error.closest("td")?.querySelector("[name]");
  function markField(error) {
    const field = fieldOf(error);
    if (!field) return;
    const refused = error.textContent.trim() !== "";
    field.classList.toggle("is-invalid", refused);
    field.setAttribute("aria-invalid", refused ? "true" : "false");
    if (refused) field.setAttribute("aria-describedby", error.id);
    if (refused && document.activeElement !== field) restore(field, error);
  }
  function restore(field, error) {
    if (error.dataset.savedValue === undefined) return;
    field.value = error.dataset.savedValue;
  }
  // (Fired on each element swapped in; event.detail.target is the one it replaced.)
  document.addEventListener("htmx:oobAfterSwap", (event) => {
    const error = event.target;
    if (error instanceof Element && error.matches("[id^='line-'][id*='-error-']")) {
      markField(error);
    }
  });
  document.addEventListener("focusout", (event) => {
    const field = event.target;
    if (!(field instanceof Element) || field.getAttribute("aria-invalid") !== "true") return;
    const error = document.getElementById(field.getAttribute("aria-describedby"));
    if (error && error.textContent.trim() !== "") restore(field, error);
  });

  // The catalogue picker is a combobox: the arrows move the highlight through the results
  // (aria-activedescendant; the focus stays in the search field), Enter adds the
  // highlighted service, Escape closes the list.
  const optionsOf = (results) => Array.from(results.querySelectorAll("[role=option]"));
  function highlight(input, results, index) {
    optionsOf(results).forEach((option, position) => {
      option.classList.toggle("active", position === index);
      option.setAttribute("aria-selected", position === index ? "true" : "false");
      if (position === index) {
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      }
    });
    if (index < 0) input.removeAttribute("aria-activedescendant");
  }
  document.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.matches("[data-service-picker]")) return;
    const results = document.getElementById(input.getAttribute("aria-controls"));
    if (!results) return;
    const options = optionsOf(results);
    const current = options.findIndex((o) => o.id === input.getAttribute("aria-activedescendant"));
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && options.length) {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      const start = step > 0 ? -1 : options.length;
      const next = ((current < 0 ? start : current) + step + options.length) % options.length;
      highlight(input, results, next);
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      options[current].click();
    } else if (event.key === "Escape" && results.childElementCount) {
      event.preventDefault();
      results.replaceChildren();
      highlight(input, results, -1);
      input.setAttribute("aria-expanded", "false");
    }
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const results = event.detail.target;
    if (!(results instanceof Element) || !results.matches("#service-results")) return;
    const input = document.querySelector(`[aria-controls="${results.id}"]`);
    if (!input) return;
    const options = optionsOf(results);
    input.setAttribute("aria-expanded", options.length ? "true" : "false");
    // Results refreshed under the highlight keep it on the same service, if still listed.
    const kept = options.findIndex((o) => o.id === input.getAttribute("aria-activedescendant"));
    highlight(input, results, kept);
  });
})();
