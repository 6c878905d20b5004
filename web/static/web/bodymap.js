// The body map, made interactive: every region becomes a labelled button (click, tap, Enter
// or Space) that fills in a trigger point row of the list it serves (data-bodymap-target).
//
// The rows, inside the target element (a Django formset):
//   [data-tp-row]            one trigger point
//     select[data-tp-muscle] the muscle (values of clinic.vocabulary.Muscle)
//     select[data-tp-side]   left / right / bilateral
//     [data-tp-focus]        what gets focus once a region is chosen (the pain slider)
//     [data-tp-delete]       optional: a ticked one no longer marks the map
//   template[data-tp-template]  an empty row with __prefix__ for the index (formset empty_form)
//   input[name$="TOTAL_FORMS"]  the formset's count, raised when a row is added
// Without JavaScript the map stays a picture and the rows are the plain list.
(function () {
  "use strict";

  function rowsOf(target) {
    return Array.prototype.slice.call(target.querySelectorAll("[data-tp-row]"));
  }

  function live(row) {
    var del = row.querySelector("[data-tp-delete]");
    return !(del && del.checked);
  }

  function keysOf(target) {
    var keys = {};
    rowsOf(target).forEach(function (row) {
      var muscle = row.querySelector("[data-tp-muscle]").value;
      var side = row.querySelector("[data-tp-side]").value;
      if (!muscle || !live(row)) { return; }
      (side === "bilateral" ? ["left", "right"] : [side]).forEach(function (s) {
        keys[muscle + ":" + s] = true;
      });
    });
    return keys;
  }

  function addRow(target) {
    var template = target.querySelector("template[data-tp-template]");
    var total = target.querySelector('input[name$="TOTAL_FORMS"]');
    var max = target.querySelector('input[name$="MAX_NUM_FORMS"]');
    if (!template || !total) { return null; }
    var index = parseInt(total.value, 10) || 0;
    if (max && index >= parseInt(max.value, 10)) { return null; }
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.firstElementChild;
    var list = target.querySelector("[data-tp-rows]") || target;
    list.appendChild(row);
    total.value = String(index + 1);
    return row;
  }

  function init(map) {
    var target = document.getElementById(map.getAttribute("data-bodymap-target"));
    if (!target) { return; }
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    map.appendChild(status);
    var regions = Array.prototype.slice.call(map.querySelectorAll(".bm-region"));

    function refresh() {
      var keys = keysOf(target);
      regions.forEach(function (region) {
        var key = region.getAttribute("data-muscle") + ":" + region.getAttribute("data-side");
        region.setAttribute("aria-pressed", keys[key] ? "true" : "false");
      });
    }

    function choose(region) {
      var muscle = region.getAttribute("data-muscle");
      var side = region.getAttribute("data-side");
      var rows = rowsOf(target);
      var row = rows.filter(function (r) {
        var s = r.querySelector("[data-tp-side]").value;
        return live(r) && r.querySelector("[data-tp-muscle]").value === muscle &&
          (s === side || s === "bilateral");
      })[0];
      var added = false;
      if (!row) {
        row = rows.filter(function (r) { return !r.querySelector("[data-tp-muscle]").value; })[0] ||
          addRow(target);
        if (!row) { status.textContent = map.getAttribute("data-full-message") || ""; return; }
        row.querySelector("[data-tp-muscle]").value = muscle;
        row.querySelector("[data-tp-side]").value = side;
        added = true;
      }
      rows.concat([row]).forEach(function (r) { r.classList.remove("is-current"); });
      row.classList.add("is-current");
      refresh();
      status.textContent = region.getAttribute("data-label") + (added ? " +" : "");
      var focus = row.querySelector("[data-tp-focus]") || row.querySelector("select, input");
      if (focus) {
        focus.focus();
        if (focus.scrollIntoView) { focus.scrollIntoView({ block: "center" }); }
      }
    }

    map.querySelectorAll("svg").forEach(function (svg) { svg.setAttribute("role", "group"); });
    regions.forEach(function (region) {
      region.setAttribute("role", "button");
      region.setAttribute("tabindex", "0");
      region.setAttribute("aria-label", region.getAttribute("data-label"));
      region.addEventListener("click", function () { choose(region); });
      region.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          choose(region);
        }
      });
    });
    target.addEventListener("change", refresh);
    target.addEventListener("input", refresh);
    refresh();
  }

  // A pain slider says its value next to it.
  document.addEventListener("input", function (event) {
    var slider = event.target;
    if (slider.matches && slider.matches("input[type=range][data-tp-focus]")) {
      var out = document.getElementById(slider.id + "-value");
      if (out) { out.textContent = slider.value; }
    }
  });

  document.querySelectorAll("[data-bodymap]").forEach(init);
})();
