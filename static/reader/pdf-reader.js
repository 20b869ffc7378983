// The PDF reader on pdf.js (served by the app from the npm package, never a CDN).
// The file is read with HTTP range requests, so the first page shows without the
// whole book; the page's text layer is selectable and the searched words are marked
// with diacritics folded as search folds them. If pdf.js cannot start, the page keeps
// the server's text of the page (text mode) and says so.
const root = document.getElementById("reader");
const reader = window.TuSachReader;
const stage = root.querySelector("[data-pdf-stage]");
const pageBox = root.querySelector("[data-pdf-page]");
const canvas = pageBox.querySelector("canvas");
const textLayerBox = pageBox.querySelector(".textLayer");
const loading = root.querySelector("[data-pdf-loading]");
const fallbackText = root.querySelector("[data-fallback-text]");
const controls = root.querySelector("[data-pdf-controls]");
const zoomLevel = root.querySelector("[data-zoom-level]");
const where = Array.from(root.querySelectorAll("[data-where]"));
const navs = Array.from(root.querySelectorAll(".reader-nav"));
const gotoForm = root.querySelector("[data-goto]");
const query = root.dataset.query || "";
const last = Number(root.dataset.last);
const ZOOMS = [0.5, 0.67, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3];

let pdfjs = null, doc = null, current = Number(root.dataset.position);
let zoom = null;  // null: fit to the width of the screen
let renderTask = null, generation = 0;

function fallback() {
  stage.hidden = true;
  if (controls) controls.hidden = true;
  fallbackText.hidden = false;
  root.querySelector("[data-fallback-note]").hidden = false;
  root.classList.add("pdf-failed");
}

// Diacritics folded the way library/vietnamese.py folds them: NFD, marks dropped, đ -> d.
function foldChar(ch) {
  return ch.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase();
}

function queryWords() {
  return query.split(/[^\p{L}\p{N}]+/u).map((w) => Array.from(w).map(foldChar).join(""))
    .filter((w) => w.length > 0 && !["and", "or", "not"].includes(w));
}

const WORD = /[\p{L}\p{N}]/u;

function markWords(container, words) {
  if (!words.length) return 0;
  let count = 0;
  for (const span of container.querySelectorAll("span")) {
    if (span.children.length || !span.textContent) continue;
    const text = span.textContent;
    const chars = Array.from(text);
    const folded = chars.map(foldChar);
    const flat = folded.join("");
    // Map from a position in the folded text back to the original character.
    const back = [];
    folded.forEach((f, i) => { for (let k = 0; k < f.length; k++) back.push(i); });
    back.push(chars.length);
    const ranges = [];
    for (const word of words) {
      let at = flat.indexOf(word);
      while (at >= 0) {
        const end = at + word.length;
        const before = at === 0 ? "" : flat[at - 1], after = flat[end] || "";
        if (!WORD.test(before) && !WORD.test(after)) ranges.push([back[at], back[end]]);
        at = flat.indexOf(word, at + 1);
      }
    }
    if (!ranges.length) continue;
    ranges.sort((a, b) => a[0] - b[0]);
    const merged = [];
    for (const r of ranges) {
      const prev = merged[merged.length - 1];
      // Neighbouring words joined by spaces become one mark, as a phrase.
      if (prev && r[0] <= prev[1] + 1 && chars.slice(prev[1], r[0]).join("").trim() === "") {
        prev[1] = Math.max(prev[1], r[1]);
      } else merged.push([r[0], r[1]]);
    }
    const parts = [];
    let pos = 0;
    for (const [start, end] of merged) {
      if (start > pos) parts.push(document.createTextNode(chars.slice(pos, start).join("")));
      const mark = document.createElement("mark");
      mark.textContent = chars.slice(start, end).join("");
      parts.push(mark);
      pos = end;
      count++;
    }
    if (pos < chars.length) parts.push(document.createTextNode(chars.slice(pos).join("")));
    span.replaceChildren(...parts);
  }
  return count;
}

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
    textLink.href = url.pathname + url.search;
  }
  if (gotoForm) gotoForm.elements.p.value = current;
  document.title = document.title.replace(/^[^·]*\d+ /, (m) => m.replace(/\d+/, current));
}

function pageUrl(n) {
  const url = new URL(location.href);
  url.searchParams.set("p", n);
  url.hash = "";
  return url.pathname + url.search;
}

function fitScale(page) {
  const width = page.getViewport({scale: 1}).width;
  const room = Math.max(200, stage.clientWidth);
  return Math.min(room / width, 2);
}

async function show(n, {scrollTop = true, record = true} = {}) {
  const mine = ++generation;
  current = Math.min(Math.max(1, n), last);
  updateChrome();
  loading.hidden = false;
  const page = await doc.getPage(current);
  if (mine !== generation) return;
  const scale = zoom === null ? fitScale(page) : zoom;
  const viewport = page.getViewport({scale});
  const ratio = window.devicePixelRatio || 1;
  if (renderTask) renderTask.cancel();
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.style.width = `${Math.floor(viewport.width)}px`;
  canvas.style.height = `${Math.floor(viewport.height)}px`;
  pageBox.style.width = `${Math.floor(viewport.width)}px`;
  pageBox.style.height = `${Math.floor(viewport.height)}px`;
  pageBox.style.setProperty("--scale-factor", String(scale));
  pageBox.style.setProperty("--total-scale-factor", String(scale));
  if (zoomLevel) zoomLevel.textContent = `${Math.round(scale * 100)}%`;
  renderTask = page.render({
    canvasContext: canvas.getContext("2d"), canvas, viewport,
    transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null,
  });
  try {
    await renderTask.promise;
  } catch (error) {
    if (error && error.name === "RenderingCancelledException") return;
    throw error;
  }
  if (mine !== generation) return;
  textLayerBox.replaceChildren();
  const layer = new pdfjs.TextLayer({textContentSource: page.streamTextContent(), container: textLayerBox, viewport});
  await layer.render();
  if (mine !== generation) return;
  loading.hidden = true;
  const marks = markWords(textLayerBox, queryWords());
  pageBox.dataset.page = String(current);
  pageBox.dataset.marks = String(marks);
  root.dataset.shown = String(current);  // the page drawn, for tests and benchmarks
  if (marks) textLayerBox.querySelector("mark").scrollIntoView({block: "center"});
  else if (scrollTop) stage.scrollIntoView({block: "start"});
  if (record) {
    reader.seen(current);
    reader.place(current, 0);
  }
}

function go(n) {
  if (n < 1 || n > last || n === current) return;
  history.replaceState(null, "", pageUrl(n));
  show(n).catch(fallback);
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
    await show(current, {scrollTop: false});
  } catch (error) {
    fallback();
    return;
  }
  fallbackText.hidden = true;
  controls.hidden = false;
  root.classList.add("pdf-ready");
  reader.jump = (position) => { go(position); return true; };

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
    const now = zoom === null ? Number(pageBox.style.getPropertyValue("--scale-factor")) || 1 : zoom;
    if (button.dataset.zoom === "fit") zoom = null;
    else if (button.dataset.zoom === "in") zoom = ZOOMS.find((z) => z > now + 0.01) || ZOOMS[ZOOMS.length - 1];
    else zoom = [...ZOOMS].reverse().find((z) => z < now - 0.01) || ZOOMS[0];
    show(current, {scrollTop: false, record: false}).catch(fallback);
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select") || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowRight" || event.key === "PageDown") go(current + 1);
    else if (event.key === "ArrowLeft" || event.key === "PageUp") go(current - 1);
  });
  let resizeTimer = null, lastWidth = stage.clientWidth;
  window.addEventListener("resize", () => {
    if (zoom !== null || stage.clientWidth === lastWidth) return;
    lastWidth = stage.clientWidth;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => show(current, {scrollTop: false, record: false}).catch(() => {}), 250);
  });
}

start();
