/* frivalg: start DKFDS components (menu, error summary, accordions) after page load and after
   htmx swaps. Everything works without JavaScript; this only adds the DKFDS behaviour. */
(function () {
  "use strict";
  function start() {
    if (window.DKFDS && typeof window.DKFDS.init === "function") {
      window.DKFDS.init();
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    var status = event.detail.target.querySelector("[data-focus-after-swap]");
    if (status) { status.focus(); }
  });
})();
