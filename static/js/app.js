// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // The main menu is open by default (so it is usable without JavaScript); on a narrow
  // screen it starts folded behind its "メニュー" button.
  var menu = document.querySelector("details.nav-toggle");
  if (menu && window.matchMedia("(max-width: 59.99rem)").matches) {
    menu.removeAttribute("open");
  }
  // Forms that remove something ask first (without JavaScript they simply submit).
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
