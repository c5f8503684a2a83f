/* Autosave for the application wizard. The forms work without this script; with it, a section is
   saved two seconds after the user stops typing, and a status line (aria-live) says so. */
(function () {
  "use strict";

  function setup(form) {
    var status = form.querySelector(".autosave-status");
    var timer = null;

    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }

    function save() {
      fetch(window.location.href, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-Autosave": "1" },
        credentials: "same-origin"
      })
        .then(function (response) {
          return response.json().then(function (body) {
            if (response.ok && body.saved) {
              say(form.dataset.savedText.replace("%s", body.at));
            } else {
              say(form.dataset.errorText);
            }
          });
        })
        .catch(function () {
          say(form.dataset.offlineText);
        });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(save, 2000);
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", function () {
      window.clearTimeout(timer);
    });
  }

  document.querySelectorAll("form[data-autosave]").forEach(setup);
})();
