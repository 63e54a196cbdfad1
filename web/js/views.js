/* Answers across many reports: a timeline as a dated list, disagreements as a small table. */
import { citeButtons } from "./cites.js";
import { el } from "./dom.js";
import { creditOf, fmtDate, fmtSpan, outletNodes, outletOf, plural } from "./format.js";

/** Undated entries last; otherwise by date, keeping the server's order among equal dates. */
export function chronological(entries) {
  return entries.map((e, i) => [e, i]).sort(([a, i], [b, j]) => {
    if (!a.date !== !b.date) return a.date ? -1 : 1;
    if (a.date && b.date && a.date !== b.date) return a.date < b.date ? -1 : 1;
    return i - j;
  }).map(([e]) => e);
}

/** The outlets an entry names, else those of its citations (reports without an outlet name none). */
function entryOutlets(entry, ctx) {
  const named = (entry.outlets || []).map((o) => (o || "").trim()).filter(Boolean);
  const from = named.length ? named : (entry.citations || []).map((n) => outletOf(ctx.cites.get(n))).filter(Boolean);
  return [...new Set(from)];
}

function reportedBy(outlets) {
  if (!outlets.length) return null;
  if (outlets.length === 1) return el("p", { class: "tl-outlets" }, "Reported by ", el("span", { class: "tl-names", text: outlets[0] }));
  return el("p", { class: "tl-outlets" }, `Reported by ${outlets.length} outlets `,
    el("span", { class: "tl-names", text: `(${outlets.join(", ")})` }));
}

function timelineEntry(entry, ctx) {
  return el("li", { class: "tl-entry" },
    el("div", { class: "tl-when" },
      entry.date ? el("time", { class: "tl-date", datetime: entry.date, text: fmtDate(entry.date) })
        : el("span", { class: "tl-date undated", text: "Undated" }),
      entry.date_inferred ? el("span", { class: "tag", text: "date inferred" }) : null),
    el("div", { class: "tl-body" },
      el("p", { class: "tl-text" }, entry.text, ...citeButtons(ctx, entry.citations)),
      reportedBy(entryOutlets(entry, ctx))));
}

export function timelineView(entries, ctx) {
  const sorted = chronological(entries);
  const dates = sorted.map((e) => e.date).filter(Boolean);
  const span = dates.length ? fmtSpan(dates[0], dates[dates.length - 1]) : "";
  return el("section", { class: "view timeline-view", "aria-label": "Timeline" },
    el("h3", { class: "view-title" }, "Timeline", el("span", { class: "view-sub", text: ` · ${plural(sorted.length, "event")}${span ? " · " + span : ""}` })),
    el("ol", { class: "timeline" }, ...sorted.map((e) => timelineEntry(e, ctx))));
}

/** "Reuters, 10 Sep 2016" for each distinct report a value cites. */
function whoSaid(value, ctx) {
  const seen = new Set();
  const out = [];
  for (const n of value.citations || []) {
    const c = ctx.cites.get(n);
    if (!c) continue;
    const line = `${creditOf(c)}, ${fmtDate(c.date)}`;
    if (!seen.has(line)) out.push(el("li", null, ...outletNodes(creditOf(c)), `, ${fmtDate(c.date)}`));
    seen.add(line);
  }
  return el("ul", { class: "dis-who" }, ...out);
}

function disagreementTable(d, ctx) {
  return el("table", { class: "disagree" },
    el("caption", { class: "sr-only", text: `What the reports say about ${d.slot}` }),
    el("thead", null, el("tr", null,
      el("th", { scope: "col", text: "Value" }), el("th", { scope: "col", text: "Reported by" }), el("th", { scope: "col", text: "Sources" }))),
    el("tbody", null, ...(d.values || []).map((v) => el("tr", null,
      el("th", { scope: "row", class: "dis-value", text: v.value }),
      el("td", null, whoSaid(v, ctx)),
      el("td", { class: "dis-cites" }, ...citeButtons(ctx, v.citations).slice(1))))));
}

export function disagreementView(disagreements, ctx) {
  return el("section", { class: "view disagree-view", "aria-label": "The reports differ" },
    ...disagreements.flatMap((d) => [
      el("p", { class: "differ-lead" }, el("strong", { text: "The reports differ" }),
        ` on ${d.slot}: ${plural((d.values || []).length, "different value")}.`),
      disagreementTable(d, ctx),
    ]));
}
