// The calendar page: a Copy button beside the address, shown only where the clipboard works;
// without script the address is selected and copied by hand.
(function () {
  "use strict";
  const button = document.getElementById("calendar-copy");
  const input = document.getElementById("calendar-url");
  if (!button || !input || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(button.dataset.url).then(function () {
      button.textContent = button.dataset.copied;
    });
  });
  input.addEventListener("focus", function () { input.select(); });
})();
