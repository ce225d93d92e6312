// Casework pages, a little faster with JavaScript; everything works without it.
//
// 1. Forms of a page marked data-in-place submit without leaving the page: the answer (the
//    page again, after the server's redirect) replaces <main>, and the reader stays where
//    they were instead of landing at the top of a long case. A refused action says why
//    beside its form, which keeps what was typed.
// 2. Lists marked data-keyboard-list: "j" and "k" move to the next and previous case, "/"
//    goes to the filters; Enter opens the focused case as any link does.
(function () {
  "use strict";

  function sameDocument(url) {
    var here = window.location;
    return url.origin === here.origin && url.pathname === here.pathname;
  }

  function replaceMain(html) {
    var next = new DOMParser().parseFromString(html, "text/html");
    var main = document.querySelector("main");
    var newMain = next.querySelector("main");
    if (!main || !newMain) { return false; }
    var x = window.scrollX, y = window.scrollY;
    main.innerHTML = newMain.innerHTML;
    document.title = next.title;
    window.scrollTo(x, y);
    return true;
  }

  function submitInPlace(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") { return; }
    if (!form.closest("[data-in-place]") || form.hasAttribute("data-leaves")) { return; }
    event.preventDefault();
    var buttons = form.querySelectorAll("button, input[type=submit]");
    var data = new FormData(form, event.submitter || undefined);
    var main = document.querySelector("main");
    buttons.forEach(function (button) { button.disabled = true; });
    main.setAttribute("aria-busy", "true");
    function done() {
      main.removeAttribute("aria-busy");
      buttons.forEach(function (button) { button.disabled = false; });
    }
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected && !sameDocument(new URL(response.url))) {
          // The action led elsewhere (a transferred case leaves for the queue): go there.
          window.location.assign(response.url);
          return;
        }
        if (type.indexOf("text/html") !== 0) {
          window.location.reload();
          return;
        }
        return response.text().then(function (html) {
          if (response.status === 400 && showRefusal(form, html)) {
            done();
          } else if (replaceMain(html)) {
            // Done, or refused because the case changed meanwhile (409): the page as it is now.
            main.removeAttribute("aria-busy");
          } else {
            window.location.reload();
          }
        });
      })
      .catch(function () {
        // No answer (offline, a network error): the ordinary submit tries again and shows
        // the browser's own error page if it fails too.
        done();
        form.setAttribute("data-leaves", "");
        form.requestSubmit(event.submitter || undefined);
      });
  }

  // A refused action (400) says why beside its form, which keeps what was typed in it.
  function showRefusal(form, html) {
    var next = new DOMParser().parseFromString(html, "text/html");
    var why = next.querySelector("main .messages");
    if (!why) { return false; }
    document.querySelectorAll(".in-place-refusal").forEach(function (old) { old.remove(); });
    why.classList.add("in-place-refusal");
    why.setAttribute("role", "alert");
    why.setAttribute("tabindex", "-1");
    form.parentNode.insertBefore(document.importNode(why, true), form);
    form.previousElementSibling.focus();
    return true;
  }

  function typing(target) {
    return target && target.closest && target.closest("input, textarea, select, [contenteditable]");
  }

  function moveInList(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var list = document.querySelector("[data-keyboard-list]");
    if (!list) { return; }
    // By the key's place, not its letter: on an Arabic keyboard "j" types "ت".
    var key = { KeyJ: "next", KeyK: "previous", Slash: "filters" }[event.code];
    if (key === "filters") {
      var filter = document.querySelector("form.filters select, form.filters input");
      if (filter) {
        event.preventDefault();
        var box = filter.closest("details");
        if (box) { box.open = true; }
        filter.focus();
      }
      return;
    }
    if (!key) { return; }
    var links = Array.prototype.slice.call(list.querySelectorAll("a.case-number"));
    if (!links.length) { return; }
    var at = links.indexOf(document.activeElement);
    var next = key === "next" ? at + 1 : at - 1;
    if (at === -1) { next = key === "next" ? 0 : links.length - 1; }
    next = Math.max(0, Math.min(links.length - 1, next));
    event.preventDefault();
    links[next].focus();
    links[next].closest("tr").scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("submit", submitInPlace);
  document.addEventListener("keydown", moveInList);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-keyboard-hint]").forEach(function (hint) {
      hint.hidden = false;
    });
  });
})();
