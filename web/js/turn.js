/* One turn of the conversation: the question, and the answer as it streams in and when it is done.
 * SSE events are applied in order, a few text deltas per frame, so the answer visibly streams;
 * statements render as their `statement` events arrive; `done.result` (the whole /ask object) is
 * the final word. A plain JSON /ask response goes through the same path. */
import { abstentionView, answerHead, noteLine, removedList } from "./answer-meta.js";
import { friendly } from "./api.js";
import { nearest, sourcesList } from "./cites.js";
import { announce, el, icon, nearBottom, scrollToBottom } from "./dom.js";
import { plural, refLine } from "./format.js";
import { directHeadline, pendingText, statementBlocks, statementsFromText } from "./statements.js";
import { disagreementView, timelineView } from "./views.js";

const turns = new Map(); // id → Turn, for the citation buttons' data-cite keys
let seq = 0;

/** The citation (or nearest passage) that a data-cite key names. */
export function lookupCite(key) {
  const [tid, ref] = key.split(":");
  const turn = turns.get(tid);
  if (!turn) return null;
  if (ref.startsWith("p")) {
    const p = nearest(turn.passages)[+ref.slice(1)];
    return p ? { ...p, n: null } : null;
  }
  return turn.cites.get(+ref) || null;
}

export const getTurn = (id) => turns.get(id);
export const forgetTurns = () => turns.clear();

export class Turn {
  /** request: the /ask body sent (kept so the answer can be asked again); tag: a note on the question bubble. */
  constructor(question, { request = null, tag = null } = {}) {
    this.id = `t${++seq}`;
    this.question = question;
    this.request = request;
    this.text = "";            // the answer text as streamed
    this.mark = 0;             // where the text of the statement being streamed starts
    this.statements = [];      // from `statement` events
    this.cites = new Map();    // n → citation
    this.passages = [];
    this.done = null;          // the done event's data
    this.result = null;        // done.result: the /ask object (no passages)
    this.queue = [];
    this.raf = 0;
    this.waiters = [];
    this.dirty = false;
    turns.set(this.id, this);

    this.userEl = el("div", { class: "msg msg-user" },
      el("div", { class: "bubble" }, question, tag ? el("span", { class: "bubble-tag", text: tag }) : null));
    this.headEl = el("div", { class: "answer-head-slot" });
    this.bodyEl = el("div", { class: "answer-body", "aria-busy": "true" });
    this.statusEl = el("div", { class: "thinking" },
      el("span", { class: "dots", "aria-hidden": "true" }, el("i"), el("i"), el("i")),
      el("span", { text: "Searching the reports…" }));
    this.footEl = el("div", { class: "answer-foot" });
    this.el = el("article", { class: "msg msg-assistant streaming", "data-turn": this.id, "aria-label": "Answer" },
      this.statusEl, this.headEl, this.bodyEl, this.footEl);
  }

  get ctx() {
    return { turnId: this.id, cites: this.cites, streaming: !this.done };
  }

  // ------------------------------------------------------------------ events
  push(ev) {
    this.queue.push(ev);
    if (document.hidden) { this.drain(Infinity); return; }
    if (!this.raf) this.raf = requestAnimationFrame(() => this.tick());
  }
  tick() {
    this.raf = 0;
    this.drain(Math.max(4, Math.ceil(this.queue.length / 6)));
    if (this.queue.length) this.raf = requestAnimationFrame(() => this.tick());
  }
  drain(budget) {
    while (this.queue.length && budget > 0) {
      const ev = this.queue.shift();
      this.apply(ev);
      if (ev.event === "answer") budget--;
    }
    if (this.dirty && !this.done && !this.failed) this.renderProgress();
    this.dirty = false;
    if (!this.queue.length) this.waiters.splice(0).forEach((f) => f());
  }
  idle() {
    return this.queue.length ? new Promise((r) => this.waiters.push(r)) : Promise.resolve();
  }

  apply({ event, data }) {
    const d = data || {};
    if (event === "sources") {
      this.passages = d.passages || [];
    } else if (event === "answer") {
      if (!this.text) this.statusEl.remove();
      this.text += d.delta || "";
      this.dirty = true;
    } else if (event === "citation") {
      if (Number.isInteger(d.n)) this.cites.set(d.n, d);
      this.dirty = true;
    } else if (event === "statement") {
      this.statements[Number.isInteger(d.index) ? d.index : this.statements.length] = d;
      this.mark = this.text.length;
      this.dirty = true;
    } else if (event === "done") {
      this.done = d;
      this.result = d.result || null;
      this.finish();
    } else if (event === "error") {
      this.fail(new Error(d.error || "The answer stopped unexpectedly."));
    }
  }

  /** A plain JSON /ask response (when the server didn't stream). */
  fromJSON(d) {
    this.push({ event: "sources", data: { passages: d.passages || [] } });
    this.push({ event: "answer", data: { delta: d.answer || "" } });
    for (const c of d.citations || []) this.push({ event: "citation", data: c });
    this.push({ event: "done", data: { abstained: d.abstained, timings_ms: d.timings_ms, rewritten_question: d.rewritten_question, result: d } });
  }

  // ------------------------------------------------------------------ rendering
  /** While streaming: the statements so far, then the text of the one still arriving. */
  renderProgress() {
    const stick = nearBottom();
    const ctx = this.ctx;
    const nodes = statementBlocks(this.statements.filter(Boolean), ctx);
    const tail = this.text.slice(this.mark).trim();
    if (tail || !nodes.length) nodes.push(pendingText(tail, ctx));
    this.bodyEl.replaceChildren(...nodes);
    if (stick) scrollToBottom();
  }

  /** The finished answer's structure: done.result when the server sent it, else what streamed. */
  model() {
    const r = this.result || {};
    for (const c of r.citations || []) if (!this.cites.has(c.n)) this.cites.set(c.n, c);
    const streamed = this.statements.filter(Boolean);
    const statements = (r.statements && r.statements.length) ? r.statements
      : streamed.length ? streamed : statementsFromText(this.text);
    return {
      text: typeof r.answer === "string" ? r.answer : this.text,
      statements,
      abstained: !!(r.abstained ?? (this.done && this.done.abstained)),
      direct: r.direct_answer || null,
      grounding: typeof r.grounding === "number" ? r.grounding : null,
      mode: r.answer_mode || "extractive",
      note: r.note || null,
      removed: r.removed || [],
      disagreements: r.disagreements || [],
      timeline: r.timeline || [],
    };
  }

  finish() {
    const stick = nearBottom();
    const m = (this.finalModel = this.model());
    this.dirty = false;
    this.statusEl.remove();
    this.el.classList.remove("streaming");
    this.el.classList.toggle("generative", m.mode === "generative");
    this.bodyEl.removeAttribute("aria-busy");
    if (m.abstained) {
      this.el.classList.add("abstained");
      this.bodyEl.replaceChildren(...abstentionView(m, this.id, this.passages));
    } else {
      this.renderAnswer(m);
    }
    this.renderFoot(m);
    if (stick) scrollToBottom();
    announce(m.abstained ? "The reports don't answer this." : `Answer ready with ${plural(this.cites.size, "source")}.`);
  }

  renderAnswer(m) {
    const ctx = this.ctx;
    const views = {};
    if (m.timeline.length) views.timeline = timelineView(m.timeline, ctx);
    if (m.disagreements.length) views.disagreement = disagreementView(m.disagreements, ctx);
    const nodes = [];
    if (m.note) nodes.push(noteLine(m.note));
    if (m.direct && !m.statements.some((s) => s.kind === "direct")) nodes.push(directHeadline(m.direct, ctx));
    nodes.push(...statementBlocks(m.statements, ctx, { direct: m.direct, views }));
    this.headEl.replaceChildren(answerHead(m));
    this.bodyEl.replaceChildren(...nodes);
    const extra = [removedList(m.removed), sourcesList(ctx)].filter(Boolean);
    this.footEl.before(...extra);
  }

  renderFoot(m) {
    const foot = this.footEl;
    foot.replaceChildren();
    const copy = el("button", { type: "button", class: "foot-btn copy-btn", "aria-label": "Copy answer with sources" },
      icon("copy"), el("span", { text: "Copy" }));
    copy.addEventListener("click", () => this.copy(copy));
    foot.append(copy);
    if (m.mode === "generative" && !m.abstained && this.request) {
      foot.append(el("button", { type: "button", class: "foot-btn switch-btn", "data-action": "extractive", "data-turn": this.id,
        title: "Ask again for an answer made only of quotes from the reports" }, icon("quote"), el("span", { text: "Show the quoted answer" })));
    }
    const rq = this.done && this.done.rewritten_question;
    if (rq) {
      foot.append(el("span", { class: "rewritten", title: "Your follow-up was searched with the earlier conversation's terms" },
        icon("search"), el("span", { text: "Searched for: " }), el("q", { text: rq })));
    }
    const ms = this.done && this.done.timings_ms && this.done.timings_ms.total;
    if (typeof ms === "number") {
      foot.append(el("span", { class: "timing", text: ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s` }));
    }
  }

  // ------------------------------------------------------------------ copy
  copyText() {
    const m = this.finalModel || this.model();
    const lines = [];
    if (m.direct && !m.statements.some((s) => s.kind === "direct")) {
      lines.push(`Answer: ${m.direct.text}${m.direct.citation ? ` [${m.direct.citation}]` : ""}`, "");
    }
    lines.push(m.text.trim());
    if (m.abstained) {
      const near = nearest(this.passages);
      if (near.length) {
        lines.push("", "Nearest sources:");
        near.forEach((p, i) => lines.push(refLine(`${i + 1}.`, p)));
      }
    } else if (this.cites.size) {
      lines.push("", "Sources:");
      for (const c of [...this.cites.values()].sort((a, b) => a.n - b.n)) lines.push(refLine(`[${c.n}]`, c));
    }
    return lines.join("\n");
  }

  async copy(btn) {
    const text = this.copyText();
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch (e) {
      const ta = el("textarea", { class: "sr-only", "aria-hidden": "true" });
      ta.value = text;
      document.body.append(ta);
      ta.select();
      try { ok = document.execCommand("copy"); } catch (e2) { ok = false; }
      ta.remove();
    }
    btn.replaceChildren(icon(ok ? "check" : "alert"), el("span", { text: ok ? "Copied" : "Copy failed" }));
    btn.classList.toggle("done", ok);
    announce(ok ? "Answer copied." : "Couldn't copy the answer.");
    setTimeout(() => {
      btn.replaceChildren(icon("copy"), el("span", { text: "Copy" }));
      btn.classList.remove("done");
    }, 1800);
  }

  // ------------------------------------------------------------------ failure
  fail(e) {
    const stick = nearBottom();
    this.failed = true;
    this.queue = [];
    this.statusEl.remove();
    this.el.classList.remove("streaming");
    this.el.classList.add("errored");
    this.bodyEl.removeAttribute("aria-busy");
    this.userEl.classList.add("unsent");
    const partial = this.text && !this.done;
    this.headEl.replaceChildren();
    this.bodyEl.replaceChildren(el("div", { class: "error-box", role: "alert" },
      icon("alert", "error-icon"),
      el("div", null,
        el("p", { class: "error-title", text: partial ? "The answer was interrupted" : "Sorry — that didn't work" }),
        el("p", { class: "error-text", text: friendly(e) }),
        el("p", { class: "error-hint", text: "Your question is still in the box below, so you can edit it or try again." }))));
    this.footEl.replaceChildren();
    if (stick) scrollToBottom();
    this.waiters.splice(0).forEach((f) => f());
  }
}
