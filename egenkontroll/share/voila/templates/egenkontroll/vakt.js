/* egenkontroll: keeps watch over the page (included by index.html.j2). */
(function () {
  "use strict";
  var HEARTBEAT_MS = 2000;
  var NAME_KEY = "egenkontroll.granskare";
  var NOTICE = "Servern svarar inte längre: svaren sparas inte. Det du markerar nu sparas inte, och ett svar " +
    "som inte har fått beskedet ”Sparat” är inte sparat. Starta appen igen och öppna den nya adressen.";
  var config = JSON.parse(document.getElementById("jupyter-config-data").textContent);
  var kernelUrl = config.baseUrl + "api/kernels/" + config.kernelId;
  var gone = false;

  /* Cover the page with the notice: nothing under it can be clicked and look saved. */
  function showGone() {
    if (gone) { return; }
    gone = true;
    var cover = document.createElement("div");
    cover.className = "ek-server-borta";
    cover.setAttribute("role", "alert");
    cover.style.cssText = "position:fixed;inset:0;z-index:10000;background:rgba(255,255,255,0.85);" +
      "display:flex;align-items:flex-start;justify-content:center;padding-top:4em";
    var box = document.createElement("div");
    box.style.cssText = "max-width:40em;padding:1em 1.5em;border:3px solid #a4001d;background:#fff4f4;" +
      "color:#a4001d;font-size:1.2em;font-weight:bold";
    box.textContent = NOTICE;
    cover.appendChild(box);
    document.body.appendChild(cover);
  }

  /* The page's XSRF cookie: behind JupyterHub a request the page sends itself must carry it. */
  function xsrfToken() {
    var found = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
    return found ? decodeURIComponent(found[1]) : "";
  }

  /* The kernel's record on the server: gone when the server does not answer or has ended the kernel. */
  function beat() {
    fetch(kernelUrl, { cache: "no-store", credentials: "same-origin", headers: { "X-XSRFToken": xsrfToken() } })
      .then(function (answer) { if (!answer.ok) { showGone(); } })
      .catch(showGone);
  }

  /* Fill an empty Granskare box with the name remembered in this browser; remember what is typed. */
  function fillName() {
    var name = window.localStorage.getItem(NAME_KEY);
    document.querySelectorAll(".ek-granskare input:not([data-ek-ifylld])").forEach(function (input) {
      input.setAttribute("data-ek-ifylld", "");
      if (name && !input.value && !input.disabled) {
        input.value = name;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function rememberName(event) {
    if (event.target.closest && event.target.closest(".ek-granskare")) {
      window.localStorage.setItem(NAME_KEY, event.target.value.trim());
    }
  }

  window.setInterval(beat, HEARTBEAT_MS);
  document.addEventListener("input", rememberName, true);
  new MutationObserver(fillName).observe(document.body, { childList: true, subtree: true });
  fillName();
}());
