// Documents tab: files dropped on the drop zone (or picked) upload one request each, with
// their own progress bar (XMLHttpRequest upload events), then the list refreshes itself.
// Without JavaScript the same form posts the picked files at once.
// The tab may be loaded several times into the record: listen once, on the document.
(() => {
  if (window.creneauDocuments) return;
  window.creneauDocuments = true;

  const zoneOf = (node) =>
    node instanceof Element ? node.closest("[data-document-dropzone]") : null;
  const carriesFiles = (event) =>
    Array.from(event.dataTransfer ? event.dataTransfer.types : []).includes("Files");
  const clearHighlight = (except) =>
    document.querySelectorAll("[data-document-dropzone].is-dragover").forEach((zone) => {
      if (zone !== except) zone.classList.remove("is-dragover");
    });

  function enhance(root) {
    root.querySelectorAll("[data-document-dropzone]").forEach((zone) => {
      zone.classList.add("is-enhanced");
    });
  }

  function addProgressItem(zone, file) {
    const item = document.createElement("li");
    item.className = "document-upload";
    item.innerHTML =
      '<div class="d-flex justify-content-between gap-2 small">' +
      '<span class="document-upload-name text-truncate"></span>' +
      '<span class="document-upload-status text-body-secondary"></span></div>' +
      '<div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0">' +
      '<div class="progress-bar"></div></div>';
    // The width through the style property: a style="" attribute breaks the page's CSP.
    item.querySelector(".progress-bar").style.width = "0%";
    item.querySelector(".document-upload-name").textContent = file.name; // never as HTML
    zone.querySelector("[data-document-uploads]").append(item);
    return item;
  }

  function setProgress(item, ratio) {
    const percent = Math.round(ratio * 100);
    item.querySelector(".progress").setAttribute("aria-valuenow", String(percent));
    item.querySelector(".progress-bar").style.width = `${percent}%`;
    item.querySelector(".document-upload-status").textContent = `${percent} %`;
  }

  function finish(item, ok, message) {
    setProgress(item, 1);
    item.classList.add(ok ? "is-done" : "is-refused");
    item.querySelector(".progress-bar").classList.add(ok ? "bg-success" : "bg-danger");
    const status = item.querySelector(".document-upload-status");
    status.textContent = message;
    status.className = `document-upload-status ${ok ? "text-success" : "text-danger"}`;
  }

  function field(zone, name) {
    const element = zone.elements.namedItem(name);
    return element ? element.value : "";
  }

  function send(zone, file, item) {
    const texts = zone.dataset;
    return new Promise((resolve) => {
      if (file.size > Number(texts.maxSize)) {
        finish(item, false, texts.tooLarge); // the server would refuse it too
        resolve(false);
        return;
      }
      const body = new FormData();
      ["kind", "site", "note"].forEach((name) => body.append(name, field(zone, name)));
      const shared = zone.elements.namedItem("portal_visible");
      if (shared && shared.checked) body.append("portal_visible", "on");
      body.append("file", file, file.name);
      const request = new XMLHttpRequest();
      request.open("POST", zone.action);
      request.setRequestHeader("Accept", "application/json");
      request.setRequestHeader("X-CSRFToken", field(zone, "csrfmiddlewaretoken"));
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) setProgress(item, (event.loaded / event.total) * 0.99);
      });
      request.addEventListener("load", () => {
        let answer = {};
        try {
          answer = JSON.parse(request.responseText);
        } catch (error) {
          answer = {};
        }
        const ok = request.status === 201;
        finish(item, ok, answer.message || (ok ? texts.sent : texts.failed));
        resolve(ok);
      });
      request.addEventListener("error", () => {
        finish(item, false, texts.networkError);
        resolve(false);
      });
      request.send(body);
    });
  }

  // One file at a time: the bandwidth is shared anyway, each bar then fills in turn, and
  // the list is refreshed once, when the whole drop is through.
  function upload(zone, fileList) {
    // The files of a previous drop that went through are in the list now: clear them.
    zone.querySelectorAll(".document-upload.is-done").forEach((item) => item.remove());
    const queue = Array.from(fileList).map((file) => ({ file, item: addProgressItem(zone, file) }));
    let added = 0;
    const next = () => {
      const job = queue.shift();
      if (!job) {
        if (added) document.body.dispatchEvent(new CustomEvent("documents-changed"));
        return;
      }
      send(zone, job.file, job.item).then((ok) => {
        if (ok) added += 1;
        next();
      });
    };
    next();
  }

  // A file dropped next to the zone must not make the browser leave the page to show it.
  document.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    const zone = zoneOf(event.target);
    event.dataTransfer.dropEffect = zone ? "copy" : "none";
    clearHighlight(zone);
    if (zone) zone.classList.add("is-dragover");
  });
  document.addEventListener("dragleave", (event) => {
    const zone = zoneOf(event.target);
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("is-dragover");
  });
  document.addEventListener("drop", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    clearHighlight(null);
    const zone = zoneOf(event.target);
    if (zone && zone.classList.contains("is-enhanced")) upload(zone, event.dataTransfer.files);
  });
  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.matches("[data-document-input]")) return;
    const zone = zoneOf(input);
    if (!zone || !zone.classList.contains("is-enhanced")) return;
    upload(zone, input.files);
    input.value = "";
  });

  enhance(document);
  document.addEventListener("htmx:load", (event) => enhance(event.target));
})();
