"""The endorsement chain (签字背书 / 双审核) in a real Chromium: a liaison submits, the unit's head
endorses from their landing page, the named superior reviews from theirs, and office signs
off; at phone width the head's queue works the same."""

from __future__ import annotations

import pytest

from accounts.models import User
from inspections.models import InspectionRound
from rectification import services
from rectification.models import Measure
from tests.factories import UserFactory
from tests.rectification.helpers import add_evidence

from .conftest import shoot, sign_in, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def chain(inspection_round, unit_a, measure_a, liaison_a):
    head = UserFactory(username="head_a", role=User.Role.LIAISON, unit=unit_a)
    unit_a.head = head
    unit_a.save()
    superior = UserFactory(username="superior", role=User.Role.LEADER, display_name="分管领导")
    inspection_round.endorsement = InspectionRound.Endorsement.HEAD_AND_SUPERIOR
    inspection_round.endorsement_superior = superior
    inspection_round.save()
    services.measure_start(measure_id=measure_a.pk, actor=liaison_a)
    add_evidence(measure_a, liaison_a)
    return {"head": head, "superior": superior}


def status_of(measure: Measure) -> str:
    measure.refresh_from_db()
    return measure.status


def test_a_submission_passes_the_head_and_the_superior_before_office_signs_it_off(
    open_page, live_server, chain, measure_a, liaison_a, office
):
    page = open_page()
    sign_in(page, live_server, liaison_a.username, "/tasks/")
    page.goto(f"{live_server.url}/measures/{measure_a.pk}/")
    page.fill("#submit-form textarea[name=result_summary]", "制度已修订并印发")
    page.click("#submit-form button")
    page.wait_for_selector("#measure-status[data-status=endorsing]")
    sign_out(page)

    # The head lands on their tasks, where the submission waits for their endorsement.
    sign_in(page, live_server, "head_a", "/tasks/")
    card = page.locator(f"#chain-queue [data-measure='{measure_a.pk}']")
    card.locator("input[name=comment]").fill("情况属实，同意报送")
    card.locator("form.endorse button").click()
    page.wait_for_selector(f"#chain-queue [data-measure='{measure_a.pk}']", state="detached")
    assert status_of(measure_a) == Measure.Status.REVIEWING
    shoot(page, "chain_endorsed")
    sign_out(page)

    # The superior lands on their tasks too while something waits for their review.
    sign_in(page, live_server, "superior", "/tasks/")
    card = page.locator(f"#chain-queue [data-measure='{measure_a.pk}'][data-status=reviewing]")
    card.locator("form.review button").click()
    page.wait_for_selector(f"#chain-queue [data-measure='{measure_a.pk}']", state="detached")
    assert status_of(measure_a) == Measure.Status.SUBMITTED
    sign_out(page)

    sign_in(page, live_server, office.username, "/workbench/")
    page.goto(f"{live_server.url}/measures/{measure_a.pk}/")
    page.click("#approve-form button")
    page.wait_for_selector("#measure-status[data-status=closed]")
    kinds = page.eval_on_selector_all("#timeline li", "els => els.map(e => e.dataset.kind)")
    assert [k for k in kinds if k in ("submit", "endorse", "review", "approve")] == [
        "submit",
        "endorse",
        "review",
        "approve",
    ]
    shoot(page, "chain_signed_off")


def test_the_head_returns_a_submission_from_a_phone(
    open_page, live_server, chain, measure_a, liaison_a
):
    services.measure_submit(measure_id=measure_a.pk, actor=liaison_a, result_summary="已整改")
    page = open_page(**PHONE)

    sign_in(page, live_server, "head_a", "/tasks/")
    card = page.locator(f"#chain-queue [data-measure='{measure_a.pk}']")
    assert card.is_visible()
    card.locator("form.return input[name=reason]").fill("佐证材料不全，请补充会议纪要")
    card.locator("form.return button").click()
    page.wait_for_selector("#chain-queue", state="detached")

    assert status_of(measure_a) == Measure.Status.IN_PROGRESS
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways at phone width"
    shoot(page, "chain_returned_phone")
