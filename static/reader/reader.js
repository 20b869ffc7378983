// What every reader page shares: reporting pages/chapters seen (POST /api/progress),
// saving where the user is (debounced PUT), bookmarks, and the EPUB frame's messages.
// The PDF reader (pdf-reader.js) drives it through window.TuSachReader.
(function () {
  "use strict";
  var root = document.getElementById("reader");
  if (!root) return;
  var data = root.dataset;
  var bookId = Number(data.bookId), kind = data.kind, last = Number(data.last);
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var state = {position: Number(data.position), offset: Number(data.offset || 0)};
  var saveTimer = null;
  var SAVE_DELAY = 1500;  // ms: one request after the reader settles, not one per scroll

  function send(method, url, body, keepalive) {
    return fetch(url, {
      method: method, credentials: "same-origin", keepalive: !!keepalive,
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  }

  function seen(position, toEnd) {
    var body = {book_id: bookId};
    if (kind === "pdf") body.page = position;
    else { body.chapter = position; body.to_end = !!toEnd; }
    return send("POST", data.progressUrl, body).catch(function () {});
  }

  function saveNow(keepalive) {
    clearTimeout(saveTimer);
    saveTimer = null;
    return send("PUT", data.positionUrl, {position: state.position, offset: state.offset}, keepalive)
      .catch(function () {});
  }

  function place(position, offset) {
    state.position = position;
    state.offset = Math.min(Math.max(offset || 0, 0), 1);
    clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNow, SAVE_DELAY);
  }

  window.addEventListener("pagehide", function () { if (saveTimer) saveNow(true); });

  // Bookmarks ------------------------------------------------------------------------
  var list = root.querySelector(".bookmark-list");
  var label = function () {
    if (kind === "pdf") return data.labelPage + " " + state.position;
    var heading = document.querySelector("main > h2");
    var title = heading ? heading.textContent.trim() : data.labelPage + " " + state.position;
    return state.offset > 0.02 ? title + " (" + Math.round(state.offset * 100) + "%)" : title;
  };

  function bookmarkItem(mark) {
    var li = document.createElement("li"), a = document.createElement("a"), del = document.createElement("button");
    li.dataset.id = mark.id; li.dataset.position = mark.position; li.dataset.offset = mark.offset;
    a.href = mark.url; a.textContent = mark.label || (data.labelPage + " " + mark.position);
    del.type = "button"; del.className = "link"; del.dataset.deleteBookmark = "";
    del.textContent = data.labelDelete; del.setAttribute("aria-label", data.labelDeleteAria);
    li.append(a, " ", del);
    return li;
  }

  function refreshEmpty() {
    var none = list.querySelector("[data-none]");
    var count = list.querySelectorAll("li[data-id]").length;
    if (count && none) none.remove();
    if (!count && !none) {
      var li = document.createElement("li");
      li.className = "muted"; li.dataset.none = ""; li.textContent = list.dataset.empty;
      list.appendChild(li);
    }
  }

  var addButton = root.querySelector("[data-add-bookmark]");
  if (addButton && list) {
    addButton.addEventListener("click", function () {
      addButton.disabled = true;
      send("POST", data.bookmarksUrl, {position: state.position, offset: state.offset, label: label()})
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
        .then(function (mark) {
          var items = Array.prototype.slice.call(list.querySelectorAll("li[data-id]"));
          var after = items.find(function (li) {
            return Number(li.dataset.position) > mark.position ||
              (Number(li.dataset.position) === mark.position && Number(li.dataset.offset) > mark.offset);
          });
          list.insertBefore(bookmarkItem(mark), after || null);
          refreshEmpty();
        })
        .catch(function () {})
        .then(function () { addButton.disabled = false; });
    });
    list.addEventListener("click", function (event) {
      var li = event.target.closest("li[data-id]");
      if (!li) return;
      if (event.target.closest("[data-delete-bookmark]")) {
        send("DELETE", data.bookmarkUrl.replace(/0$/, li.dataset.id)).then(function (r) {
          if (r.ok || r.status === 404) { li.remove(); refreshEmpty(); }
        });
        return;
      }
      var link = event.target.closest("a");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
      var position = Number(li.dataset.position), offset = Number(li.dataset.offset);
      if (api.jump && api.jump(position, offset)) { event.preventDefault(); return; }
      if (offset > 0) sessionStorage.setItem("tusach-offset-" + bookId, position + ":" + offset);
    });
  }

  var api = window.TuSachReader = {
    bookId: bookId, kind: kind, last: last, state: state, query: data.query || "",
    seen: seen, place: place, send: send, jump: null,
    // set by the PDF reader: show a search hit in place, without loading a page
    showHit: null,
    // a page's or chapter's text is on screen (PDF text layer, text mode): notes paint on it
    pageShown: function (position, element) {
      document.dispatchEvent(new CustomEvent("tusach:page-text", {detail: {position: position, element: element}}));
    },
    toggleChrome: function () {
      if (document.body.classList.contains("reader-fullscreen")) root.classList.toggle("chrome-hidden");
    },
    tell: function () {}
  };

  // Phones: the extra tools fold away, the note about the place restored goes by itself.
  if (window.matchMedia("(max-width: 700px)").matches) {
    var more = root.querySelector(".reader-more");
    if (more) more.open = false;
    var restoredNote = root.querySelector(".reader-note:not(.reader-note-warning)");
    if (restoredNote) setTimeout(function () { restoredNote.hidden = true; }, 6000);
  }

  // Full screen: the browser's where it has one for pages (not iPhone Safari), and in any
  // case the page's own chrome (site header, titles) out of the way.
  var fullButton = document.querySelector("[data-fullscreen]");
  function setFull(on) {
    document.body.classList.toggle("reader-fullscreen", on);
    root.classList.remove("chrome-hidden");
    if (fullButton) fullButton.setAttribute("aria-pressed", String(on));
    window.dispatchEvent(new Event("resize"));
  }
  if (fullButton) {
    fullButton.hidden = false;
    fullButton.addEventListener("click", function () {
      var on = !document.body.classList.contains("reader-fullscreen");
      var el = document.documentElement;
      if (on && el.requestFullscreen) el.requestFullscreen({navigationUI: "hide"}).catch(function () {});
      if (!on && document.fullscreenElement && document.exitFullscreen) document.exitFullscreen().catch(function () {});
      setFull(on);
    });
    document.addEventListener("fullscreenchange", function () {
      if (!document.fullscreenElement && document.body.classList.contains("reader-fullscreen")) setFull(false);
    });
  }

  // Text mode --------------------------------------------------------------------------
  if (data.mode === "text") {
    seen(state.position, false);
    place(state.position, 0);
    var article = root.querySelector("article.reader-text");
    if (article) {
      var firstMark = article.querySelector("mark");
      if (firstMark) firstMark.classList.add("current");
      setTimeout(function () { api.pageShown(state.position, article); }, 0);
    }
    var end = root.querySelector("[data-end]");
    if (kind === "epub" && end && "IntersectionObserver" in window) {
      var watcher = new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) {
          watcher.disconnect();
          seen(state.position, true);
        }
      });
      watcher.observe(end);
    }
    return;
  }

  // EPUB: the chapter lives in a sandboxed frame with no origin; it talks by messages ----
  if (kind !== "epub") return;
  var frame = root.querySelector("[data-frame]");
  if (!frame) return;
  var pending = sessionStorage.getItem("tusach-offset-" + bookId);
  if (pending) {
    sessionStorage.removeItem("tusach-offset-" + bookId);
    var parts = pending.split(":");
    if (Number(parts[0]) === state.position) state.offset = Number(parts[1]);
  }
  if (location.hash.length > 1) {
    // A link to an anchor of the chapter: the frame opens there.
    frame.src = frame.src.split("#")[0] + location.hash;
    state.offset = 0;
  }
  var FONT_KEY = "tusach-font-size", fontSize = Number(localStorage.getItem(FONT_KEY)) || 100;
  var fontLevel = root.querySelector("[data-font-level]");
  function tell(message) { if (frame.contentWindow) frame.contentWindow.postMessage(message, "*"); }
  api.tell = tell;
  function chapterUrl(position) {
    var url = new URL(location.href);
    url.searchParams.set("p", position);
    if (api.query) url.searchParams.set("q", api.query); else url.searchParams.delete("q");
    url.hash = "";
    return url.pathname + url.search;
  }
  function showFont() { if (fontLevel) fontLevel.textContent = fontSize + "%"; tell({type: "font", size: fontSize}); }
  var controls = root.querySelector("[data-font-controls]");
  if (controls) {
    controls.hidden = false;
    controls.addEventListener("click", function (event) {
      var button = event.target.closest("[data-font]");
      if (!button) return;
      fontSize = Math.min(200, Math.max(70, fontSize + (button.dataset.font === "larger" ? 10 : -10)));
      localStorage.setItem(FONT_KEY, String(fontSize));
      showFont();
    });
  }
  api.jump = function (position, offset) {
    if (position !== state.position) return false;
    tell({type: "scroll", offset: offset});
    return true;
  };

  function turn(step) {
    var to = state.position + step;
    if (to >= 1 && to <= last) location.assign(chapterUrl(to));
  }
  // The keyboard, as in the PDF reader: ← → turn the chapter (the frame sends its own keys
  // as "turn" messages when it has the focus; Space and Page Down scroll within it).
  document.addEventListener("keydown", function (event) {
    if (event.target.closest("input, textarea, select, [contenteditable]") || event.altKey ||
        event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.key === "ArrowRight") turn(1);
    else if (event.key === "ArrowLeft") turn(-1);
  });

  var opened = false;
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow || !event.data || typeof event.data.type !== "string") return;
    var message = event.data;
    if (message.type === "ready") {
      showFont();
      document.dispatchEvent(new CustomEvent("tusach:frame", {detail: message}));
      if (!opened) {
        opened = true;
        seen(state.position, false);
        if (state.offset > 0 && location.hash.length <= 1) tell({type: "scroll", offset: state.offset});
      }
    } else if (message.type === "position" && typeof message.offset === "number") {
      place(state.position, message.offset);
    } else if (message.type === "end") {
      seen(state.position, true);
    } else if (message.type === "turn" && (message.to === "next" || message.to === "prev")) {
      turn(message.to === "next" ? 1 : -1);
    } else if (message.type === "tap") {
      api.toggleChrome();
    } else if (message.type === "selection" || message.type === "highlight-open" || message.type === "marks") {
      document.dispatchEvent(new CustomEvent("tusach:frame", {detail: message}));
    } else if (message.type === "open" && typeof message.href === "string") {
      // Only links the server wrote: another chapter of this very book.
      var url = new URL(message.href, location.href);
      if (url.origin === location.origin && url.pathname === data.readUrl) location.assign(url.href);
    }
  });
})();
