// Finding text in a page as the reader shows it: pdf.js's text layer, an EPUB chapter (inside
// its frame), the text mode. Used to mark what the server found for a search (it sends the
// strings; the rule is the search engine's, never re-decided here) and to anchor highlights
// by W3C Web Annotation's text-quote selector (exact, prefix, suffix).
//
// The page's text is read as one string: NFC, every run of white space one space, a space at
// block and line breaks, each character mapped back to its text node. pdf.js may leave out
// the space between two pieces of a line, so a space in what is looked for is optional.
(function () {
  "use strict";
  var BLOCK = /^(ADDRESS|ARTICLE|ASIDE|BLOCKQUOTE|BR|DD|DIV|DL|DT|FIGCAPTION|FIGURE|FOOTER|H[1-6]|HEADER|HR|LI|MAIN|NAV|OL|P|PRE|SECTION|TABLE|TD|TH|TR|UL)$/;
  var SKIP = /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE)$/;
  var WORD = /[\p{L}\p{N}]/u;

  function index(root) {
    var chars = [], nodes = [], offsets = [];
    var space = true;  // nothing yet: no leading space
    function addSpace() {
      if (!space) { chars.push(" "); nodes.push(null); offsets.push(0); space = true; }
    }
    function walk(node) {
      if (node.nodeType === 3) {
        var data = node.data;
        var nfc = data.normalize("NFC");
        if (nfc !== data) { node.data = nfc; data = nfc; }
        for (var i = 0; i < data.length; i++) {
          var ch = data[i];
          if (/\s/.test(ch)) { addSpace(); continue; }
          chars.push(ch); nodes.push(node); offsets.push(i); space = false;
        }
        return;
      }
      if (node.nodeType !== 1 || SKIP.test(node.nodeName) || node.hasAttribute("data-anchor-skip")) return;
      var block = BLOCK.test(node.nodeName);
      if (block) addSpace();
      for (var child = node.firstChild; child; child = child.nextSibling) walk(child);
      if (block) addSpace();
    }
    walk(root);
    return {text: chars.join(""), nodes: nodes, offsets: offsets, root: root};
  }

  function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  // What was asked for, as a pattern on the page's string: spaces optional, case as asked.
  function pattern(needle, flags) {
    var parts = needle.normalize("NFC").trim().split(/\s+/).filter(Boolean).map(function (word) {
      return Array.from(word).map(escapeRegExp).join(" ?");
    });
    return parts.length ? new RegExp(parts.join(" ?"), flags) : null;
  }

  function wordAt(text, at) { return at >= 0 && at < text.length && WORD.test(text[at]); }

  // Every place of each of `forms` (strings the server marked), as whole words, in page order.
  function findForms(idx, forms) {
    var found = [];
    forms.forEach(function (form) {
      var re = pattern(form, "giu");
      if (!re) return;
      var m;
      while ((m = re.exec(idx.text))) {
        var start = m.index, end = start + m[0].length;
        if (!wordAt(idx.text, start - 1) && !wordAt(idx.text, end)) found.push([start, end]);
        re.lastIndex = start + 1;
      }
    });
    found.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var kept = [];
    found.forEach(function (r) { if (!kept.length || r[0] >= kept[kept.length - 1][1]) kept.push(r); });
    return kept;
  }

  function similarity(a, b, fromEnd) {
    a = (a || "").replace(/\s+/g, ""); b = (b || "").replace(/\s+/g, "");
    var n = 0;
    while (n < a.length && n < b.length &&
           (fromEnd ? a[a.length - 1 - n] === b[b.length - 1 - n] : a[n] === b[n])) n++;
    return n;
  }

  // Where a text-quote selector is on the page: the occurrence of `exact` whose neighbours
  // best agree with prefix and suffix; null when the words are not there.
  function findQuote(idx, quote) {
    var re = pattern(quote.exact || "", "gu");
    if (!re) return null;
    var best = null, bestScore = -1, m;
    while ((m = re.exec(idx.text))) {
      var start = m.index, end = start + m[0].length;
      var score = similarity(idx.text.slice(Math.max(0, start - 64), start), quote.prefix, true) +
                  similarity(idx.text.slice(end, end + 64), quote.suffix, false);
      if (score > bestScore) { best = [start, end]; bestScore = score; }
      re.lastIndex = start + 1;
    }
    return best;
  }

  // Wraps [start, end) of the page's string in <mark> elements, one per text node crossed.
  // Several ranges of one index: wrap the last first (a split keeps earlier offsets valid).
  function wrap(idx, range, make) {
    var pieces = [], current = null;
    for (var i = range[0]; i < range[1]; i++) {
      var node = idx.nodes[i];
      if (!node) continue;
      // the same node again: only white space was skipped between, which the mark takes in
      if (current && current.node === node && idx.offsets[i] >= current.end) {
        current.end = idx.offsets[i] + 1;
      } else {
        current = {node: node, start: idx.offsets[i], end: idx.offsets[i] + 1};
        pieces.push(current);
      }
    }
    var marks = [];
    // Back to front: splitting a node keeps the offsets of its earlier pieces valid.
    for (var p = pieces.length - 1; p >= 0; p--) {
      var piece = pieces[p];
      var target = piece.node;
      if (piece.end < target.data.length) target.splitText(piece.end);
      if (piece.start > 0) target = target.splitText(piece.start);
      var mark = make();
      target.parentNode.insertBefore(mark, target);
      mark.appendChild(target);
      marks.unshift(mark);
    }
    return marks;
  }

  function unwrap(root, selector) {
    root.querySelectorAll(selector).forEach(function (mark) {
      var parent = mark.parentNode;
      while (mark.firstChild) parent.insertBefore(mark.firstChild, mark);
      parent.removeChild(mark);
      parent.normalize();
    });
  }

  // The position in the page's string of a DOM boundary (a Range's start or end).
  function boundary(idx, container, offset, atEnd) {
    var probe = document.createRange();
    var best = atEnd ? 0 : idx.text.length;
    for (var i = 0; i < idx.nodes.length; i++) {
      var node = idx.nodes[i];
      if (!node) continue;
      probe.setStart(node, idx.offsets[i]);
      var cmp;
      try { cmp = probe.comparePoint(container, offset); } catch (e) { continue; }
      // cmp: -1 boundary before this character, 0/1 at or after it
      if (!atEnd && cmp <= 0) return i;
      if (atEnd && cmp > 0) best = i + 1;
      if (atEnd && cmp <= 0) return best;
    }
    return best;
  }

  // The text-quote selector of the current selection inside root, or null.
  function quoteOfSelection(root, selection) {
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    var range = selection.getRangeAt(0);
    if (!root.contains(range.commonAncestorContainer)) return null;
    var idx = index(root);
    var start = boundary(idx, range.startContainer, range.startOffset, false);
    var end = boundary(idx, range.endContainer, range.endOffset, true);
    if (end <= start) return null;
    var exact = idx.text.slice(start, end).trim();
    if (!exact) return null;
    return {exact: exact, prefix: idx.text.slice(Math.max(0, start - 32), start),
            suffix: idx.text.slice(end, end + 32)};
  }

  window.TuSachAnchors = {index: index, findForms: findForms, findQuote: findQuote, wrap: wrap,
                          unwrap: unwrap, quoteOfSelection: quoteOfSelection};
})();
