// A book's recognition progress on its page: asks GET /api/books/<id> every few seconds while
// pages are being recognised, and reloads the page once they are all done.
(function () {
  "use strict";
  var box = document.querySelector("[data-ocr-book]");
  if (!box) return;
  var done = box.querySelector(".ocr-done"), total = box.querySelector(".ocr-total");
  var left = box.querySelector(".ocr-left"), bar = box.querySelector("progress");
  var leftLabel = box.dataset.labelLeft || "{minutes}";  // translated by the page

  function show(ocr) {
    if (done) done.textContent = ocr.pages_done;
    if (total) total.textContent = ocr.pages_total;
    if (bar) { bar.max = ocr.pages_total; bar.value = ocr.pages_done; }
    if (left) {
      var minutes = ocr.seconds_left == null ? null : Math.ceil(ocr.seconds_left / 60);
      left.textContent = minutes == null ? "" : ", " + leftLabel.replace("{minutes}", minutes);
    }
  }

  function poll() {
    fetch(box.dataset.api, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (book) {
        if (!book || !book.ocr) return;
        show(book.ocr);
        if (book.ocr.status === "queued" || book.ocr.status === "running") {
          setTimeout(poll, 5000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { setTimeout(poll, 15000); });
  }
  setTimeout(poll, 5000);
})();
