// Search inside the open book, in all three readers: the book's hits (GET
// /api/books/<id>/search, answered from the index) with their snippets and page or chapter,
// next and previous hit, the current one marked. The PDF reader shows a hit in place; the
// EPUB reader and the text mode open the hit's chapter or page with the words marked.
(function () {
  "use strict";
  var root = document.getElementById("reader");
  var reader = window.TuSachReader;
  var panel = document.querySelector("[data-book-search]");
  if (!root || !reader || !panel) return;
  var data = root.dataset;
  var form = panel.querySelector("form");
  var input = form.elements.q;
  var list = panel.querySelector("[data-hit-list]");
  var status = panel.querySelector("[data-search-status]");
  var bars = Array.prototype.slice.call(document.querySelectorAll("[data-hit-bar]"));
  var openers = Array.prototype.slice.call(document.querySelectorAll("[data-open-search]"));
  var found = null;  // {query, positions, hits: {position: hit}}
  var phone = window.matchMedia("(max-width: 700px)");
  var PER_PAGE = 50;  // snippets per request; every hit's place comes in the first answer

  function open(show) {
    panel.hidden = !show;
    openers.forEach(function (b) { b.setAttribute("aria-expanded", String(show)); });
    document.dispatchEvent(new CustomEvent("tusach:panel", {detail: {name: "search", open: show}}));
    if (show) input.focus({preventScroll: true});
  }
  openers.forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { open(panel.hidden); });
  });
  panel.querySelector("[data-close-panel]").addEventListener("click", function () { open(false); });
  document.addEventListener("tusach:panel", function (event) {
    if (event.detail.name !== "search" && event.detail.open && !panel.hidden) open(false);
  });

  // Snippets come escaped from the server with <mark>s; only text and marks are kept.
  function snippetNodes(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var out = document.createDocumentFragment();
    template.content.childNodes.forEach(function (node) {
      if (node.nodeType === 3) out.appendChild(document.createTextNode(node.data));
      else if (node.nodeName === "MARK") {
        var mark = document.createElement("mark");
        mark.textContent = node.textContent;
        out.appendChild(mark);
      }
    });
    return out;
  }

  function label(hit, position) {
    if (data.kind === "pdf") return data.labelPage + " " + (hit && hit.page || position);
    if (hit && hit.chapter) return hit.chapter;
    if (hit && hit.page) return data.labelPicturePage + " " + hit.page;  // an EPUB's picture page
    return data.labelPage + " " + position;
  }

  function hitUrl(position, query) {
    var params = new URLSearchParams({p: position, q: query});
    return data.hereUrl + "?" + params.toString();
  }

  function currentIndex() {
    return found ? found.positions.indexOf(reader.state.position) : -1;
  }

  function render() {
    list.replaceChildren();
    if (!found) return;
    var index = currentIndex();
    found.positions.forEach(function (position, i) {
      var hit = found.hits[position];
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = hitUrl(position, found.query);
      link.dataset.position = String(position);
      if (i === index) link.setAttribute("aria-current", "true");
      var where = document.createElement("strong");
      where.textContent = label(hit, position);
      link.appendChild(where);
      if (hit && hit.snippet) {
        var snippet = document.createElement("span");
        snippet.className = "snippet";
        snippet.appendChild(snippetNodes(hit.snippet));
        link.appendChild(snippet);
      }
      li.appendChild(link);
      list.appendChild(li);
    });
    if (found.page * PER_PAGE < found.positions.length) {
      var more = document.createElement("li");
      var moreButton = document.createElement("button");
      moreButton.type = "button"; moreButton.className = "button-secondary"; moreButton.dataset.more = "";
      moreButton.textContent = data.labelMoreHits;
      more.appendChild(moreButton);
      list.appendChild(more);
    }
    var text = found.positions.length
      ? (index >= 0 ? (index + 1) + " / " : "") + found.positions.length + " " + data.labelHits
      : data.labelNoHits;
    status.textContent = text;
    bars.forEach(function (bar) {
      bar.hidden = false;
      bar.querySelector("[data-hit-count]").textContent =
        found.positions.length ? (index >= 0 ? (index + 1) + "/" : "") + found.positions.length : "0";
      bar.querySelector("[data-hit-query]").textContent = found.query;
      bar.querySelector("[data-hit=prev]").disabled = !neighbour(-1);
      bar.querySelector("[data-hit=next]").disabled = !neighbour(1);
    });
  }

  function neighbour(step) {
    if (!found || !found.positions.length) return null;
    var here = reader.state.position, positions = found.positions;
    if (step > 0) {
      for (var i = 0; i < positions.length; i++) if (positions[i] > here) return positions[i];
    } else {
      for (var j = positions.length - 1; j >= 0; j--) if (positions[j] < here) return positions[j];
    }
    return null;
  }

  function show(position, query, hit) {
    if (reader.showHit && reader.showHit(position, {query: query, hit: hit || "first"})) {
      if (phone.matches) open(false);
      return;
    }
    location.assign(hitUrl(position, query));
  }

  function search(query, thenGo) {
    status.textContent = data.labelSearching;
    var url = data.searchUrl + "?" + new URLSearchParams({q: query, per_page: PER_PAGE}).toString();
    return fetch(url, {credentials: "same-origin"})
      .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
      .then(function (answer) {
        if (!answer.ok) { found = null; list.replaceChildren(); status.textContent = answer.body.error || ""; return; }
        var hits = {};
        answer.body.hits.forEach(function (h) { hits[h.position] = h; });
        found = {query: query, positions: answer.body.positions, hits: hits, page: 1};
        render();
        if (thenGo && found.positions.length) {
          var here = reader.state.position;
          var target = found.positions.indexOf(here) >= 0 ? here : (neighbour(1) || found.positions[0]);
          show(target, query);
        }
      })
      .catch(function () { status.textContent = data.labelSearchFailed; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var query = input.value.trim();
    if (query) search(query, true);
  });
  function more() {
    var asked = found, page = found.page + 1;
    var url = data.searchUrl + "?" + new URLSearchParams({q: asked.query, per_page: PER_PAGE, page: page}).toString();
    fetch(url, {credentials: "same-origin"}).then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
      .then(function (body) {
        if (found !== asked) return;
        body.hits.forEach(function (h) { found.hits[h.position] = h; });
        found.page = page;
        render();
      }).catch(function () { status.textContent = data.labelSearchFailed; });
  }

  list.addEventListener("click", function (event) {
    if (event.target.closest("[data-more]")) { more(); return; }
    var link = event.target.closest("a[data-position]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    show(Number(link.dataset.position), found.query);
  });
  function step(direction) {
    var target = neighbour(direction);
    if (target) show(target, found.query, direction < 0 ? "first" : "first");
  }
  bars.concat([panel]).forEach(function (container) {
    container.addEventListener("click", function (event) {
      var button = event.target.closest("[data-hit]");
      if (button) step(button.dataset.hit === "next" ? 1 : -1);
    });
  });
  document.addEventListener("tusach:position", render);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) {  // back to the button that opened it
      open(false);
      var opener = openers.filter(function (b) { return b.offsetParent !== null; })[0];
      if (opener) opener.focus();
      return;
    }
    if (event.target.closest("input, textarea, select")) return;
    if (event.key === "/" ) { event.preventDefault(); open(true); }
    else if (event.key === "F3" || (event.key === "n" && found)) { event.preventDefault(); step(event.shiftKey ? -1 : 1); }
  });

  if (reader.query) {
    input.value = reader.query;
    search(reader.query, false);
  }
})();
