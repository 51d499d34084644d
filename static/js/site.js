// Small helpers for the pages: the unread bell, and forms that post to the REST API.
(function () {
  "use strict";
  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // <select data-autosubmit> sends its form on change (no inline handler: the CSP forbids them).
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });

  const bell = document.getElementById("unread");
  if (bell && bell.dataset.url) {
    fetch(bell.dataset.url, { credentials: "same-origin" })
      .then((r) => (r.ok ? r.json() : null))
      .then((me) => { if (me && me.unread_notifications) bell.textContent = me.unread_notifications; })
      .catch(() => {});
  }

  function messageOf(body) {
    if (!body) return "";
    if (typeof body === "string") return body;
    if (body.detail) return body.detail;
    return Object.entries(body)
      .filter(([k]) => k !== "code" && k !== "codes")
      .map(([k, v]) => `${k}: ${[].concat(v).join(" ")}`).join("\n");
  }

  // <form data-api="/api/v1/..." data-method="POST" data-etag="3"> posts its fields to the API
  // (multipart when it carries a file) and reloads the page, or shows the API's error.
  document.querySelectorAll("form[data-api]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const hasFile = form.querySelector("input[type=file]");
      const headers = { "X-CSRFToken": csrfToken() };
      if (form.dataset.etag) headers["If-Match"] = `"${form.dataset.etag}"`;
      let body;
      if (hasFile) {
        body = new FormData(form);
      } else {
        headers["Content-Type"] = "application/json";
        body = JSON.stringify(Object.fromEntries(new FormData(form)));
      }
      const out = form.querySelector(".form-error");
      fetch(form.dataset.api, { method: form.dataset.method || "POST", headers, body, credentials: "same-origin" })
        .then(async (r) => {
          if (r.ok) { window.location.reload(); return; }
          let detail;
          try { detail = await r.json(); } catch (e) { detail = r.statusText; }
          if (out) out.textContent = messageOf(detail); else alert(messageOf(detail));
        });
    });
  });
})();
