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

  // htmx.onLoad runs for the page and again for every piece htmx swaps in.
  htmx.onLoad((root) => {
    if (!(root instanceof Element)) return;
    if (root.matches("[data-sortable-lines]")) makeSortable(root);
    root.querySelectorAll("[data-sortable-lines]").forEach(makeSortable);
  });
})();
