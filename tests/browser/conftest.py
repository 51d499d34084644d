"""Playwright driving Debian's Chromium against Django's live server: the browser, a page in
Chinese (Accept-Language zh-CN), signing in, and screenshots kept as test artefacts."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import CHROMIUM

# Playwright's sync API runs an event loop in this thread; the test's ORM calls are still
# plain synchronous calls between browser steps, so Django's guard is lifted for them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
TIMEOUT_MS = 15_000
PASSWORD = "pass-12345"  # tests.factories.UserFactory's


@pytest.fixture(scope="session")
def chromium() -> Iterator:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"needs {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium):
    """open_page(width=1280) -> a new page in its own context, Chinese by default."""
    contexts = []

    def make(width: int = 1280, height: int = 900):
        context = chromium.new_context(
            locale="zh-CN",
            viewport={"width": width, "height": height},
            extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # the confirmations
        return page

    yield make
    for context in contexts:
        context.close()


def sign_in(page, live_server, username: str, lands_on: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"**{lands_on}")


def sign_out(page) -> None:
    page.click("header form[action$='/logout/'] button")
    page.wait_for_url("**/login/")


def shoot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def saved(download, folder: Path) -> Path:
    """A finished download under its suggested name (openpyxl goes by the extension)."""
    path = folder / download.suggested_filename
    download.save_as(path)
    return path
