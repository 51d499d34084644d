"""The watermark in a real Chromium: drawn under the site's CSP with no violation, over the
whole window, on screen and in print, and never in the way of a click."""

from __future__ import annotations

import pytest

from tests.factories import ClueFactory

from .conftest import shoot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_clue_list_is_marked_without_a_csp_violation_and_stays_clickable(
    open_page, live_server, office, inspection_round
):
    ClueFactory(round=inspection_round, summary="反映某干部违规经商办企业")
    page = open_page(width=390, height=844)
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text)
        if "Content Security Policy" in message.text or "Refused to" in message.text
        else None,
    )
    sign_in(page, live_server, office.username, "/workbench/")

    page.goto(f"{live_server.url}/clues/")
    mark = page.wait_for_selector(".watermark img")
    page.wait_for_function("document.querySelector('.watermark img').naturalWidth > 0")
    drawn = page.evaluate(
        """() => {
            const box = document.querySelector('.watermark').getBoundingClientRect();
            const style = getComputedStyle(document.querySelector('.watermark'));
            return {width: box.width, height: box.height, position: style.position,
                    events: style.pointerEvents};
        }"""
    )
    shoot(page, "watermark-clue-list-390")

    assert mark.is_visible()
    assert drawn == {"width": 390, "height": 844, "position": "fixed", "events": "none"}
    # The overlay lies over the button, and the click still reaches it.
    page.click("text=登记问题线索")
    page.wait_for_url("**/clues/new/")
    assert page.is_visible(".watermark img")
    page.emulate_media(media="print")
    assert page.is_visible(".watermark img")
    assert not refused, "\n".join(refused)
