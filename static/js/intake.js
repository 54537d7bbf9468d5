// Optional: focus the error summary, and show "other diagnosis" and "why urgent"
// only when they apply.
// The form works without this file; the server checks both fields anyway.
(function () {
  "use strict";

  function toggle(wrapperSelector, radioName, showWhen) {
    var wrapper = document.querySelector(wrapperSelector);
    var radios = document.querySelectorAll('input[name="' + radioName + '"]');
    if (!wrapper || !radios.length) {
      return;
    }
    function update() {
      var checked = document.querySelector('input[name="' + radioName + '"]:checked');
      var show = checked && checked.value === showWhen;
      // Never hide a field that has an error message.
      if (wrapper.querySelector(".is-invalid")) {
        show = true;
      }
      wrapper.hidden = !show;
    }
    radios.forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    // After a failed send, move focus to the error summary so screen readers announce it.
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
    toggle(".js-other-diagnosis", "diagnosis", "other");
    toggle(".js-urgent-reason", "urgency", "urgent");
  });
})();
