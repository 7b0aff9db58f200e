/* kam's page behaviour, in one static file because the Content-Security-Policy allows no inline
   script and no inline event handlers: templates only set data attributes.

   data-confirm="Question?"        on a form (asked on submit) or a button/link (asked on click)
   data-submit-on-change           on a select: submits its form when the choice changes
   data-select-on-click            on an input: selects its text when clicked (copy a link)
   data-print                      on a button: opens the print dialog
   data-autocomplete-for="id"      on a datalist with data-autocomplete-url: the input with that id
                                   asks the URL (htmx) while typing and fills the datalist

   .table-responsive               gets data-scrolls while its table is wider than it, and
                                   data-scrolled-end once scrolled to the right edge (kam.css
                                   fades the cut edge, so a table never looks complete when cut)

   kam.escapeHtml(text) is the one helper that makes a user-set text safe inside HTML that script
   builds (chart tooltips): every name goes through it. */
(function () {
  "use strict";
  var kam = (window.kam = window.kam || {});
  var ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;"};

  kam.escapeHtml = function (value) {
    return String(value == null ? "" : value).replace(/[&<>"'`]/g, function (c) { return ESCAPES[c]; });
  };

  document.addEventListener("submit", function (event) {
    var message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var asking = target.closest("[data-confirm]:not(form)");
    if (asking && !window.confirm(asking.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (target.closest("[data-print]")) window.print();
    var selecting = target.closest("[data-select-on-click]");
    if (selecting && selecting.select) selecting.select();
  });

  document.addEventListener("change", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-submit-on-change]") : null;
    if (target && target.form) target.form.submit();
  });

  function wireAutocomplete(root) {
    root.querySelectorAll("datalist[data-autocomplete-for]").forEach(function (list) {
      var input = document.getElementById(list.dataset.autocompleteFor);
      if (!input || input.hasAttribute("hx-get") || !window.htmx) return;
      input.setAttribute("list", list.id);
      input.setAttribute("hx-get", list.dataset.autocompleteUrl);
      input.setAttribute("hx-trigger", "input changed delay:250ms");
      input.setAttribute("hx-target", "#" + list.id);
      window.htmx.process(input);
    });
  }

  function markScrolling() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      box.toggleAttribute("data-scrolls", box.scrollWidth > box.clientWidth + 1);
      box.toggleAttribute("data-scrolled-end", box.scrollLeft + box.clientWidth >= box.scrollWidth - 1);
    });
  }
  kam.markScrolling = markScrolling;

  document.addEventListener("scroll", function (event) {
    var box = event.target instanceof Element ? event.target : null;
    if (box && box.classList.contains("table-responsive")) markScrolling();
  }, true);
  window.addEventListener("resize", markScrolling);
  document.addEventListener("htmx:afterSettle", markScrolling);
  document.addEventListener("shown.bs.tab", markScrolling);

  document.addEventListener("DOMContentLoaded", function () { wireAutocomplete(document); markScrolling(); });
})();
