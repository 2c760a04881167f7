// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // The main menu is open by default (so it is usable without JavaScript); on a narrow
  // screen it starts folded behind its "メニュー" button.
  var menu = document.querySelector("details.nav-toggle");
  if (menu && window.matchMedia("(max-width: 59.99rem)").matches) {
    menu.removeAttribute("open");
  }
  // Menu groups: one open at a time; a click elsewhere or Escape closes them.
  var groups = document.querySelectorAll("details.nav-group__details");
  groups.forEach(function (group) {
    group.addEventListener("toggle", function () {
      if (!group.open) return;
      groups.forEach(function (other) { if (other !== group) other.removeAttribute("open"); });
    });
  });
  document.addEventListener("click", function (event) {
    groups.forEach(function (group) {
      if (group.open && !group.contains(event.target)) group.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    groups.forEach(function (group) {
      if (group.open) {
        group.removeAttribute("open");
        group.querySelector("summary").focus();
      }
    });
  });
  // On a narrow screen tables are shown as stacked cards (CSS); each cell gets its column's
  // name to show beside the value. Without JavaScript the table simply scrolls sideways.
  // A table marked data-nostack (a wide matrix, a long list of short figures) keeps its rows
  // and scrolls sideways instead: as cards it would be thousands of pixels long.
  document.querySelectorAll(".table-wrap table:not([data-nostack])").forEach(function (table) {
    var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!headers.length) return;
    table.classList.add("stackable");
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (headers[index] && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", headers[index]);
        }
      });
    });
  });
  // Long lists of ticks (organisations) get a box to narrow them by typing.
  document.querySelectorAll("div.checklist").forEach(function (list) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "checklist__filter";
    // The label comes from the widget (Django puts its attributes on each checkbox).
    var first = list.querySelector("input[data-filter-label]");
    var english = document.documentElement.lang === "en";
    var label = list.getAttribute("data-filter-label") ||
      (first && first.getAttribute("data-filter-label")) || (english ? "Filter" : "絞り込み");
    box.setAttribute("aria-label", label);
    box.placeholder = label;
    list.parentNode.insertBefore(box, list);
    // Full-width digits and letters match their half-width forms; case does not matter.
    var fold = function (text) { return text.normalize("NFKC").toLowerCase(); };
    box.addEventListener("input", function () {
      var needle = fold(box.value.trim());
      list.querySelectorAll("label").forEach(function (item) {
        var row = item.parentNode.tagName === "DIV" ? item.parentNode : item;
        row.hidden = needle !== "" && fold(item.textContent).indexOf(needle) === -1;
      });
    });
  });
  // A length limit (data-maxlength, never maxlength: that cuts pasted text silently) gets a
  // live count; past the limit it says by how much, and the server refuses with a message.
  document.querySelectorAll("[data-maxlength]").forEach(function (field) {
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    if (!limit || field.type === "hidden") return;
    var english = document.documentElement.lang === "en";
    var counter = document.createElement("p");
    counter.className = "counter";
    counter.id = (field.id || field.name) + "-counter";
    var alarm = document.createElement("span");
    alarm.className = "visually-hidden";
    alarm.setAttribute("aria-live", "polite");
    var over = false;
    var update = function () {
      // Characters as people count them (a kanji is one), not UTF-16 units.
      var length = Array.from(field.value).length;
      var now = length > limit;
      text.textContent = english
        ? length + " / " + limit + " characters" + (now ? " — " + (length - limit) + " too many" : "")
        : length + " / " + limit + "文字" + (now ? "（" + (length - limit) + "文字多すぎます）" : "");
      counter.classList.toggle("counter--over", now);
      field.setAttribute("aria-invalid", now ? "true" : "false");
      if (now !== over) {
        alarm.textContent = now ? text.textContent : "";
        over = now;
      }
    };
    var text = document.createElement("span");
    counter.appendChild(text);
    counter.appendChild(alarm);
    field.insertAdjacentElement("afterend", counter);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    field.addEventListener("input", update);
    update();
  });
  // Forms that remove something ask first (without JavaScript they simply submit).
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
