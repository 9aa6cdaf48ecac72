/* Static explorers of the stepcourse book: precomputed frames behind plain HTML controls.
 *
 * Every <div class="sc-explorer"> holds its frames in <script type="application/json" class="sc-frames">:
 *   sizes  - number of static values of each control, in order
 *   labels - the text of each static value, per control (what a slider announces: aria-valuetext)
 *   index  - frame number of each combination of control positions (row-major; equal frames stored once)
 *   frames - base64 PNGs
 *   texts  - the explorer's result for each combination (shown in the aria-live result line)
 *   alt    - what the picture shows in general; each frame's alt text adds its result
 * The script wires every explorer on the page once; it needs no network and no library.
 */
(function () {
  "use strict";

  function position(el) {
    if (el.type === "checkbox") return el.checked ? 1 : 0;
    return parseInt(el.value, 10);
  }

  function setup(root) {
    if (root.getAttribute("data-sc-ready") === "1") return;
    var holder = root.querySelector("script.sc-frames");
    if (!holder) return;
    root.setAttribute("data-sc-ready", "1");
    var data = JSON.parse(holder.textContent);
    var img = root.querySelector("img.sc-frame");
    var result = root.querySelector(".sc-explorer-result");
    var inputs = root.querySelectorAll("[data-pos]");

    function show() {
      var k = 0;
      for (var i = 0; i < inputs.length; i++) {
        var el = inputs[i];
        var p = parseInt(el.getAttribute("data-pos"), 10);
        var at = position(el);
        k = k * data.sizes[p] + at;
        if (el.type === "range") {
          var text = data.labels[p][at];
          el.setAttribute("aria-valuetext", text);
          var out = root.querySelector('output[for="' + el.id + '"]');
          if (out) out.textContent = text;
        }
      }
      var said = data.texts[k] || "";
      img.src = "data:image/png;base64," + data.frames[data.index[k]];
      img.alt = said ? data.alt + " Shown now: " + said : data.alt;
      if (result && result.textContent !== said) result.textContent = said;
      root.setAttribute("data-frame", String(k));
    }

    for (var i = 0; i < inputs.length; i++) {
      inputs[i].addEventListener("input", show);
      inputs[i].addEventListener("change", show);
    }
    show();
  }

  var roots = document.querySelectorAll(".sc-explorer");
  for (var i = 0; i < roots.length; i++) setup(roots[i]);
})();
