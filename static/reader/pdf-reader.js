// The PDF reader on pdf.js (served by the app from the npm package, never a CDN).
// The file is read with HTTP range requests, so the first page shows without the whole
// book. Two ways to read: page by page (buttons, arrow keys, swipes and the tap zones at the
// sides) or scrolling continuously through the pages, each drawn as it comes near. The
// text layer is selectable (highlights) and shows the search's marks: the strings the
// server marked on that page (GET /api/books/<id>/marks), found in the layer as they are.
// If pdf.js cannot start, the page keeps the server's text of the page (text mode).
const root = document.getElementById("reader");
const reader = window.TuSachReader;
const anchors = window.TuSachAnchors;
const stage = root.querySelector("[data-pdf-stage]");
const firstBox = root.querySelector("[data-pdf-page]");
const loading = root.querySelector("[data-pdf-loading]");
const fallbackText = root.querySelector("[data-fallback-text]");
const controls = root.querySelector("[data-pdf-controls]");
const zoomLevel = root.querySelector("[data-zoom-level]");
const where = Array.from(root.querySelectorAll("[data-where]"));
const navs = Array.from(root.querySelectorAll(".reader-nav"));
const gotoForm = root.querySelector("[data-goto]");
const modeButton = root.querySelector("[data-pdf-mode]");
const last = Number(root.dataset.last);
const ZOOMS = [0.5, 0.67, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3];
const MODE_KEY = "tusach-pdf-mode";
const KEEP_DRAWN = 4;  // scrolling: pages further than this from the current one are let go

let pdfjs = null, doc = null, current = Number(root.dataset.position);
let zoom = null;  // null: fit to the width of the screen
let mode = localStorage.getItem(MODE_KEY) === "scroll" ? "scroll" : "page";
let boxes = [];   // scrolling: one box per page; page by page: only boxes[current]
let baseSize = null;  // page 1's size at scale 1: the estimate for pages not drawn yet
const marksCache = new Map();

function fallback() {
  stage.hidden = true;
  if (controls) controls.hidden = true;
  fallbackText.hidden = false;
  root.querySelector("[data-fallback-note]").hidden = false;
  root.classList.add("pdf-failed");
}

// Page boxes -------------------------------------------------------------------------

// The template's page box is only a model: every page gets a box of its own.
const boxModel = firstBox.cloneNode(false);
firstBox.remove();

function makeBox(n) {
  const box = boxModel.cloneNode(false);
  box.dataset.page = String(n);
  box.setAttribute("aria-label", `${root.dataset.labelPage} ${n}`);
  const canvas = document.createElement("canvas");
  const layer = document.createElement("div");
  layer.className = "textLayer";
  box.append(canvas, layer);
  box.drawn = null;  // {scale, generation}
  return box;
}

function scaleFor(width) {
  if (zoom !== null) return zoom;
  const room = Math.max(200, stage.clientWidth);
  return Math.min(room / width, 2);
}

function sizeBox(box, viewport) {
  box.style.width = `${Math.floor(viewport.width)}px`;
  box.style.height = `${Math.floor(viewport.height)}px`;
}

let drawGeneration = 0;

async function draw(n, box) {
  const mine = ++drawGeneration;
  box.drawing = mine;
  const page = await doc.getPage(n);
  const scale = scaleFor(page.getViewport({scale: 1}).width);
  if (box.drawn && box.drawn.scale === scale) return box;
  const viewport = page.getViewport({scale});
  const ratio = window.devicePixelRatio || 1;
  const canvas = box.querySelector("canvas");
  const layer = box.querySelector(".textLayer");
  if (box.renderTask) box.renderTask.cancel();
  sizeBox(box, viewport);
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.style.width = `${Math.floor(viewport.width)}px`;
  canvas.style.height = `${Math.floor(viewport.height)}px`;
  box.style.setProperty("--scale-factor", String(scale));
  box.style.setProperty("--total-scale-factor", String(scale));
  if (zoomLevel && n === current) zoomLevel.textContent = `${Math.round(scale * 100)}%`;
  box.renderTask = page.render({
    canvasContext: canvas.getContext("2d"), canvas, viewport,
    transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null,
  });
  try {
    await box.renderTask.promise;
  } catch (error) {
    if (error && error.name === "RenderingCancelledException") return null;
    throw error;
  }
  if (box.drawing !== mine) return null;
  layer.replaceChildren();
  const textLayer = new pdfjs.TextLayer({textContentSource: page.streamTextContent(), container: layer, viewport});
  await textLayer.render();
  if (box.drawing !== mine) return null;
  box.drawn = {scale};
  await markSearch(n, box);
  reader.pageShown(n, layer);  // highlights are painted on it
  return box;
}

function release(box) {
  if (box.renderTask) box.renderTask.cancel();
  const canvas = box.querySelector("canvas");
  canvas.width = 0; canvas.height = 0;
  box.querySelector(".textLayer").replaceChildren();
  box.drawn = null;
  box.drawing = null;
}

// The search's marks -------------------------------------------------------------------

async function marksFor(n, query) {
  const key = `${n}\u0000${query}`;
  if (!marksCache.has(key)) {
    const url = `${root.dataset.marksUrl}?${new URLSearchParams({q: query, p: n})}`;
    marksCache.set(key, fetch(url, {credentials: "same-origin"})
      .then((r) => (r.ok ? r.json() : {forms: []})).then((d) => d.forms || [])
      .catch(() => { marksCache.delete(key); return []; }));
  }
  return marksCache.get(key);
}

async function markSearch(n, box) {
  const layer = box.querySelector(".textLayer");
  anchors.unwrap(layer, "mark.search-mark");
  const query = reader.query;
  let count = 0;
  if (query) {
    const forms = await marksFor(n, query);
    if (reader.query !== query) return markSearch(n, box);
    const idx = anchors.index(layer);
    const ranges = anchors.findForms(idx, forms);
    // Last first: splitting text nodes then leaves the offsets of earlier ranges valid.
    for (let h = ranges.length - 1; h >= 0; h--) {
      const pieces = anchors.wrap(idx, ranges[h], () => {
        const mark = document.createElement("mark");
        mark.className = "search-mark";
        mark.dataset.hit = String(h);
        return mark;
      });
      if (pieces.length) pieces[0].dataset.first = "";
    }
    count = ranges.length;
  }
  box.dataset.marks = String(count);
  return count;
}

// Showing a page -----------------------------------------------------------------------

function updateChrome() {
  for (const el of where) el.textContent = el.textContent.replace(/\d+\s*\/\s*\d+/, `${current} / ${last}`);
  for (const nav of navs) {
    const prev = nav.querySelector("a[rel=prev]"), next = nav.querySelector("a[rel=next]");
    prev.hidden = current <= 1;
    next.hidden = current >= last;
    prev.href = pageUrl(Math.max(1, current - 1));
    next.href = pageUrl(Math.min(last, current + 1));
  }
  const textLink = root.querySelector("[data-text-link]");
  if (textLink) {
    const url = new URL(textLink.href);
    url.searchParams.set("p", current);
    if (reader.query) url.searchParams.set("q", reader.query); else url.searchParams.delete("q");
    textLink.href = url.pathname + url.search;
  }
  if (gotoForm) gotoForm.elements.p.value = current;
  document.title = document.title.replace(/^[^·]*\d+ /, (m) => m.replace(/\d+/, current));
  reader.state.position = current;
  document.dispatchEvent(new CustomEvent("tusach:position", {detail: {position: current}}));
}

function pageUrl(n) {
  const url = new URL(location.href);
  url.searchParams.set("p", n);
  if (reader.query) url.searchParams.set("q", reader.query); else url.searchParams.delete("q");
  url.hash = "";
  return url.pathname + url.search;
}

function arrived(n, record) {
  current = n;
  root.dataset.shown = String(n);  // the page drawn, for tests and benchmarks
  history.replaceState(null, "", pageUrl(n));
  updateChrome();
  if (record) {
    reader.seen(n);
    reader.place(n, 0);
  }
}

function currentMark(box, which) {
  for (const m of root.querySelectorAll("mark.search-mark.current")) m.classList.remove("current");
  const marks = box.querySelectorAll("mark.search-mark[data-first]");
  if (!marks.length) return null;
  const mark = which === "last" ? marks[marks.length - 1] : marks[0];
  for (const piece of box.querySelectorAll(`mark.search-mark[data-hit="${mark.dataset.hit}"]`)) {
    piece.classList.add("current");
  }
  return mark;
}

async function showPage(n, {scrollTop = true, record = true, hit = "first"} = {}) {
  n = Math.min(Math.max(1, n), last);
  loading.hidden = false;
  let box = boxes[n];
  if (!box) {
    for (const old of boxes) if (old) { release(old); old.remove(); }
    boxes = [];
    box = boxes[n] = makeBox(n);
    stage.insertBefore(box, loading);
  }
  current = n;
  updateChrome();
  const drawn = await draw(n, box);
  if (!drawn || current !== n) return;
  loading.hidden = true;
  arrived(n, record);
  const mark = currentMark(box, hit);
  if (mark) mark.scrollIntoView({block: "center"});
  else if (scrollTop) stage.scrollIntoView({block: "start"});
}

// Scrolling continuously ---------------------------------------------------------------

let observer = null, scrollTimer = null;

function buildScroll() {
  for (const old of boxes) if (old) { release(old); old.remove(); }
  boxes = [];
  const width = baseSize.width, height = baseSize.height, scale = scaleFor(width);
  const fragment = document.createDocumentFragment();
  for (let n = 1; n <= last; n++) {
    const box = boxes[n] = makeBox(n);
    sizeBox(box, {width: width * scale, height: height * scale});
    fragment.appendChild(box);
  }
  stage.insertBefore(fragment, loading);
  observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const n = Number(entry.target.dataset.page);
      if (entry.isIntersecting) draw(n, entry.target).catch(() => {});
    }
  }, {rootMargin: "150% 0px"});
  for (let n = 1; n <= last; n++) observer.observe(boxes[n]);
}

function pageInView() {
  const line = window.innerHeight / 3;
  let best = current;
  for (let n = 1; n <= last; n++) {
    const rect = boxes[n].getBoundingClientRect();
    if (rect.top <= line && rect.bottom > line) { best = n; break; }
    if (rect.top > line) { best = Math.max(1, n - 1); break; }
  }
  return best;
}

function onScroll() {
  if (mode !== "scroll" || scrollTimer) return;
  scrollTimer = setTimeout(() => {
    scrollTimer = null;
    if (mode !== "scroll" || boxes.length !== last + 1) return;  // left scrolling meanwhile
    const n = pageInView();
    if (n !== current) {
      arrived(n, true);
      for (let k = 1; k <= last; k++) {
        if (Math.abs(k - n) > KEEP_DRAWN && boxes[k].drawn) release(boxes[k]);
      }
    }
  }, 200);
}

async function scrollTo(n, {hit = "first"} = {}) {
  n = Math.min(Math.max(1, n), last);
  const box = boxes[n];
  box.scrollIntoView({block: "start"});
  await draw(n, box);
  arrived(n, true);
  const mark = currentMark(box, hit);
  if (mark) mark.scrollIntoView({block: "center"});
}

async function setMode(next) {
  mode = next;
  localStorage.setItem(MODE_KEY, mode);
  root.classList.toggle("pdf-scroll", mode === "scroll");
  if (modeButton) modeButton.setAttribute("aria-pressed", String(mode === "scroll"));
  if (observer) { observer.disconnect(); observer = null; }
  const at = current;
  if (mode === "scroll") {
    buildScroll();
    await scrollTo(at);
  } else {
    for (const old of boxes) if (old) { release(old); old.remove(); }
    boxes = [];
    await showPage(at, {scrollTop: false, record: false});
  }
}

// Moving around -------------------------------------------------------------------------

function go(n, options = {}) {
  if (n < 1 || n > last) return;
  if (n === current && !options.force) return;
  (mode === "scroll" ? scrollTo(n, options) : showPage(n, options)).catch(fallback);
}

function redrawAll() {
  if (mode === "scroll") {
    if (observer) observer.disconnect();
    const at = current;
    buildScroll();
    scrollTo(at).catch(() => {});
  } else {
    const box = boxes[current];
    if (box) box.drawn = null;
    showPage(current, {scrollTop: false, record: false}).catch(() => {});
  }
}

// Swipes and the tap zones at the sides turn pages; a tap in the middle shows or hides
// the controls in full-screen mode. Never while text is being selected.
function touchTurns() {
  let start = null;
  stage.addEventListener("pointerdown", (event) => {
    if (event.pointerType === "mouse" && event.button !== 0) return;
    start = {x: event.clientX, y: event.clientY, t: Date.now()};
  });
  stage.addEventListener("pointerup", (event) => {
    if (!start) return;
    const dx = event.clientX - start.x, dy = event.clientY - start.y, dt = Date.now() - start.t;
    start = null;
    const selected = String(window.getSelection() || "").trim();
    if (selected || event.target.closest("mark.highlight, a, button")) return;
    const pageTurns = mode === "page" && stage.scrollWidth <= stage.clientWidth + 2;
    if (pageTurns && Math.abs(dx) > 60 && Math.abs(dy) < 45 && dt < 800) {
      go(dx < 0 ? current + 1 : current - 1);
      return;
    }
    if (Math.abs(dx) > 8 || Math.abs(dy) > 8 || dt > 400 || event.pointerType === "mouse") return;
    const width = window.innerWidth, x = event.clientX;
    if (pageTurns && x < width * 0.25) go(current - 1);
    else if (pageTurns && x > width * 0.75) go(current + 1);
    else reader.toggleChrome();
  });
}

async function start() {
  try {
    pdfjs = await import(root.dataset.pdfjsUrl);
  } catch (error) {
    fallback();
    return;
  }
  const base = root.dataset.pdfjsUrl.replace(/build\/pdf\.min\.mjs$/, "");
  pdfjs.GlobalWorkerOptions.workerSrc = `${base}build/pdf.worker.min.mjs`;
  stage.hidden = false;
  try {
    doc = await pdfjs.getDocument({
      url: root.dataset.fileUrl,
      withCredentials: true,
      // Ranges only: fetch what the page shown needs, never the whole file behind it.
      disableAutoFetch: true,
      disableStream: true,
      rangeChunkSize: 65536,
      isEvalSupported: false,  // the policy allows no eval; pdf.js then interprets fonts
      // A book's own JavaScript and actions never run: no XFA forms, and the scripting
      // sandbox (a feature of the pdf.js viewer) is never loaded by this reader.
      enableXfa: false,
      cMapUrl: `${base}cmaps/`,
      cMapPacked: true,
      standardFontDataUrl: `${base}standard_fonts/`,
      wasmUrl: `${base}wasm/`,
    }).promise;
    const first = await doc.getPage(current);
    const size = first.getViewport({scale: 1});
    baseSize = {width: size.width, height: size.height};
    if (mode === "scroll") await setMode("scroll");
    else await showPage(current, {scrollTop: false});
  } catch (error) {
    console.error("pdf reader", error);
    fallback();
    return;
  }
  fallbackText.hidden = true;
  controls.hidden = false;
  root.classList.add("pdf-ready");
  reader.jump = (position) => { go(position); return true; };
  reader.showHit = (position, {query, hit = "first"} = {}) => {
    const changed = query !== undefined && query !== reader.query;
    if (changed) reader.query = query;
    if (position === current) {
      const box = boxes[current];
      (changed ? markSearch(current, box) : Promise.resolve()).then(() => {
        const mark = currentMark(box, hit);
        if (mark) mark.scrollIntoView({block: "center"});
        updateChrome();
      });
    } else {
      if (changed) for (const box of boxes) if (box && box.drawn) markSearch(Number(box.dataset.page), box);
      go(position, {hit});
    }
    return true;
  };
  reader.pages = () => boxes.filter((b) => b && b.drawn).map((b) => [Number(b.dataset.page), b.querySelector(".textLayer")]);

  for (const nav of navs) {
    nav.addEventListener("click", (event) => {
      const link = event.target.closest("a[rel]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      go(link.rel === "next" ? current + 1 : current - 1);
    });
  }
  gotoForm.addEventListener("submit", (event) => {
    event.preventDefault();
    go(Number(gotoForm.elements.p.value));
  });
  controls.addEventListener("click", (event) => {
    const button = event.target.closest("[data-zoom]");
    if (!button) return;
    const box = boxes[current];
    const now = zoom === null ? Number(box && box.style.getPropertyValue("--scale-factor")) || 1 : zoom;
    if (button.dataset.zoom === "fit") zoom = null;
    else if (button.dataset.zoom === "in") zoom = ZOOMS.find((z) => z > now + 0.01) || ZOOMS[ZOOMS.length - 1];
    else zoom = [...ZOOMS].reverse().find((z) => z < now - 0.01) || ZOOMS[0];
    redrawAll();
  });
  if (modeButton) {
    modeButton.hidden = false;
    modeButton.setAttribute("aria-pressed", String(mode === "scroll"));
    modeButton.addEventListener("click", () => setMode(mode === "scroll" ? "page" : "scroll").catch(fallback));
  }
  root.classList.toggle("pdf-scroll", mode === "scroll");
  window.addEventListener("scroll", onScroll, {passive: true});
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select") || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowRight" || event.key === "PageDown" && mode === "page") go(current + 1);
    else if (event.key === "ArrowLeft" || event.key === "PageUp" && mode === "page") go(current - 1);
  });
  touchTurns();
  let resizeTimer = null, lastWidth = stage.clientWidth;
  window.addEventListener("resize", () => {
    if (zoom !== null || stage.clientWidth === lastWidth) return;
    lastWidth = stage.clientWidth;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(redrawAll, 250);
  });
}

start();
