/* DOM helpers shared by every module.
 *
 * Safety rule: every piece of data (questions, answers, titles, outlets, quotes, article text)
 * reaches the page as text — textContent, createTextNode, append(string) or an attribute
 * value — never through innerHTML. Inline styles are never set as attributes (the page runs
 * under a CSP with `style-src 'self'`); a computed size goes through `node.style.x`.
 */

export const $ = (id) => document.getElementById(id);
const SVG_NS = "http://www.w3.org/2000/svg";

/** Build an element. attrs: class, text, on* listeners, others as attributes. Children: nodes or strings (text). */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k === "style" || k.startsWith("on")) throw new Error(`el(): refusing inline ${k}`);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c != null && c !== false) node.append(c); // strings become text nodes
  return node;
}

/** An icon from the page's static sprite. */
export function icon(name, cls) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  if (cls) svg.setAttribute("class", cls);
  const use = document.createElementNS(SVG_NS, "use");
  use.setAttribute("href", "#i-" + name);
  svg.append(use);
  return svg;
}

/** Say something to screen readers (the live region is re-filled so repeats are announced). */
export function announce(msg) {
  const a = $("announcer");
  a.textContent = "";
  setTimeout(() => { a.textContent = msg; }, 30);
}

/** Whether the conversation is scrolled (nearly) to its end: new content then keeps it there. */
export function nearBottom() {
  const t = $("thread");
  return t.scrollHeight - t.scrollTop - t.clientHeight < 120;
}

export function scrollToBottom() {
  const t = $("thread");
  t.scrollTop = t.scrollHeight;
}
