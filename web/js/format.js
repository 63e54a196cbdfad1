/* Text formatting: dates, outlets, links, reference lines. Pure functions, no DOM state. */

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "2016-08-26" → "26 Aug 2016" (no time zones involved). */
export function fmtDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  if (!m) return iso ? String(iso) : "Undated";
  return `${+m[3]} ${MONTHS[+m[2] - 1]} ${m[1]}`;
}

/** A date range, the year said once when both ends share it. */
export function fmtSpan(a, b) {
  if (!a && !b) return "";
  if (!a || !b || a === b) return fmtDate(a || b);
  const [ya, yb] = [a.slice(0, 4), b.slice(0, 4)];
  if (ya === yb) return `${fmtDate(a).replace(` ${ya}`, "")} – ${fmtDate(b)}`;
  return `${fmtDate(a)} – ${fmtDate(b)}`;
}

export const plural = (n, one, many = one + "s") => `${n} ${n === 1 ? one : many}`;

/** The outlet of a report, or "" when the report names none. */
export const outletOf = (c) => ((c && c.source) || "").trim();

/** Who to credit for a report: its outlet, or its title when it names no outlet (never "unknown outlet"). */
export const creditOf = (c) => outletOf(c) || (c && c.title) || "Untitled report";

/** "Title, Outlet, 26 Aug 2016" for labels and tooltips, without empty parts. */
export function describe(c) {
  return [c.title || "Untitled report", outletOf(c), fmtDate(c.date)].filter(Boolean).join(", ");
}

/** An outlet credit line like "Reuters/SANA/AP" as text nodes with break opportunities after slashes. */
export function outletNodes(text) {
  const parts = String(text).split("/");
  const out = [];
  parts.forEach((p, i) => {
    out.push(document.createTextNode(i < parts.length - 1 ? p + "/" : p));
    if (i < parts.length - 1) out.push(document.createElement("wbr"));
  });
  return out;
}

/** Only http(s) URLs become links. */
export function safeUrl(u) {
  if (!u) return null;
  try {
    const url = new URL(u, location.href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch (e) {
    return null;
  }
}

/** One line of a copied reference list: "[1] Title — Outlet — 26 Aug 2016 — https://…". */
export function refLine(label, c) {
  const bits = [c.title || "Untitled", outletOf(c), fmtDate(c.date) + (c.date_inferred ? " (date inferred)" : "")];
  const url = safeUrl(c.url);
  if (url) bits.push(url);
  return `${label} ${bits.filter(Boolean).join(" — ")}`;
}
