/* The course pages' own behaviour: no network, no dependencies.
 *
 * 1. Solution and dropdown title bars: a click anywhere on the bar (its text, a formula in it, the
 *    chevron) toggles that bar's own box. sphinx-togglebutton's handler only knows clicks on the bar
 *    itself or on its button; a click on anything inside the title reached it with no button found and
 *    threw, or toggled whichever box was toggled last.
 * 2. Formulas fit their column: a display formula wider than its box is typeset smaller (down to
 *    MIN_SCALE) until it fits, and its box still scrolls if it cannot; an inline formula wider than its
 *    line likewise (down to MIN_INLINE_SCALE), then scrolls in a box of its own.
 * 3. Tables wider than the column say so (a line above them) and keep their first column in view.
 * 4. Search result snippets come from the page text shipped with the search page
 *    (_static/sc-search-text.js), so they show the section's prose, and work from file:// too.
 *
 * When all of this has run once, <html> carries data-sc-layout="done" (the browser test waits for it).
 */
(function () {
  "use strict";

  var MIN_SCALE = 0.6;
  var MIN_INLINE_SCALE = 0.75;

  /* 1. Toggle title bars */
  function toggleBox(box, button) {
    if (typeof window.toggleHidden === "function") {
      window.toggleHidden(button);
      return;
    }
    var hidden = box.classList.toggle("toggle-hidden");
    button.classList.toggle("toggle-button-hidden", hidden);
    button.setAttribute("aria-expanded", String(!hidden));
  }

  document.addEventListener(
    "click",
    function (event) {
      var target = event.target;
      if (!(target instanceof Element)) return;
      var title = target.closest(".admonition.toggle > .admonition-title");
      if (!title) return;
      var button = title.querySelector(".toggle-button");
      if (!button) return;
      // ours alone: the bar's own listener would look for the button from the clicked element
      event.preventDefault();
      event.stopPropagation();
      toggleBox(title.parentElement, button);
    },
    true
  );

  /* 2. Display formulas */
  function fitFormula(container) {
    if (!container.dataset.scFont) container.dataset.scFont = container.style.fontSize || "100%";
    var base = parseFloat(container.dataset.scFont) || 100;
    container.style.fontSize = base + "%";
    var box = container.clientWidth;
    var need = container.scrollWidth;
    if (box > 0 && need > box + 1) {
      var scale = Math.max(MIN_SCALE, (box - 2) / need);
      container.style.fontSize = (base * scale).toFixed(2) + "%";
    }
  }

  // An inline formula wider than its line (a phone) is set smaller, down to MIN_INLINE_SCALE; if that is
  // not enough, it gets a sideways scroll box of its own (.sc-scrolls) rather than widen the page.
  function fitInline(container) {
    var span = container.parentElement;
    var block = span.closest("p, li, td, th, dd, dt, div") || span.parentElement;
    if (!container.dataset.scFont) container.dataset.scFont = container.style.fontSize || "100%";
    var base = parseFloat(container.dataset.scFont) || 100;
    container.style.fontSize = base + "%";
    span.classList.remove("sc-scrolls");
    var room = block.clientWidth - 4;
    var need = container.getBoundingClientRect().width;
    if (room > 0 && need > room) {
      var scale = Math.max(MIN_INLINE_SCALE, room / need);
      container.style.fontSize = (base * scale).toFixed(2) + "%";
      if (container.getBoundingClientRect().width > room) span.classList.add("sc-scrolls");
    }
  }

  function fitAllFormulas() {
    document.querySelectorAll('mjx-container[display="true"]').forEach(fitFormula);
    document.querySelectorAll("span.math > mjx-container").forEach(fitInline);
  }

  /* 3. Wide tables */
  function markWideTables() {
    document.querySelectorAll(".pst-scrollable-table-container").forEach(function (wrap) {
      var wide = wrap.scrollWidth > wrap.clientWidth + 1;
      wrap.classList.toggle("sc-wide", wide);
      var hint = wrap.previousElementSibling;
      var hasHint = hint && hint.classList.contains("sc-scroll-hint");
      if (wide && !hasHint) {
        hint = document.createElement("p");
        hint.className = "sc-scroll-hint";
        hint.textContent = "This table is wider than the page: scroll it sideways for more columns.";
        wrap.parentNode.insertBefore(hint, wrap);
        if (!wrap.hasAttribute("tabindex")) wrap.setAttribute("tabindex", "0");
      } else if (!wide && hasHint) {
        hint.remove();
      }
    });
  }

  /* 4. Search snippets */
  var realFetch = window.fetch ? window.fetch.bind(window) : null;
  if (realFetch) {
    window.fetch = function (input, init) {
      var pages = window.SC_SEARCH_TEXT;
      if (pages) {
        try {
          var url = new URL(typeof input === "string" ? input : input.url, document.baseURI);
          var root = new URL(document.documentElement.dataset.content_root || "./", document.baseURI);
          if (url.href.indexOf(root.href) === 0) {
            var doc = url.href.slice(root.href.length).replace(/[?#].*$/, "").replace(/\.html$/, "");
            if (Object.prototype.hasOwnProperty.call(pages, doc)) {
              return Promise.resolve(
                new Response(pages[doc], { headers: { "Content-Type": "text/html" } })
              );
            }
          }
        } catch (e) {
          /* not a page of this site: the network as usual */
        }
      }
      return realFetch(input, init);
    };
  }

  /* Run once everything is typeset, and again when the window changes size */
  function layout() {
    fitAllFormulas();
    markWideTables();
  }

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) window.clearTimeout(pending);
    pending = window.setTimeout(layout, 150);
  });

  function whenTypeset() {
    // MathJax may still be loading: wait for it (a page without formulas need not)
    var hasMath = document.querySelector(".math") !== null;
    return new Promise(function (resolve) {
      var tries = 0;
      (function poll() {
        var mj = window.MathJax;
        if (mj && mj.startup && mj.startup.promise) {
          mj.startup.promise.then(resolve, resolve);
        } else if (!hasMath || ++tries > 200) {
          resolve();
        } else {
          window.setTimeout(poll, 50);
        }
      })();
    });
  }

  window.addEventListener("load", function () {
    whenTypeset().then(function () {
      layout();
      document.documentElement.dataset.scLayout = "done";
    });
  });
})();
