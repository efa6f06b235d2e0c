// Customer book pages: bulk selection, the quick-log dialog, visit check-in.
// No inline scripts anywhere: the CSP allows only 'self'.
(function () {
  "use strict";

  function bulkForm() { return document.querySelector("[data-bulk]"); }

  function syncBulk() {
    var form = bulkForm();
    if (!form) return;
    var ticked = document.querySelectorAll('input[name="ids"][form="bulk"]:checked').length;
    var counter = form.querySelector("[data-bulk-count]");
    if (counter) {
      if (!counter.dataset.idle) counter.dataset.idle = counter.textContent;
      // data-selected is the page's translated "__N__ selected" (已选 __N__ 个).
      var selected = (counter.dataset.selected || "__N__").replace("__N__", ticked);
      counter.textContent = ticked ? selected : counter.dataset.idle;
    }
    var verb = form.querySelector("[data-bulk-verb]");
    form.querySelectorAll("[data-bulk-for]").forEach(function (field) {
      var wanted = field.getAttribute("data-bulk-for").split(" ");
      field.hidden = verb ? wanted.indexOf(verb.value) === -1 : false;
    });
  }

  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-check-all]");
    if (all) {
      document.querySelectorAll('input[name="ids"][form="bulk"]').forEach(function (box) {
        box.checked = all.checked;
      });
    }
    if (all || event.target.matches('input[name="ids"], [data-bulk-verb]')) syncBulk();
  });

  document.addEventListener("DOMContentLoaded", syncBulk);

  // Quick log: htmx loads the form into the dialog; the dialog opens at once.
  document.addEventListener("click", function (event) {
    var quick = event.target.closest("[data-quick-log]");
    var dialog = document.getElementById("quick-log");
    if (quick && dialog && window.htmx && typeof dialog.showModal === "function") {
      dialog.showModal();
    }
    var close = event.target.closest("[data-close-dialog]");
    if (close) {
      var box = close.closest("dialog");
      if (box) box.close();
    }
    var opener = event.target.closest("[data-open-details]");
    if (opener) {
      var details = document.getElementById(opener.getAttribute("data-open-details"));
      if (details) {
        details.open = true;
        var first = details.querySelector("textarea, select, input:not([type=hidden])");
        if (first) first.focus();
      }
    }
    var checkin = event.target.closest("[data-checkin-button]");
    if (checkin) checkIn(checkin);
  });

  function checkIn(button) {
    var box = button.closest("[data-checkin-box]");
    var form = button.closest("form");
    var status = box && box.querySelector("[data-checkin-status]");
    function say(text) { if (status) status.textContent = text; }
    if (!navigator.geolocation) { say(button.dataset.failed); return; }
    say(button.dataset.locating);
    navigator.geolocation.getCurrentPosition(function (position) {
      // The model keeps six decimals (about 10 cm): more would fail validation.
      form.querySelector('[data-checkin="lat"]').value = position.coords.latitude.toFixed(6);
      form.querySelector('[data-checkin="lng"]').value = position.coords.longitude.toFixed(6);
      var kind = form.querySelector('select[name="kind"]');
      if (kind) kind.value = "visit";
      say(button.dataset.done);
    }, function () { say(button.dataset.failed); }, { enableHighAccuracy: true, timeout: 15000 });
  }
})();
