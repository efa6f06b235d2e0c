// The header search box: Ctrl/⌘K opens it, arrows move through the results htmx drops
// under it, Enter opens the chosen one, Escape closes. No inline script (CSP 'self').
(function () {
  var ACTIVE = "search-active";

  function box() { return document.querySelector("[data-site-search]"); }
  function input() { var form = box(); return form && form.querySelector("input[name=q]"); }
  function panel() { var form = box(); return form && form.querySelector("[data-search-results]"); }
  function hits() { var p = panel(); return p ? Array.prototype.slice.call(p.querySelectorAll("[data-search-hit]")) : []; }

  function setOpen(open) {
    var field = input();
    var p = panel();
    if (!field || !p) return;
    if (!open) p.innerHTML = "";
    field.setAttribute("aria-expanded", open && p.children.length ? "true" : "false");
  }

  function activate(index) {
    var items = hits();
    var field = input();
    items.forEach(function (item, i) {
      var on = i === index;
      item.classList.toggle(ACTIVE, on);
      item.setAttribute("aria-selected", on ? "true" : "false");
      if (!item.id) item.id = "search-hit-" + i;
      if (on) {
        field.setAttribute("aria-activedescendant", item.id);
        item.scrollIntoView({ block: "nearest" });
      }
    });
    if (index < 0 && field) field.removeAttribute("aria-activedescendant");
  }

  function activeIndex() {
    return hits().findIndex(function (item) { return item.classList.contains(ACTIVE); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var key = document.querySelector("[data-search-key]");
    if (key && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent)) key.textContent = "⌘K";
  });

  document.addEventListener("keydown", function (event) {
    var field = input();
    if (!field) return;
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "k" || event.key === "K")) {
      event.preventDefault();
      field.focus();
      field.select();
      return;
    }
    if (event.target !== field) return;
    var items = hits();
    var index = activeIndex();
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      activate(index + 1 >= items.length ? 0 : index + 1);
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      activate(index <= 0 ? items.length - 1 : index - 1);
    } else if (event.key === "Enter" && index >= 0) {
      event.preventDefault();
      window.location.href = items[index].href;
    } else if (event.key === "Escape") {
      if (panel() && panel().children.length) {
        event.preventDefault();
        setOpen(false);
      } else {
        field.blur();
      }
    }
  });

  // New results: nothing chosen yet; the combobox says whether a list is showing.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target === panel()) {
      activate(-1);
      setOpen(true);
    }
  });

  // A click elsewhere closes the list; focusing the box again reopens it by searching.
  document.addEventListener("click", function (event) {
    var form = box();
    if (form && !form.contains(event.target)) setOpen(false);
  });
  document.addEventListener("focusin", function (event) {
    var field = input();
    if (event.target === field && field.value.trim() && panel() && !panel().children.length && window.htmx) {
      window.htmx.trigger(field, "search");
    }
  });
})();
