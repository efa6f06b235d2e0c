// Runs before first paint: apply the theme the user chose, else follow the OS.
(function () {
  try {
    var saved = localStorage.getItem("rapport-theme");
    if (saved === "light" || saved === "dark") {
      document.documentElement.setAttribute("data-theme", saved);
    }
  } catch (e) { /* storage may be disabled */ }
})();
