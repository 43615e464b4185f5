// ACSS behaviours, loaded with the CSP nonce. No inline handler anywhere: elements declare
// what they do with data attributes and this file attaches the behaviour.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-acss-print]")) {
      window.print();
      return;
    }
    var button = event.target.closest("[data-acss-dismiss]");
    if (!button) return;
    var target = button.closest(button.getAttribute("data-acss-dismiss"));
    if (target) target.remove();
  });
})();
