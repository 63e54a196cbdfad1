/* An answer's statements as blocks: the direct answer first and prominent, quotes with a compact
 * attribution (once per source), generated prose as paragraphs, notes in our own voice. Every
 * statement carries its citation buttons. Built from the structured `statements`, not from prose. */
import { citeButtons } from "./cites.js";
import { el } from "./dom.js";
import { creditOf, fmtDate, outletNodes } from "./format.js";

// A leading "Outlet (26 Aug 2016, …): " or trailing "(Outlet, 26 Aug 2016)" that restates the citation:
// shown once, from the citation's own fields, instead.
const LEAD = /^(In contrast, )?(.{1,240}?) \(([^()\n]{0,80})\):\s+/;
const TRAIL = /\s*\(([^()\n]{1,240}), ([^()\n]{0,60}\d{4}[^()\n]{0,60})\)\s*$/;

/** The statement text without an attribution that names the cited report's outlet or title. */
export function stripAttribution(text, c) {
  if (!c) return { text, contrast: false };
  // the answerer credits a combined "A/B/C" outlet line as "A et al." (rag/answering/compose.py)
  const outlets = (c.source || "").split("/").map((s) => s.trim()).filter(Boolean);
  const short = outlets.length > 1 ? `${outlets[0]} et al.` : null;
  const names = new Set([creditOf(c), `“${c.title}”`, "Unknown outlet", ...(short ? [short] : [])]);
  const sameReport = (who) => names.has(who) || (who.startsWith("“") && c.title && c.title.startsWith(who.slice(1, -2)));
  const m = LEAD.exec(text);
  if (m && sameReport(m[2])) return { text: text.slice(m[0].length), contrast: !!m[1] };
  const t = TRAIL.exec(text);
  if (t && sameReport(t[1])) return { text: text.slice(0, t.index), contrast: false };
  return { text, contrast: false };
}

/** "Reuters · 10 Sep 2016 · date inferred": who said it, from the citation. */
export function attribution(c, contrast) {
  return el("div", { class: "stmt-meta" },
    contrast ? el("span", { class: "tag contrast", text: "in contrast" }) : null,
    el("span", { class: "stmt-outlet" }, ...outletNodes(creditOf(c))),
    el("span", { class: "sep", "aria-hidden": "true", text: "·" }),
    el("span", { class: "stmt-date", text: fmtDate(c.date) }),
    c.date_inferred ? el("span", { class: "tag", text: "date inferred" }) : null);
}

/** The text with `span` (the direct answer inside its sentence) in bold. */
function withHighlight(text, span) {
  const i = span ? text.indexOf(span) : -1;
  if (i < 0) return [text];
  return [text.slice(0, i), el("strong", { class: "direct-span", text: span }), text.slice(i + span.length)];
}

function directBlock(st, ctx, direct) {
  return el("div", { class: "st stmt-direct", "data-kind": "direct" },
    el("span", { class: "direct-label", text: "Answer" }),
    el("p", { class: "direct-text" }, ...withHighlight(st.text, direct && direct.text), ...citeButtons(ctx, st.citations)));
}

/** The direct answer when no statement carries it: a short span ("800") with its citation. */
export function directHeadline(direct, ctx) {
  return el("div", { class: "st stmt-direct", "data-kind": "direct" },
    el("span", { class: "direct-label", text: "Answer" }),
    el("p", { class: "direct-text" }, el("strong", { class: "direct-span", text: direct.text }),
      ...citeButtons(ctx, direct.citation ? [direct.citation] : [])));
}

function quoteBlock(st, ctx, showMeta) {
  const c = ctx.cites.get((st.citations || [])[0]);
  const { text, contrast } = stripAttribution(st.text, c);
  return el("div", { class: `st stmt stmt-${st.kind}${c ? " has-meta" : ""}`, "data-kind": st.kind },
    c && (showMeta || contrast) ? attribution(c, contrast) : null,
    el("p", { class: "stmt-text" }, text, ...citeButtons(ctx, st.citations)));
}

function proseSentence(st, ctx) {
  const weak = st.kind === "generated" && typeof st.support === "number" && st.support < 0.5;
  return el("span", { class: `st stmt-sentence${weak ? " weak" : ""}`, "data-kind": st.kind,
    title: weak ? `Partly supported by its sources (${st.support.toFixed(2)})` : null },
  el("span", { class: "st-text", text: st.text }), ...citeButtons(ctx, st.citations));
}

const creditKey = (ctx, st) => {
  const c = ctx.cites.get((st.citations || [])[0]);
  return c ? `${creditOf(c)}\u0000${c.date || ""}` : null;
};

/** The statements as nodes. `views` maps a kind ("timeline", "disagreement") to the node that replaces
 *  the statements of that kind: it goes where the first of them was, or at the end. */
export function statementBlocks(statements, ctx, { direct = null, views = {} } = {}) {
  const out = [];
  const placed = new Set();
  let para = null;
  let lastCredit = null;
  for (const st of statements) {
    if (views[st.kind]) {
      if (!placed.has(st.kind)) out.push(views[st.kind]);
      placed.add(st.kind);
      para = null;
      continue;
    }
    if (st.kind === "direct") {
      out.push(directBlock(st, ctx, direct));
    } else if (st.kind === "quote" || st.kind === "context") {
      const key = creditKey(ctx, st);
      out.push(quoteBlock(st, ctx, key !== lastCredit));
      lastCredit = key;
      para = null;
      continue;
    } else if (st.kind === "note") {
      out.push(el("p", { class: "st stmt-note", "data-kind": "note" }, st.text, ...citeButtons(ctx, st.citations)));
    } else {
      if (!para || st.paragraph) out.push((para = el("p", { class: "stmt stmt-prose" })));
      else para.append(" ");
      para.append(proseSentence(st, ctx));
      continue;
    }
    para = null;
    lastCredit = null;
  }
  for (const [kind, node] of Object.entries(views)) if (!placed.has(kind)) out.push(node);
  return out;
}

/** Streaming text not yet closed by its `statement` event: plain text with citation markers. */
export function pendingText(text, ctx) {
  const p = el("p", { class: "stmt stmt-pending" });
  for (const piece of text.split(/(\[\d+\])/)) {
    if (!piece) continue;
    const m = /^\[(\d+)\]$/.exec(piece);
    p.append(...(m ? citeButtons(ctx, [+m[1]]).slice(1) : [piece]));
  }
  p.append(el("span", { class: "caret", "aria-hidden": "true" }));
  return p;
}

/** Statements recovered from answer text, for a server that sends no `statements` (older versions). */
export function statementsFromText(text) {
  return text.split(/\n+/).filter((l) => l.trim()).map((line) => {
    const citations = [...line.matchAll(/\[(\d+)\]/g)].map((m) => +m[1]);
    const body = line.replace(/\s*\[\d+\]/g, "").trim();
    return { text: body, citations, kind: citations.length ? "quote" : "note", paragraph: true, support: 1 };
  });
}
