// Progress page of an evidence pack build: polls the build's status and moves the progress bar.
//
// The server renders the page with the state it had. This script requests the status every
// second and updates the bar, the step and the state in place. Once the build is done or failed
// it reloads the page, which then shows the download link or the error. The addresses to poll
// are in data-status-urls, tried in order: an address that is not found (404) is dropped in favour
// of the next. The words it shows come from the page's data attributes, so it has none of its own.
"use strict";

(function () {
  const POLL_MS = 1000;
  const RETRY_MS = 3000;
  const section = document.getElementById("build-progress");
  if (!section) {
    return;
  }
  const urls = (section.getAttribute("data-status-urls") || "").split(/\s+/).filter(Boolean);
  const bar = document.getElementById("build-bar");
  const percentText = document.getElementById("build-percent");
  const stepText = document.getElementById("build-step");
  const stateText = document.getElementById("build-state");

  function percentOf(status) {
    if (typeof status.percent === "number") {
      return Math.max(0, Math.min(100, Math.floor(status.percent)));
    }
    if (status.total > 0) {
      return Math.max(0, Math.min(100, Math.floor((status.done * 100) / status.total)));
    }
    return 0;
  }

  function show(status) {
    const percent = percentOf(status);
    bar.value = percent;
    bar.textContent = percent + "%";
    percentText.textContent = percent + "%";
    const step = status.step ? section.getAttribute("data-step-" + status.step) : "";
    stepText.textContent = step || "";
    const state = section.getAttribute("data-state-" + status.state);
    if (state) {
      stateText.textContent = state;
      stateText.className = "state state-" + status.state;
    }
    section.setAttribute("data-state", status.state);
  }

  function poll() {
    if (urls.length === 0) {
      return;
    }
    fetch(urls[0], { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 404 && urls.length > 1) {
          urls.shift();
          window.setTimeout(poll, 0);
          return null;
        }
        const type = response.headers.get("content-type") || "";
        if (!response.ok || type.indexOf("application/json") === -1) {
          // Signed out, or an error page: a reload shows the page the server has for it.
          window.location.reload();
          return null;
        }
        return response.json();
      })
      .then(function (status) {
        if (!status) {
          return;
        }
        show(status);
        if (status.state === "done" || status.state === "failed") {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        // The server could not be reached: keep the page and try again a little later.
        window.setTimeout(poll, RETRY_MS);
      });
  }

  window.setTimeout(poll, POLL_MS);
})();
