// The job page's progress bar and per-file results, polled from the JSON status until the
// job is finished. Without scripts the page still shows the state it was loaded in.
(function () {
  "use strict";
  var section = document.querySelector(".job-progress");
  if (!section) return;
  var url = section.getAttribute("data-status-url");
  var texts = document.getElementById("job-texts").dataset;
  var bar = document.getElementById("job-bar");
  var count = document.getElementById("job-count");
  var state = document.getElementById("job-state");
  var summary = document.getElementById("job-summary");
  var delay = 1000;

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function span(className, text) {
    var s = document.createElement("span");
    s.className = className;
    s.textContent = text;
    return s;
  }

  function renderFile(file) {
    var row = document.querySelector('tr[data-position="' + file.position + '"]');
    if (!row) return;
    row.className = "file-" + file.status;
    row.querySelector(".file-status").textContent = file.label;
    var detail = row.querySelector(".file-detail");
    detail.textContent = "";
    if (file.book_url) {
      detail.appendChild(link(file.book_url, file.book_title));
      detail.appendChild(document.createTextNode(" · "));
      detail.appendChild(link(file.edit_url, texts.edit));
    }
    if (file.reason) detail.appendChild(span("file-reason", file.reason));
    (file.warnings || []).forEach(function (w) { detail.appendChild(span("file-warning", w)); });
  }

  function render(job) {
    bar.max = job.total || 1;
    bar.value = job.done;
    bar.textContent = job.done + " / " + job.total;
    count.textContent = format(texts.done, job);
    state.textContent = job.label;
    state.className = "job-state job-state-" + (job.outcome || job.status);
    section.setAttribute("data-job-status", job.status);
    summary.textContent = job.counts.imported + " " + texts.imported + ", " +
      job.counts.duplicate + " " + texts.duplicate + ", " + job.counts.failed + " " + texts.failed;
    job.files.forEach(renderFile);
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (job) {
        render(job);
        delay = 1000;
        if (job.status !== "finished") setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);  // a slow or broken link: back off, keep trying
        setTimeout(poll, delay);
      });
  }

  if (section.getAttribute("data-job-status") !== "finished") setTimeout(poll, 500);
})();
