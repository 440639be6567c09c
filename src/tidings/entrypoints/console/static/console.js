// tidings console: progressive enhancement only; every page works without this script.
// A GET form marked data-swap="<block>" fetches the same URL with the header
// X-Console-Block: <block>, and the server answers with that block alone, which replaces
// the element of the same id. Links and other forms behave as usual.
"use strict";

(function () {
  function query(form) {
    var params = new URLSearchParams(new FormData(form));
    return form.action.split("?")[0] + "?" + params.toString();
  }

  function swap(form, block) {
    var url = query(form);
    var target = document.getElementById(block);
    if (!target) {
      window.location.assign(url);
      return;
    }
    target.setAttribute("aria-busy", "true");
    fetch(url, { headers: { "X-Console-Block": block }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        target.outerHTML = html;
        window.history.replaceState(null, "", url);
      })
      .catch(function () { window.location.assign(url); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var block = form.getAttribute("data-swap");
    if (!block || form.method.toLowerCase() !== "get") { return; }
    event.preventDefault();
    swap(form, block);
  });
})();

// A textarea marked data-count="<id>" has its segments and cost counted again by the server
// as the owner types (data-count-url, the step and locale it is the text of): the answer
// replaces the element <id>. A field marked data-recount (the signature) recounts them all.
(function () {
  var timers = {};

  function recount(area) {
    var form = area.form;
    var signature = form ? form.querySelector("[data-recount]") : null;
    var params = new URLSearchParams({
      step: area.getAttribute("data-step"),
      locale: area.getAttribute("data-locale"),
      text: area.value
    });
    if (signature) { params.set("signature", signature.value); }
    var url = area.getAttribute("data-count-url") + "?" + params.toString();
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var target = document.getElementById(area.getAttribute("data-count"));
        if (target) { target.outerHTML = html; }
      })
      .catch(function () { /* the count shown stays; saving counts again */ });
  }

  function later(area) {
    var key = area.getAttribute("data-count");
    window.clearTimeout(timers[key]);
    timers[key] = window.setTimeout(function () { recount(area); }, 250);
  }

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (field.hasAttribute("data-count")) {
      later(field);
    } else if (field.hasAttribute("data-recount") && field.form) {
      Array.prototype.forEach.call(field.form.querySelectorAll("[data-count]"), later);
    }
  });
})();
