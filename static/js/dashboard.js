/* The warehouse map: show a bin's contents when it is pointed at, tapped or focused.
   One listener for the whole map instead of htmx attributes on each of its thousands of
   bins (the page stays small and quick to render); the request itself goes through htmx,
   so its settings (CSRF header, error toasts) apply. Without JavaScript the find-a-bin form
   still shows any bin. */
(function () {
  "use strict";

  var HOVER_DELAY = 150; // ms: passing over bins on the way elsewhere loads nothing
  var timer = null;
  var shown = null;

  function binOf(event) {
    var target = event.target;
    return target && target.closest ? target.closest("[data-bin]") : null;
  }

  function show(bin) {
    var map = bin.closest("[data-bin-url]");
    if (!map || !window.htmx || bin === shown) return;
    shown = bin;
    var url = map.getAttribute("data-bin-url").replace(/0\/$/, bin.getAttribute("data-bin") + "/");
    window.htmx.ajax("GET", url, { target: "#bin-detail", swap: "innerHTML" });
    var current = map.querySelector(".is-shown");
    if (current) current.classList.remove("is-shown");
    bin.classList.add("is-shown");
  }

  document.addEventListener("mouseover", function (event) {
    var bin = binOf(event);
    window.clearTimeout(timer);
    if (bin) timer = window.setTimeout(function () { show(bin); }, HOVER_DELAY);
  });
  document.addEventListener("focusin", function (event) {
    var bin = binOf(event);
    if (bin) show(bin);
  });
  document.addEventListener("click", function (event) {
    var bin = binOf(event);
    if (bin) show(bin);
  });
  // A bin has role=button: Enter and Space act on it, as on any button.
  document.addEventListener("keydown", function (event) {
    var bin = binOf(event);
    if (bin && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      shown = null;
      show(bin);
    }
  });
  // A new map (the colour toggle) starts with nothing shown.
  document.addEventListener("htmx:afterSwap", function () {
    if (shown && !shown.isConnected) shown = null;
  });
})();
