// Petrograd 1917 in the browser, with scripts on: the same forms, sent without a reload.
// Every page works without this file; it only moves faster and takes the number keys.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || !window.FormData) { return; }

  // Put the answer's page in place of this one. `url` is where the answer was redirected
  // to (a page that can be loaded again), or null: then the address stays as it is, since
  // the address of a form's POST cannot be reloaded. False: the answer is not a page.
  function swap(html, url) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var main = doc.querySelector("main");
    var nav = doc.querySelector("header.site");
    var footer = doc.querySelector("footer.site");
    if (!main) { return false; }
    document.querySelector("main").replaceWith(main);
    if (nav) { document.querySelector("header.site").replaceWith(nav); }
    if (footer) { document.querySelector("footer.site").replaceWith(footer); }
    document.title = doc.title;
    if (url && url !== window.location.href) {
      window.history.pushState({}, "", url);
    } else if (!url && window.location.search) {
      // Answered in place: a one-time message in the address (?undone=1) is not kept for
      // a reload to show again.
      window.history.replaceState({}, "", window.location.pathname);
    }
    ready();
    var target = main.querySelector("[role=alert]") || main.querySelector("h1") || main;
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    target.focus();
    window.scrollTo(0, 0);
    return true;
  }

  // Send the form the ordinary way (a page load), with the button that was pressed.
  function fallback(form, submitter) {
    busy(form, false);
    if (submitter && submitter.name) {
      var keep = document.createElement("input");
      keep.type = "hidden";
      keep.name = submitter.name;
      keep.value = submitter.value;
      form.appendChild(keep);
    }
    form.submit();
  }

  function send(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) { data.append(submitter.name, submitter.value); }
    busy(form, true);
    fetch(form.action, { method: "POST", body: new URLSearchParams(data), credentials: "same-origin",
                         headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        return response.text().then(function (text) {
          if (!swap(text, response.redirected ? response.url : null)) { fallback(form, submitter); }
        });
      })
      .catch(function () { fallback(form, submitter); });
  }

  function busy(form, on) {
    Array.prototype.forEach.call(form.querySelectorAll("button"), function (b) {
      b.setAttribute("aria-disabled", on ? "true" : "false");
    });
    form.dataset.busy = on ? "1" : "";
  }

  function ready() {
    Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) {
      el.hidden = false;
    });
  }

  var clicked = null;  // the button that sent a form, where the browser has no event.submitter
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("button") : null;
    clicked = button && button.type === "submit" ? button : null;
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") { return; }
    if (form.action.indexOf(window.location.origin) !== 0) { return; }
    event.preventDefault();
    if (form.dataset.busy) { return; }
    send(form, event.submitter || clicked);
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) { return; }
    var where = event.target;
    if (where && (where.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(where.tagName))) { return; }
    if (!/^[1-9]$/.test(event.key)) { return; }
    var button = document.querySelector('form.choose button[data-key="' + event.key + '"]');
    if (!button) { return; }
    event.preventDefault();
    button.click();
  });

  window.addEventListener("popstate", function () { window.location.reload(); });
  ready();
}());
