"""The reminder sweep of DESIGN.md section 8, its deliveries, and the notification centre.

One sweep runs in three phases, each safe to crash and rerun:

1. Record. Stream the measures and units that can be due, in keyset-paginated chunks, and
   for every reminder that has no ReminderLog row yet insert the row and its in-app
   Notification in one transaction. A measure is read only once its next_rung_on has come
   (a save that changes its ladder puts it back at its first rung); once its rung is
   recorded the sweep moves it on to the next, so a rerun the same day reads none. The
   log's unique key (measure, kind, deadline in force, step, recipient) is what makes a
   rerun or a concurrent sweep send nothing twice.
   What escalates to the office and to the heads (a measure on a red rung, a submission
   waiting for review) is recorded once per item as an Escalation, not once per person.
   Then one EscalationDigest claims every item not yet in a digest (a conditional update)
   and tells each office user, and each head concerned, once: counts by round and unit,
   with links to the filtered lists. The work grows with the office, not the backlog.
2. Batch. Claim every recipient's logs that are not in an email yet with a conditional
   update, and write ONE email per recipient (and one chat-robot message per unit with a
   webhook) as a ReminderDelivery row, so nobody gets twenty messages from one sweep.
3. Deliver after commit: a Celery task per delivery, retried with back-off; the delivery
   row keeps its status, attempts and last error. Unsent deliveries left behind by a lost
   task are queued again by a later sweep.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import logging
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.utils import DNS_NAME
from django.db import IntegrityError, connection, models, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Subquery,
    When,
)
from django.db.models.fields.tuple_lookups import (  # type: ignore[import-untyped]
    Tuple,
    TupleGreaterThan,
)
from django.db.models.functions import Coalesce, TruncDate
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Unit, User
from findings.models import HandedOver, Petition, ProblemClue
from inspections.models import RoundReport
from rectification.models import Measure, ProgressReport, colour_filter, today
from rectification.services import period_key
from supervision.models import LEVEL_ORDER, UrgeNotice

from . import workdays
from .models import Escalation, EscalationDigest, Notification, ReminderDelivery, ReminderLog

logger = logging.getLogger(__name__)

Colour = Measure.Colour
Status = ReminderDelivery.Status
CLOSED = Measure.Status.CLOSED
ONE_DAY = datetime.timedelta(days=1)


class Kind(models.TextChoices):
    """The kinds of reminder, as stored in ReminderLog.kind and Notification.kind."""

    GREEN = "green", gettext_lazy("Green reminder")
    YELLOW = "yellow", gettext_lazy("Yellow warning")
    FINAL = "final", gettext_lazy("Last reminder before the deadline")
    RED = "red", gettext_lazy("Red supervision")
    PROGRESS_DUE = "progress_due", gettext_lazy("Progress report due")
    REVIEW_WAITING = "review_waiting", gettext_lazy("Waiting for review")
    CHAIN_WAITING = "chain_waiting", gettext_lazy("Waiting for your endorsement or review")
    UNIT_WITHOUT_LIAISON = "unit_without_liaison", gettext_lazy("Unit without liaison")
    MEASURE_WITHOUT_LEAD_UNIT = "measure_without_lead_unit", gettext_lazy("No lead unit")
    URGE_ISSUED = "urge_issued", gettext_lazy("Urge notice")
    URGE_OVERDUE = "urge_overdue", gettext_lazy("Urge notice unanswered")
    REPORT_DUE = "report_due", gettext_lazy("Rectification report due")
    REPORT_OVERDUE = "report_overdue", gettext_lazy("Rectification report overdue")
    FEEDBACK_GREEN = "feedback_green", gettext_lazy("Feedback due: green reminder")
    FEEDBACK_YELLOW = "feedback_yellow", gettext_lazy("Feedback due: yellow warning")
    FEEDBACK_RED = "feedback_red", gettext_lazy("Feedback late: red supervision")
    DIGEST = "digest", gettext_lazy("Supervision digest")
    MENTION = "mention", gettext_lazy("Mentioned in a comment")


DEADLINE_KINDS = (Kind.GREEN, Kind.YELLOW, Kind.FINAL, Kind.RED)
# What a unit's chat robot hears about: its own measures and reports, not office matters.
URGE_KINDS = (Kind.URGE_ISSUED, Kind.URGE_OVERDUE)
REPORT_KINDS = (Kind.REPORT_DUE, Kind.REPORT_OVERDUE)
# The feedback owed on a clue or petition: the office's alone, never a unit's chat robot.
FEEDBACK_KINDS = (Kind.FEEDBACK_GREEN, Kind.FEEDBACK_YELLOW, Kind.FEEDBACK_RED)
WEBHOOK_KINDS = frozenset({*DEADLINE_KINDS, Kind.PROGRESS_DUE, *URGE_KINDS})
# The order in which a message lists its items: the most urgent first.
SEVERITY = [
    Kind.URGE_OVERDUE,
    Kind.URGE_ISSUED,
    Kind.REPORT_OVERDUE,
    Kind.FEEDBACK_RED,
    Kind.DIGEST,
    Kind.MENTION,
    Kind.RED,
    Kind.FINAL,
    Kind.YELLOW,
    Kind.GREEN,
    Kind.FEEDBACK_YELLOW,
    Kind.FEEDBACK_GREEN,
    Kind.CHAIN_WAITING,
    Kind.REVIEW_WAITING,
    Kind.REPORT_DUE,
    Kind.PROGRESS_DUE,
    Kind.UNIT_WITHOUT_LIAISON,
    Kind.MEASURE_WITHOUT_LEAD_UNIT,
]


class DeliveryFailed(Exception):
    """An email or webhook could not be sent; the Celery task retries it."""


# --- Phase 1: what is due -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Reminder:
    """One reminder to one person, before it is recorded."""

    kind: str
    recipient_id: int
    key_date: datetime.date
    measure: Measure | None = None
    unit: Unit | None = None
    step: int = 0
    detail: dict = dataclasses.field(default_factory=dict, compare=False, hash=False)
    report: RoundReport | None = None
    clue: ProblemClue | None = None
    petition: Petition | None = None

    @property
    def about_unit(self) -> bool:
        """About a unit as a whole: no measure, report, clue or petition."""
        return not (self.measure or self.report or self.clue or self.petition)

    @property
    def required_measure(self) -> Measure:
        """The measure of a reminder about one; asking a unit's reminder for it is a bug."""
        if self.measure is None:
            raise ValueError(f"A {self.kind} reminder is about a unit, not a measure.")
        return self.measure

    @property
    def required_unit(self) -> Unit:
        """The unit of a reminder about a unit as a whole."""
        if self.unit is None:
            raise ValueError(f"A {self.kind} reminder names no unit.")
        return self.unit

    @property
    def item(self) -> tuple:
        """The reminder without its recipient: what a chat robot hears once."""
        if self.measure is not None:
            return ("m", self.measure.pk, self.kind, self.key_date, self.step)
        if self.report is not None:
            return ("r", self.report.pk, self.kind, self.key_date, self.step)
        if self.clue is not None:
            return ("c", self.clue.pk, self.kind, self.key_date, self.step)
        if self.petition is not None:
            return ("p", self.petition.pk, self.kind, self.key_date, self.step)
        return ("u", self.required_unit.pk, self.kind, self.key_date, 0)

    @property
    def key(self) -> tuple:
        """The unique key of its ReminderLog row."""
        return (*self.item, self.recipient_id)


@dataclasses.dataclass(frozen=True)
class Item:
    """One escalation before it is recorded: told to the office (and a red one to the
    head of the inspected organisation) in the sweep's digest, once."""

    kind: str
    measure: Measure
    key_date: datetime.date
    step: int = 0

    @property
    def key(self) -> tuple:
        """The unique key of its Escalation row."""
        return (self.measure.pk, self.kind, self.key_date, self.step)


Entry = Reminder | Item


def red_step(days_overdue: int) -> int:
    """The weekly step of something overdue: 1 from the day after it was due, 2 a repeat
    period later, and so on."""
    return (days_overdue - 1) // settings.REMINDER_RED_REPEAT_DAYS + 1


def ladder_step(measure: Measure, day: datetime.date) -> tuple[str, int] | None:
    """The rung of the three-colour ladder a measure stands on, as (kind, step).

    It refines Measure.warning_colour, the colour the lists show: yellow splits into the
    10-day warning and the last reminder, red into weekly steps (1 = the day after).
    """
    colour = measure.warning_colour(day)
    days_left = measure.days_left(day)
    if colour == Colour.NONE or days_left is None:  # a colour implies a deadline
        return None
    if colour == Colour.RED:
        return Kind.RED, red_step(-days_left)
    if colour == Colour.YELLOW:
        return (Kind.FINAL if days_left <= settings.REMINDER_LAST_DAYS else Kind.YELLOW), 0
    return Kind.GREEN, 0


def _keyset_chunks(qs: models.QuerySet, first: str, second: str = "id") -> Iterator[list]:
    """Rows of `qs` in chunks, paginated on (first, second) so memory stays flat.

    Keyset pagination rather than OFFSET: each page starts where the last one ended, at
    the same cost however far the sweep has gone. The start is one row-value comparison,
    `(first, second) > (a, b)`, which an index on (first, second) seeks to directly; the
    same condition spelt `first > a OR (first = a AND second > b)` is not an index start
    point, and each chunk would rescan the range from its beginning.
    """
    size = settings.REMINDER_SWEEP_CHUNK
    fields = (first,) if first == second else (first, second)
    last: tuple | None = None
    while True:
        page = qs.order_by(*fields)
        if last is not None and len(fields) == 1:
            page = page.filter(**{f"{first}__gt": last[0]})
        elif last is not None:
            page = page.filter(TupleGreaterThan(Tuple(F(first), F(second)), last))
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last = tuple(getattr(rows[-1], field) for field in fields)


class _People:
    """Who is told what: liaisons per unit (per chunk), office staff (once per sweep).

    Office staff hear only of their own jurisdiction's work (DESIGN.md section 12): a
    round's matters go to the office of the round's jurisdiction; a measure, to that office
    and, in a joint round, to the office of its lead unit's jurisdiction; a unit without
    liaison, to the office of the unit's jurisdiction. A city's office is not told of its
    counties' work: it sees it on its dashboard.
    """

    def __init__(self) -> None:
        rows = (
            User.objects.filter(role=User.Role.OFFICE, is_active=True)
            .order_by("id")
            .values_list("id", "jurisdiction_id")
        )
        self.office_by_jurisdiction: dict[int, list[int]] = {}
        for user_id, jurisdiction_id in rows:
            self.office_by_jurisdiction.setdefault(jurisdiction_id, []).append(user_id)
        self.office = [user_id for ids in self.office_by_jurisdiction.values() for user_id in ids]
        self.liaisons: dict[int, list[int]] = {}

    def office_of(self, *jurisdiction_ids: int | None) -> list[int]:
        """The office staff of these jurisdictions, each once."""
        told: dict[int, None] = {}
        for jurisdiction_id in jurisdiction_ids:
            if jurisdiction_id is not None:
                told.update(dict.fromkeys(self.office_by_jurisdiction.get(jurisdiction_id, ())))
        return list(told)

    def load_liaisons(self, unit_ids: set[int]) -> None:
        self.liaisons = {unit_id: [] for unit_id in unit_ids}
        rows = User.objects.filter(
            role=User.Role.LIAISON, is_active=True, unit_id__in=unit_ids
        ).order_by("id")
        for user_id, unit_id in rows.values_list("id", "unit_id"):
            self.liaisons[unit_id].append(user_id)


def _no_liaison(unit: Unit, people: _People, day: datetime.date) -> list[Reminder]:
    return [
        Reminder(Kind.UNIT_WITHOUT_LIAISON, office_id, day, unit=unit)
        for office_id in people.office_of(unit.jurisdiction_id)
    ]


def next_rung_after(measure: Measure, day: datetime.date) -> datetime.date | None:
    """The first day after `day` on which ladder_step(measure, ·) answers something else:
    where the sweep reads the measure next. None when it has no rung to come (no deadline,
    long-term, signed off)."""
    if measure.deadline is None or measure.is_long_term or not measure.is_open:
        return None
    deadline = measure.deadline
    days_left = (deadline - day).days
    for threshold in (
        settings.REMINDER_GREEN_DAYS,
        settings.REMINDER_YELLOW_DAYS,
        settings.REMINDER_LAST_DAYS,
    ):
        if days_left > threshold:
            return deadline - datetime.timedelta(days=threshold)
    if days_left >= 0:
        return deadline + ONE_DAY
    step = red_step(-days_left)
    return deadline + datetime.timedelta(days=step * settings.REMINDER_RED_REPEAT_DAYS + 1)


# Rows per conditional update when the sweep moves measures on (SQLite's expression depth).
ADVANCE_BATCH = 100


def _advance(measures: list[Measure], day: datetime.date) -> None:
    """Move each measure's next_rung_on past `day`, once its rung of `day` is recorded.

    Conditional on updated_at: a measure saved meanwhile (a new deadline, a new lead unit)
    has been put back to its first rung by that save, and keeps it.
    """
    by_day: dict[datetime.date | None, list[Measure]] = {}
    for measure in measures:
        by_day.setdefault(next_rung_after(measure, day), []).append(measure)
    for when, group in sorted(by_day.items(), key=lambda pair: pair[0] or datetime.date.max):
        for start in range(0, len(group), ADVANCE_BATCH):
            unchanged = models.Q()
            for measure in group[start : start + ADVANCE_BATCH]:
                unchanged |= models.Q(pk=measure.pk, updated_at=measure.updated_at)
            Measure.objects.filter(unchanged).update(next_rung_on=when)


def _deadline_reminders(
    day: datetime.date, people: _People, *, advance: bool = True
) -> Iterator[list[Entry]]:
    # Only the measures whose rung may have changed since they were last read: their
    # next_rung_on has come (the partial index by (next_rung_on, id) serves the filter and
    # the keyset). Once a chunk is recorded its measures move on to their next rung, so a
    # rerun the same day reads none of them.
    candidates = Measure.objects.filter(next_rung_on__lte=day).select_related(
        "problem", "lead_unit", "lead_official_user"
    )
    for chunk in _keyset_chunks(candidates, "next_rung_on"):
        people.load_liaisons({m.lead_unit_id for m in chunk if m.lead_unit_id})
        reminders: list[Entry] = []
        for measure in chunk:
            rung = ladder_step(measure, day)
            if rung is None:
                continue
            kind, step = rung
            recipients = list(people.liaisons.get(measure.lead_unit_id, []))
            if kind in (Kind.YELLOW, Kind.FINAL):
                official = measure.lead_official_user
                if official is not None and official.is_active:
                    recipients.append(official.pk)
            elif kind == Kind.RED:
                # The office and the head hear of it in the digest, as one item.
                reminders.append(Item(Kind.RED, measure, measure.deadline, step))
            for recipient_id in dict.fromkeys(recipients):
                reminders.append(
                    Reminder(
                        kind,
                        recipient_id,
                        measure.deadline,
                        measure=measure,
                        unit=measure.lead_unit,
                        step=step,
                    )
                )
        yield reminders
        # The generator resumes here once the sweep has recorded the chunk.
        if advance:
            _advance(chunk, day)


def _orphan_reminders(day: datetime.date, people: _People) -> Iterator[list[Entry]]:
    """The office's daily reminders of coloured measures nobody can be told of: those
    without a lead unit, and the units that lead one but have no active liaison. Both are
    keyed on the day, so they come every day, whatever the measures' rungs; they are read
    from the few units without liaison and the few measures without lead unit."""
    if not people.office:
        return
    coloured = Measure.objects.filter(~colour_filter(Colour.NONE, day))
    without_lead = (
        coloured.filter(lead_unit__isnull=True)
        .select_related("problem")
        .annotate(round_jurisdiction=F("problem__round__jurisdiction_id"))
    )
    for chunk in _keyset_chunks(without_lead, "id"):
        yield [
            Reminder(Kind.MEASURE_WITHOUT_LEAD_UNIT, office_id, day, measure=measure)
            for measure in chunk
            for office_id in people.office_of(measure.round_jurisdiction)
        ]
    liaison = User.objects.filter(role=User.Role.LIAISON, is_active=True, unit=OuterRef("pk"))
    units = Unit.objects.filter(~Exists(liaison), Exists(coloured.filter(lead_unit=OuterRef("pk"))))
    for chunk in _keyset_chunks(units, "id"):
        yield [entry for unit in chunk for entry in _no_liaison(unit, people, day)]


def review_cutoff(day: datetime.date) -> datetime.datetime:
    """Submissions before this moment have waited the configured number of working days."""
    nth = workdays.nth_working_day_back(day, settings.REMINDER_REVIEW_WORKING_DAYS)
    return timezone.make_aware(datetime.datetime.combine(nth, datetime.time.min))


def _review_reminders(day: datetime.date, people: _People) -> Iterator[list[Entry]]:
    cutoff = review_cutoff(day)
    # After an endorsement chain the office's wait starts when the chain passed it on.
    # Only the submissions not escalated yet: the escalation's key date is the day of the
    # submission, so a rerun, or every sweep of the weeks a submission waits, reads none of
    # those the office has heard of (the partial index of submissions by (submitted_at, id)
    # serves the range and the keyset, the escalation's unique key the check).
    told = Escalation.objects.filter(
        measure=OuterRef("pk"),
        kind=Kind.REVIEW_WAITING,
        key_date=OuterRef("submitted_on"),
        step=0,
    )
    waiting = (
        Measure.objects.filter(status=Measure.Status.SUBMITTED, submitted_at__lt=cutoff)
        .exclude(waiting_since__gte=cutoff)
        .annotate(submitted_on=TruncDate("submitted_at"))
        .filter(~Exists(told))
        .select_related("problem")
    )
    for chunk in _keyset_chunks(waiting, "submitted_at"):
        # For the office's digest: one item per submission, however many office staff.
        yield [
            Item(Kind.REVIEW_WAITING, measure, timezone.localdate(measure.submitted_at))
            for measure in chunk
            if measure.submitted_at is not None
        ]


# The steps of the endorsement chain, as the step of their reminder's key.
CHAIN_STEPS = {Measure.Status.ENDORSING: 1, Measure.Status.REVIEWING: 2}


def _chain_reminders(day: datetime.date, people: _People) -> Iterator[list[Entry]]:
    """A step of the endorsement chain waiting too long reminds the person whose step it
    is, once: the key holds the day the step began and which step it is, so a submission
    returned and made again is a new wait."""
    nth = workdays.nth_working_day_back(day, settings.REMINDER_CHAIN_WORKING_DAYS)
    cutoff = timezone.make_aware(datetime.datetime.combine(nth, datetime.time.min))
    # Only the waits whose person has not heard of them yet: the same key as the log row's,
    # computed in the query (the person whose step it is, the day the step began, the step).
    heard = ReminderLog.objects.filter(
        measure=OuterRef("pk"),
        kind=Kind.CHAIN_WAITING,
        key_date=OuterRef("waiting_on"),
        step=OuterRef("chain_step"),
        recipient=OuterRef("chain_person"),
    )
    endorsing = models.Q(status=Measure.Status.ENDORSING)
    waiting = (
        Measure.objects.filter(status__in=CHAIN_STEPS, waiting_since__lt=cutoff)
        .annotate(
            waiting_on=TruncDate("waiting_since"),
            chain_step=Case(
                When(endorsing, then=CHAIN_STEPS[Measure.Status.ENDORSING]),
                default=CHAIN_STEPS[Measure.Status.REVIEWING],
                output_field=IntegerField(),
            ),
            chain_person=Case(
                When(endorsing, then=F("lead_unit__head")),
                default=F("problem__round__endorsement_superior"),
            ),
        )
        .filter(~Exists(heard))
        .select_related("problem__round", "lead_unit__head", "problem__round__endorsement_superior")
    )
    for chunk in _keyset_chunks(waiting, "waiting_since"):
        reminders: list[Entry] = []
        for measure in chunk:
            if measure.status == Measure.Status.ENDORSING:
                person = measure.lead_unit.head if measure.lead_unit else None
            else:
                person = measure.problem.round.endorsement_superior
            if person is None or not person.is_active or measure.waiting_since is None:
                continue
            reminders.append(
                Reminder(
                    Kind.CHAIN_WAITING,
                    person.pk,
                    timezone.localdate(measure.waiting_since),
                    measure=measure,
                    unit=measure.lead_unit,
                    step=CHAIN_STEPS[measure.status],
                )
            )
        yield reminders


def progress_half_start(day: datetime.date) -> datetime.date | None:
    """The 1st or 16th whose progress reminder is due on `day`, if any."""
    start = day.replace(day=1 if day.day < 16 else 16)
    if (day - start).days > settings.REMINDER_PROGRESS_GRACE_DAYS:
        return None
    return start


def _progress_reminders(day: datetime.date, people: _People) -> Iterator[list[Entry]]:
    start = progress_half_start(day)
    if start is None:
        return
    period = period_key(start - ONE_DAY)
    began = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    # Open measures that already existed when the period ended, led by the unit.
    open_led = Measure.objects.filter(lead_unit=OuterRef("pk"), created_at__lt=began).exclude(
        status=CLOSED
    )
    reported = ProgressReport.objects.filter(
        period=period, measure__lead_unit=OuterRef("pk")
    ).exclude(measure__status=CLOSED)
    open_count = open_led.order_by().values("lead_unit").annotate(n=Count("id")).values("n")[:1]
    units = Unit.objects.filter(Exists(open_led), ~Exists(reported), is_active=True).annotate(
        open_count=Subquery(open_count, output_field=IntegerField())
    )
    for chunk in _keyset_chunks(units, "id"):
        people.load_liaisons({unit.pk for unit in chunk})
        reminders: list[Entry] = []
        for unit in chunk:
            detail = {"period": period, "open_count": unit.open_count}
            liaisons = people.liaisons[unit.pk]
            reminders += [
                Reminder(Kind.PROGRESS_DUE, liaison_id, start, unit=unit, detail=detail)
                for liaison_id in liaisons
            ]
            if not liaisons:
                reminders += _no_liaison(unit, people, day)
        yield reminders


def _urge_reminders(day: datetime.date, people: _People) -> Iterator[list[Entry]]:
    """Urge notices waiting for a reply: each is announced once to the unit's liaisons, and
    once more, also to its issuer, the day after its reply was due.

    A reminder is keyed on the notice's first measure, with the notice's date and its level
    as the step: a measure has one live notice at a time, and pressing again raises the level.
    """
    waiting = (
        UrgeNotice.objects.filter(status=UrgeNotice.Status.OPEN)
        .select_related("unit", "measure__problem")
        .prefetch_related("measures__problem")
    )
    for chunk in _keyset_chunks(waiting, "id"):
        people.load_liaisons({notice.unit_id for notice in chunk})
        reminders: list[Entry] = []
        for notice in chunk:
            measure = notice.measure or min(notice.measures.all(), key=lambda m: m.pk, default=None)
            if measure is None:
                continue
            liaisons = people.liaisons.get(notice.unit_id, [])
            step = LEVEL_ORDER.index(notice.level) + 1
            detail = {"notice": notice}
            issued = timezone.localdate(notice.issued_at)
            reminders += [
                Reminder(Kind.URGE_ISSUED, liaison_id, issued, measure, notice.unit, step, detail)
                for liaison_id in liaisons
            ]
            if notice.reply_due < day:
                reminders += [
                    Reminder(
                        Kind.URGE_OVERDUE,
                        person_id,
                        notice.reply_due,
                        measure,
                        notice.unit,
                        step,
                        detail,
                    )
                    for person_id in dict.fromkeys([*liaisons, notice.issued_by_id])
                ]
            if not liaisons:
                reminders += _no_liaison(notice.unit, people, day)
        yield reminders


def report_rung(report: RoundReport, day: datetime.date) -> tuple[str, int] | None:
    """Where an unsent rectification report stands, as (kind, step): due within the yellow
    window (one reminder), or overdue (RoundReport.is_overdue), again every red-repeat
    period, like a red measure; None when sent or not due yet."""
    if report.sent_on is not None:
        return None
    days_left = (report.due - day).days
    if report.is_overdue(day):
        return Kind.REPORT_OVERDUE, red_step(-days_left)
    if days_left <= settings.REMINDER_YELLOW_DAYS:
        return Kind.REPORT_DUE, 0
    return None


def _report_reminders(day: datetime.date, people: _People) -> Iterator[list[Entry]]:
    """Rounds' rectification reports to the inspecting body (报告报账) not sent yet: the
    office hears once when one falls due and again each week it is overdue. The key date is
    the due date, so a new due date starts afresh."""
    window = day + datetime.timedelta(days=settings.REMINDER_YELLOW_DAYS)
    unsent = RoundReport.objects.filter(sent_on__isnull=True, due__lte=window).select_related(
        "round"
    )
    for chunk in _keyset_chunks(unsent, "due"):
        reminders: list[Entry] = []
        for report in chunk:
            rung = report_rung(report, day)
            if rung is None:
                continue
            kind, step = rung
            reminders += [
                Reminder(kind, office_id, report.due, step=step, report=report)
                for office_id in people.office_of(report.round.jurisdiction_id)
            ]
        yield reminders


def feedback_rung(row: HandedOver, day: datetime.date) -> tuple[str, int] | None:
    """Where the feedback owed on a clue or petition stands, as (kind, step): green from
    CLUE_GREEN_DAYS before its due date, yellow from CLUE_YELLOW_DAYS before it to the due
    day itself, red from the day after and again every red-repeat period, like a measure's
    ladder; None when concluded or not due yet."""
    if row.is_concluded:
        return None
    days_left = (row.feedback_due - day).days
    if days_left < 0:
        return Kind.FEEDBACK_RED, red_step(-days_left)
    if days_left <= settings.CLUE_YELLOW_DAYS:
        return Kind.FEEDBACK_YELLOW, 0
    if days_left <= settings.CLUE_GREEN_DAYS:
        return Kind.FEEDBACK_GREEN, 0
    return None


def _feedback_reminders(day: datetime.date, people: _People) -> Iterator[list[Entry]]:
    """Clues and petitions handed over whose feedback falls due or is late: the office hears
    of each rung once. The key date is the due date, so a new due date starts afresh."""
    window = day + datetime.timedelta(days=settings.CLUE_GREEN_DAYS)
    for model in (ProblemClue, Petition):
        # The partial index of open rows by (feedback_due, id) serves this and the keyset.
        open_rows = (
            model.objects.exclude(status=model.Status.CONCLUDED)
            .filter(feedback_due__lte=window)
            .select_related("round")
        )
        for chunk in _keyset_chunks(open_rows, "feedback_due"):
            reminders: list[Entry] = []
            for row in chunk:
                rung = feedback_rung(row, day)
                if rung is None:
                    continue
                kind, step = rung
                clue = row if isinstance(row, ProblemClue) else None
                petition = row if isinstance(row, Petition) else None
                reminders += [
                    Reminder(
                        kind, office_id, row.feedback_due, step=step, clue=clue, petition=petition
                    )
                    for office_id in people.office_of(row.round.jurisdiction_id)
                ]
            yield reminders


# --- Phase 1: recording, exactly once ----------------------------------------------------


def _existing_keys(reminders: list[Reminder]) -> set[tuple]:
    """The keys among `reminders` that already have a ReminderLog row."""
    keys: set[tuple] = set()
    measure_ids = {r.measure.pk for r in reminders if r.measure is not None}
    if measure_ids:
        rows = ReminderLog.objects.filter(
            measure_id__in=measure_ids,
            kind__in={r.kind for r in reminders if r.measure is not None},
            key_date__in={r.key_date for r in reminders if r.measure is not None},
        ).values_list("measure_id", "kind", "key_date", "step", "recipient_id")
        keys |= {("m", *row) for row in rows}
    about_reports = [r for r in reminders if r.measure is None and r.report is not None]
    if about_reports:
        rows = ReminderLog.objects.filter(
            round_report_id__in={r.report.pk for r in about_reports if r.report},
            kind__in={r.kind for r in about_reports},
            key_date__in={r.key_date for r in about_reports},
        ).values_list("round_report_id", "kind", "key_date", "step", "recipient_id")
        keys |= {("r", *row) for row in rows}
    for letter, field, about in (
        ("c", "clue_id", [r for r in reminders if r.clue is not None]),
        ("p", "petition_id", [r for r in reminders if r.petition is not None]),
    ):
        if about:
            rows = ReminderLog.objects.filter(
                **{
                    f"{field}__in": {r.item[1] for r in about},
                    "kind__in": {r.kind for r in about},
                    "key_date__in": {r.key_date for r in about},
                }
            ).values_list(field, "kind", "key_date", "step", "recipient_id")
            keys |= {(letter, *row) for row in rows}
    about_units = [r for r in reminders if r.about_unit]
    if about_units:
        rows = ReminderLog.objects.filter(
            measure__isnull=True,
            round_report__isnull=True,
            unit_id__in={r.required_unit.pk for r in about_units},
            kind__in={r.kind for r in about_units},
            key_date__in={r.key_date for r in about_units},
        ).values_list("unit_id", "kind", "key_date", "step", "recipient_id")
        keys |= {("u", *row) for row in rows}
    return keys


def _new_reminders(reminders: list[Reminder]) -> tuple[list[Reminder], set[tuple]]:
    """The reminders not sent yet, in key order, and the items nobody has heard of yet."""
    existing = _existing_keys(reminders)
    known_items = {key[:-1] for key in existing}
    fresh = {r.key: r for r in reminders if r.key not in existing}
    ordered = [fresh[key] for key in sorted(fresh, key=_sort_key)]
    return ordered, {r.item for r in ordered} - known_items


def _sort_key(key: tuple) -> tuple:
    # A fixed order, so that two concurrent sweeps insert in the same order and one simply
    # waits for the other rather than deadlocking.
    return tuple(str(part) if isinstance(part, datetime.date) else part for part in key)


def _split(chunk: list[Entry]) -> tuple[list[Reminder], list[Item]]:
    reminders = [entry for entry in chunk if isinstance(entry, Reminder)]
    items = [entry for entry in chunk if isinstance(entry, Item)]
    return reminders, items


def _new_escalations(items: list[Item]) -> list[Item]:
    """The escalation items not recorded yet, in key order."""
    if not items:
        return []
    existing = set(
        Escalation.objects.filter(
            measure_id__in={i.measure.pk for i in items},
            kind__in={i.kind for i in items},
            key_date__in={i.key_date for i in items},
        ).values_list("measure_id", "kind", "key_date", "step")
    )
    fresh = {i.key: i for i in items if i.key not in existing}
    return [fresh[key] for key in sorted(fresh, key=_sort_key)]


def _record(chunk: list[Entry], day: datetime.date) -> list[Entry]:
    """Record a chunk: the log rows and Notifications of its new reminders, and its new
    escalation items, in one transaction; answer what was recorded."""
    reminders, items = _split(chunk)
    new_items = _new_escalations(items)
    with transaction.atomic():
        recorded: list[Entry] = list(_record_reminders(reminders, day))
        if new_items:
            now = timezone.now()
            # A concurrent sweep may have taken a key meanwhile: the unique key keeps one.
            Escalation.objects.bulk_create(
                [
                    Escalation(
                        kind=i.kind,
                        measure=i.measure,
                        key_date=i.key_date,
                        step=i.step,
                        round_id=i.measure.problem.round_id,
                        unit_id=i.measure.lead_unit_id,
                        created_at=now,
                    )
                    for i in new_items
                ],
                ignore_conflicts=True,
            )
            recorded += new_items
    return recorded


def _record_reminders(reminders: list[Reminder], day: datetime.date) -> list[Reminder]:
    """Insert the log row and the Notification of every new reminder; answer those inserted."""
    new, new_items = _new_reminders(reminders)
    if not new:
        return []
    now = timezone.now()
    rows = []
    announced: set[tuple] = set()
    for reminder in new:
        # A unit's chat robot hears of an item once, with its first recipient.
        item = reminder.item
        to_robot = (
            item in new_items
            and item not in announced
            and reminder.kind in WEBHOOK_KINDS
            and reminder.unit is not None
            and bool(reminder.unit.webhook_url)
        )
        if to_robot:
            announced.add(item)
        rows.append((reminder, to_robot))
    with transaction.atomic():
        try:
            with transaction.atomic():
                notes = Notification.objects.bulk_create(
                    [_notification(r, day, now) for r, _robot in rows]
                )
                logs = [
                    _log(r, robot, note, now) for (r, robot), note in zip(rows, notes, strict=True)
                ]
                ReminderLog.objects.bulk_create(logs)
            return new
        except IntegrityError:
            # A concurrent sweep took some of these keys first: insert one by one, skipping
            # the taken ones.
            logger.info("Reminder keys taken by a concurrent sweep; inserting one by one.")
        inserted = []
        for reminder, robot in rows:
            try:
                with transaction.atomic():
                    note = _notification(reminder, day, now)
                    note.save()
                    _log(reminder, robot, note, now).save()
            except IntegrityError:
                continue
            inserted.append(reminder)
        return inserted


def _log(reminder: Reminder, to_robot: bool, note: Notification, now) -> ReminderLog:
    return ReminderLog(
        kind=reminder.kind,
        measure=reminder.measure,
        unit=reminder.unit,
        round_report=reminder.report,
        clue=reminder.clue,
        petition=reminder.petition,
        key_date=reminder.key_date,
        step=reminder.step,
        recipient_id=reminder.recipient_id,
        notification=note,
        webhook_pending=to_robot,
        created_at=now,
    )


def _excerpt(text: str, length: int = 40) -> str:
    return Truncator(text).chars(length)


def _deadline_sentence(deadline: datetime.date, day: datetime.date) -> str:
    days = (deadline - day).days
    if days > 0:
        return _("Deadline %(deadline)s, due in %(days)d days.") % {
            "deadline": deadline.isoformat(),
            "days": days,
        }
    if days == 0:
        return _("Deadline %(deadline)s, due today.") % {"deadline": deadline.isoformat()}
    return _("Deadline %(deadline)s, %(days)d days overdue.") % {
        "deadline": deadline.isoformat(),
        "days": -days,
    }


def _feedback_sentences(reminder: Reminder, day: datetime.date) -> tuple[str, list[str]]:
    """The subject and sentences of a feedback reminder. They name the round, the body and
    the dates but never the clue's summary or the official concerned: the email leaves the
    system, and what a clue says stays on its watermarked page."""
    if reminder.clue is not None:
        clue = reminder.clue
        subject = _("a problem clue of %(round)s") % {"round": clue.round.name}
        handed = _("Transferred to %(body)s on %(date)s.") % {
            "body": clue.transferred_to,
            "date": clue.transferred_on.isoformat(),
        }
        link = reverse("clue-edit", args=[clue.pk])
    else:
        petition = reminder.petition
        assert petition is not None  # a feedback reminder is about a clue or a petition
        subject = _("a petition of %(round)s") % {"round": petition.round.name}
        handed = _("Received on %(date)s.") % {"date": petition.received_on.isoformat()}
        link = reverse("petition-edit", args=[petition.pk])
    days = (reminder.key_date - day).days
    if days >= 0:
        due = _("The feedback is due on %(date)s, in %(days)d days.") % {
            "date": reminder.key_date.isoformat(),
            "days": days,
        }
    else:
        due = _("The feedback was due on %(date)s and is %(days)d days late.") % {
            "date": reminder.key_date.isoformat(),
            "days": -days,
        }
    record = _("Record the conclusion once it comes: %(link)s") % {
        "link": settings.REMINDER_SITE_URL + link
    }
    return subject, [handed, due, record]


def period_label(period: str) -> str:
    """2026-11-H1 as the words people read: the first half of 2026-11."""
    month, half = period.rsplit("-", 1)
    if half == "H1":
        return _("first half of %(month)s") % {"month": month}
    return _("second half of %(month)s") % {"month": month}


def _notification(reminder: Reminder, day: datetime.date, now) -> Notification:
    """The in-app notice of one reminder, in the site's language."""
    kind_label = str(Kind(reminder.kind).label)
    measure = reminder.measure
    parts: list[str] = []
    if reminder.kind in DEADLINE_KINDS:
        subject = _excerpt(reminder.required_measure.text)
        deadline = reminder.required_measure.deadline
        assert deadline is not None  # the ladder reminds only of measures with a deadline
        parts.append(_deadline_sentence(deadline, day))
    elif reminder.kind in URGE_KINDS:
        notice = reminder.detail["notice"]
        subject = _("%(level)s to %(unit)s") % {
            "level": notice.get_level_display(),
            "unit": notice.unit.name,
        }
        parts.append(_("Reason: %(reason)s") % {"reason": notice.reason})
        if reminder.kind == Kind.URGE_OVERDUE:
            parts.append(
                _("The reply was due on %(date)s and has not come.")
                % {"date": notice.reply_due.isoformat()}
            )
        else:
            parts.append(_("Reply by %(date)s.") % {"date": notice.reply_due.isoformat()})
    elif reminder.kind in REPORT_KINDS:
        report = reminder.report
        assert report is not None  # a report reminder is about one
        subject = _("%(title)s of %(round)s") % {
            "title": report.title,
            "round": report.round.name,
        }
        days = (report.due - day).days
        if days >= 0:
            parts.append(
                _("Due to %(body)s on %(date)s, in %(days)d days; not sent yet.")
                % {
                    "body": report.round.inspecting_body,
                    "date": report.due.isoformat(),
                    "days": days,
                }
            )
        else:
            parts.append(
                _("Due to %(body)s on %(date)s, %(days)d days overdue; not sent yet.")
                % {
                    "body": report.round.inspecting_body,
                    "date": report.due.isoformat(),
                    "days": -days,
                }
            )
        link = settings.REMINDER_SITE_URL + reverse("round-reports", args=[report.round_id])
        parts.append(_("Once it has gone, record the sending: %(link)s") % {"link": link})
    elif reminder.kind in FEEDBACK_KINDS:
        subject, sentences = _feedback_sentences(reminder, day)
        parts += sentences
    elif reminder.kind == Kind.REVIEW_WAITING:
        subject = _excerpt(reminder.required_measure.text)
        parts.append(
            _("Submitted for sign-off on %(date)s; waiting for %(days)d working days.")
            % {
                "date": reminder.key_date.isoformat(),
                "days": workdays.working_days_between(reminder.key_date, day),
            }
        )
    elif reminder.kind == Kind.CHAIN_WAITING:
        subject = _excerpt(reminder.required_measure.text)
        parts.append(
            _("Waiting for your %(step)s since %(date)s: %(days)d working days.")
            % {
                "step": _("endorsement") if reminder.step == 1 else _("review"),
                "date": reminder.key_date.isoformat(),
                "days": workdays.working_days_between(reminder.key_date, day),
            }
        )
    elif reminder.kind == Kind.PROGRESS_DUE:
        period = period_label(reminder.detail["period"])
        subject = period
        parts.append(
            _("%(count)d open measures of %(unit)s have no progress report for %(period)s.")
            % {
                "count": reminder.detail["open_count"],
                "unit": reminder.required_unit.name,
                "period": period,
            }
        )
    elif reminder.kind == Kind.UNIT_WITHOUT_LIAISON:
        subject = reminder.required_unit.name
        parts.append(
            _("%(unit)s has reminders due but no active liaison to receive them. Appoint one.")
            % {"unit": reminder.required_unit.name}
        )
    else:
        subject = _excerpt(reminder.required_measure.text)
        parts.append(_("This measure is due but has no lead unit, so nobody can be reminded."))
    if measure is not None:
        parts.append(_("Problem: %(problem)s.") % {"problem": measure.problem.title})
        if measure.lead_unit is not None and reminder.kind != Kind.UNIT_WITHOUT_LIAISON:
            parts.append(_("Lead unit: %(unit)s.") % {"unit": measure.lead_unit.name})
        parts.append(_("Measure: %(text)s") % {"text": measure.text})
    title = _("%(kind)s: %(subject)s") % {"kind": kind_label, "subject": subject}
    return Notification(
        recipient_id=reminder.recipient_id,
        kind=reminder.kind,
        measure=measure,
        title=Truncator(title).chars(200),
        body="\n".join(parts),
        created_at=now,
    )


# --- Phase 1, end: the digest of what escalates ------------------------------------------

# Lines of a digest's notification, the largest groups first; the rest are summed up.
DIGEST_MAX_GROUPS = 50


def _digest(day: datetime.date, people: _People) -> int:
    """Put every escalation item not yet in a digest into a new one and tell each office
    user, and each head of an organisation whose round has a red item, once. Answer the
    number of digests made (0 or 1). The claim is a conditional update, so of two
    concurrent sweeps one takes the items and the other finds none."""
    now = timezone.now()
    with transaction.atomic():
        digest = EscalationDigest.objects.create(as_of=day, created_at=now)
        claimed = Escalation.objects.filter(digest__isnull=True).update(digest=digest)
        if not claimed:
            transaction.set_rollback(True)
            return 0
        digest.items = claimed
        digest.save(update_fields=["items"])
        groups = list(
            Escalation.objects.filter(digest=digest)
            .values(
                "kind",
                "round_id",
                "round__name",
                "round__jurisdiction_id",
                "unit_id",
                "unit__name",
                "unit__jurisdiction_id",
            )
            .annotate(n=Count("id"), head=F("round__target_unit__head"))
            .order_by("kind", "-n", "round_id", "unit_id")
        )
        heads = set(
            User.objects.filter(
                pk__in={g["head"] for g in groups if g["head"] and g["kind"] == Kind.RED},
                is_active=True,
            ).values_list("pk", flat=True)
        )
        # Each office, the items of its own jurisdiction: its rounds', and in a joint round
        # the measures its units lead.
        told: list[tuple[int, list[dict]]] = []
        for jurisdiction_id, office_ids in people.office_by_jurisdiction.items():
            own = [
                g
                for g in groups
                if jurisdiction_id in (g["round__jurisdiction_id"], g["unit__jurisdiction_id"])
            ]
            if own:
                told += [(office_id, own) for office_id in office_ids]
        for head_id in sorted(heads - set(people.office)):
            own = [g for g in groups if g["kind"] == Kind.RED and g["head"] == head_id]
            told.append((head_id, own))
        notes = Notification.objects.bulk_create(
            [_digest_notification(recipient_id, own, now) for recipient_id, own in told]
        )
        ReminderLog.objects.bulk_create(
            [
                ReminderLog(
                    kind=Kind.DIGEST,
                    digest=digest,
                    key_date=day,
                    recipient_id=recipient_id,
                    notification=note,
                    created_at=now,
                )
                for (recipient_id, _own), note in zip(told, notes, strict=True)
            ]
        )
    return 1


def _digest_link(group: dict) -> str:
    query = f"round={group['round_id']}"
    if group["unit_id"]:
        query += f"&lead_unit={group['unit_id']}"
    query += "&colour=red" if group["kind"] == Kind.RED else "&status=submitted"
    return f"{settings.REMINDER_SITE_URL}{reverse('measure-list')}?{query}"


def _digest_notification(recipient_id: int, groups: list[dict], now) -> Notification:
    """The in-app digest: how many measures went red and how many submissions wait, then
    one line per round and lead unit with its count and a link to the filtered list."""
    red = sum(g["n"] for g in groups if g["kind"] == Kind.RED)
    waiting = sum(g["n"] for g in groups if g["kind"] == Kind.REVIEW_WAITING)
    title = _(
        "Supervision digest: %(red)d measures went red, %(waiting)d submissions wait for review"
    ) % {"red": red, "waiting": waiting}
    lines = []
    for group in groups[:DIGEST_MAX_GROUPS]:
        values = {
            "count": group["n"],
            "round": group["round__name"],
            "unit": group["unit__name"] or _("no lead unit"),
            "link": _digest_link(group),
        }
        if group["kind"] == Kind.RED:
            lines.append(_("Red: %(count)d of %(unit)s, %(round)s: %(link)s") % values)
        else:
            lines.append(
                _("Waiting for review: %(count)d of %(unit)s, %(round)s: %(link)s") % values
            )
    rest = groups[DIGEST_MAX_GROUPS:]
    if rest:
        lines.append(
            _("And %(count)d more in %(groups)d other groups.")
            % {"count": sum(g["n"] for g in rest), "groups": len(rest)}
        )
    return Notification(
        recipient_id=recipient_id,
        kind=Kind.DIGEST,
        measure=None,
        title=Truncator(title).chars(200),
        body="\n".join(lines),
        created_at=now,
    )


# --- Phase 2: one message per recipient -------------------------------------------------


def _severity() -> Case:
    return Case(
        *(When(kind=kind, then=rank) for rank, kind in enumerate(SEVERITY)),
        default=len(SEVERITY),
        output_field=IntegerField(),
    )


def _item_lines(logs: models.QuerySet, day: datetime.date, limit: int) -> list[str]:
    """The first `limit` items of a message, most urgent first, in Chinese.

    The first items' keys are sorted from the log table alone, then read with what their
    lines show: sorting an office's thousands of items with seven tables joined to each
    took 90 ms a message, most of it for the planner, at a million measures."""
    keys = list(logs.order_by(_severity(), "key_date", "id").values_list("id", flat=True)[:limit])
    rows = {
        log.pk: log
        for log in ReminderLog.objects.filter(pk__in=keys)
        .select_related("measure__problem", "measure__lead_unit", "unit")
        .prefetch_related("notification", "round_report__round", "clue__round", "petition__round")
    }
    return [_item_line(rows[key], day) for key in keys]


def _item_line(log: ReminderLog, day: datetime.date) -> str:
    context: dict = {"log": log, "measure": log.measure, "unit": log.unit, "day": day}
    if log.kind in DEADLINE_KINDS:
        days = (log.key_date - day).days
        context.update(days_left=days, days_overdue=-days)
    elif log.kind in (Kind.REVIEW_WAITING, Kind.CHAIN_WAITING):
        context["waited"] = workdays.working_days_between(log.key_date, day)
    elif log.kind in URGE_KINDS and 1 <= log.step <= len(LEVEL_ORDER):
        context["urge_level"] = UrgeNotice.Level(LEVEL_ORDER[log.step - 1]).label
    elif log.kind == Kind.PROGRESS_DUE:
        month, half = period_key(log.key_date - ONE_DAY).rsplit("-", 1)
        context.update(period_month=month, first_half=half == "H1")
    elif log.kind in FEEDBACK_KINDS and (handed := log.clue or log.petition) is not None:
        days = (log.key_date - day).days
        context.update(
            days_left=days,
            days_overdue=-days,
            what="问题线索" if log.clue_id else "信访件",
            round_name=handed.round.name,
        )
    elif log.kind in REPORT_KINDS and log.round_report is not None:
        days = (log.key_date - day).days
        context.update(report=log.round_report, days_left=days, days_overdue=-days)
    elif log.kind in (Kind.DIGEST, Kind.MENTION) and log.notification is not None:
        context["digest_title"] = log.notification.title
        context["note_body"] = log.notification.body
    return " ".join(render_to_string("reminders/item.txt", context).split())


def _dispatch_on_commit(dispatch: Callable[[int], object], delivery: ReminderDelivery) -> None:
    if delivery.status == Status.PENDING:
        transaction.on_commit(partial(dispatch, delivery.pk))


def _batch_emails(day: datetime.date, dispatch: Callable[[int], object]) -> int:
    recipient_ids = list(
        ReminderLog.objects.filter(email_delivery__isnull=True)
        .order_by("recipient_id")
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    made = 0
    limit = settings.REMINDER_EMAIL_MAX_ITEMS
    for user in User.objects.filter(pk__in=recipient_ids).order_by("id"):
        with transaction.atomic():
            address = user.email if user.is_active else ""
            delivery = ReminderDelivery.objects.create(
                channel=ReminderDelivery.Channel.EMAIL,
                recipient=user,
                address=address,
                status=Status.PENDING if address else Status.SKIPPED,
            )
            # The claim: whoever updates the rows first mails them; a concurrent sweep
            # finds nothing left and rolls its empty delivery back.
            claimed = ReminderLog.objects.filter(
                recipient=user, email_delivery__isnull=True
            ).update(email_delivery=delivery)
            if not claimed:
                transaction.set_rollback(True)
                continue
            lines = _item_lines(ReminderLog.objects.filter(email_delivery=delivery), day, limit)
            context = {
                "recipient": user,
                "day": day,
                "total": claimed,
                "lines": lines,
                "more": claimed - len(lines),
                "site_url": settings.REMINDER_SITE_URL,
            }
            delivery.items = claimed
            delivery.subject = " ".join(
                render_to_string("reminders/email_subject.txt", context).split()
            )
            delivery.body = render_to_string("reminders/email_body.txt", context)
            delivery.save(update_fields=["items", "subject", "body"])
            _dispatch_on_commit(dispatch, delivery)
            made += 1
    return made


def _batch_webhooks(day: datetime.date, dispatch: Callable[[int], object]) -> int:
    unit_ids = list(
        ReminderLog.objects.filter(webhook_pending=True)
        .order_by("unit_id")
        .values_list("unit_id", flat=True)
        .distinct()
    )
    made = 0
    limit = settings.WEBHOOK_MAX_ITEMS
    for unit in Unit.objects.filter(pk__in=unit_ids).order_by("id"):
        with transaction.atomic():
            address = unit.webhook_url if unit.is_active else ""
            delivery = ReminderDelivery.objects.create(
                channel=ReminderDelivery.Channel.WEBHOOK,
                unit=unit,
                address=address,
                status=Status.PENDING if address else Status.SKIPPED,
            )
            claimed = ReminderLog.objects.filter(unit=unit, webhook_pending=True).update(
                webhook_pending=False, webhook_delivery=delivery
            )
            if not claimed:
                transaction.set_rollback(True)
                continue
            # One line per item even if several logs (recipients) carry it.
            firsts = (
                ReminderLog.objects.filter(webhook_delivery=delivery)
                .values("measure_id", "kind", "key_date", "step")
                .annotate(first=Min("id"))
                .values("first")
            )
            total = len(firsts)
            lines = _item_lines(ReminderLog.objects.filter(id__in=firsts), day, limit)
            context = {
                "unit": unit,
                "day": day,
                "total": total,
                "lines": lines,
                "more": total - len(lines),
            }
            delivery.items = total
            delivery.body = _clip_utf8(
                render_to_string("reminders/webhook.txt", context).strip(),
                settings.WEBHOOK_MAX_BYTES,
            )
            delivery.save(update_fields=["items", "body"])
            _dispatch_on_commit(dispatch, delivery)
            made += 1
    return made


def _clip_utf8(text: str, max_bytes: int) -> str:
    # Chat robots refuse long texts (WeCom: 2048 bytes); cut on a character boundary.
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    return data[: max_bytes - 3].decode(errors="ignore") + "…"


def _requeue_unsent(dispatch: Callable[[int], object]) -> int:
    """Queue again deliveries whose task was lost (a broker outage, a killed worker)."""
    stale_before = timezone.now() - datetime.timedelta(minutes=settings.REMINDER_REQUEUE_MINUTES)
    ids = list(
        ReminderDelivery.objects.filter(
            status__in=[Status.PENDING, Status.FAILED],
            attempts__lt=settings.REMINDER_DELIVERY_MAX_ATTEMPTS,
        )
        .annotate(touched=Coalesce("last_attempt_at", "created_at"))
        .filter(touched__lt=stale_before)
        .order_by("id")
        .values_list("id", flat=True)[:1000]
    )
    for delivery_id in ids:
        dispatch(delivery_id)
    return len(ids)


# --- The sweep ---------------------------------------------------------------------------


@dataclasses.dataclass
class SweepResult:
    as_of: datetime.date
    dry_run: bool
    reminders: Counter = dataclasses.field(default_factory=Counter)
    # Items escalated to the office and the heads, each once, in the sweep's digest.
    escalations: Counter = dataclasses.field(default_factory=Counter)
    digests: int = 0
    emails: int = 0
    webhooks: int = 0
    requeued: int = 0

    @property
    def total(self) -> int:
        """Reminders recorded for one person each, and escalation items."""
        return sum(self.reminders.values()) + sum(self.escalations.values())

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "reminders": {str(kind): n for kind, n in self.reminders.items()},
            "escalations": {str(kind): n for kind, n in self.escalations.items()},
            "digests": self.digests,
            "emails": self.emails,
            "webhooks": self.webhooks,
            "requeued": self.requeued,
        }


def deliver_now(delivery_id: int) -> None:
    """Send one delivery in this process; a failure is recorded on it and logged."""
    # A failure is recorded on the delivery; a later sweep queues it again.
    with contextlib.suppress(DeliveryFailed):
        deliver(delivery_id)


def sweep(
    *,
    as_of: datetime.date | None = None,
    dry_run: bool = False,
    dispatch: Callable[[int], object] | None = None,
) -> SweepResult:
    """Find what is due as of a day and send every reminder once (DESIGN.md section 8).

    `dispatch(delivery_id)` is called after commit for each message to send: the Celery
    task module passes one that queues a task (this module knows nothing of Celery), the
    command line may pass `deliver_now`. With `dry_run`, nothing is written and nothing is
    sent; the result counts what would be, and no `dispatch` is needed.
    """
    if dispatch is None and not dry_run:
        raise ValueError("A sweep that sends needs a dispatch function.")
    day = as_of or today()
    result = SweepResult(as_of=day, dry_run=dry_run)
    people = _People()
    if not people.office:
        logger.warning("No active office staff: escalations and review reminders go nowhere.")
    # A dry run writes nothing, so a unit's reminder met again in a later chunk (a unit
    # without liaison) must be counted once by hand.
    counted: set[tuple] = set()
    with translation.override(settings.LANGUAGE_CODE):
        sources = (
            partial(_deadline_reminders, advance=not dry_run),
            _orphan_reminders,
            _review_reminders,
            _chain_reminders,
            _progress_reminders,
            _urge_reminders,
            _report_reminders,
            _feedback_reminders,
        )
        written = 0
        for source in sources:
            for chunk in source(day, people):
                done: list[Entry]
                if dry_run:
                    reminders, items = _split(chunk)
                    fresh, _robot_items = _new_reminders(reminders)
                    done = [*fresh, *_new_escalations(items)]
                    done = [e for e in done if e.key not in counted]
                    counted.update(e.key for e in done if isinstance(e, Reminder) and e.about_unit)
                else:
                    done = _record(chunk, day)
                for entry in done:
                    if isinstance(entry, Item):
                        result.escalations[entry.kind] += 1
                    else:
                        result.reminders[entry.kind] += 1
                written += len(done)
            if not dry_run and written >= STATISTICS_AFTER:
                _refresh_statistics()
                written = 0
        if dry_run:
            result.digests = int(bool(result.escalations))
        else:
            result.digests = _digest(day, people)
        if dispatch is not None and not dry_run:
            result.emails = _batch_emails(day, dispatch)
            result.webhooks = _batch_webhooks(day, dispatch)
            result.requeued = _requeue_unsent(dispatch)
    logger.info("Reminder sweep as of %s: %s", day, result.as_dict())
    return result


# How many rows a sweep records before it has the database count its tables again.
STATISTICS_AFTER = 10_000


def _refresh_statistics() -> None:
    """ANALYZE the tables a sweep writes, once it has written many rows: the next source of
    this sweep, and the next sweep, ask "not yet recorded?" of them, and a planner that
    still takes a table of a hundred thousand rows for empty (before autovacuum has counted
    it, or where it is off) checks each measure against all of them: a rerun took 10 s
    instead of 0.7 s at a million measures. PostgreSQL only; SQLite plans without."""
    if connection.vendor != "postgresql":
        return
    tables = [
        model._meta.db_table for model in (ReminderLog, Notification, Escalation, ReminderDelivery)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(tables)}")


# --- Phase 3: delivery ------------------------------------------------------------------


def deliver(delivery_id: int) -> str:
    """Send one email or chat-robot message unless it went out already; answer its status.

    The row is locked while sending, so two runs of the same delivery (a retry racing a
    requeue) send it once. A failure is saved on the row, then raised as DeliveryFailed so
    that the Celery task retries.
    """
    error: Exception | None = None
    with transaction.atomic():
        delivery = ReminderDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            logger.warning("Reminder delivery %s no longer exists.", delivery_id)
            return "missing"
        if delivery.status in (Status.SENT, Status.SKIPPED):
            return delivery.status
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        try:
            if delivery.channel == ReminderDelivery.Channel.EMAIL:
                _send_email(delivery)
            else:
                _post_webhook(delivery)
        except Exception as exc:
            error = exc
            delivery.status = Status.FAILED
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            logger.warning(
                "Reminder %s %s to %s failed (attempt %s): %s",
                delivery.channel,
                delivery.pk,
                delivery.address,
                delivery.attempts,
                delivery.last_error,
            )
        else:
            delivery.status = Status.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
        delivery.save(
            update_fields=["attempts", "last_attempt_at", "status", "sent_at", "last_error"]
        )
    if error is not None:
        raise DeliveryFailed(f"delivery {delivery_id}: {error}") from error
    return delivery.status


def message_id(delivery: ReminderDelivery) -> str:
    """The same Message-ID however often one delivery is sent: a worker killed between the
    sending and the commit that records it sends it again on its retry, and mail servers and
    clients keep one message of an identifier."""
    return f"<reminder-delivery-{delivery.pk}@{DNS_NAME}>"


def _send_email(delivery: ReminderDelivery) -> None:
    connection = get_connection(timeout=settings.REMINDER_EMAIL_TIMEOUT)
    EmailMessage(
        subject=delivery.subject,
        body=delivery.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.address],
        connection=connection,
        headers={"Message-ID": message_id(delivery)},
    ).send()


def _post_webhook(delivery: ReminderDelivery) -> None:
    """POST a WeCom / DingTalk style text message to the unit's chat robot."""
    if urllib.parse.urlsplit(delivery.address).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) address: {delivery.address!r}")
    payload = {"msgtype": "text", "text": {"content": delivery.body}}
    request = urllib.request.Request(
        delivery.address,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=settings.WEBHOOK_TIMEOUT) as response:  # noqa: S310
        answer = response.read(65536)
    # The robots answer 200 with a non-zero errcode when they refuse (rate limit, bad key).
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        return
    if isinstance(data, dict) and data.get("errcode", 0) != 0:
        raise DeliveryFailed(f"robot refused: errcode {data.get('errcode')} {data.get('errmsg')}")


# --- The notification centre -------------------------------------------------------------


def notifications_of(user: User) -> models.QuerySet[Notification]:
    """A user's own notifications, with the status of the email that carried each."""
    email_status = ReminderLog.objects.filter(notification=OuterRef("pk")).values(
        "email_delivery__status"
    )[:1]
    return Notification.objects.filter(recipient=user).annotate(email_status=Subquery(email_status))


def notification_mark_read(*, notification_id: int, actor: User) -> Notification:
    """Mark one of the actor's notifications read (the first reading time is kept)."""
    Notification.objects.filter(pk=notification_id, recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return notifications_of(actor).get(pk=notification_id)


def notifications_mark_all_read(*, actor: User) -> int:
    """Mark all the actor's unread notifications read; answer how many there were."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
