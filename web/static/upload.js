/* Upload page: send each chosen or dropped file on its own, show its progress, and insert its result row.
 *
 * Every text shown comes from data attributes of the upload form, which the server renders in the
 * page's language. The content security policy forbids inline styles, so state is shown with
 * classes, the `hidden` attribute and progress.value only.
 */
(function () {
  "use strict";

  var MAX_PARALLEL_UPLOADS = 2;
  var ROW_HEADER = "X-Upload-Row";
  var FILENAME_HEADER = "X-Upload-Filename";
  var FORM_FIELDS = ["csrf_token", "contract_id", "document_id", "kind"];

  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData || !("content" in document.createElement("template"))) {
    return;  // the plain form keeps working
  }
  var input = document.getElementById("file");
  var zone = document.getElementById("drop-zone");
  var section = document.getElementById("upload-results-section");
  var queueList = document.getElementById("upload-queue");
  var tbody = document.querySelector("#upload-results tbody");
  var itemTemplate = document.getElementById("upload-queue-item");
  var texts = form.dataset;
  var waiting = [];
  var running = 0;

  /* Queue files for upload; the change handler and the drop handler both call this. */
  function enqueue(files) {
    var limit = Number(texts.maxBytes);
    for (var i = 0; i < files.length; i += 1) {
      var file = files[i];
      var item = addItem(file);
      if (limit && file.size > limit) {
        fail(item, texts.tooLarge.split("{file}").join(file.name));
        continue;
      }
      waiting.push({ file: file, item: item });
    }
    startWaiting();
  }

  function addItem(file) {
    var item = itemTemplate.content.firstElementChild.cloneNode(true);
    item.querySelector(".upload-name").textContent = file.name;
    showMessage(item, texts.waiting);
    queueList.appendChild(item);
    section.hidden = false;
    return item;
  }

  function startWaiting() {
    while (running < MAX_PARALLEL_UPLOADS && waiting.length) {
      send(waiting.shift());
    }
  }

  function finished() {
    running -= 1;
    startWaiting();
  }

  function setProgress(item, percent) {
    var rounded = Math.max(0, Math.min(100, Math.round(percent)));
    item.querySelector("progress").value = rounded;
    item.querySelector(".upload-percent").textContent = rounded + " %";
  }

  function showMessage(item, text) {
    item.querySelector(".upload-message").textContent = text || "";
  }

  function fail(item, text) {
    item.classList.remove("sending");
    item.classList.add("failed");
    showMessage(item, text);
  }

  function send(job) {
    running += 1;
    var data = new FormData();
    FORM_FIELDS.forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field) {
        data.append(name, field.value);
      }
    });
    data.append("file", job.file, job.file.name);

    var request = new XMLHttpRequest();
    request.open("POST", texts.rowUrl);
    request.setRequestHeader(FILENAME_HEADER, encodeURIComponent(job.file.name));
    job.item.classList.add("sending");
    showMessage(job.item, texts.sending);
    request.upload.onprogress = function (event) {
      if (event.lengthComputable && event.total > 0) {
        setProgress(job.item, (event.loaded / event.total) * 100);
      }
    };
    request.upload.onload = function () {
      setProgress(job.item, 100);
      showMessage(job.item, texts.processing);
    };
    request.onload = function () {
      receiveRows(job, request);
      finished();
    };
    request.onerror = request.ontimeout = request.onabort = function () {
      fail(job.item, texts.networkError);
      finished();
    };
    request.send(data);
  }

  function parseRows(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    return Array.prototype.slice.call(holder.content.querySelectorAll("tr"));
  }

  function receiveRows(job, request) {
    if (!request.getResponseHeader(ROW_HEADER)) {
      fail(job.item, texts.unexpected);
      return;
    }
    var rows = parseRows(request.responseText);
    rows.forEach(function (row) { tbody.appendChild(row); });
    job.item.classList.remove("sending");
    if (request.status >= 400) {
      var error = rows.length ? rows[0].querySelector(".error") : null;
      fail(job.item, error ? error.textContent : texts.failed);
      return;
    }
    setProgress(job.item, 100);
    job.item.classList.add("done");
    showMessage(job.item, texts.done);
  }

  /* Corrections in a result row (kind, contract, new version) replace the row with the server's new one. */
  function submitCorrection(event) {
    var correction = event.target;
    if (!correction.dataset || !correction.dataset.rowBack) {
      return;
    }
    event.preventDefault();
    var row = correction.closest("tr");
    var body = new URLSearchParams(new FormData(correction));
    body.set("back", correction.dataset.rowBack);
    var buttons = correction.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });

    var request = new XMLHttpRequest();
    request.open("POST", correction.action);
    request.setRequestHeader("Content-Type", "application/x-www-form-urlencoded");
    request.onload = function () {
      if (request.getResponseHeader(ROW_HEADER) && request.status < 400) {
        var rows = parseRows(request.responseText);
        if (rows.length) {
          row.replaceWith.apply(row, rows);
          return;
        }
      }
      buttons.forEach(function (button) { button.disabled = false; });
      showRowMessage(row, errorText(request.responseText) || texts.unexpected);
    };
    request.onerror = request.ontimeout = function () {
      buttons.forEach(function (button) { button.disabled = false; });
      showRowMessage(row, texts.networkError);
    };
    request.send(body.toString());
  }

  /* Return the message of an error page, or "" when the page has none. */
  function errorText(html) {
    var page = new DOMParser().parseFromString(html || "", "text/html");
    var message = page.querySelector("main .error");
    return message ? message.textContent.trim() : "";
  }

  function showRowMessage(row, text) {
    var place = row.querySelector(".row-message");
    if (place) {
      place.textContent = text;
      place.classList.add("error");
    }
  }

  input.addEventListener("change", function () {
    if (!input.files || !input.files.length) {
      return;
    }
    enqueue(input.files);
    // Emptied, so that the plain submit button cannot send the same files again and the
    // same file can be chosen again after a correction.
    input.value = "";
  });

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });
  ["dragleave", "dragend"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) {
      enqueue(event.dataTransfer.files);
    }
  });
  tbody.addEventListener("submit", submitCorrection);
  form.classList.add("scripted");
}());
