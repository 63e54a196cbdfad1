/* The source panel: a cited report's metadata and full text with the quoted span highlighted. */
import { friendly, getArticle } from "./api.js";
import { $, announce, el, icon } from "./dom.js";
import { fmtDate, outletNodes, outletOf, safeUrl } from "./format.js";

let current = null;      // the citation shown
let returnTo = null;     // the element to refocus when the panel closes

const panel = () => $("panel");

function clearActive() {
  document.querySelectorAll(".cite.active, .source.active").forEach((b) => b.classList.remove("active"));
}

function metaRows(c) {
  const rows = [];
  if (outletOf(c)) {
    rows.push(el("div", { class: "meta-row" }, el("dt", { text: "Outlet" }),
      el("dd", { class: "panel-outlet" }, ...outletNodes(outletOf(c)))));
  }
  rows.push(el("div", { class: "meta-row" }, el("dt", { text: "Date" }),
    el("dd", { class: "panel-date" }, el("span", { text: fmtDate(c.date) }))));
  if (c.date_inferred) {
    rows.push(el("div", { class: "meta-row evidence" }, el("dt", { text: "Note" }), el("dd", null,
      el("span", { class: "panel-inferred", text: "date inferred from: " }),
      el("q", { class: "panel-evidence", text: c.date_evidence || "the text of the report" }))));
  }
  const url = safeUrl(c.url);
  if (url) {
    rows.push(el("div", { class: "meta-row" }, el("dt", { text: "Link" }), el("dd", null,
      el("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow", class: "panel-url" },
        el("span", { text: url.replace(/^https?:\/\/(www\.)?/, "") }), icon("external")))));
  }
  return rows;
}

function show() {
  const p = panel();
  const wasHidden = p.hidden;
  p.hidden = false;
  $("backdrop").hidden = false;
  document.body.classList.add("panel-open");
  requestAnimationFrame(() => p.classList.add("open"));
  $("panel-scroll").scrollTop = 0;
  $("panel-title").focus({ preventScroll: true });
  return wasHidden;
}

/** Open citation `c` (a citation, or a passage with n = null), from the button `trigger`. */
export async function openPanel(c, trigger) {
  current = c;
  if (trigger) returnTo = trigger;
  clearActive();
  if (trigger) trigger.classList.add("active");

  $("panel-kicker").textContent = c.n ? `Source ${c.n}` : "Nearest source";
  $("panel-title").textContent = c.title || "Untitled report";
  $("panel-head-title").textContent = c.title || "Untitled report";
  $("panel-meta").replaceChildren(...metaRows(c));
  const body = $("panel-article");
  body.replaceChildren(el("p", { class: "loading" }, el("span", { class: "spinner", "aria-hidden": "true" }), "Loading the report…"));
  body.setAttribute("aria-busy", "true");
  if (show()) announce(`Opened source: ${c.title}`);

  try {
    const article = await getArticle(c.article_id);
    if (current === c) renderArticle(article, c); // unless another citation was opened meanwhile
  } catch (e) {
    if (current === c) renderQuoteOnly(c, e);
  } finally {
    body.removeAttribute("aria-busy");
  }
}

function renderQuoteOnly(c, e) {
  $("panel-article").replaceChildren(
    el("div", { class: "error-box small", role: "alert" }, icon("alert", "error-icon"),
      el("div", null, el("p", { class: "error-title", text: "Couldn't load the full report" }),
        el("p", { class: "error-text", text: friendly(e) }))),
    el("h3", { class: "article-sub", text: "Quoted passage" }),
    el("blockquote", { class: "article-text" }, el("mark", { text: c.quote || "" })));
}

/** Where the quote is in the body: its offsets when they hold, else a text search; [-1, -1] if absent. */
function quoteSpan(body, c) {
  const start = Number.isInteger(c.start) ? c.start : -1;
  const end = Number.isInteger(c.end) ? c.end : -1;
  if (start >= 0 && end > start && end <= body.length && (!c.quote || body.slice(start, end) === c.quote)) {
    return [start, end];
  }
  const i = c.quote ? body.indexOf(c.quote) : -1;
  return i >= 0 ? [i, i + c.quote.length] : [-1, -1];
}

/** The body as text nodes, with the quoted span wrapped in <mark>. */
function renderArticle(article, c) {
  const body = String(article.body || "");
  const [start, end] = quoteSpan(body, c);
  const text = el("div", { class: "article-text" });
  let mark = null;
  if (start >= 0) {
    mark = el("mark", { id: "panel-mark", tabindex: "-1" }, body.slice(start, end));
    text.append(body.slice(0, start), mark, body.slice(end));
  } else {
    text.append(body);
  }
  const children = [];
  if (!mark && c.quote) children.push(el("p", { class: "muted small", text: "The quoted passage couldn't be located in this version of the report." }));
  children.push(text);
  $("panel-article").replaceChildren(...children);
  $("panel-jump").hidden = !mark;
  if (mark) requestAnimationFrame(() => revealMark(mark));
}

/** Scroll the panel so the quote is in view; leave the title and metadata visible if it already is. */
function revealMark(mark) {
  const scroller = $("panel-scroll");
  const box = scroller.getBoundingClientRect();
  const r = mark.getBoundingClientRect();
  if (r.top >= box.top && r.bottom <= box.bottom - 24) return;
  const offset = r.top - box.top + scroller.scrollTop;
  const room = scroller.clientHeight;
  scroller.scrollTop = r.height < room * 0.7 ? offset - (room - r.height) / 3 : offset - 16;
}

export function closePanel(restoreFocus = true) {
  const p = panel();
  if (p.hidden) return;
  p.classList.remove("open");
  p.hidden = true;
  $("backdrop").hidden = true;
  document.body.classList.remove("panel-open");
  clearActive();
  current = null;
  const back = returnTo;
  returnTo = null;
  if (restoreFocus && back && document.contains(back)) back.focus();
}

export const panelOpen = () => !panel().hidden;
export const panelHasFocus = () => panel().contains(document.activeElement);

export function initPanel() {
  $("panel-close").addEventListener("click", () => closePanel());
  $("backdrop").addEventListener("click", () => closePanel());
  $("panel-jump").addEventListener("click", () => {
    const m = $("panel-mark");
    if (m) {
      m.scrollIntoView({ block: "center", behavior: "smooth" });
      m.focus({ preventScroll: true });
    }
  });
  // Show the title in the panel's header once the big title has scrolled away.
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(([e]) => panel().classList.toggle("scrolled", !e.isIntersecting),
      { root: $("panel-scroll"), threshold: 0 }).observe($("panel-title"));
  }
}
