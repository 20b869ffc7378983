// Runs inside the EPUB chapter's sandboxed frame (no origin of its own, no access to the
// reader page). It reports how far the reader has scrolled, what text is selected (for a
// highlight), taps and swipes; it applies the font size, scroll position, highlights and
// the current search mark the page asks for. The book's own scripts never get here: they
// are removed on the server and the frame's policy allows this file and anchors.js alone.
(function () {
  "use strict";
  var parentWindow = window.parent;
  if (!parentWindow || parentWindow === window) return;
  var doc = document.documentElement, timer = null, endSent = false;

  function post(message) { parentWindow.postMessage(message, "*"); }

  // Into view within the frame only: scrollIntoView would scroll the reader page as well.
  function reveal(element) {
    var rect = element.getBoundingClientRect();
    window.scrollTo(0, Math.max(0, window.scrollY + rect.top - window.innerHeight / 2));
  }

  function offset() {
    var room = doc.scrollHeight - window.innerHeight;
    return room > 0 ? Math.min(1, Math.max(0, window.scrollY / room)) : 1;
  }

  function atEnd() {
    return window.scrollY + window.innerHeight >= doc.scrollHeight - 24;
  }

  function report() {
    timer = null;
    post({type: "position", offset: offset()});
    if (!endSent && atEnd()) { endSent = true; post({type: "end"}); }
  }

  window.addEventListener("scroll", function () { if (!timer) timer = setTimeout(report, 300); },
                          {passive: true});
  // ← → with the focus in the chapter turn it, as they do on the reader page.
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      post({type: "turn", to: event.key === "ArrowRight" ? "next" : "prev"});
    }
  });

  window.addEventListener("message", function (event) {
    if (event.source !== parentWindow || !event.data) return;
    var message = event.data;
    if (message.type === "font" && typeof message.size === "number") {
      doc.style.fontSize = Math.min(200, Math.max(70, message.size)) + "%";
    } else if (message.type === "scroll" && typeof message.offset === "number") {
      window.scrollTo(0, message.offset * (doc.scrollHeight - window.innerHeight));
    } else if (message.type === "highlights" && Array.isArray(message.items)) {
      paint(message.items);
    } else if (message.type === "mark" && typeof message.index === "number") {
      currentMark(message.index);
    } else if (message.type === "highlight-show" && typeof message.id === "number") {
      var marks = document.querySelectorAll('mark.highlight[data-id="' + message.id + '"]');
      if (marks.length) reveal(marks[0]);
    } else if (message.type === "clear-selection") {
      var selection = window.getSelection();
      if (selection) selection.removeAllRanges();
    }
  });

  // Highlights: found again by their text-quote selectors, painted, opened with a click.
  var anchors = window.TuSachAnchors;
  var COLORS = ["yellow", "green", "blue", "pink"];
  function paint(items) {
    if (!anchors) return;
    anchors.unwrap(document.body, "mark.highlight");
    items.forEach(function (item) {
      var idx = anchors.index(document.body);
      var range = anchors.findQuote(idx, item);
      if (!range) return;
      var color = COLORS.indexOf(item.color) >= 0 ? item.color : "yellow";
      anchors.wrap(idx, range, function () {
        var mark = document.createElement("mark");
        mark.className = "highlight hl-" + color;
        mark.dataset.id = String(item.id);
        if (item.note) mark.title = item.note;
        return mark;
      });
    });
  }

  // The search's marks (written by the server): which one is current.
  function searchMarks() {  // a phrase across tags is several <mark>s: the first counts
    return Array.prototype.slice.call(document.querySelectorAll("mark:not(.highlight):not(.more)"));
  }
  function currentMark(index) {
    var marks = searchMarks();
    marks.forEach(function (m) { m.classList.remove("current"); });
    if (!marks.length) return;
    var mark = marks[(index + marks.length) % marks.length];
    mark.classList.add("current");
    reveal(mark);
  }

  var selectionTimer = null;
  document.addEventListener("selectionchange", function () {
    clearTimeout(selectionTimer);
    selectionTimer = setTimeout(function () {
      var quote = anchors ? anchors.quoteOfSelection(document.body, window.getSelection()) : null;
      post({type: "selection", quote: quote});
    }, 250);
  });

  // Taps and swipes: the sides turn a screen (and, at the chapter's end or start, the
  // chapter); a swipe turns the chapter; the middle shows or hides the reader's controls.
  var touch = null;
  document.addEventListener("pointerdown", function (event) {
    touch = {x: event.clientX, y: event.clientY, t: Date.now()};
  });
  document.addEventListener("pointerup", function (event) {
    if (!touch) return;
    var dx = event.clientX - touch.x, dy = event.clientY - touch.y, dt = Date.now() - touch.t;
    touch = null;
    if (String(window.getSelection() || "").trim()) return;
    var mark = event.target.closest && event.target.closest("mark.highlight");
    if (mark && Math.abs(dx) < 8 && Math.abs(dy) < 8) { post({type: "highlight-open", id: Number(mark.dataset.id)}); return; }
    if (event.target.closest && event.target.closest("a[href]")) return;
    if (Math.abs(dx) > 60 && Math.abs(dy) < 45 && dt < 800) {
      post({type: "turn", to: dx < 0 ? "next" : "prev"});
      return;
    }
    if (event.pointerType === "mouse" || Math.abs(dx) > 8 || Math.abs(dy) > 8 || dt > 400) return;
    var width = window.innerWidth, x = event.clientX, screen = window.innerHeight * 0.9;
    if (x > width * 0.75) {
      if (atEnd()) post({type: "turn", to: "next"}); else window.scrollBy(0, screen);
    } else if (x < width * 0.25) {
      if (window.scrollY <= 0) post({type: "turn", to: "prev"}); else window.scrollBy(0, -screen);
    } else {
      post({type: "tap"});
    }
  });

  // Links to other chapters leave the frame through the reader page.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link) return;
    var href = link.getAttribute("href");
    if (href.charAt(0) === "#") return;
    event.preventDefault();
    post({type: "open", href: href});
  });

  // A fixed-layout page is drawn for one size (its viewport): scaled to be seen whole in the
  // frame, as a picture book's page, and again when the frame changes size.
  function fitPage() {
    var body = document.body, width = Number(body.dataset.pageWidth), height = Number(body.dataset.pageHeight);
    if (!width || !height) return;
    var scale = Math.min(window.innerWidth / width, window.innerHeight / height, 1);
    body.style.width = width + "px";
    body.style.height = height + "px";
    body.style.transform = "translateX(" + Math.max(0, (window.innerWidth - width * scale) / 2) + "px) scale(" + scale + ")";
    doc.style.height = Math.ceil(height * scale) + "px";
  }
  window.addEventListener("resize", fitPage);

  function ready() {
    fitPage();
    var hit = document.getElementById("hit");
    if (hit) hit.classList.add("current");
    if (!location.hash && hit) reveal(hit);
    post({type: "ready", marks: searchMarks().length});
    // A chapter shorter than the frame is read to its end as soon as it is shown.
    setTimeout(report, 500);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
