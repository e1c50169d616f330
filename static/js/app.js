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
})();
