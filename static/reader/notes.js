// Highlights and notes in the readers: select text on a PDF page (pdf.js's text layer), in an
// EPUB chapter (its frame reports the selection) or in the text mode, keep it with a colour
// and a note; the side panel lists the book's highlights to jump to, edit or delete, and
// exports them. Each is anchored by page or chapter plus its words and their neighbours
// (a text-quote selector), painted wherever those words are found.
(function () {
  "use strict";
  var root = document.getElementById("reader");
  var reader = window.TuSachReader;
  var anchors = window.TuSachAnchors;
  var panel = document.querySelector("[data-notes]");
  var bar = document.querySelector("[data-select-bar]");
  if (!root || !reader || !anchors || !panel || !bar) return;
  var data = root.dataset, labels = panel.dataset;
  var list = panel.querySelector("[data-note-list]");
  var openers = Array.prototype.slice.call(document.querySelectorAll("[data-open-notes]"));
  var items = [];
  var pending = null;  // {position, quote} of the selection offered for a highlight
  var shown = {};      // position -> the element its text is in (PDF pages, text mode)

  function api(method, url, body) {
    return reader.send(method, url, body).then(function (r) {
      if (r.status === 204) return null;
      return r.json().then(function (json) { return r.ok ? json : Promise.reject(json); });
    });
  }

  function open(show) {
    panel.hidden = !show;
    openers.forEach(function (b) { b.setAttribute("aria-expanded", String(show)); });
    document.dispatchEvent(new CustomEvent("tusach:panel", {detail: {name: "notes", open: show}}));
  }
  openers.forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { open(panel.hidden); });
  });
  panel.querySelector("[data-close-panel]").addEventListener("click", function () { open(false); });
  document.addEventListener("tusach:panel", function (event) {
    if (event.detail.name !== "notes" && event.detail.open && !panel.hidden) open(false);
  });

  // Painting ----------------------------------------------------------------------------

  function here(item) { return item.found ? item.found_position : null; }

  function paint(position, element) {
    anchors.unwrap(element, "mark.highlight");
    items.filter(function (item) { return here(item) === position; }).forEach(function (item) {
      var idx = anchors.index(element);
      var range = anchors.findQuote(idx, item);
      if (!range) return;
      anchors.wrap(idx, range, function () {
        var mark = document.createElement("mark");
        mark.className = "highlight hl-" + item.color;
        mark.dataset.id = String(item.id);
        if (item.note) mark.title = item.note;
        return mark;
      });
    });
  }

  function repaint() {
    Object.keys(shown).forEach(function (position) {
      if (document.contains(shown[position])) paint(Number(position), shown[position]);
      else delete shown[position];
    });
    if (data.kind === "epub" && data.mode !== "text") {
      reader.tell({type: "highlights", items: items.filter(function (item) {
        return here(item) === reader.state.position;
      }).map(function (item) {
        return {id: item.id, color: item.color, note: item.note, exact: item.exact,
                prefix: item.prefix, suffix: item.suffix};
      })});
    }
  }

  document.addEventListener("tusach:page-text", function (event) {
    shown[event.detail.position] = event.detail.element;
    paint(event.detail.position, event.detail.element);
  });

  // The list ------------------------------------------------------------------------------

  function where(item) {
    if (!item.found) return labels.lost;
    if (data.kind === "pdf") return data.labelPage + " " + item.found_position;
    if (item.chapter) return item.chapter;
    if (item.page != null) return data.labelPicturePage + " " + item.page;  // an EPUB's picture page
    return data.labelPage + " " + item.found_position;
  }

  function button(text, action, extra) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "link"; b.dataset.action = action; b.textContent = text;
    if (extra) b.setAttribute("aria-label", extra);
    return b;
  }

  function render() {
    list.replaceChildren();
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.dataset.id = String(item.id);
      li.className = "note hl-" + item.color + (item.found ? "" : " note-lost");
      var head = document.createElement("p");
      head.className = "note-where";
      head.textContent = where(item);
      var quote = document.createElement("blockquote");
      quote.textContent = item.exact.length > 280 ? item.exact.slice(0, 277) + "…" : item.exact;
      li.append(head, quote);
      if (item.note) {
        var note = document.createElement("p");
        note.className = "note-text";
        note.textContent = item.note;
        li.appendChild(note);
      }
      var actions = document.createElement("p");
      actions.className = "note-actions";
      if (item.found) actions.appendChild(button(labels.jump, "jump"));
      actions.append(button(labels.edit, "edit"), button(labels.delete, "delete", labels.deleteAria));
      li.appendChild(actions);
      list.appendChild(li);
    });
    if (!items.length) {
      var none = document.createElement("li");
      none.className = "muted"; none.textContent = labels.empty;
      list.appendChild(none);
    }
    panel.querySelector("[data-note-count]").textContent = String(items.length);
  }

  function editor(item) {
    var form = document.createElement("form");
    form.className = "note-editor";
    var colors = document.createElement("fieldset");
    var legend = document.createElement("legend");
    legend.textContent = labels.color;
    colors.appendChild(legend);
    JSON.parse(labels.colors).forEach(function (pair) {
      var lab = document.createElement("label");
      lab.className = "swatch hl-" + pair[0];
      var radio = document.createElement("input");
      radio.type = "radio"; radio.name = "color"; radio.value = pair[0]; radio.checked = pair[0] === item.color;
      lab.append(radio, " " + pair[1]);
      colors.appendChild(lab);
    });
    var textLabel = document.createElement("label");
    textLabel.textContent = labels.note;
    var text = document.createElement("textarea");
    text.name = "note"; text.rows = 3; text.value = item.note; text.maxLength = 10000;
    textLabel.appendChild(text);
    var save = document.createElement("button");
    save.type = "submit"; save.textContent = labels.save;
    var cancel = button(labels.cancel, "cancel");
    form.append(colors, textLabel, save, " ", cancel);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      save.disabled = true;
      api("PATCH", data.highlightUrl.replace(/0$/, item.id), {color: form.elements.color.value, note: text.value})
        .then(function (updated) { replace(updated); })
        .catch(function (error) { save.disabled = false; alert((error && error.error) || labels.failed); });
    });
    return form;
  }

  function replace(updated) {
    items = items.map(function (item) { return item.id === updated.id ? updated : item; });
    render(); repaint();
  }

  function edit(id) {
    var item = items.find(function (i) { return i.id === id; });
    var li = list.querySelector('li[data-id="' + id + '"]');
    if (!item || !li) return;
    open(true);
    var form = editor(item);
    li.appendChild(form);
    li.scrollIntoView({block: "nearest"});
    form.elements.note.focus();
  }

  list.addEventListener("click", function (event) {
    var b = event.target.closest("button[data-action]");
    var li = event.target.closest("li[data-id]");
    if (!b || !li) return;
    var id = Number(li.dataset.id);
    var item = items.find(function (i) { return i.id === id; });
    if (b.dataset.action === "edit") {
      if (!li.querySelector("form")) edit(id);
    } else if (b.dataset.action === "cancel") {
      render();
    } else if (b.dataset.action === "delete") {
      if (!confirm(labels.confirmDelete)) return;
      api("DELETE", data.highlightUrl.replace(/0$/, id)).then(function () {
        items = items.filter(function (i) { return i.id !== id; });
        render(); repaint();
      });
    } else if (b.dataset.action === "jump" && item) {
      jump(item);
    }
  });

  function flash(id) {
    var marks = document.querySelectorAll('mark.highlight[data-id="' + id + '"]');
    if (marks.length) {
      marks[0].scrollIntoView({block: "center"});
      marks.forEach(function (m) { m.classList.add("flash"); setTimeout(function () { m.classList.remove("flash"); }, 1600); });
    }
  }

  function jump(item) {
    var position = item.found_position;
    if (window.matchMedia("(max-width: 700px)").matches) open(false);
    if (position === reader.state.position) {
      if (data.kind === "epub" && data.mode !== "text") reader.tell({type: "highlight-show", id: item.id});
      else flash(item.id);
      return;
    }
    if (data.kind === "pdf" && data.mode !== "text" && reader.jump) {
      reader.jump(position);
      var tries = 0, wait = setInterval(function () {
        if (document.querySelector('mark.highlight[data-id="' + item.id + '"]') || ++tries > 40) {
          clearInterval(wait); flash(item.id);
        }
      }, 100);
      return;
    }
    location.assign(item.url);
  }

  // Selecting text ---------------------------------------------------------------------

  function offer(position, quote, rect) {
    pending = quote ? {position: position, quote: quote} : null;
    bar.hidden = !pending;
    if (!pending) return;
    var phone = window.matchMedia("(max-width: 700px)").matches;
    if (rect && !phone) {
      bar.style.top = Math.max(8, rect.top - bar.offsetHeight - 8) + "px";
      bar.style.left = Math.min(window.innerWidth - bar.offsetWidth - 8, Math.max(8, rect.left)) + "px";
      bar.classList.remove("docked");
    } else {
      bar.style.top = ""; bar.style.left = "";
      bar.classList.add("docked");
    }
  }

  var selectionTimer = null;
  document.addEventListener("selectionchange", function () {
    if (data.kind === "epub" && data.mode !== "text") return;  // the frame reports its own
    clearTimeout(selectionTimer);
    selectionTimer = setTimeout(function () {
      var selection = window.getSelection();
      if (!selection || selection.isCollapsed || !selection.rangeCount) { offer(null, null); return; }
      var node = selection.getRangeAt(0).commonAncestorContainer;
      var element = node.nodeType === 1 ? node : node.parentElement;
      var text = element && (element.closest(".textLayer") || element.closest("article.reader-text"));
      if (!text) { offer(null, null); return; }
      var box = text.closest("[data-page]");
      var position = box ? Number(box.dataset.page) : reader.state.position;
      offer(position, anchors.quoteOfSelection(text, selection), selection.getRangeAt(0).getBoundingClientRect());
    }, 200);
  });

  document.addEventListener("tusach:frame", function (event) {
    var message = event.detail;
    if (message.type === "ready") repaint();
    else if (message.type === "selection") {
      var quote = message.quote;
      var valid = quote && typeof quote.exact === "string" && typeof quote.prefix === "string" &&
        typeof quote.suffix === "string";
      offer(reader.state.position, valid ? quote : null, null);
    } else if (message.type === "highlight-open" && typeof message.id === "number") {
      edit(message.id);
    }
  });

  bar.addEventListener("mousedown", function (event) { event.preventDefault(); });  // keep the selection
  bar.addEventListener("click", function (event) {
    var b = event.target.closest("button");
    if (!b || !pending) return;
    var withNote = b.hasAttribute("data-add-note");
    var body = {position: pending.position, exact: pending.quote.exact, prefix: pending.quote.prefix,
                suffix: pending.quote.suffix, color: withNote ? "yellow" : b.dataset.color, note: ""};
    b.disabled = true;
    api("POST", data.highlightsUrl, body).then(function (item) {
      items.push(item);
      items.sort(function (a, c) { return a.position - c.position || a.id - c.id; });
      var selection = window.getSelection();
      if (selection) selection.removeAllRanges();
      reader.tell({type: "clear-selection"});
      offer(null, null);
      render(); repaint();
      if (withNote) edit(item.id);
    }).catch(function (error) {
      alert((error && error.error) || labels.failed);
    }).then(function () { b.disabled = false; });
  });

  document.addEventListener("click", function (event) {
    var mark = event.target.closest && event.target.closest("mark.highlight[data-id]");
    if (mark && !String(window.getSelection() || "").trim()) edit(Number(mark.dataset.id));
  });

  api("GET", data.highlightsUrl).then(function (answer) {
    items = answer.highlights;
    render(); repaint();
  }).catch(function () {});
})();
