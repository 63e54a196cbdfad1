/* Newsdesk: the chat page. Plain JS, no framework, no network beyond this server's JSON API.
 *
 * Safety rule: every piece of data (questions, answers, titles, outlets, quotes, article text)
 * reaches the page as text — textContent, createTextNode, append(string) or an attribute
 * value — never through innerHTML. Links are only made from http(s) URLs.
 */
"use strict";

(() => {
  // ---------------------------------------------------------------- helpers
  const $ = (id) => document.getElementById(id);
  const SVG_NS = "http://www.w3.org/2000/svg";

  /** Build an element. attrs: class, text, on* listeners, dataset via data-*, others as attributes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children) if (c != null && c !== false) node.append(c); // strings become text nodes
    return node;
  }

  function icon(name, cls) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    if (cls) svg.setAttribute("class", cls);
    const use = document.createElementNS(SVG_NS, "use");
    use.setAttribute("href", "#i-" + name);
    svg.append(use);
    return svg;
  }

  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  /** "2016-08-26" → "26 Aug 2016" (no time zones involved). */
  function fmtDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!m) return iso ? String(iso) : "Undated";
    return `${+m[3]} ${MONTHS[+m[2] - 1]} ${m[1]}`;
  }

  function fmtSpan(a, b) {
    if (!a && !b) return "";
    if (!a || !b || a === b) return fmtDate(a || b);
    const [ya, yb] = [a.slice(0, 4), b.slice(0, 4)];
    if (ya === yb) {
      const da = fmtDate(a).replace(` ${ya}`, "");
      return `${da} – ${fmtDate(b)}`;
    }
    return `${fmtDate(a)} – ${fmtDate(b)}`;
  }

  const outletName = (src) => (src && src.trim()) || "Unknown outlet";

  /** An outlet credit line like "Reuters/SANA/AP" as text with break opportunities after slashes. */
  function outletNodes(src) {
    const parts = outletName(src).split("/");
    const out = [];
    parts.forEach((p, i) => {
      out.push(document.createTextNode(i < parts.length - 1 ? p + "/" : p));
      if (i < parts.length - 1) out.push(document.createElement("wbr"));
    });
    return out;
  }

  const safeUrl = (u) => {
    if (!u) return null;
    try {
      const url = new URL(u, location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  };

  function announce(msg) {
    const a = $("announcer");
    a.textContent = "";
    setTimeout(() => { a.textContent = msg; }, 30);
  }

  // ---------------------------------------------------------------- state
  const state = {
    history: [],          // [{role, content}] of completed turns, sent with follow-ups
    busy: false,
    stats: null,
    turns: new Map(),     // id → Turn
    seq: 0,
    articles: new Map(),  // id → Promise<article>
    panelReturn: null,    // element to refocus when the panel closes
    panelCite: null,
  };

  const els = {
    app: $("app"), thread: $("thread"), log: $("log"), welcome: $("welcome"),
    form: $("composer"), input: $("question"), send: $("send"), charCount: $("char-count"),
    panel: $("panel"), panelTitle: $("panel-title"), panelKicker: $("panel-kicker"), panelMeta: $("panel-meta"),
    panelArticle: $("panel-article"), panelScroll: $("panel-scroll"),
  };

  // ---------------------------------------------------------------- corpus stats & filters
  async function loadStats() {
    try {
      const res = await fetch("/stats", { headers: { Accept: "application/json" } });
      if (!res.ok) throw new Error(await errorMessage(res));
      const s = await res.json();
      state.stats = s;
      const span = fmtSpan(s.date_min, s.date_max);
      const n = `${s.articles} report${s.articles === 1 ? "" : "s"}`;
      $("corpus-summary").textContent = span ? `${n} · ${span}` : n;
      $("welcome-stats").replaceChildren(
        el("span", { class: "stat" }, el("strong", { text: String(s.articles) }), " reports"),
        el("span", { class: "stat" }, el("strong", { text: String((s.sources || []).length) }), " outlets"),
        span ? el("span", { class: "stat" }, "from ", el("strong", { text: span })) : null,
      );
      for (const id of ["date-from", "date-to", "as-of"]) {
        if (s.date_min) $(id).min = id === "as-of" ? "" : s.date_min;
        if (s.date_max) $(id).max = id === "as-of" ? "" : s.date_max;
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
        el("span", { class: "outlet-name", text: outletName(s.source) }),
        el("span", { class: "outlet-count", text: String(s.articles), "aria-label": `${s.articles} reports` }));
    }));
  }

  function readFilters() {
    const from = $("date-from").value || null;
    const to = $("date-to").value || null;
    const asOf = $("as-of").value || null;
    const sources = [...document.querySelectorAll('#outlets input[name="outlet"]:checked')].map((c) => c.value);
    if (from && to && from > to) return { error: "The “From” date is after the “To” date." };
    return { from, to, asOf, sources };
  }

  function updateFilterSummary() {
    const f = readFilters();
    const err = $("filters-error");
    err.hidden = !f.error;
    err.textContent = f.error || "";
    const parts = [];
    if (!f.error) {
      if (f.from && f.to) parts.push(`${fmtDate(f.from)} – ${fmtDate(f.to)}`);
      else if (f.from) parts.push(`from ${fmtDate(f.from)}`);
      else if (f.to) parts.push(`until ${fmtDate(f.to)}`);
      if (f.sources.length) parts.push(f.sources.length === 1 ? outletName(f.sources[0]) : `${f.sources.length} outlets`);
      if (f.asOf) parts.push(`as of ${fmtDate(f.asOf)}`);
    }
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

  function toggleFilters(open) {
    const panel = $("filters");
    const btn = $("filters-toggle");
    const show = open ?? panel.hidden;
    panel.hidden = !show;
    btn.setAttribute("aria-expanded", String(show));
    if (show) $("date-from").focus();
  }

  // ---------------------------------------------------------------- theme
  const THEMES = ["auto", "light", "dark"];
  function applyTheme(t) {
    const root = document.documentElement;
    if (t === "auto") delete root.dataset.theme; else root.dataset.theme = t;
    const btn = $("theme-toggle");
    const label = { auto: "Theme: match system", light: "Theme: light", dark: "Theme: dark" }[t];
    btn.setAttribute("aria-label", label + " (click to change)");
    btn.title = label;
    btn.replaceChildren(icon({ auto: "auto", light: "sun", dark: "moon" }[t]));
    try { if (t === "auto") localStorage.removeItem("newsdesk-theme"); else localStorage.setItem("newsdesk-theme", t); } catch (e) { /* private mode */ }
  }
  function currentTheme() { return document.documentElement.dataset.theme || "auto"; }

  // ---------------------------------------------------------------- errors
  async function errorMessage(res) {
    let msg = "";
    try {
      const data = await res.json();
      msg = typeof data.error === "string" ? data.error : "";
    } catch (e) { /* not JSON */ }
    if (!msg) msg = res.status >= 500 ? "The server had a problem." : `The request was refused (${res.status}).`;
    const err = new Error(msg);
    err.status = res.status;
    throw err;
  }

  function friendly(e) {
    if (e && e.name === "AbortError") return "The request was stopped.";
    if (e && e.status === 422 && /^question: .*at most (\d+) characters/.test(e.message || "")) {
      const max = /at most (\d+)/.exec(e.message)[1];
      return `That question is too long: please keep it under ${Number(max).toLocaleString("en")} characters.`;
    }
    if (e instanceof TypeError) return "Couldn't reach the server. Check your connection and try again.";
    return (e && e.message) || "Something went wrong.";
  }

  // ---------------------------------------------------------------- SSE
  /** Read a text/event-stream body, calling onEvent({event, data}) for each event. */
  async function readSSE(res, onEvent) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = "";
    const flush = (block) => {
      let event = "message";
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (!line || line.startsWith(":")) continue;
        const i = line.indexOf(":");
        const field = i < 0 ? line : line.slice(0, i);
        let value = i < 0 ? "" : line.slice(i + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      if (!data.length) return;
      let parsed;
      try { parsed = JSON.parse(data.join("\n")); } catch (e) { parsed = data.join("\n"); }
      onEvent({ event, data: parsed });
    };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let m;
      while ((m = /\r?\n\r?\n/.exec(buf))) {
        flush(buf.slice(0, m.index));
        buf = buf.slice(m.index + m[0].length);
      }
    }
    buf += decoder.decode();
    if (buf.trim()) flush(buf);
  }

  // ---------------------------------------------------------------- a turn of the conversation
  const LEAD = /^(.{1,240}?) \(([^()\n]{0,60}\d{4}[^()\n]{0,60})\):\s+/;
  const MARK = /(\[\d+\])/;
  const ABSTAIN_LEAD = /^\s*The reports don['’]t answer this\.?\s*/i;

  class Turn {
    constructor(question) {
      this.id = `t${++state.seq}`;
      this.question = question;
      this.text = "";
      this.cites = new Map();    // n → citation
      this.passages = [];
      this.done = null;          // the done event's data
      this.queue = [];
      this.raf = 0;
      this.waiters = [];
      this.dirty = false;
      state.turns.set(this.id, this);

      this.userEl = el("div", { class: "msg msg-user" },
        el("div", { class: "bubble", text: question }));
      this.bodyEl = el("div", { class: "answer-body", "aria-busy": "true" });
      this.statusEl = el("div", { class: "thinking" },
        el("span", { class: "dots", "aria-hidden": "true" }, el("i"), el("i"), el("i")),
        el("span", { text: "Searching the reports…" }));
      this.footEl = el("div", { class: "answer-foot" });
      this.el = el("article", { class: "msg msg-assistant streaming", "data-turn": this.id, "aria-label": "Answer" },
        this.statusEl, this.bodyEl, this.footEl);
    }

    // Events are applied in order, a few answer deltas per frame, so the answer visibly streams.
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
      if (this.dirty && !this.done && !this.failed) this.render();
      this.dirty = false;
      if (!this.queue.length) this.waiters.splice(0).forEach((f) => f());
    }
    idle() {
      return this.queue.length ? new Promise((r) => this.waiters.push(r)) : Promise.resolve();
    }

    apply({ event, data }) {
      if (event === "sources") {
        this.passages = (data && data.passages) || [];
      } else if (event === "answer") {
        if (!this.text) this.statusEl.remove();
        this.text += (data && data.delta) || "";
        this.dirty = true;
      } else if (event === "citation") {
        if (data && Number.isInteger(data.n)) this.cites.set(data.n, data);
        this.dirty = true;
      } else if (event === "done") {
        this.done = data || {};
        this.finish();
      } else if (event === "error") {
        const e = new Error((data && data.error) || "The answer stopped unexpectedly.");
        this.fail(e);
      }
    }

    /** A plain JSON /ask response (when the server didn't stream). */
    fromJSON(d) {
      this.push({ event: "sources", data: { passages: d.passages || [] } });
      this.push({ event: "answer", data: { delta: d.answer || "" } });
      for (const c of d.citations || []) this.push({ event: "citation", data: c });
      this.push({ event: "done", data: { abstained: d.abstained, timings_ms: d.timings_ms, rewritten_question: d.rewritten_question } });
    }

    render() {
      const stick = nearBottom();
      renderAnswerText(this.bodyEl, this.text, this.cites, this.id, !this.done);
      if (stick) scrollToBottom();
    }

    finish() {
      const d = this.done;
      const stick = nearBottom();
      this.dirty = false;
      this.statusEl.remove();
      this.el.classList.remove("streaming");
      this.bodyEl.removeAttribute("aria-busy");
      if (d.abstained) {
        this.el.classList.add("abstained");
        this.renderAbstention();
      } else {
        this.render();
        this.renderSources();
      }
      this.renderFoot();
      if (stick) scrollToBottom();
      const nCites = this.cites.size;
      announce(d.abstained ? "The reports don't answer this." :
        `Answer ready with ${nCites} source${nCites === 1 ? "" : "s"}.`);
    }

    renderAbstention() {
      let rest = this.text.replace(ABSTAIN_LEAD, "");
      const near = nearest(this.passages);
      if (near.length && /^The nearest sources are/i.test(rest)) rest = "";
      const body = this.bodyEl;
      body.replaceChildren(
        el("div", { class: "abstain-head" }, icon("abstain", "abstain-icon"),
          el("p", { class: "abstain-title", text: "The reports don't answer this" })),
        el("p", { class: "abstain-text", text: rest || (near.length ?
          "Nothing in the reports supports an answer. These were the closest matches:" :
          "Nothing in the reports supports an answer, and no related reports were found.") }));
      if (near.length) {
        const list = el("ol", { class: "sources nearest", "aria-label": "Nearest sources" });
        near.forEach((p, i) => {
          const key = `${this.id}:p${i}`;
          list.append(el("li", null, sourceButton(key, [], p)));
        });
        body.append(list);
      }
    }

    renderSources() {
      if (!this.cites.size) return;
      // One row per article, with the numbers of its quotes, in the order first cited.
      const groups = new Map();
      for (const c of [...this.cites.values()].sort((a, b) => a.n - b.n)) {
        if (!groups.has(c.article_id)) groups.set(c.article_id, []);
        groups.get(c.article_id).push(c);
      }
      const list = el("ol", { class: "sources", "aria-label": "Sources" });
      for (const cs of groups.values()) {
        list.append(el("li", null, sourceButton(`${this.id}:${cs[0].n}`, cs.map((c) => c.n), cs[0])));
      }
      this.footEl.before(el("div", { class: "sources-wrap" },
        el("h3", { class: "sources-title", text: "Sources" }), list));
    }

    renderFoot() {
      const foot = this.footEl;
      foot.replaceChildren();
      const copy = el("button", { type: "button", class: "foot-btn copy-btn", "aria-label": "Copy answer with sources" },
        icon("copy"), el("span", { text: "Copy" }));
      copy.addEventListener("click", () => this.copy(copy));
      foot.append(copy);
      const rq = this.done && this.done.rewritten_question;
      if (rq) {
        foot.append(el("span", { class: "rewritten", title: "Your follow-up was searched with the earlier question's terms" },
          icon("search"), el("span", { text: "searched for: " }), el("q", { text: rq })));
      }
      const ms = this.done && this.done.timings_ms && this.done.timings_ms.total;
      if (typeof ms === "number") {
        foot.append(el("span", { class: "timing", text: ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s` }));
      }
    }

    copyText() {
      const lines = [this.text.trim()];
      if (this.done && this.done.abstained) {
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

  function nearest(passages) {
    const seen = new Set();
    const out = [];
    for (const p of passages || []) {
      if (seen.has(p.article_id)) continue;
      seen.add(p.article_id);
      out.push(p);
      if (out.length >= 3) break;
    }
    return out;
  }

  function refLine(label, c) {
    const bits = [c.title || "Untitled", outletName(c.source), fmtDate(c.date) + (c.date_inferred ? " (date inferred)" : "")];
    const url = safeUrl(c.url);
    if (url) bits.push(url);
    return `${label} ${bits.join(" — ")}`;
  }

  /** A row of a sources list: numbers, title, outlet · date. `key` is "turnId:n" or "turnId:pIndex". */
  function sourceButton(key, numbers, c) {
    return el("button", { type: "button", class: "source", "data-cite": key, "data-article": c.article_id,
      "aria-label": `${numbers.length ? "Source " + numbers.join(", ") + ": " : ""}${c.title}, ${outletName(c.source)}, ${fmtDate(c.date)}` },
      numbers.length ? el("span", { class: "source-nums", "aria-hidden": "true" },
        ...numbers.map((n) => el("span", { class: "num", text: String(n) }))) : null,
      el("span", { class: "source-main" },
        el("span", { class: "source-title", text: c.title || "Untitled report" }),
        el("span", { class: "source-meta" },
          el("span", { class: "source-outlet" }, ...outletNodes(c.source)),
          el("span", { class: "sep", "aria-hidden": "true", text: "·" }),
          el("span", { class: "source-date", text: fmtDate(c.date) }),
          c.date_inferred ? el("span", { class: "tag", text: "date inferred" }) : null)));
  }

  /** Render an answer's text: one block per line, "Outlet (date): " leads as a scannable meta line,
   *  [n] markers as citation buttons once their citation has arrived. */
  function renderAnswerText(container, text, cites, turnId, streaming) {
    const blocks = [];
    const lines = text.split(/\n+/).filter((l) => l.trim());
    lines.forEach((line, i) => {
      const block = el("div", { class: "stmt" });
      let rest = line;
      const m = LEAD.exec(line);
      if (m) {
        const [date, ...more] = m[2].split(/,\s*/);
        block.classList.add("has-meta");
        block.append(el("div", { class: "stmt-meta" },
          el("span", { class: "stmt-outlet" }, ...outletNodes(m[1])),
          el("span", { class: "sep", "aria-hidden": "true", text: "·" }),
          el("span", { class: "stmt-date", text: date }),
          more.length ? el("span", { class: "tag", text: /inferred/i.test(more.join(" ")) ? "date inferred" : more.join(", ") }) : null));
        rest = line.slice(m[0].length);
      }
      const p = el("p", { class: "stmt-text" });
      for (const piece of rest.split(MARK)) {
        if (!piece) continue;
        const mm = /^\[(\d+)\]$/.exec(piece);
        if (!mm) { p.append(piece); continue; }
        const c = cites.get(+mm[1]);
        if (c) {
          p.append(el("button", { type: "button", class: "cite", "data-cite": `${turnId}:${c.n}`, "data-article": c.article_id,
            "aria-label": `Source ${c.n}: ${c.title}, ${outletName(c.source)}, ${fmtDate(c.date)}`,
            title: `${c.title} — ${outletName(c.source)}, ${fmtDate(c.date)}`, text: String(c.n) }));
        } else {
          p.append(el("span", { class: streaming ? "cite pending" : "cite-missing", text: streaming ? mm[1] : piece }));
        }
      }
      if (streaming && i === lines.length - 1) p.append(el("span", { class: "caret", "aria-hidden": "true" }));
      block.append(p);
      blocks.push(block);
    });
    container.replaceChildren(...blocks);
  }

  function lookupCite(key) {
    const [tid, ref] = key.split(":");
    const turn = state.turns.get(tid);
    if (!turn) return null;
    if (ref.startsWith("p")) {
      const p = nearest(turn.passages)[+ref.slice(1)];
      return p ? { ...p, n: null } : null;
    }
    return turn.cites.get(+ref) || null;
  }

  // ---------------------------------------------------------------- scrolling
  function nearBottom() {
    const t = els.thread;
    return t.scrollHeight - t.scrollTop - t.clientHeight < 120;
  }
  function scrollToBottom() { els.thread.scrollTop = els.thread.scrollHeight; }

  // ---------------------------------------------------------------- asking
  async function send() {
    const question = els.input.value;
    if (!question.trim() || state.busy) return;
    const f = readFilters();
    if (f.error) {
      toggleFilters(true);
      updateFilterSummary();
      return;
    }
    const body = { question };
    const filters = {};
    if (f.from) filters.date_from = f.from;
    if (f.to) filters.date_to = f.to;
    if (f.sources.length) filters.sources = f.sources;
    if (Object.keys(filters).length) body.filters = filters;
    if (f.asOf) body.as_of = f.asOf;
    if (state.history.length) body.history = state.history.slice(-20);

    setBusy(true);
    els.welcome.hidden = true;
    const turn = new Turn(question);
    els.log.append(turn.userEl, turn.el);
    scrollToBottom();
    els.input.value = "";
    autosize();

    try {
      const res = await fetch("/ask", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(body),
      });
      if (!res.ok) await errorMessage(res);
      const type = res.headers.get("content-type") || "";
      if (type.includes("text/event-stream") && res.body) await readSSE(res, (ev) => turn.push(ev));
      else turn.fromJSON(await res.json());
      await turn.idle();
      if (turn.failed) throw new Error("failed");
      if (!turn.done) throw new Error("The answer was cut off before it finished. Please try again.");
      state.history.push({ role: "user", content: question }, { role: "assistant", content: turn.text.slice(0, 20000) });
    } catch (e) {
      if (!turn.failed) turn.fail(e);
      if (!els.input.value.trim()) {
        els.input.value = question;
        autosize();
      }
    } finally {
      setBusy(false);
      if (!els.panel.contains(document.activeElement)) els.input.focus({ preventScroll: true });
    }
  }

  function setBusy(b) {
    state.busy = b;
    els.send.disabled = b;
    els.send.classList.toggle("busy", b);
    els.form.setAttribute("aria-busy", String(b));
  }

  function newChat() {
    if (state.busy) return;
    state.history = [];
    state.turns.clear();
    els.log.replaceChildren();
    els.welcome.hidden = false;
    closePanel(false);
    els.input.focus();
    announce("Started a new conversation.");
  }

  function autosize() {
    const t = els.input;
    const stick = nearBottom();
    t.style.height = "auto";
    t.style.height = Math.min(t.scrollHeight, 220) + "px";
    if (stick) scrollToBottom(); // a taller composer shouldn't hide the end of the conversation
    const n = t.value.length;
    els.charCount.textContent = n > 1800 ? ` · ${n} / 2000 characters` : "";
    els.charCount.classList.toggle("over", n > 2000);
  }

  // ---------------------------------------------------------------- the source panel
  function fetchArticle(id) {
    if (!state.articles.has(id)) {
      const p = fetch(`/articles/${encodeURIComponent(id)}`, { headers: { Accept: "application/json" } })
        .then(async (res) => (res.ok ? res.json() : errorMessage(res)));
      p.catch(() => state.articles.delete(id));
      state.articles.set(id, p);
    }
    return state.articles.get(id);
  }

  async function openPanel(c, trigger) {
    state.panelCite = c;
    if (trigger) state.panelReturn = trigger;
    document.querySelectorAll(".cite.active, .source.active").forEach((b) => b.classList.remove("active"));
    if (trigger) trigger.classList.add("active");

    els.panelKicker.textContent = c.n ? `Source ${c.n}` : "Nearest source";
    els.panelTitle.textContent = c.title || "Untitled report";
    $("panel-head-title").textContent = c.title || "Untitled report";
    const meta = els.panelMeta;
    meta.replaceChildren(
      el("div", { class: "meta-row" }, el("dt", { text: "Outlet" }), el("dd", { class: "panel-outlet" }, ...outletNodes(c.source))),
      el("div", { class: "meta-row" }, el("dt", { text: "Date" }), el("dd", { class: "panel-date" },
        el("span", { text: fmtDate(c.date) }))));
    if (c.date_inferred) {
      meta.append(el("div", { class: "meta-row evidence" }, el("dt", { text: "Note" }), el("dd", null,
        el("span", { class: "panel-inferred", text: "date inferred from: " }),
        el("q", { class: "panel-evidence", text: c.date_evidence || "the text of the report" }))));
    }
    const url = safeUrl(c.url);
    if (url) {
      meta.append(el("div", { class: "meta-row" }, el("dt", { text: "Link" }), el("dd", null,
        el("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow", class: "panel-url" },
          el("span", { text: url.replace(/^https?:\/\/(www\.)?/, "") }), icon("external")))));
    }
    els.panelArticle.replaceChildren(el("p", { class: "loading" }, el("span", { class: "spinner", "aria-hidden": "true" }), "Loading the report…"));
    els.panelArticle.setAttribute("aria-busy", "true");

    const wasHidden = els.panel.hidden;
    els.panel.hidden = false;
    $("backdrop").hidden = false;
    document.body.classList.add("panel-open");
    requestAnimationFrame(() => els.panel.classList.add("open"));
    els.panelScroll.scrollTop = 0;
    els.panelTitle.focus({ preventScroll: true });
    if (wasHidden) announce(`Opened source: ${c.title}`);

    try {
      const article = await fetchArticle(c.article_id);
      if (state.panelCite !== c) return; // another citation was opened meanwhile
      renderArticle(article, c);
    } catch (e) {
      if (state.panelCite !== c) return;
      els.panelArticle.replaceChildren(
        el("div", { class: "error-box small", role: "alert" }, icon("alert", "error-icon"),
          el("div", null, el("p", { class: "error-title", text: "Couldn't load the full report" }),
            el("p", { class: "error-text", text: friendly(e) }))),
        el("h3", { class: "article-sub", text: "Quoted passage" }),
        el("blockquote", { class: "article-text" }, el("mark", { text: c.quote || "" })));
    } finally {
      els.panelArticle.removeAttribute("aria-busy");
    }
  }

  /** The body as text nodes, with the quoted span wrapped in <mark>. */
  function renderArticle(article, c) {
    const body = String(article.body || "");
    let start = Number.isInteger(c.start) ? c.start : -1;
    let end = Number.isInteger(c.end) ? c.end : -1;
    if (!(start >= 0 && end > start && end <= body.length && (!c.quote || body.slice(start, end) === c.quote))) {
      const i = c.quote ? body.indexOf(c.quote) : -1;
      start = i;
      end = i >= 0 ? i + c.quote.length : -1;
    }
    const text = el("div", { class: "article-text" });
    let mark = null;
    if (start >= 0) {
      mark = el("mark", { id: "panel-mark", tabindex: "-1" });
      mark.append(document.createTextNode(body.slice(start, end)));
      text.append(document.createTextNode(body.slice(0, start)), mark, document.createTextNode(body.slice(end)));
    } else {
      text.append(document.createTextNode(body));
    }
    const children = [];
    if (!mark && c.quote) children.push(el("p", { class: "muted small", text: "The quoted passage couldn't be located in this version of the report." }));
    children.push(text);
    els.panelArticle.replaceChildren(...children);
    $("panel-jump").hidden = !mark;
    if (mark) requestAnimationFrame(() => revealMark(mark));
  }

  /** Scroll the panel so the quote is in view; leave the title and metadata visible if it already is. */
  function revealMark(mark) {
    const box = els.panelScroll.getBoundingClientRect();
    const r = mark.getBoundingClientRect();
    if (r.top >= box.top && r.bottom <= box.bottom - 24) return;
    const offset = r.top - box.top + els.panelScroll.scrollTop;
    const room = els.panelScroll.clientHeight;
    els.panelScroll.scrollTop = r.height < room * 0.7 ? offset - (room - r.height) / 3 : offset - 16;
  }

  function closePanel(restoreFocus = true) {
    if (els.panel.hidden) return;
    els.panel.classList.remove("open");
    els.panel.hidden = true;
    $("backdrop").hidden = true;
    document.body.classList.remove("panel-open");
    document.querySelectorAll(".cite.active, .source.active").forEach((b) => b.classList.remove("active"));
    state.panelCite = null;
    const back = state.panelReturn;
    state.panelReturn = null;
    if (restoreFocus && back && document.contains(back)) back.focus();
  }

  // ---------------------------------------------------------------- wiring
  els.form.addEventListener("submit", (e) => { e.preventDefault(); send(); });
  els.input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  els.input.addEventListener("input", autosize);

  // Citation markers and source rows, in any answer (event delegation).
  els.log.addEventListener("click", (e) => {
    const b = e.target.closest("[data-cite]");
    if (!b) return;
    const c = lookupCite(b.dataset.cite);
    if (c) openPanel(c, b);
  });

  $("panel-close").addEventListener("click", () => closePanel());
  $("backdrop").addEventListener("click", () => closePanel());
  $("panel-jump").addEventListener("click", () => {
    const m = $("panel-mark");
    if (m) { m.scrollIntoView({ block: "center", behavior: "smooth" }); m.focus({ preventScroll: true }); }
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    if (!els.panel.hidden) { e.preventDefault(); closePanel(); }
    else if (!$("filters").hidden) { e.preventDefault(); toggleFilters(false); $("filters-toggle").focus(); }
  });

  $("filters-toggle").addEventListener("click", () => toggleFilters());
  $("filters-done").addEventListener("click", () => { toggleFilters(false); els.input.focus(); });
  $("filters-reset").addEventListener("click", resetFilters);
  $("filters-form").addEventListener("change", updateFilterSummary);
  $("filters-form").addEventListener("input", updateFilterSummary);
  $("filters-form").addEventListener("submit", (e) => e.preventDefault());
  $("new-chat").addEventListener("click", newChat);
  $("theme-toggle").addEventListener("click", () => {
    const next = THEMES[(THEMES.indexOf(currentTheme()) + 1) % THEMES.length];
    applyTheme(next);
  });

  // Show the title in the panel's header once the big title has scrolled away.
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(([e]) => els.panel.classList.toggle("scrolled", !e.isIntersecting),
      { root: els.panelScroll, threshold: 0 }).observe(els.panelTitle);
  }

  applyTheme(currentTheme());
  updateFilterSummary();
  autosize();
  loadStats();
  els.input.focus({ preventScroll: true });
})();
