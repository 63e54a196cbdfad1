/* The archive summary (/stats) and the search filters: dates, "as of", outlets. */
import { getStats, friendly } from "./api.js";
import { $, el, icon } from "./dom.js";
import { fmtDate, fmtSpan, plural } from "./format.js";

/** How an outlet is named in the filter list; reports without one are grouped as such. */
const outletChoice = (s) => (s || "").trim() || "No outlet named";

/** Fill the header summary, the welcome figures, the date bounds and the outlet list from /stats. */
export async function loadStats() {
  try {
    const s = await getStats();
    const span = fmtSpan(s.date_min, s.date_max);
    const n = plural(s.articles, "report");
    $("corpus-summary").textContent = span ? `${n} · ${span}` : n;
    $("welcome-stats").replaceChildren(
      el("span", { class: "stat" }, el("strong", { text: String(s.articles) }), " reports"),
      el("span", { class: "stat" }, el("strong", { text: String((s.sources || []).length) }), " outlets"),
      span ? el("span", { class: "stat" }, "from ", el("strong", { text: span })) : null,
    );
    for (const id of ["date-from", "date-to"]) {
      if (s.date_min) $(id).min = s.date_min;
      if (s.date_max) $(id).max = s.date_max;
    }
    renderOutlets(s.sources || []);
  } catch (e) {
    $("corpus-summary").textContent = "Archive details unavailable";
    $("outlets").replaceChildren(el("p", { class: "muted small", text: "Couldn't load the outlets: " + friendly(e) }));
  }
}

function renderOutlets(sources) {
  const box = $("outlets");
  if (!sources.length) {
    box.replaceChildren(el("p", { class: "muted small", text: "No outlets in the archive yet." }));
    return;
  }
  box.replaceChildren(...sources.map((s, i) => {
    const id = `outlet-${i}`;
    return el("label", { class: "outlet", for: id },
      el("input", { type: "checkbox", id, name: "outlet", value: s.source }),
      el("span", { class: "outlet-name", text: outletChoice(s.source) }),
      el("span", { class: "outlet-count", text: String(s.articles), "aria-label": `${s.articles} reports` }));
  }));
}

/** The filters as the form holds them: {from, to, asOf, sources} or {error}. */
export function readFilters() {
  const from = $("date-from").value || null;
  const to = $("date-to").value || null;
  const asOf = $("as-of").value || null;
  const sources = [...document.querySelectorAll('#outlets input[name="outlet"]:checked')].map((c) => c.value);
  if (from && to && from > to) return { error: "The “From” date is after the “To” date." };
  return { from, to, asOf, sources };
}

/** The /ask body fields for the current filters (filters, as_of), or null when they are invalid. */
export function filterFields() {
  const f = readFilters();
  if (f.error) {
    toggleFilters(true);
    updateFilterSummary();
    return null;
  }
  const out = {};
  const filters = {};
  if (f.from) filters.date_from = f.from;
  if (f.to) filters.date_to = f.to;
  if (f.sources.length) filters.sources = f.sources;
  if (Object.keys(filters).length) out.filters = filters;
  if (f.asOf) out.as_of = f.asOf;
  return out;
}

function summaryParts(f) {
  const parts = [];
  if (f.from && f.to) parts.push(`${fmtDate(f.from)} – ${fmtDate(f.to)}`);
  else if (f.from) parts.push(`from ${fmtDate(f.from)}`);
  else if (f.to) parts.push(`until ${fmtDate(f.to)}`);
  if (f.sources.length) parts.push(f.sources.length === 1 ? outletChoice(f.sources[0]) : `${f.sources.length} outlets`);
  if (f.asOf) parts.push(`as of ${fmtDate(f.asOf)}`);
  return parts;
}

/** The badge on the Filters button and the "Searching …" line above the question box. */
export function updateFilterSummary() {
  const f = readFilters();
  const err = $("filters-error");
  err.hidden = !f.error;
  err.textContent = f.error || "";
  const parts = f.error ? [] : summaryParts(f);
  const count = (f.from || f.to ? 1 : 0) + (f.sources && f.sources.length ? 1 : 0) + (f.asOf ? 1 : 0);
  const badge = $("filters-count");
  badge.hidden = !count;
  badge.textContent = String(count);
  const line = $("active-filters");
  line.hidden = !parts.length;
  line.replaceChildren();
  if (parts.length) {
    line.append(icon("filter"), el("span", { text: "Searching " + parts.join(" · ") }),
      el("button", { type: "button", class: "text-btn small", onclick: resetFilters, text: "Clear" }));
  }
}

function resetFilters() {
  $("filters-form").reset();
  updateFilterSummary();
}

export function toggleFilters(open) {
  const panel = $("filters");
  const show = open ?? panel.hidden;
  panel.hidden = !show;
  $("filters-toggle").setAttribute("aria-expanded", String(show));
  if (show) $("date-from").focus();
}

export const filtersOpen = () => !$("filters").hidden;

export function initFilters(focusQuestion) {
  $("filters-toggle").addEventListener("click", () => toggleFilters());
  $("filters-done").addEventListener("click", () => { toggleFilters(false); focusQuestion(); });
  $("filters-reset").addEventListener("click", resetFilters);
  $("filters-form").addEventListener("change", updateFilterSummary);
  $("filters-form").addEventListener("input", updateFilterSummary);
  $("filters-form").addEventListener("submit", (e) => e.preventDefault());
  updateFilterSummary();
}
