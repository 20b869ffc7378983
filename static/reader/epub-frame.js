// Runs inside the EPUB chapter's sandboxed frame (no origin of its own, no access to the
// reader page). It only reports how far the reader has scrolled and applies the font
// size and scroll position the page asks for. The book's own scripts never get here:
// they are removed on the server and the frame's policy allows this file alone.
(function () {
  "use strict";
  var parentWindow = window.parent;
  if (!parentWindow || parentWindow === window) return;
  var doc = document.documentElement, timer = null, endSent = false;

  function post(message) { parentWindow.postMessage(message, "*"); }

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

  window.addEventListener("message", function (event) {
    if (event.source !== parentWindow || !event.data) return;
    var message = event.data;
    if (message.type === "font" && typeof message.size === "number") {
      doc.style.fontSize = Math.min(200, Math.max(70, message.size)) + "%";
    } else if (message.type === "scroll" && typeof message.offset === "number") {
      window.scrollTo(0, message.offset * (doc.scrollHeight - window.innerHeight));
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

  function ready() {
    if (!location.hash) {
      var hit = document.getElementById("hit");
      if (hit) hit.scrollIntoView({block: "center"});
    }
    post({type: "ready"});
    // A chapter shorter than the frame is read to its end as soon as it is shown.
    setTimeout(report, 500);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
