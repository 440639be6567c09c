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
