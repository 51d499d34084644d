// Bulk actions: select all rows of a page, count what is ticked, show only the chosen
// action's fields, and ask before the confirmed action is sent. The forms work without it.
(function () {
  "use strict";

  function rows(formId) {
    return Array.from(document.querySelectorAll(`input[name=ids][form="${formId}"]`));
  }

  function count(formId) {
    const out = document.querySelector(`[data-selected-count="${formId}"]`);
    if (!out) return;
    const ticked = rows(formId).filter((box) => box.checked).length;
    const all = document.querySelector(`[data-all-matching="${formId}"]`);
    out.textContent = all && all.checked ? out.dataset.all :
      ticked ? out.dataset.text.replace("__n__", String(ticked)) : "";
  }

  document.querySelectorAll("[data-select-page]").forEach((box) => {
    const formId = box.dataset.selectPage;
    box.addEventListener("change", () => {
      rows(formId).forEach((row) => { row.checked = box.checked; });
      count(formId);
    });
  });
  document.querySelectorAll("input[name=ids][form]").forEach((box) => {
    box.addEventListener("change", () => count(box.getAttribute("form")));
  });
  document.querySelectorAll("[data-all-matching]").forEach((box) => {
    box.addEventListener("change", () => count(box.dataset.allMatching));
  });

  // The bulk page: the fields of the chosen action only.
  const action = document.querySelector("#bulk-form select[name=action]");
  function showFields() {
    document.querySelectorAll("#bulk-form [data-bulk-action]").forEach((set) => {
      set.hidden = !set.dataset.bulkAction.split(" ").includes(action.value);
    });
  }
  if (action) {
    action.addEventListener("change", showFields);
    showFields();
  }

  // <button data-confirm="…">: ask before this button sends its form.
  document.addEventListener("submit", (event) => {
    const button = event.submitter;
    const question = button && button.dataset ? button.dataset.confirm : null;
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);
})();
