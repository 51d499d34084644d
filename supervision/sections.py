"""What supervision shows on rectification's pages (rectification/sections.py): the urge
notices on the liaison's tasks, the office's workbench and the measure's page, the look-back
on the round's page, and the measure list's filter by supervision group."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy

from accounts.models import User
from config.filters import IdFilter
from inspections.models import InspectionRound
from rectification import filters, sections
from rectification.models import Measure, today

from . import lookback, urges
from .forms import UrgeIssueForm
from .models import UrgeNotice

# What includes/urge_card.html (on the tasks page, the workbench and a measure's page) shows
# of a notice besides its replies and measures: joining its measure and round as well costs
# PostgreSQL more to plan (2-4 ms) than to run.
CARD = ("unit", "issued_by", "group")


def _my_tasks(user: User, *, day: datetime.date, limit: int) -> dict[str, Any]:
    # Urge notices to the unit come first: they are what the office presses for.
    live = urges.live_urges(user).select_related(None).select_related(*CARD)
    return {"urges": urges.with_replies(live)[:limit]}


def _workbench(user: User, *, day: datetime.date, limit: int) -> dict[str, Any]:
    live = urges.live_urges(user)
    counts = live.order_by().aggregate(
        urges_unanswered=Count("id", filter=Q(status=UrgeNotice.Status.OPEN, reply_due__lt=day)),
        urges_replied=Count("id", filter=Q(status=UrgeNotice.Status.REPLIED)),
    )
    # Replies to decide and notices past their reply date: the office's urge queue.
    waiting = live.filter(
        Q(status=UrgeNotice.Status.REPLIED) | Q(status=UrgeNotice.Status.OPEN, reply_due__lt=day)
    )
    waiting = waiting.select_related(None).select_related(*CARD)
    return {"counts": counts, "urges": urges.with_replies(waiting)[:limit]}


def _round_detail(user: User, *, inspection_round: InspectionRound) -> dict[str, Any] | None:
    # The look-back's figures are the office's round-wide review: leaders and office.
    if not user.sees_jurisdiction:
        return None
    return {
        "numbers": lookback.round_look_back_numbers(inspection_round),
        "look_backs": lookback.look_backs_visible_to(user).filter(round=inspection_round),
    }


def _measure_detail(user: User, *, measure: Measure) -> dict[str, Any]:
    return {
        "urges": urges.with_replies(
            urges.urges_visible_to(user)
            .filter(measures=measure)
            .select_related(None)
            .select_related(*CARD)
        ).order_by("-issued_at", "-id"),
        "can_urge": measure.lead_unit is not None
        and urges.can_issue_for(user, measure.lead_unit, [measure.problem.round_id]),
    }


def _measure_bulk(user: User, *, count: int) -> dict[str, Any] | None:
    """The urge form of the bulk page (which is the office's): one notice per lead unit."""
    if not user.is_office:
        return None
    initial = {"reply_due": today() + datetime.timedelta(days=7), "level": "remind"}
    return {"form": UrgeIssueForm(initial=initial), "count": count}


def _followed_by_group(qs: QuerySet[Measure], name: str, value: int | None) -> QuerySet[Measure]:
    """The measures a supervision group follows: its rounds' measures led by its units."""
    if value is None:
        return qs
    return qs.filter(problem__round__supervision_groups=value, lead_unit__supervision_groups=value)


filters.add_filter(
    "group", IdFilter(method=_followed_by_group, label=gettext_lazy("supervision group"))
)
sections.register("my_tasks", _my_tasks, top="supervision/_my_tasks_urges.html")
sections.register(
    "workbench",
    _workbench,
    counters="supervision/_workbench_counters.html",
    actions="supervision/_workbench_actions.html",
    queues="supervision/_workbench_urges.html",
)
sections.register("round_detail", _round_detail, numbers="supervision/_round_look_back.html")
sections.register("measure_detail", _measure_detail, records="supervision/_measure_urges.html")
sections.register("measure_bulk", _measure_bulk, actions="supervision/_bulk_urge.html")
