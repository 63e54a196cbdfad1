/* Light / dark / match-system theme, remembered in localStorage (theme-init.js applies it before first paint). */
import { $, icon } from "./dom.js";

const THEMES = ["auto", "light", "dark"];
const LABELS = { auto: "Theme: match system", light: "Theme: light", dark: "Theme: dark" };
const ICONS = { auto: "auto", light: "sun", dark: "moon" };

const currentTheme = () => document.documentElement.dataset.theme || "auto";

function applyTheme(t) {
  const root = document.documentElement;
  if (t === "auto") delete root.dataset.theme;
  else root.dataset.theme = t;
  const btn = $("theme-toggle");
  btn.setAttribute("aria-label", LABELS[t] + " (click to change)");
  btn.title = LABELS[t];
  btn.replaceChildren(icon(ICONS[t]));
  try {
    if (t === "auto") localStorage.removeItem("newsdesk-theme");
    else localStorage.setItem("newsdesk-theme", t);
  } catch (e) { /* private mode */ }
}

export function initTheme() {
  $("theme-toggle").addEventListener("click", () => {
    applyTheme(THEMES[(THEMES.indexOf(currentTheme()) + 1) % THEMES.length]);
  });
  applyTheme(currentTheme());
}
