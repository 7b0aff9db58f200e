/* The account list: a header checkbox (data-check-all="ids") ticks every row checkbox of that
   name on the page. No inline script (CSP), so it lives here. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target instanceof Element ? event.target.closest("[data-check-all]") : null;
    if (!box) return;
    document.querySelectorAll('input[type="checkbox"][name="' + box.dataset.checkAll + '"]')
      .forEach(function (row) { row.checked = box.checked; });
  });
})();
