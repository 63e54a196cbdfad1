/* Citation buttons and source lists. A button carries data-cite="turnId:n" (or "turnId:pI" for the
 * I-th nearest source of an abstention); a click anywhere in the log opens it in the source panel. */
import { el } from "./dom.js";
import { creditOf, describe, fmtDate, outletNodes, outletOf } from "./format.js";

const tooltip = (c) => `${c.title || "Untitled report"} — ${[outletOf(c), fmtDate(c.date)].filter(Boolean).join(", ")}`;

/** The citation button for marker n; a placeholder while its citation hasn't arrived yet. */
export function citeButton(ctx, n) {
  const c = ctx.cites.get(n);
  if (c) {
    return el("button", { type: "button", class: "cite", "data-cite": `${ctx.turnId}:${n}`, "data-article": c.article_id,
      "aria-label": `Source ${n}: ${describe(c)}`, title: tooltip(c), text: String(n) });
  }
  return ctx.streaming ? el("span", { class: "cite pending", text: String(n) }) : el("span", { class: "cite-missing", text: `[${n}]` });
}

/** The buttons for a list of marker numbers, each preceded by a no-break space (a marker never
 *  starts a line on its own). */
export function citeButtons(ctx, ns) {
  const out = [];
  for (const n of ns || []) out.push("\u00a0", citeButton(ctx, n));
  return out;
}

/** Reports that are the same for a reader: one article id, or the same title, outlet and date. */
function sameReportKey(c) {
  const title = (c.title || "").trim().toLowerCase();
  return title ? `${title}\u0000${outletOf(c)}\u0000${c.date || ""}` : `id\u0000${c.article_id}`;
}

/** Group items (citations or passages) by report, in first-seen order: [[item, ...], ...]. */
export function groupByReport(items) {
  const byId = new Map();
  const byKey = new Map();
  const groups = [];
  for (const c of items) {
    let g = byId.get(c.article_id) || byKey.get(sameReportKey(c));
    if (!g) {
      g = [];
      groups.push(g);
    }
    g.push(c);
    byId.set(c.article_id, g);
    byKey.set(sameReportKey(c), g);
  }
  return groups;
}

/** A row of a sources list: numbers, title, outlet · date. */
export function sourceButton(key, numbers, c) {
  const outlet = outletOf(c);
  return el("button", { type: "button", class: "source", "data-cite": key, "data-article": c.article_id,
    "aria-label": `${numbers.length ? "Source " + numbers.join(", ") + ": " : ""}${describe(c)}` },
    numbers.length ? el("span", { class: "source-nums", "aria-hidden": "true" },
      ...numbers.map((n) => el("span", { class: "num", text: String(n) }))) : null,
    el("span", { class: "source-main" },
      el("span", { class: "source-title", text: c.title || "Untitled report" }),
      el("span", { class: "source-meta" },
        outlet ? el("span", { class: "source-outlet" }, ...outletNodes(outlet)) : null,
        outlet ? el("span", { class: "sep", "aria-hidden": "true", text: "·" }) : null,
        el("span", { class: "source-date", text: fmtDate(c.date) }),
        c.date_inferred ? el("span", { class: "tag", text: "date inferred" }) : null)));
}

/** "Sources": one row per report (the same article cited twice is one row with both numbers). */
export function sourcesList(ctx) {
  const cites = [...ctx.cites.values()].sort((a, b) => a.n - b.n);
  if (!cites.length) return null;
  const list = el("ol", { class: "sources", "aria-label": "Sources" });
  for (const cs of groupByReport(cites)) {
    list.append(el("li", null, sourceButton(`${ctx.turnId}:${cs[0].n}`, cs.map((c) => c.n), cs[0])));
  }
  return el("div", { class: "sources-wrap" }, el("h3", { class: "sources-title", text: "Sources" }), list);
}

/** The first three distinct reports among the passages (shown with an abstention). */
export function nearest(passages) {
  return groupByReport(passages || []).slice(0, 3).map((g) => g[0]);
}

/** The outlet (or title) credit for a citation as nodes with line-break opportunities. */
export const creditNodes = (c) => outletNodes(creditOf(c));
