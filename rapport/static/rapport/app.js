// Rapport's small page behaviours. No inline scripts: the CSP allows only 'self'.
(function () {
  function currentTheme() {
    var explicit = document.documentElement.getAttribute("data-theme");
    if (explicit) return explicit;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-theme-toggle]");
    if (toggle) {
      var next = currentTheme() === "dark" ? "light" : "dark";
      document.documentElement.setAttribute("data-theme", next);
      try { localStorage.setItem("rapport-theme", next); } catch (e) { /* ignore */ }
    }
    var confirmButton = event.target.closest("[data-confirm]");
    if (confirmButton && !window.confirm(confirmButton.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // Copy-to-clipboard buttons (API token shown once).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (target && navigator.clipboard) {
      navigator.clipboard.writeText(target.textContent.trim());
      button.textContent = button.getAttribute("data-copied") || "✓";
    }
  });

  // The menu is a <details> so phones get a ☰ toggle without JS. On wide screens keep it
  // open, so browsers without ::details-content still show the links in the bar.
  var wide = window.matchMedia("(min-width: 769px)");
  function syncMenu() {
    document.querySelectorAll("details.menu-toggle").forEach(function (menu) {
      if (wide.matches) {
        menu.open = true;
      } else if (menu.dataset.autoOpened) {
        menu.open = false;
      }
      menu.dataset.autoOpened = wide.matches ? "1" : "";
    });
  }
  document.addEventListener("DOMContentLoaded", syncMenu);
  if (wide.addEventListener) wide.addEventListener("change", syncMenu);
})();
