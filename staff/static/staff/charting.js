/* Charting at the table (staff/templates/staff/chart.html).
   - The body map's regions become buttons: tap (or Enter/Space) adds a treated point there.
   - "Add a point" does the same from two lists, for the keyboard.
   - Every change is kept on this tablet (localStorage) and sent as a draft a moment later;
     a draft that could not be sent is sent again, and restored if the page is reloaded.
     The server saves a draft idempotently, so sending one twice is harmless. */
(function () {
  "use strict";
  var form = document.getElementById("chart-form");
  if (!form) { return; }
  var booking = form.getAttribute("data-booking");
  var draftUrl = form.getAttribute("data-draft-url");
  var storeKey = "kneadly-chart-" + booking;
  var base = form.getAttribute("data-updated-at") || "";
  var status = document.getElementById("save-status");
  var points = form.querySelector("[data-points]");
  var total = form.querySelector("#id_points-TOTAL_FORMS");
  var template = document.getElementById("point-template");
  var panel = document.getElementById("referral-panel");
  var edits = 0, sentEdits = 0, inFlight = false, again = false, timer = null, retry = null;

  function say(text) { if (status) { status.textContent = text; } }

  function labelOf(select) {
    var option = select.options[select.selectedIndex];
    return option ? option.text : "";
  }

  function retitle(row) {
    var muscle = row.querySelector("select[name$='-muscle']");
    var side = row.querySelector("select[name$='-side']");
    var title = row.querySelector("[data-point-title]");
    if (muscle && side && title) {
      title.textContent = labelOf(muscle) + ", " + labelOf(side).toLowerCase();
    }
  }

  function addRow(muscle, side) {
    var index = parseInt(total.value, 10) || 0;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    while (row && !row.hasAttribute("data-point-row")) { row = row.nextElementSibling; }
    if (!row) { return null; }
    if (muscle) { row.querySelector("select[name$='-muscle']").value = muscle; }
    if (side) { row.querySelector("select[name$='-side']").value = side; }
    points.appendChild(row);
    total.value = String(index + 1);
    retitle(row);
    return row;
  }

  function showReferral(muscle, side) {
    if (!panel) { return; }
    var url = panel.getAttribute("data-referral-url") + "?fragment=1&muscle=" +
      encodeURIComponent(muscle) + "&side=" + encodeURIComponent(side);
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) { if (html) { panel.innerHTML = html; } }).catch(function () {});
  }

  function addPoint(muscle, side) {
    var row = addRow(muscle, side);
    if (!row) { return; }
    var first = row.querySelector("select[name$='-technique']");
    if (first) { first.focus(); }
    showReferral(muscle, side === "bilateral" ? "bilateral" : side);
    changed();
  }

  // The map's regions as buttons (so each figure is a group of them, not a picture).
  Array.prototype.forEach.call(document.querySelectorAll("#chart-map svg"), function (svg) {
    svg.setAttribute("role", "group");
  });
  var regions = document.querySelectorAll("#chart-map .bm-region");
  Array.prototype.forEach.call(regions, function (region) {
    var label = region.getAttribute("data-label") || "";
    region.setAttribute("tabindex", "0");
    region.setAttribute("role", "button");
    region.setAttribute("aria-label", "Add a treated point: " + label);
    function pick(event) {
      event.preventDefault();
      addPoint(region.getAttribute("data-muscle"), region.getAttribute("data-side"));
    }
    region.addEventListener("click", pick);
    region.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { pick(event); }
    });
  });

  var addButton = form.querySelector("[data-add-point]");
  if (addButton) {
    addButton.addEventListener("click", function () {
      addPoint(document.getElementById("add-muscle").value, document.getElementById("add-side").value);
    });
  }
  var referralButton = form.querySelector("[data-show-referral]");
  if (referralButton) {
    referralButton.addEventListener("click", function () {
      showReferral(document.getElementById("add-muscle").value, document.getElementById("add-side").value);
    });
  }

  // --- Drafts ---------------------------------------------------------------------------
  function snapshot() {
    var pairs = [];
    var data = new FormData(form);
    data.forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && name !== "confirm" && name !== "add_muscle" && name !== "add_side") {
        pairs.push([name, value]);
      }
    });
    return pairs;
  }

  function keep() {
    try {
      localStorage.setItem(storeKey, JSON.stringify({ base: base, pairs: snapshot() }));
    } catch (e) { /* storage full or disabled: the server copy still counts */ }
  }

  function forget() { try { localStorage.removeItem(storeKey); } catch (e) {} }

  function send(keepalive) {
    if (inFlight) { again = true; return; }
    clearTimeout(timer);
    clearTimeout(retry);
    inFlight = true;
    var upTo = edits;
    var data = new FormData(form);
    data.delete("confirm");
    fetch(draftUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" },
      keepalive: !!keepalive
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, status: response.status, body: body }; });
    }).then(function (answer) {
      inFlight = false;
      if (answer.ok && answer.body.saved) {
        base = answer.body.updated_at;
        form.setAttribute("data-updated-at", base);
        sentEdits = upTo;
        if (edits === upTo) { forget(); } else { keep(); }
        say("Draft saved at " + answer.body.saved_at + "." +
          (answer.body.points_saved ? "" : " Points are saved once each row is complete."));
      } else if (answer.status === 409) {
        say(answer.body.detail || "This note can no longer be changed.");
      } else {
        say("Not saved: please check the highlighted fields.");
      }
      if (again) { again = false; send(); }
    }).catch(function () {
      inFlight = false;
      keep();
      say("Not saved yet: no connection. Kept on this tablet; trying again.");
      retry = setTimeout(send, 5000);
    });
  }

  function changed(event) {
    if (event && event.target && event.target.matches && event.target.matches("select[name$='-muscle'], select[name$='-side']")) {
      var row = event.target.closest("[data-point-row]");
      if (row) { retitle(row); }
    }
    if (event && event.target && (event.target.id === "add-muscle" || event.target.id === "add-side")) { return; }
    edits += 1;
    keep();
    say("Changes not saved yet…");
    clearTimeout(timer);
    timer = setTimeout(send, 1200);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { forget(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && edits > sentEdits) { send(true); }
  });
  window.addEventListener("online", function () { if (edits > sentEdits) { send(); } });

  // Restore what this tablet kept but the server has not seen (same base version).
  var kept = null;
  try { kept = JSON.parse(localStorage.getItem(storeKey) || "null"); } catch (e) { kept = null; }
  if (kept && kept.base === base && kept.pairs) {
    var rows = 0;
    kept.pairs.forEach(function (pair) {
      if (pair[0] === "points-TOTAL_FORMS") { rows = parseInt(pair[1], 10) || 0; }
    });
    while ((parseInt(total.value, 10) || 0) < rows) { addRow("", ""); }
    Array.prototype.forEach.call(form.querySelectorAll("input[type=checkbox]"), function (box) {
      if (box.name !== "confirm" && /^points-/.test(box.name)) { box.checked = false; }
    });
    kept.pairs.forEach(function (pair) {
      var field = form.elements.namedItem(pair[0]);
      if (!field || pair[0] === "points-TOTAL_FORMS" || pair[0] === "points-INITIAL_FORMS") { return; }
      if (field.type === "checkbox") { field.checked = true; } else { field.value = pair[1]; }
    });
    Array.prototype.forEach.call(points.querySelectorAll("[data-point-row]"), retitle);
    edits += 1;
    say("Restored changes kept on this tablet; saving…");
    send();
  } else if (kept) {
    forget();
  }
})();
