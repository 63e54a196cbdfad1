/* Newsdesk: the chat page's entry point. Plain ES modules, no framework, no build step, no network
 * beyond this server's JSON API. Each module has one job:
 *   dom.js, format.js   helpers (elements, icons, dates, outlets)
 *   api.js, sse.js      the /ask, /stats, /articles client and the event-stream reader
 *   filters.js          archive summary and search filters        theme.js   light / dark
 *   turn.js             a question and its streaming answer       chat.js    the conversation
 *   statements.js, answer-meta.js, views.js, cites.js             rendering an answer
 *   panel.js            the source panel (the cited report with its quote highlighted)
 */
import { askExtractive, initChat } from "./chat.js";
import { $ } from "./dom.js";
import { filtersOpen, initFilters, loadStats, toggleFilters } from "./filters.js";
import { closePanel, initPanel, openPanel, panelOpen } from "./panel.js";
import { initTheme } from "./theme.js";
import { lookupCite } from "./turn.js";

const focusQuestion = () => $("question").focus();

// Citation markers, source rows and answer actions, in any answer (event delegation).
$("log").addEventListener("click", (e) => {
  const action = e.target.closest("[data-action]");
  if (action && action.dataset.action === "extractive") {
    askExtractive(action.dataset.turn);
    return;
  }
  const b = e.target.closest("[data-cite]");
  const c = b && lookupCite(b.dataset.cite);
  if (c) openPanel(c, b);
});

document.addEventListener("keydown", (e) => {
  if (e.key !== "Escape") return;
  if (panelOpen()) {
    e.preventDefault();
    closePanel();
  } else if (filtersOpen()) {
    e.preventDefault();
    toggleFilters(false);
    $("filters-toggle").focus();
  }
});

initTheme();
initPanel();
initFilters(focusQuestion);
initChat();
loadStats();
$("question").focus({ preventScroll: true });
