/* The conversation: sending questions (with the filters and the history of earlier turns), asking
 * a generated answer again as quotes only, starting over, and the question box. */
import { postAsk } from "./api.js";
import { $, announce, nearBottom, scrollToBottom } from "./dom.js";
import { filterFields } from "./filters.js";
import { closePanel, panelHasFocus } from "./panel.js";
import { readSSE } from "./sse.js";
import { forgetTurns, getTurn, Turn } from "./turn.js";

const MAX_HISTORY = 20; // turns sent with a follow-up (user and assistant messages)
let history = [];       // [{role, content}] of completed turns; the server's Turn schema takes nothing else
let busy = false;

const input = () => $("question");

function setBusy(b) {
  busy = b;
  $("send").disabled = b;
  $("send").classList.toggle("busy", b);
  $("composer").setAttribute("aria-busy", String(b));
}

/** Ask `body` and show the answer as `turn`; on success the exchange joins the history. */
async function run(turn, body) {
  setBusy(true);
  $("welcome").hidden = true;
  $("log").append(turn.userEl, turn.el);
  scrollToBottom();
  try {
    const res = await postAsk(body);
    const type = res.headers.get("content-type") || "";
    if (type.includes("text/event-stream") && res.body) await readSSE(res, (ev) => turn.push(ev));
    else turn.fromJSON(await res.json());
    await turn.idle();
    if (turn.failed) throw new Error("failed");
    if (!turn.done) throw new Error("The answer was cut off before it finished. Please try again.");
    history.push({ role: "user", content: body.question }, { role: "assistant", content: turn.text.slice(0, 20000) });
    return true;
  } catch (e) {
    if (!turn.failed) turn.fail(e);
    return false;
  } finally {
    setBusy(false);
  }
}

/** Send what is in the question box. */
export async function send() {
  const question = input().value;
  if (!question.trim() || busy) return;
  const fields = filterFields();
  if (!fields) return;
  const body = { question, ...fields };
  if (history.length) body.history = history.slice(-MAX_HISTORY);
  input().value = "";
  autosize();
  const ok = await run(new Turn(question, { request: body }), body);
  if (!ok && !input().value.trim()) {
    input().value = question; // keep the question so it can be edited or sent again
    autosize();
  }
  if (!panelHasFocus()) input().focus({ preventScroll: true });
}

/** Ask a generated answer's question again for the extractive answer (same filters and history). */
export async function askExtractive(turnId) {
  const turn = getTurn(turnId);
  if (!turn || !turn.request || busy) return;
  const body = { ...turn.request, generate: false };
  await run(new Turn(turn.question, { request: body, tag: "quoted answer" }), body);
}

export function newChat() {
  if (busy) return;
  history = [];
  forgetTurns();
  $("log").replaceChildren();
  $("welcome").hidden = false;
  closePanel(false);
  input().focus();
  announce("Started a new conversation.");
}

/** Grow the question box with its text (up to a limit) and warn near the length limit. */
export function autosize() {
  const t = input();
  const stick = nearBottom();
  t.style.height = "auto";
  t.style.height = Math.min(t.scrollHeight, 220) + "px";
  if (stick) scrollToBottom(); // a taller composer shouldn't hide the end of the conversation
  const n = t.value.length;
  const count = $("char-count");
  count.textContent = n > 1800 ? ` · ${n} / 2000 characters` : "";
  count.classList.toggle("over", n > 2000);
}

export function initChat() {
  $("composer").addEventListener("submit", (e) => { e.preventDefault(); send(); });
  input().addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  input().addEventListener("input", autosize);
  $("new-chat").addEventListener("click", newChat);
  autosize();
}

