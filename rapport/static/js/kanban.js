// The opportunity board: drag a card to another column (HTML5 drag and drop) or pick a stage
// in the card's "Move" menu. Both post the card's version to the move endpoint; a stale
// version (409) or a refused move puts the card back where it was and says why. A drop on
// a "lost" column asks for the reason first. No inline scripts: the CSP allows only 'self'.
(function () {
  "use strict";

  var board, statusBox, dialog;

  function csrfToken(form) {
    var input = (form || document).querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function say(text, kind) {
    if (!statusBox) return;
    statusBox.hidden = false;
    statusBox.textContent = text;
    statusBox.className = "board-status message " + (kind || "");
  }

  function columnOf(stageId) {
    return board.querySelector('.board-column[data-stage="' + stageId + '"]');
  }

  function syncEmpty(column) {
    var list = column.querySelector(".cards");
    var empty = list.querySelector(".empty-col");
    if (empty) empty.hidden = list.querySelector(".card") !== null;
  }

  function place(card, column) {
    var list = column.querySelector(".cards");
    list.insertBefore(card, list.firstChild);
    var select = card.querySelector("select[name=stage]");
    if (!select) return;
    // `selected` marks the card's current stage (the CSS shows the reason box only when
    // another, lost, stage is picked).
    Array.prototype.forEach.call(select.options, function (option) {
      option.defaultSelected = option.value === column.dataset.stage;
    });
    select.value = column.dataset.stage;
  }

  function updateTotals(columns) {
    Object.keys(columns || {}).forEach(function (stageId) {
      var column = columnOf(stageId);
      if (!column) return;
      column.querySelector("[data-count]").textContent = columns[stageId].count;
      column.querySelector("[data-total]").textContent = columns[stageId].total;
    });
  }

  // Ask for the reason a deal was lost, in the page's <dialog>; resolves to null on cancel.
  function askReason(prefill) {
    return new Promise(function (resolve) {
      if (!dialog || typeof dialog.showModal !== "function") {
        var answer = window.prompt(board.dataset.msgReason, prefill || "");
        resolve(answer && answer.trim() ? answer.trim() : null);
        return;
      }
      var field = dialog.querySelector("textarea");
      field.value = prefill || "";
      dialog.returnValue = "";
      dialog.addEventListener(
        "close",
        function () {
          var text = field.value.trim();
          resolve(dialog.returnValue === "ok" && text ? text : null);
        },
        { once: true }
      );
      dialog.showModal();
      field.focus();
    });
  }

  // Post the move; on anything but success, put the card back in `fromColumn`.
  function move(card, toColumn, reason) {
    var fromColumn = card.closest(".board-column");
    if (!toColumn || toColumn === fromColumn) return Promise.resolve();
    var form = card.querySelector("form.card-move");
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrfToken(form));
    body.append("stage", toColumn.dataset.stage);
    body.append("version", card.dataset.version);
    body.append("reason", reason || "");
    var url = card.dataset.moveUrl + (board.dataset.query ? "?" + board.dataset.query : "");
    // Optimistic: the card moves now and snaps back if the server says no.
    place(card, toColumn);
    syncEmpty(fromColumn);
    syncEmpty(toColumn);
    card.classList.add("saving");
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return { message: board.dataset.msgFailed };
          })
          .then(function (data) {
            return { ok: response.ok, status: response.status, data: data };
          });
      })
      .then(function (result) {
        card.classList.remove("saving");
        if (result.data.version) {
          card.dataset.version = result.data.version;
          var versionInput = form && form.querySelector("input[name=version]");
          if (versionInput) versionInput.value = result.data.version;
        }
        if (result.ok) {
          updateTotals(result.data.columns);
          say(result.data.message, "success");
          return;
        }
        place(card, fromColumn);
        syncEmpty(fromColumn);
        syncEmpty(toColumn);
        card.classList.add("refused");
        window.setTimeout(function () { card.classList.remove("refused"); }, 1500);
        say(result.data.message || board.dataset.msgFailed, "error");
      })
      .catch(function () {
        card.classList.remove("saving");
        place(card, fromColumn);
        syncEmpty(fromColumn);
        syncEmpty(toColumn);
        say(board.dataset.msgNetwork, "error");
      });
  }

  function moveWithReason(card, toColumn, reason) {
    if (toColumn.dataset.outcome !== "lost" || reason) return move(card, toColumn, reason);
    return askReason("").then(function (text) {
      if (text === null) {
        var select = card.querySelector("select[name=stage]");
        var home = card.closest(".board-column");
        if (select && home) select.value = home.dataset.stage;
        return;
      }
      return move(card, toColumn, text);
    });
  }

  function setUpDragging() {
    var dragged = null;
    board.addEventListener("dragstart", function (event) {
      var card = event.target.closest && event.target.closest(".card.movable");
      if (!card) return;
      dragged = card;
      card.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.id);
    });
    board.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      dragged = null;
      board.querySelectorAll(".drop-target").forEach(function (el) {
        el.classList.remove("drop-target");
      });
    });
    board.addEventListener("dragover", function (event) {
      var column = event.target.closest && event.target.closest(".board-column");
      if (!column || !dragged) return;
      event.preventDefault(); // allow the drop
      event.dataTransfer.dropEffect = "move";
      board.querySelectorAll(".drop-target").forEach(function (el) {
        if (el !== column) el.classList.remove("drop-target");
      });
      column.classList.add("drop-target");
    });
    board.addEventListener("drop", function (event) {
      var column = event.target.closest && event.target.closest(".board-column");
      if (!column) return;
      event.preventDefault();
      column.classList.remove("drop-target");
      var card = dragged || document.getElementById(event.dataTransfer.getData("text/plain"));
      if (card) moveWithReason(card, column, "");
    });
  }

  // The card's own form: a phone or keyboard user picks a stage and presses "Move".
  function setUpMenus() {
    board.addEventListener("submit", function (event) {
      var form = event.target.closest("form.card-move");
      if (!form) return;
      event.preventDefault();
      var card = form.closest(".card");
      var column = columnOf(form.querySelector("select[name=stage]").value);
      var reason = form.querySelector("input[name=reason]");
      var text = reason ? reason.value.trim() : "";
      moveWithReason(card, column, text).then(function () {
        if (reason) reason.value = "";
        // On a phone the new column is off to the side: bring the card (wherever it ended
        // up, moved or put back) into view. On a wide screen it is already in view.
        card.scrollIntoView({ block: "nearest", inline: "center" });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    board = document.querySelector(".board[data-query]");
    if (!board) return;
    statusBox = document.querySelector(".board-status");
    dialog = document.getElementById("lost-dialog");
    board.classList.add("js");
    setUpDragging();
    setUpMenus();
  });
})();
