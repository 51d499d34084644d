"""The pages work under the site's Content-Security-Policy: a real Chromium reports no
violation on the pages, the admin or Swagger UI, and Swagger UI draws the API."""

from __future__ import annotations

import shutil

import pytest

from .test_measure_page import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def logged_browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def violations(driver) -> list[str]:
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if "Content Security Policy" in entry["message"]
    ]


def test_pages_swagger_and_admin_run_without_a_csp_violation(
    logged_browser, live_server, measure_a, admin_user
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    admin_user.is_superuser = True
    admin_user.save()
    browser = logged_browser
    sign_in(browser, live_server, admin_user.username)
    WebDriverWait(browser, 20).until(ec.url_contains("/rounds/"))
    seen = []
    for path in ("/rounds/", f"/measures/{measure_a.pk}/", "/measures/?q=x", "/admin/"):
        browser.get(live_server.url + path)
        seen += violations(browser)
    browser.get(f"{live_server.url}/api/docs/")
    WebDriverWait(browser, 30).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock")
    )
    seen += violations(browser)
    assert not seen, "\n".join(seen)
