/* Original pages: after the browser has jumped to #page-N, scroll on to the marked clause on that page.
 *
 * The page's list item carries data-clause-top, the clause's top as a share of the page height.
 * Without this script the page's top is shown, and the clause may sit further down.
 */
(function () {
  "use strict";

  var MARGIN_PIXELS = 80;

  function scrollToClause() {
    var page = document.querySelector("li[data-clause-top]");
    if (!page || location.hash !== "#" + page.id) {
      return;
    }
    var image = page.querySelector("img");
    var share = Number(page.getAttribute("data-clause-top"));
    if (!image || !(share >= 0 && share <= 1)) {
      return;
    }
    var box = image.getBoundingClientRect();
    var target = window.scrollY + box.top + share * box.height - MARGIN_PIXELS;
    window.scrollTo(0, Math.max(0, target));
  }

  // After load, so the browser's own jump to the fragment has happened first.
  if (document.readyState === "complete") {
    scrollToClause();
  } else {
    window.addEventListener("load", scrollToClause);
  }
})();
