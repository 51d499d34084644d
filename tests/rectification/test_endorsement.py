"""The endorsement chain (签字背书 / 双审核): the lead unit's head endorses, a named superior
reviews, then the office signs off; each step returns, is counted and is reminded of once."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEntry
from inspections.models import InspectionRound
from rectification import services
from rectification.models import Measure, StatusChange
from rectification.selectors import measure_numbers
from reminders.models import Notification
from reminders.services import Kind, sweep
from tests.factories import UserFactory

from .helpers import ELF_BYTES, add_evidence, pdf_upload

S = Measure.Status
Chain = InspectionRound.Endorsement
ROLES = ["admin", "office", "leader", "liaison_a", "liaison_b", "head", "superior"]


@pytest.fixture
def head(unit_a) -> User:
    """The head (principal leader) of unit A, a liaison-role account of the unit."""
    user = UserFactory(username="head_a", role=User.Role.LIAISON, unit=unit_a)
    unit_a.head = user
    unit_a.save()
    return user


@pytest.fixture
def superior(db) -> User:
    return UserFactory(username="superior", role=User.Role.LEADER, display_name="分管领导")


@pytest.fixture
def everyone(people, head, superior) -> dict[str, User]:
    return {**people, "head": head, "superior": superior}


@pytest.fixture
def chained(inspection_round, superior) -> InspectionRound:
    inspection_round.endorsement = Chain.HEAD_AND_SUPERIOR
    inspection_round.endorsement_superior = superior
    inspection_round.save()
    return inspection_round


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def submitted(measure: Measure, by: User) -> Measure:
    """The measure started and submitted by `by` through the services, with evidence."""
    services.measure_start(measure_id=measure.pk, actor=by)
    add_evidence(measure, by)
    return services.measure_submit(measure_id=measure.pk, actor=by, result_summary="已整改到位")


def endorsed(measure: Measure, head: User) -> Measure:
    return services.measure_endorse(measure_id=measure.pk, actor=head, comment="情况属实")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client, measure: Measure, step: str, body: dict | None = None, **kwargs):
    return client.post(f"/api/v1/measures/{measure.pk}/{step}/", body or {}, **kwargs)


# --- The chain off: today's behaviour -----------------------------------------------------


def test_without_a_chain_a_submission_goes_straight_to_the_office(
    measure_a, liaison_a, head, media
):
    measure = submitted(measure_a, liaison_a)
    assert measure.status == S.SUBMITTED
    assert measure.problem.round.endorsement == Chain.NONE


def test_without_a_chain_nobody_can_endorse_or_review(
    measure_a, liaison_a, head, superior, client_for, media
):
    submitted(measure_a, liaison_a)
    # The head is still the head, but the submission does not wait for them: a wrong state.
    assert post(client_for(head), measure_a, "endorse").status_code == 409
    # A round without the review names no superior.
    assert post(client_for(superior), measure_a, "review").status_code == 403
    measure_a.refresh_from_db()
    assert measure_a.status == S.SUBMITTED


# --- Every step as every role -------------------------------------------------------------

ENDORSE_ANSWER = {
    "admin": 200,  # the bootstrap superuser acts for anyone
    "office": 403,
    "leader": 403,
    "liaison_a": 403,  # the submitter, and not the head
    "liaison_b": 404,  # outside unit B's scope
    "head": 200,
    "superior": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_unit_head_endorses(role, everyone, chained, measure_a, client_for, media):
    submitted(measure_a, everyone["liaison_a"])
    before = StatusChange.objects.count()

    response = post(client_for(everyone[role]), measure_a, "endorse", {"comment": "属实"})

    assert response.status_code == ENDORSE_ANSWER[role], response.content
    measure_a.refresh_from_db()
    if ENDORSE_ANSWER[role] == 200:
        assert measure_a.status == S.REVIEWING
        assert measure_a.endorsed_by == everyone[role]
        row = StatusChange.objects.latest("id")
        assert (row.action, row.from_status, row.to_status) == ("endorse", "endorsing", "reviewing")
        assert row.comment == "属实"
    else:
        assert measure_a.status == S.ENDORSING
        assert StatusChange.objects.count() == before


REVIEW_ANSWER = {
    "admin": 200,
    "office": 403,
    "leader": 403,  # a leader, but not the one the round names
    "liaison_a": 403,
    "liaison_b": 404,
    "head": 403,
    "superior": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_named_superior_reviews(role, everyone, chained, measure_a, client_for, media):
    endorsed(submitted(measure_a, everyone["liaison_a"]), everyone["head"])

    response = post(client_for(everyone[role]), measure_a, "review", {"comment": "同意"})

    assert response.status_code == REVIEW_ANSWER[role], response.content
    measure_a.refresh_from_db()
    assert measure_a.status == (S.SUBMITTED if REVIEW_ANSWER[role] == 200 else S.REVIEWING)


APPROVE_ANSWER = {
    "admin": 200,
    "office": 200,
    "leader": 403,
    "liaison_a": 403,
    "liaison_b": 404,
    "head": 403,
    "superior": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_the_office_signs_off_what_passed_the_chain(
    role, everyone, chained, measure_a, client_for, media
):
    endorsed(submitted(measure_a, everyone["liaison_a"]), everyone["head"])
    services.measure_review(measure_id=measure_a.pk, actor=everyone["superior"])

    response = post(client_for(everyone[role]), measure_a, "approve")

    assert response.status_code == APPROVE_ANSWER[role], response.content
    measure_a.refresh_from_db()
    assert measure_a.status == (S.CLOSED if APPROVE_ANSWER[role] == 200 else S.SUBMITTED)


@pytest.mark.parametrize("step", ["review", "approve"])
def test_no_step_is_taken_before_its_turn(step, everyone, chained, measure_a, client_for, media):
    submitted(measure_a, everyone["liaison_a"])
    who = {"review": "superior", "approve": "office"}[step]
    assert post(client_for(everyone[who]), measure_a, step).status_code == 409
    measure_a.refresh_from_db()
    assert measure_a.status == S.ENDORSING


def test_with_the_head_alone_the_endorsement_goes_to_the_office(
    inspection_round, measure_a, liaison_a, head, media
):
    inspection_round.endorsement = Chain.HEAD
    inspection_round.save()
    measure = endorsed(submitted(measure_a, liaison_a), head)
    assert measure.status == S.SUBMITTED


# --- Nobody vouches for their own submission ----------------------------------------------


def test_a_head_who_submitted_cannot_endorse_it(chained, measure_a, head, client_for, media):
    submitted(measure_a, head)

    response = post(client_for(head), measure_a, "endorse")

    assert response.status_code == 403
    measure_a.refresh_from_db()
    assert measure_a.status == S.ENDORSING and measure_a.endorsed_by is None


def test_whoever_endorsed_cannot_review_or_sign_off(
    chained, measure_a, liaison_a, head, admin_user, client_for, media
):
    submitted(measure_a, liaison_a)
    services.measure_endorse(measure_id=measure_a.pk, actor=admin_user)

    assert post(client_for(admin_user), measure_a, "review").status_code == 403
    measure_a.refresh_from_db()
    assert measure_a.status == S.REVIEWING


def test_whoever_reviewed_cannot_sign_off(
    chained, measure_a, liaison_a, head, admin_user, client_for, media
):
    endorsed(submitted(measure_a, liaison_a), head)
    services.measure_review(measure_id=measure_a.pk, actor=admin_user)

    assert post(client_for(admin_user), measure_a, "approve").status_code == 403
    measure_a.refresh_from_db()
    assert measure_a.status == S.SUBMITTED


# --- Return at each step ------------------------------------------------------------------

RETURNERS = {
    S.ENDORSING: {"admin", "head"},
    S.REVIEWING: {"admin", "superior"},
    S.SUBMITTED: {"admin", "office"},
}


def put_at(step: str, everyone: dict, measure: Measure) -> None:
    submitted(measure, everyone["liaison_a"])
    if step in (S.REVIEWING, S.SUBMITTED):
        endorsed(measure, everyone["head"])
    if step == S.SUBMITTED:
        services.measure_review(measure_id=measure.pk, actor=everyone["superior"])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", list(RETURNERS))
def test_each_step_returns_to_the_liaison_by_its_owner(
    step, role, everyone, chained, measure_a, client_for, media
):
    put_at(step, everyone, measure_a)

    response = post(client_for(everyone[role]), measure_a, "return", {"reason": "签字不全"})

    expected = 404 if role == "liaison_b" else (200 if role in RETURNERS[step] else 403)
    assert response.status_code == expected, response.content
    measure_a.refresh_from_db()
    if expected == 200:
        assert measure_a.status == S.IN_PROGRESS
        assert measure_a.endorsed_by is None and measure_a.reviewed_by is None
        row = StatusChange.objects.latest("id")
        assert (row.action, row.from_status, row.comment) == ("return", step, "签字不全")
    else:
        assert measure_a.status == step


def test_a_return_needs_its_reason_at_every_step(everyone, chained, measure_a, client_for, media):
    submitted(measure_a, everyone["liaison_a"])
    response = post(client_for(everyone["head"]), measure_a, "return", {"reason": " "})
    assert response.status_code == 400
    measure_a.refresh_from_db()
    assert measure_a.status == S.ENDORSING


# --- What the chain records ---------------------------------------------------------------


def test_the_whole_chain_is_in_the_history_and_the_audit_chain(everyone, chained, measure_a, media):
    endorsed(submitted(measure_a, everyone["liaison_a"]), everyone["head"])
    services.measure_review(measure_id=measure_a.pk, actor=everyone["superior"], comment="同意")
    services.measure_approve(measure_id=measure_a.pk, actor=everyone["office"])

    steps = list(
        measure_a.history.exclude(action="edit").values_list("action", "from_status", "to_status")
    )
    assert steps == [
        ("start", "not_started", "in_progress"),
        ("submit", "in_progress", "endorsing"),
        ("endorse", "endorsing", "reviewing"),
        ("review", "reviewing", "submitted"),
        ("approve", "submitted", "closed"),
    ]
    # The audit chain holds each move of the measure's status, with who made it.
    entries = AuditEntry.objects.filter(
        model="rectification.measure", object_id=str(measure_a.pk)
    ).order_by("id")
    moves = [e.changes["status"] for e in entries if "status" in e.changes]
    assert [move[-1] if isinstance(move, list) else move for move in moves][-4:] == [
        "endorsing",
        "reviewing",
        "submitted",
        "closed",
    ], moves


def test_an_endorsement_keeps_the_signed_scan_as_evidence(
    chained, measure_a, liaison_a, head, client_for, media
):
    submitted(measure_a, liaison_a)
    response = post(
        client_for(head),
        measure_a,
        "endorse",
        {"comment": "签字件附后", "evidence_file": pdf_upload("签字背书.pdf")},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    assert measure_a.evidence.filter(original_name="签字背书.pdf", uploaded_by=head).exists()


# --- Bad input answers 400 ----------------------------------------------------------------


def test_an_endorsement_with_a_disguised_file_is_refused(
    chained, measure_a, liaison_a, head, client_for, media
):
    submitted(measure_a, liaison_a)
    bad = pdf_upload("签字.pdf", ELF_BYTES)
    response = post(
        client_for(head), measure_a, "endorse", {"evidence_file": bad}, format="multipart"
    )
    assert response.status_code == 400
    measure_a.refresh_from_db()
    assert measure_a.status == S.ENDORSING
    assert not measure_a.evidence.filter(uploaded_by=head).exists()


def test_a_chain_round_refuses_a_submission_its_unit_has_no_head_for(
    chained, measure_a, liaison_a, client_for, media
):
    services.measure_start(measure_id=measure_a.pk, actor=liaison_a)
    add_evidence(measure_a, liaison_a)
    response = post(client_for(liaison_a), measure_a, "submit", {"result_summary": "已完成"})
    assert response.status_code == 400
    measure_a.refresh_from_db()
    assert measure_a.status == S.IN_PROGRESS


@pytest.mark.parametrize(
    "body",
    [
        {"endorsement": "everyone"},
        {"endorsement": "head_and_superior"},  # no superior named
        {"endorsement": "head_and_superior", "endorsement_superior": "office"},  # not a leader
        {"endorsement": "head", "endorsement_superior": 999999},
    ],
)
def test_the_round_refuses_a_chain_it_cannot_run(body, inspection_round, everyone, client_for):
    if body.get("endorsement_superior") == "office":
        body = {**body, "endorsement_superior": everyone["office"].pk}
    response = client_for(everyone["office"]).patch(
        f"/api/v1/rounds/{inspection_round.pk}/", body, format="json"
    )
    assert response.status_code == 400, response.content
    inspection_round.refresh_from_db()
    assert inspection_round.endorsement == Chain.NONE


def test_the_office_sets_the_chain_on_the_round(inspection_round, everyone, client_for):
    response = client_for(everyone["office"]).patch(
        f"/api/v1/rounds/{inspection_round.pk}/",
        {"endorsement": "head_and_superior", "endorsement_superior": everyone["superior"].pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    inspection_round.refresh_from_db()
    assert inspection_round.endorsement_superior == everyone["superior"]
    assert (
        client_for(everyone["leader"])
        .patch(f"/api/v1/rounds/{inspection_round.pk}/", {"endorsement": "none"}, format="json")
        .status_code
        == 403
    )


# --- The numbers at each step, on the workbench and the dashboard --------------------------


def test_the_numbers_count_the_waiting_at_each_step(
    everyone, chained, problem, unit_a, client_for, media
):
    from tests.factories import MeasureFactory

    measures = [MeasureFactory(problem=problem, seq=n, lead_unit=unit_a) for n in range(1, 7)]
    for m in measures[:3]:
        submitted(m, everyone["liaison_a"])  # three wait for the head
    for m in measures[1:3]:
        endorsed(m, everyone["head"])  # two of them for the superior
    services.measure_review(measure_id=measures[2].pk, actor=everyone["superior"])  # one office

    numbers = measure_numbers(Measure.objects.all())
    assert (numbers["endorsing"], numbers["reviewing"], numbers["submitted"]) == (1, 1, 1)

    office = client_for(everyone["office"])
    summary = office.get("/api/v1/dashboard/summary/").json()
    assert (summary["endorsing"], summary["reviewing"], summary["submitted"]) == (1, 1, 1)
    stats = office.get(f"/api/v1/rounds/{chained.pk}/stats/").json()
    assert (stats["endorsing"], stats["reviewing"], stats["submitted"]) == (1, 1, 1)

    page = signed_in(everyone["office"]).get(reverse("workbench"))
    assert page.context["counts"]["endorsing"] == 1
    assert page.context["counts"]["reviewing"] == 1
    # The office's review queue holds only what passed the chain.
    assert [m.pk for m in page.context["review"]] == [measures[2].pk]

    board = signed_in(everyone["leader"]).get(reverse("dashboard"))
    html = board.content.decode()
    for kpi in ("endorsing", "reviewing", "submitted"):
        # Each card opens the measures waiting at its step.
        assert f'data-kpi="{kpi}" href="/measures/?' in html and f"counted={kpi}" in html
    assert (board.context["summary"]["endorsing"], board.context["summary"]["reviewing"]) == (1, 1)


# --- Each step's queue --------------------------------------------------------------------


def test_the_head_and_the_superior_find_their_step_on_their_landing_page(
    everyone, chained, measure_a, client_for, media
):
    submitted(measure_a, everyone["liaison_a"])
    head = signed_in(everyone["head"])
    assert head.get(reverse("home")).url == reverse("my-tasks")
    page = head.get(reverse("my-tasks"))
    assert [m.pk for m in page.context["waiting"]] == [measure_a.pk]
    assert f'id="endorse-form-{measure_a.pk}"' in page.content.decode()
    # The plain liaison has nothing to endorse.
    assert signed_in(everyone["liaison_a"]).get(reverse("my-tasks")).context["waiting"] == []

    endorsed(measure_a, everyone["head"])
    superior = signed_in(everyone["superior"])
    assert superior.get(reverse("home")).url == reverse("my-tasks")
    page = superior.get(reverse("my-tasks"))
    assert [m.pk for m in page.context["waiting"]] == [measure_a.pk]
    assert f'id="review-form-{measure_a.pk}"' in page.content.decode()
    # Another leader still starts at the dashboard, and is sent on there from the tasks page.
    leader = signed_in(everyone["leader"])
    assert leader.get(reverse("home")).url == reverse("dashboard")
    assert leader.get(reverse("my-tasks")).url == reverse("home")


def test_the_superior_who_reviews_the_last_one_lands_on_their_dashboard(
    everyone, chained, measure_a, liaison_a, media
):
    submitted(measure_a, liaison_a)
    endorsed(measure_a, everyone["head"])
    superior = signed_in(everyone["superior"])

    response = superior.post(
        reverse("measure-step", args=[measure_a.pk, "review"]),
        {"version": Measure.objects.get(pk=measure_a.pk).version, "next": reverse("my-tasks")},
        follow=True,
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    assert "没有待您签字背书或复核的事项" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_measure_page_shows_the_endorsement_to_the_head_only(
    role, everyone, chained, measure_a, client_for, media
):
    submitted(measure_a, everyone["liaison_a"])
    page = signed_in(everyone[role]).get(reverse("measure-detail", args=[measure_a.pk]))
    if role == "liaison_b":
        assert page.status_code == 404
        return
    assert page.status_code == 200
    shows = f'id="endorse-form-{measure_a.pk}"' in page.content.decode()
    assert shows == (role in {"admin", "head"})


def test_the_head_endorses_from_the_page(everyone, chained, measure_a, client, media):
    measure = submitted(measure_a, everyone["liaison_a"])
    client.force_login(everyone["head"])
    response = client.post(
        reverse("measure-step", args=[measure_a.pk, "endorse"]),
        {"version": measure.version, "comment": "属实", "next": reverse("my-tasks")},
    )
    assert response.status_code == 302 and response.url == reverse("my-tasks")
    measure_a.refresh_from_db()
    assert measure_a.status == S.REVIEWING


# --- The reminder rung --------------------------------------------------------------------


def chain_notes(user: User) -> int:
    return Notification.objects.filter(recipient=user, kind=Kind.CHAIN_WAITING).count()


def test_a_step_waiting_too_long_reminds_its_owner_once(
    everyone, chained, measure_a, settings, media
):
    settings.REMINDER_CHAIN_WORKING_DAYS = 3
    submitted(measure_a, everyone["liaison_a"])
    today = timezone.localdate()
    later = today + datetime.timedelta(days=14)

    sweep(as_of=today, dispatch=lambda _id: None)
    assert chain_notes(everyone["head"]) == 0  # not waiting long enough yet

    sweep(as_of=later, dispatch=lambda _id: None)
    sweep(as_of=later, dispatch=lambda _id: None)
    sweep(as_of=later + datetime.timedelta(days=3), dispatch=lambda _id: None)
    assert chain_notes(everyone["head"]) == 1
    assert chain_notes(everyone["superior"]) == 0

    endorsed(measure_a, everyone["head"])
    sweep(as_of=later, dispatch=lambda _id: None)
    sweep(as_of=later + datetime.timedelta(days=1), dispatch=lambda _id: None)
    assert chain_notes(everyone["superior"]) == 1
    assert chain_notes(everyone["head"]) == 1
