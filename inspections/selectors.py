"""Reads of inspection rounds: who sees which round."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from accounts.models import User
from accounts.selectors import in_liaison_scope

from .models import InspectionRound, RoundReport, round_report_overdue_filter


def rounds_visible_to(user: User) -> QuerySet[InspectionRound]:
    qs = InspectionRound.objects.select_related("target_unit")
    if user.sees_everything:
        return qs
    if user.is_liaison and user.unit_id:
        return in_liaison_scope(qs, user.unit_id, via="problems__measures__")
    return qs.none()


def round_reports_visible_to(user: User) -> QuerySet[RoundReport]:
    """Rectification reports: office, admin and leaders (a round-level matter, not a unit's)."""
    if user.sees_everything:
        return RoundReport.objects.select_related("round")
    return RoundReport.objects.none()


def overdue_round_reports(as_of: datetime.date) -> QuerySet[RoundReport]:
    """Reports past their due date and not yet sent, for the dashboard and the reminders."""
    return RoundReport.objects.filter(round_report_overdue_filter(as_of))
