"""Reads of inspection rounds: who sees which round."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from accounts.selectors import in_jurisdiction_scope, in_liaison_scope, of_jurisdictions

from .models import InspectionRound, RoundReport, round_report_overdue_filter


def rounds_visible_to(user: User) -> QuerySet[InspectionRound]:
    qs = InspectionRound.objects.select_related("target_unit", "jurisdiction")
    if user.sees_jurisdiction:
        return in_jurisdiction_scope(qs, user, via="problems__measures__", round_via="")
    if user.is_liaison and user.unit_id:
        return in_liaison_scope(qs, user.unit_id, via="problems__measures__")
    return qs.none()


def rounds_owned_by(user: User) -> QuerySet[InspectionRound]:
    """The rounds a user may add to and change the round's own matters of (problems, clues,
    reports, look-backs, evaluations, imports, publications): those they see, less the joint
    rounds of the level above, where an office reads its units' measures only."""
    return (
        of_jurisdictions(rounds_visible_to(user), user, "")
        if user.sees_jurisdiction
        else (rounds_visible_to(user))
    )


def round_reports_visible_to(user: User) -> QuerySet[RoundReport]:
    """Rectification reports: office, admin and leaders (a round-level matter, not a unit's)."""
    if user.sees_jurisdiction:
        qs = RoundReport.objects.select_related("round")
        return in_jurisdiction_scope(qs, user, via=None, round_via="round__")
    return RoundReport.objects.none()


def overdue_round_reports(as_of: datetime.date) -> QuerySet[RoundReport]:
    """Reports past their due date and not yet sent, for the dashboard and the reminders."""
    return RoundReport.objects.filter(round_report_overdue_filter(as_of))


def round_report_numbers(rounds: QuerySet[InspectionRound], as_of: datetime.date) -> dict:
    """The rounds' rectification reports (报告报账): recorded, sent, and overdue as of a day."""
    return RoundReport.objects.filter(round__in=rounds.values("pk")).aggregate(
        total=Count("id"),
        sent=Count("id", filter=Q(sent_on__isnull=False)),
        overdue=Count("id", filter=round_report_overdue_filter(as_of)),
    )
