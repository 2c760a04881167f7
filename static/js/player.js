// Viewing progress: report the ranges of the video actually played (not just the position),
// every 15 seconds while playing and on pause, end and page hide. The server merges them and
// refuses more than real time allows, so this script is a messenger, not the judge.
(function () {
  "use strict";
  var video = document.getElementById("player");
  if (!video || !video.dataset.progressUrl) return;
  var url = video.dataset.progressUrl;
  var status = document.getElementById("progress-status");
  var token = document.querySelector("#progress-form input[name=csrfmiddlewaretoken]").value;
  var maxRate = parseFloat(video.dataset.maxRate) || 1;
  var played = [];      // [[start, end], ...] seconds, since this page was opened
  var current = null;   // the range being played now
  var last = null;      // currentTime at the previous timeupdate
  var dirty = false;

  function extend() {
    var t = video.currentTime;
    // A jump of more than 2 s (at normal speed) is a seek, not playback.
    if (current && last !== null && t >= last && t - last <= 2 * maxRate) {
      current[1] = t;
      dirty = true;
    } else {
      current = [t, t];
      played.push(current);
    }
    last = t;
  }

  function payload() {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", token);
    data.append("played", JSON.stringify(played.filter(function (r) { return r[1] > r[0]; })));
    data.append("position", String(video.currentTime || 0));
    return data;
  }

  function show(result) {
    if (!status || !result || !result.recorded) return;
    status.textContent = result.watched
      ? status.dataset.watched
      : status.dataset.percent.replace("%(percent)s", Math.floor(result.coverage));
  }

  function report() {
    if (!dirty) return;
    dirty = false;
    fetch(url, { method: "POST", body: payload(), credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (result) {
        if (!result.recorded) dirty = true; // refused for now: sent again with the next report
        show(result);
      })
      .catch(function () { dirty = true; }); // offline: the next report carries the ranges again
  }

  function reportOnLeave() {
    if (dirty && navigator.sendBeacon) {
      dirty = !navigator.sendBeacon(url, payload());
    }
  }

  video.addEventListener("loadedmetadata", function () {
    var resume = parseFloat(video.dataset.position) || 0;
    if (resume > 1 && resume < video.duration - 3) video.currentTime = resume;
  });
  video.addEventListener("ratechange", function () {
    if (video.playbackRate > maxRate) video.playbackRate = maxRate;
  });
  video.addEventListener("play", function () { current = null; last = null; extend(); });
  video.addEventListener("timeupdate", function () { if (!video.paused && !video.seeking) extend(); });
  video.addEventListener("seeking", function () { current = null; last = null; });
  video.addEventListener("pause", function () { extend(); report(); });
  video.addEventListener("ended", function () { extend(); report(); });
  window.setInterval(function () { if (!video.paused) report(); }, 15000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") reportOnLeave();
  });
  window.addEventListener("pagehide", reportOnLeave);
})();
