// The status page: after a lookup, move focus to what changed (the error summary,
// or the answer's heading) so screen readers announce it.
// The page works without this file.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var target = document.getElementById("error-summary") || document.getElementById("status-result-title");
    if (target) {
      target.focus();
    }
  });
})();
