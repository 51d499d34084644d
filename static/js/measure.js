// The measure page: evidence files dropped or chosen, uploaded one by one to the API with a
// progress bar each (large files take a while on a phone), then the page reloads. Without
// this script the form posts all files to the page's own view.
(function () {
  "use strict";
  const form = document.getElementById("evidence-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  const input = form.querySelector("input[type=file]");
  const zone = document.getElementById("dropzone");
  const list = document.getElementById("upload-progress");

  ["dragenter", "dragover"].forEach((name) => zone.addEventListener(name, (event) => {
    event.preventDefault();
    zone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((name) => zone.addEventListener(name, (event) => {
    event.preventDefault();
    zone.classList.remove("over");
  }));
  zone.addEventListener("drop", (event) => {
    if (event.dataTransfer && event.dataTransfer.files.length) {
      input.files = event.dataTransfer.files;
    }
  });

  function upload(file) {
    return new Promise((resolve) => {
      const row = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = file.name;
      const bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      const note = document.createElement("span");
      note.className = "error";
      row.append(name, bar, note);
      list.appendChild(row);
      const data = new FormData();
      data.append("measure", form.dataset.measure);
      data.append("file", file);
      data.append("description", form.elements.description.value);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.dataset.upload);
      xhr.setRequestHeader("X-CSRFToken", window.tracker.csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
      });
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          bar.value = 100;
          resolve(true);
          return;
        }
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = xhr.statusText; }
        note.textContent = `${form.dataset.failed}：${window.tracker.messageOf(body)}`;
        resolve(false);
      });
      xhr.addEventListener("error", () => {
        note.textContent = form.dataset.failed;
        resolve(false);
      });
      xhr.send(data);
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const files = Array.from(input.files || []);
    if (!files.length) return;
    list.textContent = "";
    const button = form.querySelector("button");
    button.disabled = true;
    let allGood = true;
    for (const file of files) {
      // One at a time: a phone's upload bandwidth is better spent on one file.
      if (!(await upload(file))) allGood = false;
    }
    button.disabled = false;
    if (allGood) window.location.reload();
  });
})();
