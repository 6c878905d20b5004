/* The day board refreshes itself (staff/templates/staff/board.html): every few seconds it
   asks for the grid again and redraws it only when its version changed, never while the
   person is using a control inside it, and not while the tab is hidden. */
(function () {
  "use strict";
  var board = document.querySelector("[data-board]");
  if (!board) { return; }
  var url = board.getAttribute("data-fragment-url");
  var every = (parseInt(board.getAttribute("data-refresh"), 10) || 15) * 1000;
  var note = document.getElementById("board-refreshed");

  function busy() {
    var active = document.activeElement;
    return active && board.contains(active) && active.matches("input, select, textarea, button");
  }

  function refresh() {
    if (document.visibilityState === "hidden" || busy()) { return; }
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        var version = response.headers.get("X-Board-Version");
        return response.text().then(function (html) { return { html: html, version: version }; });
      })
      .then(function (answer) {
        if (answer.version && answer.version === board.getAttribute("data-version")) { return; }
        var focused = document.activeElement && board.contains(document.activeElement)
          ? document.activeElement.getAttribute("href") : null;
        board.innerHTML = answer.html;
        board.setAttribute("data-version", answer.version || "");
        if (focused) {
          var again = board.querySelector("a[href='" + focused.replace(/'/g, "\\'") + "']");
          if (again) { again.focus(); }
        }
        if (note) { note.textContent = "Updated " + new Date().toLocaleTimeString(); }
      })
      .catch(function () { if (note) { note.textContent = "Could not refresh; trying again."; } });
  }

  setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refresh(); }
  });
})();
