// Behaviour shared by every page: confirmation of consequential forms, unit choosers that
// search by name or short name, and forms that post to the REST API. Loaded by base.html.
(function () {
  "use strict";

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  window.tracker = { csrfToken };

  // <form data-confirm="…">: ask before sending (approve, return, submit, reopen…).
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const question = form.dataset ? form.dataset.confirm : null;
    if (question && !window.confirm(question)) event.preventDefault();
  }, true);

  // <select data-search>: a text box above it that keeps only the options whose text
  // (name and short name) contains what is typed; chosen options always stay.
  document.querySelectorAll("select[data-search]").forEach((select) => {
    const box = document.createElement("input");
    box.type = "search";
    box.className = "unit-search";
    box.placeholder = select.dataset.search;
    box.setAttribute("aria-label", select.dataset.search);
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", () => {
      const needle = box.value.trim().toLowerCase();
      Array.from(select.options).forEach((option) => {
        const keep = !needle || option.selected || option.value === "" ||
          option.text.toLowerCase().includes(needle);
        option.hidden = !keep;
      });
    });
  });

  function messageOf(body) {
    if (!body) return "";
    if (typeof body === "string") return body;
    if (body.detail) return body.detail;
    // The field names and error codes are for scripts; a person reads the messages.
    return Object.entries(body)
      .filter(([k]) => k !== "code" && k !== "codes")
      .map(([, v]) => [].concat(v).join(" ")).join("\n");
  }
  window.tracker.messageOf = messageOf;

  // <form data-api="/api/v1/..." data-etag="3"> posts its fields to the API and reloads the
  // page, or shows the API's message in its .form-error.
  document.querySelectorAll("form[data-api]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const headers = { "X-CSRFToken": csrfToken(), "Content-Type": "application/json" };
      if (form.dataset.etag) headers["If-Match"] = `"${form.dataset.etag}"`;
      const body = JSON.stringify(Object.fromEntries(new FormData(form)));
      const out = form.querySelector(".form-error");
      fetch(form.dataset.api, { method: "POST", headers, body, credentials: "same-origin" })
        .then(async (r) => {
          if (r.ok) { window.location.reload(); return; }
          let detail;
          try { detail = await r.json(); } catch (e) { detail = r.statusText; }
          if (out) out.textContent = messageOf(detail); else window.alert(messageOf(detail));
        });
    });
  });
})();
