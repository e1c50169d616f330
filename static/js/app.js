/* WMS page behaviour: small, framework-free, on top of htmx. Every page works without it. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function scanInput() {
    return document.querySelector("[data-scan-input]");
  }

  // Elements that use keys themselves: a field types, a button or link acts on Space.
  var KEY_USERS = "input, select, textarea, button, a[href], summary, [tabindex]:not([tabindex='-1']), [contenteditable]";

  // A rugged scanner "types" the code and presses Enter into whatever has focus. When nothing
  // that uses keys has focus (after a tap on the page, or after the tapped button was swapped
  // away), send the keystrokes to the scan field instead of losing them.
  document.addEventListener("keydown", function (event) {
    var input = scanInput();
    if (!input || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var active = document.activeElement;
    if (event.key.length !== 1 || (active && active !== document.body && active.closest(KEY_USERS))) {
      return;
    }
    input.focus();
  });

  // After a lookup: clear the field and keep focus there, ready for the next scan.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || !form.matches || !form.matches("[data-scan-form]")) return;
    form.reset();
    var input = scanInput();
    if (input) input.focus();
  });

  // After a step of a scan flow (a form marked data-scan-flow) has swapped in its answer, put
  // the cursor where the next input goes: the answer's [autofocus] field (a count, a lot, the
  // next scan), else the scan field. Polls and other swaps leave the focus alone.
  document.addEventListener("htmx:afterSettle", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var form = source && source.closest ? source.closest("[data-scan-flow]") : null;
    if (!form) return;
    var target = event.detail.target;
    var wanted = target && target.isConnected ? target.querySelector("[autofocus]") : null;
    focusField(wanted || scanInput());
    // The page's own messages ("task #12 is yours") are old news once the flow moves on.
    var stale = document.querySelector("main > .messages");
    if (stale) stale.remove();
  });

  function focusField(field) {
    if (!field) return;
    field.focus({ preventScroll: false });
    if (field.select && (field.type === "number" || field.type === "text")) field.select();
  }

  // Announce what a swapped fragment says about itself (result counts) to screen readers.
  // With outerHTML swaps the event's target is the replaced node, so look it up again by id.
  document.addEventListener("htmx:afterSwap", function (event) {
    var announcer = document.getElementById("announcer");
    var id = event.detail.target && event.detail.target.id;
    var source = id ? document.querySelector("#" + CSS.escape(id) + " [data-announce]") : null;
    if (announcer && source) announcer.textContent = source.getAttribute("data-announce");
  });

  // A <select data-autosubmit> submits its form on change (the warehouse switcher).
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-autosubmit]") && select.form) {
      select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
    }
  });

  function toast(text) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var item = document.createElement("p");
    item.className = "toast";
    item.setAttribute("role", "alert");
    item.textContent = text;
    box.appendChild(item);
    window.setTimeout(function () { item.remove(); }, 7000);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status === 403) {
      toast("You are not allowed to do that. Reload the page, or sign in again.");
    } else if (status === 404) {
      toast("That is no longer there. Reload the page.");
    } else {
      toast("The server could not do that (error " + status + "). Reload the page and check before you try again.");
    }
  });

  document.addEventListener("htmx:sendError", function () {
    toast("No connection to the server. Check the network and try again.");
  });

  // --- feedback: colour and sound -------------------------------------------------------
  // Every notice a page or fragment brings carries data-feedback="success|error|info": the
  // screen flashes green or red and the handheld beeps, so the worker knows without looking.
  // Tones are made with the Web Audio API (no sound files). Browsers only allow sound after
  // the user touched the page, so the audio context starts on the first key or tap.
  var audio = null;

  function audioContext() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    if (!audio) {
      try { audio = new Context(); } catch (e) { return null; }
    }
    if (audio.state === "suspended" && audio.resume) audio.resume();
    return audio;
  }

  ["keydown", "pointerdown"].forEach(function (name) {
    document.addEventListener(name, audioContext, { capture: true, passive: true });
  });

  function tone(ctx, frequency, start, length, wave, volume) {
    var osc = ctx.createOscillator();
    var gain = ctx.createGain();
    osc.type = wave;
    osc.frequency.setValueAtTime(frequency, start);
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(volume, start + 0.012);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
    osc.connect(gain);
    gain.connect(ctx.destination);
    osc.start(start);
    osc.stop(start + length + 0.02);
  }

  // success: two short rising notes; error: a low double buzz; info: one soft note.
  var SOUNDS = {
    success: [[1046, 0, 0.09, "sine", 0.3], [1568, 0.1, 0.14, "sine", 0.3]],
    error: [[185, 0, 0.22, "square", 0.22], [139, 0.26, 0.34, "square", 0.22]],
    info: [[880, 0, 0.1, "sine", 0.2]],
  };

  function beep(level) {
    var ctx = audioContext();
    if (!ctx) return false;
    var now = ctx.currentTime + 0.01;
    (SOUNDS[level] || SOUNDS.info).forEach(function (t) { tone(ctx, t[0], now + t[1], t[2], t[3], t[4]); });
    return true;
  }

  function flash(level) {
    var layer = document.getElementById("flash");
    if (!layer) {
      layer = document.createElement("div");
      layer.id = "flash";
      layer.setAttribute("aria-hidden", "true");
      document.body.appendChild(layer);
    }
    layer.className = "flash";
    void layer.offsetWidth; // restart the animation when two notices come quickly
    layer.className = "flash flash--" + level;
  }

  document.addEventListener("animationend", function (event) {
    if (event.target.id === "flash") event.target.className = "flash";
  });

  function feedback(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var items = Array.prototype.slice.call(scope.querySelectorAll("[data-feedback]:not([data-fed])"));
    if (scope !== document && scope.matches && scope.matches("[data-feedback]:not([data-fed])")) items.unshift(scope);
    if (!items.length) return;
    var levels = items.map(function (item) { item.setAttribute("data-fed", ""); return item.getAttribute("data-feedback"); });
    var level = levels.indexOf("error") >= 0 ? "error" : levels.indexOf("success") >= 0 ? "success" : "info";
    flash(level);
    var played = beep(level);
    // What happened, for people and for tests: the last feedback and how many there were.
    var html = document.documentElement;
    html.setAttribute("data-feedback-last", level);
    html.setAttribute("data-feedback-count", String(Number(html.getAttribute("data-feedback-count") || 0) + 1));
    html.setAttribute("data-feedback-sound", played ? "played" : "unavailable");
  }

  window.wmsFeedback = { beep: beep, flash: flash };

  // After an outerHTML swap the request's target is the old, detached element: the event is
  // fired on the new one.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    feedback(target && target.isConnected ? target : event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".messages .alert--success, .messages .alert--error").forEach(function (item) {
      item.setAttribute("data-feedback", item.classList.contains("alert--error") ? "error" : "success");
    });
    feedback(document);
  });

  // --- counting on a touch screen ---------------------------------------------------------
  // [data-step="1"] adds to (and "-1" takes from) the number field named by data-step-target;
  // [data-fill="N"] sets it to N. The field's min and max still hold.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-step], [data-fill]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-step-target"));
    if (!field) return;
    var value = parseInt(field.value, 10);
    if (button.hasAttribute("data-fill")) {
      value = parseInt(button.getAttribute("data-fill"), 10);
    } else {
      value = (isNaN(value) ? 0 : value) + parseInt(button.getAttribute("data-step"), 10);
    }
    var min = field.min === "" ? 1 : parseInt(field.min, 10);
    var max = field.max === "" ? Infinity : parseInt(field.max, 10);
    field.value = String(Math.min(max, Math.max(min, value)));
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // --- desk tables and forms ------------------------------------------------------------
  // [data-add-row="#tbody"] appends a copy of the table body's last row, emptied, and puts the
  // cursor in it (the order form's "+ Add line"). Without JavaScript the page always ends in
  // a blank row, and a post draws another.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-add-row]");
    if (!button) return;
    var body = document.querySelector(button.getAttribute("data-add-row"));
    var last = body && body.lastElementChild;
    if (!last) return;
    var row = last.cloneNode(true);
    row.classList.remove("has-error");
    row.querySelectorAll(".field__error").forEach(function (item) { item.remove(); });
    var number = body.children.length + 1;
    row.querySelectorAll("input").forEach(function (input) {
      input.value = "";
      var label = input.getAttribute("aria-label");  // "Quantity, line 3" -> "..., line 4"
      if (label) input.setAttribute("aria-label", label.replace(/\d+$/, String(number)));
    });
    body.appendChild(row);
    var first = row.querySelector("input");
    if (first) first.focus();
  });

  // <input type="checkbox" data-check-all="name"> ticks or clears every checkbox of that name
  // in its form (every order of the page that can be released). The form's elements include
  // the checkboxes outside it that name it with form="..." (rows that hold forms of their own).
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-check-all]") || !box.form) return;
    var name = box.getAttribute("data-check-all");
    Array.prototype.forEach.call(box.form.elements, function (item) {
      if (item.type === "checkbox" && item.name === name) item.checked = box.checked;
    });
  });

  // A field marked data-enter-focus="#id" hands Enter on to that field instead of submitting:
  // type the quantity, press Enter, and the bin scan that follows lands in the scan field.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.matches || !field.matches("[data-enter-focus]")) return;
    var next = document.querySelector(field.getAttribute("data-enter-focus"));
    if (!next) return;
    event.preventDefault();
    focusField(next);
  });

  // Header menus (<details data-nav-menu>): one open at a time, closed by a click elsewhere or
  // by Escape, as a menu is expected to behave.
  function closeMenus(except) {
    document.querySelectorAll("details[data-nav-menu][open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    var menu = event.target.closest ? event.target.closest("details[data-nav-menu]") : null;
    closeMenus(menu);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });

  // Polls (elements marked data-poll-visible) skip while the tab is hidden, and a "wms-shown"
  // event on the document lets them refresh at once when it is shown again. Done here, not
  // with an htmx trigger filter ([document.visibilityState ...]): htmx evaluates filters as
  // strings, which the content security policy refuses.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (document.visibilityState !== "visible" && elt && elt.hasAttribute && elt.hasAttribute("data-poll-visible")) {
      event.preventDefault();
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") document.dispatchEvent(new CustomEvent("wms-shown"));
  });
})();
