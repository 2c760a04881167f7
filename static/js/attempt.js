// Taking a test: each answer is saved as it is given (the page also works without this file:
// its buttons post the answers). The remaining time comes from the server with the page; at
// zero the test is submitted, and the server refuses anything later anyway.
(function () {
  "use strict";
  var form = document.getElementById("attempt-form");
  if (!form || !form.dataset.saveUrl) return;
  var status = document.getElementById("save-status");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var typing = {};
  var submitting = false;

  function save(fieldset) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf);
    body.append("question", fieldset.dataset.question);
    fieldset.querySelectorAll("input").forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) body.append("choice", input.value);
      } else {
        body.append("text", input.value);
      }
    });
    status.textContent = form.dataset.saving;
    fetch(form.dataset.saveUrl, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.json().then(function (data) { return { response: response, data: data }; });
      })
      .then(function (result) {
        if (result.response.ok) {
          fieldset.removeAttribute("data-unsaved");
          status.textContent = form.dataset.saved.replace("%s", result.data.saved_at);
          recount();
        } else {
          status.textContent = result.data.error;
          // 409: the attempt was submitted (the time ran out): show the result.
          if (result.response.status === 409) window.location.reload();
        }
      })
      .catch(function () {
        fieldset.setAttribute("data-unsaved", "1");
        status.textContent = form.dataset.offline;
      });
  }

  // "n of N answered", when every question is on the page.
  var answered = document.getElementById("answered");
  function recount() {
    if (!answered || !answered.dataset.template) return;
    var done = 0;
    form.querySelectorAll("[data-question]").forEach(function (fieldset) {
      var given = Array.prototype.some.call(fieldset.querySelectorAll("input"), function (input) {
        return input.type === "text" ? input.value.trim() !== "" : input.checked;
      });
      if (given) done += 1;
    });
    answered.textContent = answered.dataset.template.replace("%d", done);
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("[data-question]");
    if (fieldset) save(fieldset);
  });
  form.addEventListener("input", function (event) {
    if (event.target.type !== "text") return;
    var fieldset = event.target.closest("[data-question]");
    var key = fieldset.dataset.question;
    clearTimeout(typing[key]);
    typing[key] = setTimeout(function () { save(fieldset); }, 700);
  });
  window.addEventListener("online", function () {
    form.querySelectorAll("[data-unsaved]").forEach(save);
  });
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[value=submit]");
    if (button && !submitting && !window.confirm(form.dataset.confirmSubmit)) {
      event.preventDefault();
    }
  });

  var timer = document.querySelector("[data-remaining]");
  if (timer) {
    var left = parseInt(timer.dataset.remaining, 10);
    var shown = document.getElementById("time-left");
    var started = Date.now();
    var tick = function () {
      var now = Math.max(0, left - Math.floor((Date.now() - started) / 1000));
      shown.textContent = Math.floor(now / 60) + ":" + String(now % 60).padStart(2, "0");
      if (now === 0 && !submitting) {
        submitting = true;
        clearInterval(handle);
        form.querySelector("button[value=submit]").click();
      }
    };
    var handle = setInterval(tick, 1000);
    tick();
  }
})();
