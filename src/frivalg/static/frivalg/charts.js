/* frivalg: draw the charts of a page with vega-embed. A chart is an element with
   data-vega-spec="<id of a json_script holding a Vega-Lite spec>" inside a <figure hidden>; the
   figure is shown only once the chart is drawn, so without JavaScript (or if drawing fails) the
   page shows its tables alone, which hold the same figures. */
(function () {
  "use strict";
  function draw(container) {
    var source = document.getElementById(container.getAttribute("data-vega-spec"));
    var figure = container.closest("figure");
    if (!source || !figure || typeof window.vegaEmbed !== "function") { return; }
    figure.hidden = false;
    window.vegaEmbed(container, JSON.parse(source.textContent), { actions: false, renderer: "svg" })
      .catch(function () { figure.hidden = true; });
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-vega-spec]"), draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
