// A background job's page: the progress bar follows the job without reloading; when the job
// ends the page is loaded once more to show the result. Without this file the page reloads
// itself every few seconds (a <noscript> refresh).
(function () {
  "use strict";
  var card = document.querySelector("[data-job-status]");
  if (!card) return;
  var url = card.getAttribute("data-job-status");
  var bar = card.querySelector("progress");
  var label = card.querySelector("[data-job-label]");
  var delay = 1000;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (status) {
        if (status.finished) { window.location.reload(); return; }
        if (status.total) {
          bar.max = status.total;
          bar.value = status.done;
          bar.textContent = status.percent + "%";
        }
        label.textContent = status.label;
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        // The server is busy or the connection dropped: try again, less often.
        delay = Math.min(delay * 2, 10000);
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, delay);
})();
