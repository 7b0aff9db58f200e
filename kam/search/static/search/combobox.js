/* The combobox of kam's type-ahead pickers and of the global search in the top bar (the ARIA
   combobox pattern; no inline script, the CSP forbids it).

   <div data-combobox="pick|multi|navigate">  around
     <input data-combobox-input role="combobox" aria-controls="LIST" hx-get=... hx-target="#LIST">
     <div id="LIST" role="listbox"> options from the server: [role=option] with data-value and
       data-label (pick, multi) or data-url (navigate) </div>
   pick: a hidden [data-combobox-value] input gets the chosen value; multi: a chip with a hidden
   input per chosen value in [data-combobox-chips]; navigate: the browser opens data-url.
   Keys: ArrowDown/ArrowUp move through the options, Enter chooses, Escape closes.
   "/" anywhere outside a text field focuses the global search (#kam-global-search). */
(function () {
  "use strict";

  function parts(element) {
    var box = element.closest("[data-combobox]");
    if (!box) return null;
    var input = box.querySelector("[data-combobox-input]");
    var list = input && document.getElementById(input.getAttribute("aria-controls"));
    return input && list ? {box: box, input: input, list: list, mode: box.dataset.combobox} : null;
  }

  function options(p) { return Array.prototype.slice.call(p.list.querySelectorAll("[role=option]")); }

  function open(p) {
    p.list.classList.add("show");
    p.input.setAttribute("aria-expanded", "true");
  }

  function close(p) {
    p.list.classList.remove("show");
    p.input.setAttribute("aria-expanded", "false");
    p.input.removeAttribute("aria-activedescendant");
  }

  function activate(p, index) {
    var all = options(p);
    if (!all.length) return;
    index = (index + all.length) % all.length;
    all.forEach(function (option, i) {
      option.classList.toggle("active", i === index);
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    p.input.setAttribute("aria-activedescendant", all[index].id);
    all[index].scrollIntoView({block: "nearest"});
  }

  function activeIndex(p) {
    return options(p).findIndex(function (option) { return option.classList.contains("active"); });
  }

  function chip(p, value, label) {
    var chips = p.box.querySelector("[data-combobox-chips]");
    var name = p.box.dataset.comboboxName;
    var taken = Array.prototype.some.call(chips.querySelectorAll("input"), function (i) { return i.value === value; });
    if (taken) return;
    var item = document.createElement("li");
    item.className = "list-inline-item badge text-bg-light border";
    item.setAttribute("data-combobox-chip", "");
    var hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = name;
    hidden.value = value;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn-close btn-close-sm ms-1";
    remove.setAttribute("data-combobox-remove", "");
    remove.setAttribute("aria-label", (chips.dataset.removeLabel || "×") + " " + label);
    item.appendChild(hidden);
    item.appendChild(document.createTextNode(label));
    item.appendChild(remove);
    chips.appendChild(item);
  }

  function choose(p, option) {
    if (p.mode === "navigate") {
      window.location.assign(option.dataset.url);
      return;
    }
    if (p.mode === "multi") {
      chip(p, option.dataset.value, option.dataset.label);
      p.input.value = "";
    } else {
      var hidden = p.box.querySelector("[data-combobox-value]");
      hidden.value = option.dataset.value;
      hidden.dispatchEvent(new Event("change", {bubbles: true}));
      p.input.value = option.dataset.label;
    }
    close(p);
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var p = parts(event.target);
    if (!p || event.target !== p.list) return;
    options(p).forEach(function (option, i) { option.id = p.list.id + "-option-" + i; });
    if (document.activeElement === p.input) open(p);
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey &&
        !(target && target.closest("input, textarea, select, [contenteditable]"))) {
      var search = document.getElementById("kam-global-search");
      if (search) {
        event.preventDefault();
        search.focus();
        search.select();
      }
      return;
    }
    if (!target || !target.matches("[data-combobox-input]")) return;
    var p = parts(target);
    if (!p) return;
    var index = activeIndex(p);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      open(p);
      activate(p, event.key === "ArrowDown" ? index + 1 : (index < 0 ? -1 : index - 1));
    } else if (event.key === "Enter") {
      var chosen = options(p)[index];
      if (chosen && p.list.classList.contains("show")) {
        event.preventDefault();
        choose(p, chosen);
      } else if (p.mode !== "navigate") {
        event.preventDefault();  // Enter in a picker never submits half a form
      }
    } else if (event.key === "Escape") {
      if (p.list.classList.contains("show")) event.preventDefault();
      close(p);
    }
  });

  document.addEventListener("input", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target || !target.matches("[data-combobox-input]")) return;
    var p = parts(target);
    if (p && p.mode === "pick" && !target.value.trim()) {
      p.box.querySelector("[data-combobox-value]").value = "";
    }
  });

  document.addEventListener("mousedown", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var option = target && target.closest("[data-combobox] [role=option]");
    if (option) {
      event.preventDefault();  // keeps the focus in the input until the choice is made
      choose(parts(option), option);
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var remove = target && target.closest("[data-combobox-remove]");
    if (remove) remove.closest("[data-combobox-chip]").remove();
  });

  document.addEventListener("focusout", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target || !target.matches("[data-combobox-input]")) return;
    var p = parts(target);
    if (p) window.setTimeout(function () { if (document.activeElement !== p.input) close(p); }, 150);
  });

  /* A link to "#stakeholder-12" on the account page: show the tab that holds the row, mark it. */
  function revealHash() {
    var id = window.location.hash.slice(1);
    var row = id && /^[\w-]+$/.test(id) ? document.getElementById(id) : null;
    if (!row) return;
    var pane = row.closest(".tab-pane");
    var tab = pane && document.querySelector('[data-bs-target="#' + pane.id + '"]');
    if (tab && window.bootstrap) window.bootstrap.Tab.getOrCreateInstance(tab).show();
    row.classList.add("table-warning");
    row.scrollIntoView({block: "center"});
  }
  window.addEventListener("load", revealHash);
  window.addEventListener("hashchange", revealHash);
})();
