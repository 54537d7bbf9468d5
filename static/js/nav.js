// The menu button on narrow screens (templates/includes/header.html), in place of Bootstrap's
// 80 KB JavaScript bundle, whose collapse plugin was all the site used of it. The button names the
// menu it opens (aria-controls) and says whether it is open (aria-expanded); Escape closes it and
// puts focus back on the button. From the "lg" breakpoint up the menu always shows (CSS).
(function () {
  "use strict";

  document.querySelectorAll(".navbar-toggler[aria-controls]").forEach(function (button) {
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) {
      return;
    }

    function setOpen(open) {
      menu.classList.toggle("show", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }

    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });

    button.parentNode.closest("nav").addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true" && button.offsetParent) {
        setOpen(false);
        button.focus();
      }
    });
  });
})();
