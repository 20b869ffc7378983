// Phones: the header's links fold under a menu button (they wrap, unfolded, without scripts).
(function () {
  "use strict";
  var button = document.querySelector(".menu-toggle"), nav = document.getElementById("site-nav");
  if (!button || !nav) return;
  button.hidden = false;
  var badge = nav.querySelector(".badge");  // e.g. new reading lists: seen on the folded menu too
  if (badge) button.appendChild(document.createTextNode(" ")), button.appendChild(badge.cloneNode(true));
  button.parentNode.classList.add("has-menu");
  function set(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    nav.classList.toggle("open", open);
  }
  button.addEventListener("click", function () { set(button.getAttribute("aria-expanded") !== "true"); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && nav.classList.contains("open")) { set(false); button.focus(); }
  });
})();

// Search filters: folded on phones (above the results), open beside them on wide screens.
(function () {
  "use strict";
  var facets = document.querySelector("details.facets");
  if (facets && window.matchMedia("(min-width: 800px)").matches) facets.open = true;
})();

// A list page's filter form (templates/_partials/filter_fold.html): folded on phones, open
// with its summary hidden on wide screens, where there is room for it. Without scripts it
// stays an ordinary disclosure everywhere.
(function () {
  "use strict";
  var folds = document.querySelectorAll("details.filter-fold");
  if (!folds.length) return;
  var wide = window.matchMedia("(min-width: 800px)");
  function lay() {
    folds.forEach(function (fold) {
      if (wide.matches) fold.open = true;
      fold.classList.toggle("unfolded", wide.matches);
    });
  }
  lay();
  if (wide.addEventListener) wide.addEventListener("change", lay);
})();

// Title/author typeahead for the search box in the header. Works without it, too:
// the form submits to the full search page.
(function () {
  "use strict";
  var input = document.querySelector(".search-box input[type=search]");
  if (!input) return;
  var list = input.form.querySelector(".suggestions");
  var timer = null, active = -1, lastQuery = "";

  function close() { list.hidden = true; list.textContent = ""; active = -1; }

  function render(items) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li"), a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.title;
      if (item.authors && item.authors.length) {
        var small = document.createElement("small");
        small.textContent = " — " + item.authors.join(", ");
        a.appendChild(small);
      }
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
    active = -1;
  }

  function fetchSuggestions() {
    var q = input.value.trim();
    if (q.length < 2) { close(); return; }
    if (q === lastQuery) return;
    lastQuery = q;
    fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {suggestions: []}; })
      .then(function (data) { if (input.value.trim() === q) render(data.suggestions || []); })
      .catch(close);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 150);
  });
  input.addEventListener("keydown", function (event) {
    var links = list.querySelectorAll("a");
    if (list.hidden || !links.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (active >= 0) links[active].classList.remove("active");
      active = (active + (event.key === "ArrowDown" ? 1 : links.length - 1)) % links.length;
      links[active].classList.add("active");
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location = links[active].href;
    } else if (event.key === "Escape") {
      close();
    }
  });
  document.addEventListener("click", function (event) {
    if (!input.form.contains(event.target)) close();
  });
})();

// The reader opened from a search hit: bring the first marked word into view.
(function () {
  "use strict";
  var mark = document.querySelector(".reader-text mark");
  if (mark) mark.scrollIntoView({block: "center"});
})();
