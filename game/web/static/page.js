// The student's page (templates/app_index.html), after textual-serve's textual.js.
//
// textual.js opens the terminal on window.onload. Here it waits, a moment at most, for the
// terminal's font (served by this server), so the terminal measures the right one; then
// the terminal takes the focus, so keys reach the game without a first click. The page's
// buttons are bound here: the page allows no inline script.
"use strict";

(function () {
  const openTerminal = window.onload;
  window.onload = null;

  function startUrl() {
    const url = new URL(window.location.href);
    url.searchParams.delete("delay");
    return url.pathname + url.search;
  }

  function focusTerminal() {
    const keys = document.querySelector(".xterm-helper-textarea");
    if (keys) {
      keys.focus({ preventScroll: true });
    }
  }

  async function fontLoaded() {
    if (!document.fonts) {
      return;
    }
    const waited = new Promise((resolve) => setTimeout(resolve, 3000));
    try {
      await Promise.race([document.fonts.load('16px "Roboto Mono"'), waited]);
    } catch (error) {
      // The terminal opens with a fallback font.
    }
  }

  window.addEventListener("load", async (event) => {
    for (const id of ["start", "restart"]) {
      const button = document.getElementById(id);
      if (button) {
        button.addEventListener("click", () => {
          window.location.href = startUrl();
        });
      }
    }
    await fontLoaded();
    if (typeof openTerminal === "function") {
      openTerminal.call(window, event);
    }
    focusTerminal();
  });
})();
