// The list form's item picker: find books by title, add them as rows, move or remove rows.
// Each row's fields are named after its key; the server reads the rows in page order.
(function () {
  "use strict";
  var form = document.getElementById("rl-form");
  if (!form) return;
  var rows = document.getElementById("rl-rows");
  var empty = document.getElementById("rl-empty");
  var search = document.getElementById("rl-search");
  var found = document.getElementById("rl-found");
  var template = document.getElementById("rl-row-template");
  var addLabel = document.getElementById("rl-add-label").textContent;
  var counter = 0, timer = null;

  function refresh() { empty.hidden = rows.children.length > 0; }

  function addRow(book) {
    var key = "j" + (++counter);
    var row = template.content.firstElementChild.cloneNode(true);
    row.dataset.key = key;
    row.querySelector("[name=item_key]").value = key;
    var bookInput = row.querySelector(".rl-book");
    bookInput.name = "book_" + key;
    bookInput.value = book.id;
    row.querySelector(".rl-title").textContent = book.title;
    row.querySelector(".rl-kind").textContent = book.kind === "pdf" ? "PDF" : "EPUB";
    row.querySelector(".rl-note-input").name = "note_" + key;
    var range = row.querySelector(".rl-range"), chapters = row.querySelector(".rl-chapters");
    if (book.kind === "pdf") {
      chapters.remove();
      var first = row.querySelector(".rl-first"), last = row.querySelector(".rl-last");
      first.name = "first_" + key; last.name = "last_" + key;
      first.value = 1; last.value = book.pages;
      first.max = last.max = book.pages;
      row.querySelector(".rl-of").textContent = "/ " + book.pages;
    } else {
      range.remove();
      (book.chapters || []).forEach(function (ch) {
        var label = document.createElement("label"), box = document.createElement("input");
        box.type = "checkbox"; box.name = "chapters_" + key; box.value = ch.position;
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + ch.position + ". " + ch.title));
        chapters.appendChild(label);
      });
    }
    rows.appendChild(row);
    refresh();
  }

  rows.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    var row = button.closest(".rl-row");
    if (button.classList.contains("rl-remove")) row.remove();
    else if (button.classList.contains("rl-up") && row.previousElementSibling) rows.insertBefore(row, row.previousElementSibling);
    else if (button.classList.contains("rl-down") && row.nextElementSibling) rows.insertBefore(row.nextElementSibling, row);
    refresh();
  });

  function show(books) {
    found.textContent = "";
    books.forEach(function (book) {
      var li = document.createElement("li"), button = document.createElement("button");
      var title = document.createElement("span");
      title.textContent = book.title + " (" + (book.kind === "pdf" ? book.pages + " tr." : "EPUB") + ")";
      button.type = "button"; button.className = "rl-secondary rl-add"; button.textContent = addLabel;
      button.addEventListener("click", function () { addRow(book); });
      li.appendChild(button); li.appendChild(title);
      found.appendChild(li);
    });
  }

  function lookup() {
    var q = search.value.trim();
    if (q.length < 2) { show([]); return; }
    fetch(search.dataset.url + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {books: []}; })
      .then(function (data) { if (search.value.trim() === q) show(data.books || []); })
      .catch(function () { show([]); });
  }
  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(lookup, 200); });
  // Enter in the search box looks up books instead of submitting the whole form.
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); clearTimeout(timer); lookup(); }
  });
  refresh();
})();
