/* Apply a saved theme choice before first paint (kept out of the HTML so a strict CSP can forbid inline scripts). */
try {
  var t = localStorage.getItem("newsdesk-theme");
  if (t === "light" || t === "dark") document.documentElement.dataset.theme = t;
} catch (e) { /* storage unavailable: follow the system */ }
