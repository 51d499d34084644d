"""The pages work under the site's Content-Security-Policy: a real Chromium reports no
violation on the pages (the dashboard's charts included), the admin or Swagger UI, and
Swagger UI draws the API."""

from __future__ import annotations

import pytest

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_charts_swagger_and_admin_run_without_a_csp_violation(
    open_page, live_server, measure_a, admin_user
):
    admin_user.is_superuser = True
    admin_user.save()
    page = open_page()
    seen: list[str] = []
    page.on(
        "console",
        lambda message: seen.append(message.text)
        if "Content Security Policy" in message.text or "Refused to" in message.text
        else None,
    )
    sign_in(page, live_server, admin_user.username, "/workbench/")
    for path in (
        "/rounds/",
        f"/rounds/{measure_a.problem.round_id}/",
        f"/rounds/{measure_a.problem.round_id}/timeline/",
        f"/rounds/{measure_a.problem.round_id}/periodic/?kind=quarter",
        f"/measures/{measure_a.pk}/",
        "/measures/?q=x",
        "/admin/",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#charts canvas, #charts svg")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock")
    assert not seen, "\n".join(seen)
