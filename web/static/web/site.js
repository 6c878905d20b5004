// Small enhancements shared by every page; each page works without them.
(function () {
  "use strict";
  // Move focus to an error summary so screen reader and keyboard users land on it.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }

  // <button data-confirm="Question?">: ask before a destructive step. Without JavaScript
  // the server's own confirmation page asks instead.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
