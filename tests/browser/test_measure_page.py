"""A real Chromium drives the pages: sign in, open a measure, take a step through its form."""

from __future__ import annotations

import shutil

import pytest

from rectification.models import Measure

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--lang=zh-CN",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def sign_in(browser, live_server, username: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{live_server.url}/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys("pass-12345")
    browser.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def test_a_liaison_starts_a_measure_from_its_page(browser, live_server, measure_a, liaison_a):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, live_server, liaison_a.username)
    WebDriverWait(browser, 20).until(ec.url_contains("/rounds/"))
    browser.get(f"{live_server.url}/measures/{measure_a.pk}/")
    browser.find_element(
        By.CSS_SELECTOR, f"form[data-api$='/{measure_a.pk}/start/'] button"
    ).click()

    WebDriverWait(browser, 20).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "h1 .status-in_progress"))
    )
    measure_a.refresh_from_db()
    assert measure_a.status == Measure.Status.IN_PROGRESS
    assert measure_a.history.get().actor == liaison_a


def test_the_api_error_is_shown_on_the_page(browser, live_server, measure_a, liaison_a):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    sign_in(browser, live_server, liaison_a.username)
    # Opening the measure before the sign-in lands would race the login redirect.
    WebDriverWait(browser, 20).until(ec.url_contains("/rounds/"))
    browser.get(f"{live_server.url}/measures/{measure_a.pk}/")
    # Someone else starts it first: the page's form now carries a stale version.
    sent = measure_a.version
    Measure.objects.filter(pk=measure_a.pk).update(version=5)
    browser.find_element(
        By.CSS_SELECTOR, f"form[data-api$='/{measure_a.pk}/start/'] button"
    ).click()

    error = WebDriverWait(browser, 20).until(
        lambda b: b.find_element(By.CSS_SELECTOR, ".form-error").text or None
    )
    # The message names the current version and the one the page sent, in the page's language.
    assert error in {
        f"该整改措施已被他人修改（当前版本为 5，您提交的版本为 {sent}），请刷新后重试。",
        f"The measure was changed by someone else (now version 5, you sent {sent}). "
        "Reload it and try again.",
    }
    measure_a.refresh_from_db()
    assert measure_a.status == Measure.Status.NOT_STARTED
