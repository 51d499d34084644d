"""Periodic reports of a round (半月报, 季度报): what each lead unit did in a half month or a
quarter, read from rectification's records and its one definition of overdue.

A half month runs from the 1st to the 15th (`2026-11-H1`) or from the 16th to the month's end
(`2026-11-H2`), the periods of `rectification.services.period_key` and of the progress-report
reminders of the 1st and the 16th; a quarter is `2026-Q1` to `2026-Q4`. For a round, a period
and a user, each lead unit of the round's measures (as the user may see them) gets:

- progress reports (报送进展): the reports whose `period` is the half month, or one of the
  quarter's six. A report counts in the half month it reports for, the one the reminders ask
  about, not the day it was typed: a report for H1 filed on the 17th is H1's.
- measures signed off (销号措施): distinct measures with a sign-off (a StatusChange of action
  `approve`) in the period, in Asia/Shanghai. The history is append-only, so a measure signed
  off in the period and reopened later by a look-back still counts in it, and last quarter's
  report reads the same next year.
- overdue at the period's end (期末逾期): `rectification.models.overdue_filter` as of the
  period's last day, on the measures' deadline and status now. For the period just ended that
  is the state at its end; for an older one, a measure signed off since no longer counts.
- urge notices (收到督办单) of the round issued to the unit in the period, by level, and of
  them those the unit had replied to by the period's end (已回复).

Four grouped queries, however many units and measures the round has.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Jurisdiction, User
from accounts.selectors import (
    jurisdiction_tree,
    jurisdictions_below,
    measures_in_jurisdictions,
    owns_jurisdiction,
)
from config.errors import InvalidInput
from inspections.models import InspectionRound
from rectification.models import Measure, ProgressReport, StatusChange, overdue_filter, today
from rectification.selectors import measures_visible_to
from supervision.models import LEVEL_ORDER, UrgeNotice, UrgeReply
from supervision.urges import urges_visible_to

from .report import cn_number

HALF_MONTH = "half-month"
QUARTER = "quarter"
KINDS = (HALF_MONTH, QUARTER)
# Years a period may name: wide enough for any round, narrow enough that previous and next
# stay inside the calendar.
MIN_YEAR, MAX_YEAR = 2000, 2099

_HALF_RE = re.compile(r"^(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-H(?P<half>[12])$")
_QUARTER_RE = re.compile(r"^(?P<year>[0-9]{4})-Q(?P<quarter>[1-4])$")
_ONE_DAY = datetime.timedelta(days=1)


def _bad_period() -> InvalidInput:
    return InvalidInput(
        _("Enter a period as 2026-11-H1 (1st to 15th), 2026-11-H2 (16th to the end) or 2026-Q4."),
        field="period",
    )


@dataclass(frozen=True, order=True)
class Period:
    """A half month or a quarter. `index` counts within the year: 1 to 24 for half months
    (January's first half is 1, its second 2), 1 to 4 for quarters."""

    kind: str
    year: int
    index: int

    def __post_init__(self) -> None:
        top = 24 if self.kind == HALF_MONTH else 4
        if self.kind not in KINDS or not 1 <= self.index <= top:
            raise ValueError(f"no {self.kind} number {self.index}")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise InvalidInput(
                _("Choose a period between %(first)s and %(last)s.")
                % {"first": MIN_YEAR, "last": MAX_YEAR},
                field="period",
            )

    # --- Making one ---------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> Period:
        """`2026-11-H1`, `2026-11-H2` or `2026-Q4` (any case, spaces around ignored)."""
        value = (text or "").strip().upper()
        if match := _HALF_RE.match(value):
            month = int(match["month"])
            if not 1 <= month <= 12:
                raise _bad_period()
            return cls(HALF_MONTH, int(match["year"]), month * 2 - 2 + int(match["half"]))
        if match := _QUARTER_RE.match(value):
            return cls(QUARTER, int(match["year"]), int(match["quarter"]))
        raise _bad_period()

    @classmethod
    def containing(cls, day: datetime.date, kind: str = HALF_MONTH) -> Period:
        if kind == QUARTER:
            return cls(QUARTER, day.year, (day.month - 1) // 3 + 1)
        return cls(HALF_MONTH, day.year, day.month * 2 - 1 + (day.day > 15))

    @classmethod
    def default(cls, kind: str = HALF_MONTH, as_of: datetime.date | None = None) -> Period:
        """The last period of the kind that has ended as of the day (today in Shanghai)."""
        return cls.containing(as_of or today(), kind).previous()

    # --- What it is ---------------------------------------------------------------------

    @property
    def is_quarter(self) -> bool:
        return self.kind == QUARTER

    @property
    def month(self) -> int:
        """A half month's month; a quarter's first month."""
        return (self.index + 1) // 2 if not self.is_quarter else self.index * 3 - 2

    @property
    def first_day(self) -> datetime.date:
        if self.is_quarter:
            return datetime.date(self.year, self.month, 1)
        return datetime.date(self.year, self.month, 1 if self.index % 2 else 16)

    @property
    def last_day(self) -> datetime.date:
        if not self.is_quarter and self.index % 2:
            return datetime.date(self.year, self.month, 15)
        last_month = self.month + 2 if self.is_quarter else self.month
        if last_month == 12:
            return datetime.date(self.year, 12, 31)
        return datetime.date(self.year, last_month + 1, 1) - _ONE_DAY

    @property
    def key(self) -> str:
        if self.is_quarter:
            return f"{self.year}-Q{self.index}"
        return f"{self.year}-{self.month:02d}-H{2 - self.index % 2}"

    @property
    def half_month_keys(self) -> list[str]:
        """The keys of ProgressReport.period the period covers: itself, or a quarter's six."""
        if not self.is_quarter:
            return [self.key]
        first = Period(HALF_MONTH, self.year, self.index * 6 - 5)
        return [Period(HALF_MONTH, self.year, first.index + n).key for n in range(6)]

    @property
    def label(self) -> str:
        """The period as the report's title names it: 2026年11月上半月, 2026年第四季度."""
        if self.is_quarter:
            return f"{self.year}年第{cn_number(self.index)}季度"
        return f"{self.year}年{self.month}月{'上' if self.index % 2 else '下'}半月"

    @property
    def report_name(self) -> str:
        """半月报 or 季度报."""
        return "季度报" if self.is_quarter else "半月报"

    def previous(self) -> Period:
        top = 4 if self.is_quarter else 24
        if self.index > 1:
            return Period(self.kind, self.year, self.index - 1)
        return Period(self.kind, self.year - 1, top)

    def next(self) -> Period:
        top = 4 if self.is_quarter else 24
        if self.index < top:
            return Period(self.kind, self.year, self.index + 1)
        return Period(self.kind, self.year + 1, 1)

    def neighbour(self, step: int) -> Period | None:
        """The previous (-1) or next (1) period, None past the years a period may name."""
        try:
            return self.previous() if step < 0 else self.next()
        except InvalidInput:
            return None

    def moments(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The period as [start, end) in the local time zone, for timestamps."""
        start = datetime.datetime.combine(self.first_day, datetime.time.min)
        end = datetime.datetime.combine(self.last_day + _ONE_DAY, datetime.time.min)
        return timezone.make_aware(start), timezone.make_aware(end)

    def __str__(self) -> str:
        return self.key


def resolve_period(
    text: str | None, kind: str | None = None, *, as_of: datetime.date | None = None
) -> Period:
    """The period a request names: `period` if given, else the default of `kind`.

    With both, and the period of the other kind (the picker's kind switched, the period field
    left as it was), the period of `kind` holding the given one's last day: 2026-11-H1 as a
    quarter is 2026-Q4, 2026-Q4 as a half month is 2026-12-H2.
    """
    if kind and kind not in KINDS:
        raise InvalidInput(_("Choose half month or quarter."), field="kind")
    if not (text or "").strip():
        return Period.default(kind or HALF_MONTH, as_of)
    period = Period.parse(text or "")
    if kind and kind != period.kind:
        return Period.containing(period.last_day, kind)
    return period


# --- The numbers ------------------------------------------------------------------------------


@dataclass
class UnitPeriod:
    """One lead unit's period (or, with `unit_id` None and `is_total`, the round's sum)."""

    unit_id: int | None
    unit_name: str
    measures: int = 0  # measures the unit leads in the round, as the user sees them
    open_measures: int = 0
    progress_reports: int = 0
    measures_reported: int = 0  # distinct measures those reports are on
    signed_off: int = 0
    overdue: int = 0
    urges: int = 0
    urges_by_level: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEVEL_ORDER, 0))
    urges_replied: int = 0
    is_total: bool = False

    def add(self, other: UnitPeriod) -> None:
        for name in (
            "measures",
            "open_measures",
            "progress_reports",
            "measures_reported",
            "signed_off",
            "overdue",
            "urges",
            "urges_replied",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for level, count in other.urges_by_level.items():
            self.urges_by_level[level] += count

    @property
    def missed_report(self) -> bool:
        """Open measures and no progress report for the period: the reminder's case."""
        return self.open_measures > 0 and self.progress_reports == 0


@dataclass
class PeriodicReport:
    round: InspectionRound
    period: Period
    units: list[UnitPeriod]
    totals: UnitPeriod

    @property
    def title(self) -> str:
        return (
            f"关于{self.round.name}整改工作情况的{self.period.report_name}（{self.period.label}）"
        )


def may_read_periodic(user: User) -> bool:
    """Office, admin and leaders, and supervision groups' members for their rounds' units;
    a liaison reports on the unit's own measures, not on the round's."""
    return user.sees_jurisdiction or user.is_supervisor


@dataclass
class PeriodicQueries:
    """The querysets the report reads, each scoped to the user, so that the files' detail
    sheets list the same measures the counts count."""

    measures: QuerySet[Measure]
    progress: QuerySet[ProgressReport]
    sign_offs: QuerySet[StatusChange]
    urges: QuerySet[UrgeNotice]


def periodic_queries(
    inspection_round: InspectionRound, period: Period, user: User
) -> PeriodicQueries:
    measures = (
        measures_visible_to(user)
        .filter(problem__round=inspection_round)
        .select_related(None)
        .prefetch_related(None)
        .order_by()
    )
    start, end = period.moments()
    scope = measures.values("pk")
    return PeriodicQueries(
        measures=measures,
        progress=ProgressReport.objects.filter(
            measure__in=scope, period__in=period.half_month_keys
        ),
        sign_offs=StatusChange.objects.filter(
            measure__in=scope, action=StatusChange.Action.APPROVE, at__gte=start, at__lt=end
        ),
        urges=urges_visible_to(user)
        .filter(round=inspection_round, issued_at__gte=start, issued_at__lt=end)
        .select_related(None),
    )


def periodic_report(
    *, inspection_round: InspectionRound, period: Period, user: User
) -> PeriodicReport:
    """Each lead unit's period and the round's sum, in four grouped queries."""
    queries = periodic_queries(inspection_round, period, user)
    _start, end = period.moments()
    rows: dict[int | None, UnitPeriod] = {}

    def row(unit_id: int | None, name: str | None) -> UnitPeriod:
        if unit_id not in rows:
            rows[unit_id] = UnitPeriod(unit_id, name or "未明确牵头单位")
        return rows[unit_id]

    for values in queries.measures.values("lead_unit", "lead_unit__name").annotate(
        n=Count("id"),
        open_n=Count("id", filter=~Q(status=Measure.Status.CLOSED)),
        overdue_n=Count("id", filter=overdue_filter(period.last_day)),
    ):
        entry = row(values["lead_unit"], values["lead_unit__name"])
        entry.measures, entry.open_measures = values["n"], values["open_n"]
        entry.overdue = values["overdue_n"]

    for values in (
        queries.progress.order_by()
        .values("measure__lead_unit", "measure__lead_unit__name")
        .annotate(n=Count("id"), measures_n=Count("measure", distinct=True))
    ):
        entry = row(values["measure__lead_unit"], values["measure__lead_unit__name"])
        entry.progress_reports, entry.measures_reported = values["n"], values["measures_n"]

    for values in (
        queries.sign_offs.order_by()
        .values("measure__lead_unit", "measure__lead_unit__name")
        .annotate(n=Count("measure", distinct=True))
    ):
        row(values["measure__lead_unit"], values["measure__lead_unit__name"]).signed_off = values[
            "n"
        ]

    replied_by_end = UrgeReply.objects.filter(notice=OuterRef("pk"), at__lt=end)
    for values in (
        queries.urges.order_by()
        .annotate(replied_in_time=Exists(replied_by_end))
        .values("unit", "unit__name")
        .annotate(
            n=Count("id"),
            replied_n=Count("id", filter=Q(replied_in_time=True)),
            **{f"level_{level}": Count("id", filter=Q(level=level)) for level in LEVEL_ORDER},
        )
    ):
        entry = row(values["unit"], values["unit__name"])
        entry.urges, entry.urges_replied = values["n"], values["replied_n"]
        entry.urges_by_level = {level: values[f"level_{level}"] for level in LEVEL_ORDER}

    # Units by name, the measures without a lead unit last.
    units = sorted(rows.values(), key=lambda r: (r.unit_id is None, r.unit_name, r.unit_id or 0))
    totals = UnitPeriod(None, "合计", is_total=True)
    for entry in units:
        totals.add(entry)
    return PeriodicReport(round=inspection_round, period=period, units=units, totals=totals)


# --- Up the line: a jurisdiction's periodic report, its own rounds and each level below ---------


@dataclass
class JurisdictionPeriodicReport:
    """A jurisdiction's period (市县一体化): one row for its own rounds (本级) and one for each
    jurisdiction directly below it, each as that jurisdiction's office reads its whole scope,
    and the sum. In a joint round a measure led by a county's unit is in the county's row and
    in the row of the round's own office; the sum counts it once."""

    jurisdiction: Jurisdiction
    period: Period
    rows: list[UnitPeriod]
    totals: UnitPeriod

    @property
    def title(self) -> str:
        return (
            f"关于{self.jurisdiction.name}巡视巡察整改工作情况的{self.period.report_name}"
            f"（{self.period.label}）"
        )


OWN_ROW = "本级"


def may_read_jurisdiction_periodic(user: User, jurisdiction: Jurisdiction) -> bool:
    """Office and leaders, for their own jurisdiction and those below it."""
    return user.sees_jurisdiction and owns_jurisdiction(user, jurisdiction.pk)


def jurisdiction_periodic_report(
    *, jurisdiction: Jurisdiction, period: Period, user: User
) -> JurisdictionPeriodicReport:
    """The rows of a jurisdiction's periodic report, in five queries (its children's names,
    then one grouped query per figure, by the pair of the round's and the lead unit's
    jurisdiction), however many jurisdictions, rounds and measures it holds."""
    below = jurisdictions_below(jurisdiction.pk)
    tree = jurisdiction_tree()
    children = list(Jurisdiction.objects.filter(parent=jurisdiction).order_by("id"))
    rows: dict[int, UnitPeriod] = {jurisdiction.pk: UnitPeriod(jurisdiction.pk, OWN_ROW)}
    for child in children:
        rows[child.pk] = UnitPeriod(child.pk, child.label)

    def row_of(jurisdiction_id: int | None) -> int | None:
        """The row a jurisdiction's work falls in: its own, or the child it sits below."""
        node = jurisdiction_id
        while node is not None and node in below:
            if node == jurisdiction.pk or tree.get(node) == jurisdiction.pk:
                return node
            node = tree.get(node)
        return None

    totals = UnitPeriod(None, "合计", is_total=True)

    def add(pair: tuple[int | None, int | None], values: dict[str, int]) -> None:
        # Once in the sum, once in each row the pair falls in (one, or two for a joint round).
        falls_in = {row for row in (row_of(pair[0]), row_of(pair[1])) if row is not None}
        for target in (totals, *(rows[row] for row in sorted(falls_in))):
            for name, count in values.items():
                if name.startswith("level_"):
                    target.urges_by_level[name.removeprefix("level_")] += count
                else:
                    setattr(target, name, getattr(target, name) + count)

    start, end = period.moments()
    measures = (
        measures_visible_to(user)
        .filter(measures_in_jurisdictions(below))
        .select_related(None)
        .prefetch_related(None)
        .order_by()
    )
    pair = ("problem__round__jurisdiction", "lead_unit__jurisdiction")
    for values in measures.values(*pair).annotate(
        n=Count("id"),
        open_n=Count("id", filter=~Q(status=Measure.Status.CLOSED)),
        overdue_n=Count("id", filter=overdue_filter(period.last_day)),
    ):
        add(
            (values[pair[0]], values[pair[1]]),
            {"measures": values["n"], "open_measures": values["open_n"],
             "overdue": values["overdue_n"]},
        )  # fmt: skip
    scope = measures.values("pk")
    measure_pair = tuple(f"measure__{path}" for path in pair)
    for values in (
        ProgressReport.objects.filter(measure__in=scope, period__in=period.half_month_keys)
        .order_by()
        .values(*measure_pair)
        .annotate(n=Count("id"), measures_n=Count("measure", distinct=True))
    ):
        add(
            (values[measure_pair[0]], values[measure_pair[1]]),
            {"progress_reports": values["n"], "measures_reported": values["measures_n"]},
        )
    for values in (
        StatusChange.objects.filter(
            measure__in=scope, action=StatusChange.Action.APPROVE, at__gte=start, at__lt=end
        )
        .order_by()
        .values(*measure_pair)
        .annotate(n=Count("measure", distinct=True))
    ):
        add((values[measure_pair[0]], values[measure_pair[1]]), {"signed_off": values["n"]})
    replied_by_end = UrgeReply.objects.filter(notice=OuterRef("pk"), at__lt=end)
    urge_pair = ("round__jurisdiction", "unit__jurisdiction")
    for values in (
        urges_visible_to(user)
        .filter(Q(round__jurisdiction__in=below) | Q(unit__jurisdiction__in=below))
        .filter(issued_at__gte=start, issued_at__lt=end)
        .select_related(None)
        .order_by()
        .annotate(replied_in_time=Exists(replied_by_end))
        .values(*urge_pair)
        .annotate(
            n=Count("id"),
            replied_n=Count("id", filter=Q(replied_in_time=True)),
            **{f"level_{level}": Count("id", filter=Q(level=level)) for level in LEVEL_ORDER},
        )
    ):
        add(
            (values[urge_pair[0]], values[urge_pair[1]]),
            {"urges": values["n"], "urges_replied": values["replied_n"],
             **{f"level_{level}": values[f"level_{level}"] for level in LEVEL_ORDER}},
        )  # fmt: skip
    return JurisdictionPeriodicReport(
        jurisdiction=jurisdiction, period=period, rows=list(rows.values()), totals=totals
    )
