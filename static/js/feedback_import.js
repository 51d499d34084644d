// Feedback import page: a Word file dropped on the drop zone is put in the file field and
// previewed at once (the form still works without this script: choose the file, press Preview).
(function () {
  "use strict";
  const zone = document.getElementById("feedback-drop");
  if (!zone) return;
  const input = zone.querySelector("input[type=file]");
  const form = zone.closest("form");
  if (!input || !form) return;

  function preview() {
    const button = form.querySelector("button[name=preview]");
    if (button && form.requestSubmit) form.requestSubmit(button);
    else if (button) button.click();
  }

  ["dragenter", "dragover"].forEach((name) =>
    zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    })
  );
  ["dragleave", "drop"].forEach((name) =>
    zone.addEventListener(name, () => zone.classList.remove("dragging"))
  );
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (!event.dataTransfer || !event.dataTransfer.files.length) return;
    input.files = event.dataTransfer.files;
    preview();
  });
  input.addEventListener("change", () => { if (input.files.length) preview(); });
})();
