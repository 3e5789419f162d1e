// Revisions viewer: seek with the slider, and play the revisions one after another.
(function () {
  "use strict";
  const player = document.getElementById("player");
  if (!player) return;
  const seek = document.getElementById("seek");
  const slider = document.getElementById("revision");
  const button = document.getElementById("play");
  const STEP_MS = 1500;
  let timer = null;

  slider.addEventListener("change", function () { seek.submit(); });

  function stop() {
    clearTimeout(timer);
    timer = null;
    button.textContent = "Play";
  }

  function start() {
    if (!player.dataset.next) return stop();
    button.textContent = "Pause";
    timer = setTimeout(function () { window.location.assign(player.dataset.next); }, STEP_MS);
  }

  button.hidden = false;
  button.addEventListener("click", function () { (timer ? stop : start)(); });
  if (player.dataset.autoplay === "true") start();
})();
