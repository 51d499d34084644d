"""`load_demo`: a realistic demo that loads once, reloads harmlessly, and lets everyone in."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Jurisdiction, User
from demo.management.commands.load_demo import DEMO_PASSWORD
from findings.models import Problem, ProblemClue
from inspections.models import InspectionRound
from inspections.selectors import overdue_round_reports
from rectification.models import Measure
from rectification.selectors import measures_visible_to
from supervision.models import Evaluation, LookBack, RedBlackList, SupervisionGroup, UrgeNotice

DEMO_APPS = ["accounts", "inspections", "findings", "rectification", "supervision", "reminders"]


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in DEMO_APPS
        for model in apps.get_app_config(app).get_models()
    }


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db) -> dict[str, int]:
    load_demo()
    return row_counts()


def test_it_loads_a_round_with_its_findings_and_people(demo):
    # The district's 13, and the city's and the second county's 9 (市县一体化).
    assert demo["accounts.User"] == 13 + 9
    # The round of the feedback, one with an endorsement chain, the city's joint round and
    # the second county's own.
    assert demo["inspections.InspectionRound"] == 4
    assert demo["findings.Aspect"] == 3
    # Six problems of the feedback, one the supervision group raised on a visit, and the
    # chain round's one; two of the joint round, one of the county's.
    assert demo["findings.Problem"] == 8 + 3
    assert demo["rectification.Measure"] == 16 + 8
    assert demo["findings.ProblemClue"] == 3  # one of them late and never taken up
    assert demo["findings.Petition"] == 3
    # 报告报账: the report sent and acknowledged, a further one due within the week.
    assert demo["inspections.RoundReport"] == 2
    assert overdue_round_reports(timezone.localdate()).count() == 0
    # Every status but the superior's review: the demo leader starts at the dashboard.
    assert set(Measure.objects.values_list("status", flat=True)) == set(Measure.Status.values) - {
        Measure.Status.REVIEWING
    }


def test_it_loads_the_supervision_of_the_round(demo):
    group = SupervisionGroup.objects.get()
    assert [m.username for m in group.members.all()] == ["inspector"]
    assert demo["supervision.SupervisionVisit"] == 3
    levels = set(UrgeNotice.objects.values_list("level", flat=True))
    assert levels == {"remind", "urge", "interview"}
    assert set(UrgeNotice.objects.values_list("status", flat=True)) == {
        "open",
        "replied",
        "escalated",
    }
    look_back = LookBack.objects.get()
    assert look_back.finished_at is not None
    verdicts = sorted(look_back.items.values_list("verdict", flat=True))
    assert verdicts == ["holding", "holding", "relapsed"]
    assert Evaluation.objects.get().status == Evaluation.Status.PUBLISHED
    listing = RedBlackList.objects.get()
    assert len(listing.red) == 1 and len(listing.black) == 1
    assert listing.red[0]["total"] > listing.black[0]["total"]
    assert Problem.objects.filter(source=Problem.Source.SPECIAL_CHECK).count() == 1


def test_it_creates_nothing_more_when_loaded_twice(demo):
    output = load_demo()

    assert row_counts() == demo
    assert "已存在" in output


DEMO_ACCOUNTS = [
    "admin",
    "secadmin",
    "auditadmin",
    "office",
    "office2",
    "leader",
    "head",
    "liaison_a",
    "liaison_b",
    "liaison_c",
    "liaison_d",
    "inspector",
]


@pytest.mark.parametrize("username", DEMO_ACCOUNTS)
def test_it_lets_every_demo_account_sign_in_and_ask_who_it_is(demo, client, username):
    assert client.login(username=username, password=DEMO_PASSWORD)

    response = client.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json()["username"] == username
    assert response.json()["role"] == User.objects.get(username=username).role


@pytest.mark.parametrize("username", ["admin", "secadmin", "auditadmin", "office", "office2"])
def test_it_opens_the_admin_site_to_the_administrators_and_office(demo, client, username):
    assert client.login(username=username, password=DEMO_PASSWORD)

    response = client.get("/admin/")

    assert response.status_code == 200


@pytest.mark.parametrize("username", ["leader", "liaison_a"])
def test_it_keeps_others_out_of_the_admin_site(demo, client, username):
    assert client.login(username=username, password=DEMO_PASSWORD)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_it_shows_a_demo_liaison_only_their_units_measures(demo, client):
    client.login(username="liaison_b", password=DEMO_PASSWORD)

    response = client.get("/api/v1/measures/", {"page_size": 500})

    # 建筑市场监管科 leads four measures (one on the problem the supervision group raised)
    # and cooperates on one of 房屋征收管理中心's.
    unit_names = {(row["lead_unit_name"]) for row in response.json()["results"]}
    assert response.json()["count"] == 5
    assert unit_names == {"建筑市场监管科", "房屋征收管理中心"}


def test_it_gives_the_demo_three_separated_administrators_and_no_superuser(demo):
    roles = dict(
        User.objects.filter(username__in=["admin", "secadmin", "auditadmin"]).values_list(
            "username", "role"
        )
    )

    assert roles == {
        "admin": User.Role.SYSTEM_ADMIN,
        "secadmin": User.Role.SECURITY_ADMIN,
        "auditadmin": User.Role.AUDIT_ADMIN,
    }
    assert not User.objects.filter(is_superuser=True).exists()


def test_it_loads_a_comment_thread_whose_mentions_reached_their_people(demo):
    from rectification.models import MeasureComment
    from reminders.models import Notification

    thread = list(MeasureComment.objects.order_by("id"))
    told = Notification.objects.filter(kind="mention").order_by("id")

    assert len(thread) == 2 and thread[0].measure_id == thread[1].measure_id
    assert [n.recipient.username for n in told] == ["liaison_a", "office"]
    load_demo()
    assert MeasureComment.objects.count() == 2
    assert Notification.objects.filter(kind="mention").count() == 2


def test_it_shows_the_office_a_late_clue_in_red_on_the_workbench(demo, client):
    late = ProblemClue.objects.get(summary="反映某街道干部违规发放拆迁补贴")
    client.force_login(User.objects.get(username="office"))

    html = client.get("/workbench/").content.decode()

    assert late.status == ProblemClue.Status.TRANSFERRED
    assert late.feedback_due < timezone.localdate()
    row = html.split(f'data-late-clue="{late.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "colour-red" in row


def test_it_loads_a_submission_waiting_for_the_heads_endorsement(demo):
    from accounts.models import User
    from inspections.models import InspectionRound
    from rectification.models import Measure
    from rectification.selectors import chain_queue

    head = User.objects.get(username="head_a")
    chain_round = InspectionRound.objects.get(
        endorsement=InspectionRound.Endorsement.HEAD_AND_SUPERIOR
    )
    assert chain_round.endorsement_superior == User.objects.get(username="leader")
    waiting = list(chain_queue(head))
    assert [m.status for m in waiting] == [Measure.Status.ENDORSING]
    assert waiting[0].lead_unit.head == head and waiting[0].submitted_by.username == "liaison_a"


def test_it_shows_a_city_with_two_counties_and_a_joint_round(demo):
    city = Jurisdiction.objects.get(name="江州市委巡察工作领导小组办公室")
    district, county = (Jurisdiction.objects.get(short_name=name) for name in ("临溪区", "青山县"))
    assert Jurisdiction.objects.top() == city
    assert {district.parent_id, county.parent_id} == {city.pk}
    people = {
        u.username: u
        for u in User.objects.filter(username__in=["jz_office", "office", "qs_office"])
    }
    joint = InspectionRound.objects.get(name__contains="市县联动")
    joint_measures = Measure.objects.filter(problem__round=joint)
    assert joint.jurisdiction == city
    led_by = {key: set(joint_measures.filter(lead_unit__jurisdiction=j)) for key, j in
              (("city", city), ("district", district), ("county", county))}  # fmt: skip
    assert all(led_by.values())  # led by units of all three

    seen = {name: set(measures_visible_to(user)) for name, user in people.items()}
    assert seen["jz_office"] == set(Measure.objects.all())
    assert (
        seen["office"]
        == set(Measure.objects.filter(problem__round__jurisdiction=district)) | led_by["district"]
    )
    assert (
        seen["qs_office"]
        == set(Measure.objects.filter(problem__round__jurisdiction=county)) | led_by["county"]
    )
    # The joint measures are the county's to work and counted once for the city.
    assert measures_visible_to(people["jz_office"]).count() == Measure.objects.count()
    liaison = User.objects.get(username="qs_liaison2")
    assert set(measures_visible_to(liaison)) == led_by["county"]
