/* The JSON API client: /ask, /stats, /articles/{id}, and errors in words a reader understands. */

/** Throw an Error carrying the server's own message (its JSON `error`) and the HTTP status. */
export async function errorMessage(res) {
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

/** A failure as one sentence for the reader. */
export function friendly(e) {
  if (e && e.name === "AbortError") return "The request was stopped.";
  if (e && e.status === 422 && /^question: .*at most (\d+) characters/.test(e.message || "")) {
    const max = /at most (\d+)/.exec(e.message)[1];
    return `That question is too long: please keep it under ${Number(max).toLocaleString("en")} characters.`;
  }
  if (e instanceof TypeError) return "Couldn't reach the server. Check your connection and try again.";
  return (e && e.message) || "Something went wrong.";
}

/** POST /ask asking for a stream; resolves to the ok Response (SSE or JSON), throws on an error status. */
export async function postAsk(body) {
  const res = await fetch("/ask", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(body),
  });
  if (!res.ok) await errorMessage(res);
  return res;
}

export async function getStats() {
  const res = await fetch("/stats", { headers: { Accept: "application/json" } });
  if (!res.ok) await errorMessage(res);
  return res.json();
}

const articles = new Map(); // id → Promise<article>; a failed fetch is forgotten so it can be retried

export function getArticle(id) {
  if (!articles.has(id)) {
    const p = fetch(`/articles/${encodeURIComponent(id)}`, { headers: { Accept: "application/json" } })
      .then(async (res) => (res.ok ? res.json() : errorMessage(res)));
    p.catch(() => articles.delete(id));
    articles.set(id, p);
  }
  return articles.get(id);
}
