"""The dashboard's reads: a view (round, unit, as-of date) narrowed from what the user sees,
and its numbers, each computed by rectification.selectors (DESIGN.md section 6), never here."""

from __future__ import annotations

import copy
import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Jurisdiction, Unit, User
from accounts.selectors import (
    jurisdiction_scope,
    jurisdictions_below,
    jurisdictions_directly_below,
    jurisdictions_visible_to,
    units_visible_to,
)
from config.errors import DomainError, InvalidInput, NotAllowed
from inspections.models import InspectionRound
from inspections.selectors import round_report_numbers, rounds_visible_to
from rectification.models import Measure, ProblemRollup, today
from rectification.selectors import (
    Cells,
    cell_numbers,
    cell_numbers_by_jurisdiction,
    cell_numbers_by_unit,
    cell_problem_numbers,
    cell_problem_numbers_by_category,
    cell_trend,
    due_soon_measures,
    handling_numbers,
    lead_units,
    overdue_measures,
    problem_cells,
)
from supervision.evaluation import red_black_lists_visible_to
from supervision.models import RedBlackList
from supervision.urges import urge_counts, urges_visible_to

RANKING_SIZE = 10  # 红黑榜: the best and the worst ten units


class NoSuchJurisdiction(DomainError):
    """A jurisdiction outside the user's scope is answered as one that does not exist (404)."""

    status_code = 404
    code = "not_found"


@dataclass(frozen=True)
class DashboardView:
    """What a leader is looking at: everything they see, narrowed by round, unit and date.

    With `jurisdiction` (a drill-in), `user` is the signed-in user as that jurisdiction's
    office reads (`viewing_as`), and every number of the view is that office's own."""

    user: User
    round: InspectionRound | None = None
    unit: Unit | None = None
    as_of: datetime.date | None = None
    jurisdiction: Jurisdiction | None = None

    @property
    def day(self) -> datetime.date:
        return self.as_of or today()

    def narrowed(self, measures: QuerySet[Measure]) -> QuerySet[Measure]:
        """`measures` (of those the user sees) of the view's round and unit."""
        if self.round is not None:
            measures = measures.filter(problem__round=self.round)
        if self.unit is not None:
            measures = measures.filter(lead_unit=self.unit)
        return measures

    # The dashboard is for those who see every measure (dashboard_view), so its set is a union
    # of (round, lead unit) cells and its numbers are read from the rollups.
    def cell_keys(self) -> tuple[list[int] | None, int | None, frozenset[int] | None]:
        return (
            [self.round.pk] if self.round is not None else None,
            self.unit.pk if self.unit is not None else None,
            jurisdiction_scope(self.user),
        )

    def cells(self) -> Cells:
        return Cells(*self.cell_keys())

    def problem_cells(self) -> QuerySet[ProblemRollup]:
        return problem_cells(*self.cell_keys())

    def rounds(self) -> QuerySet[InspectionRound]:
        qs = rounds_visible_to(self.user)
        if self.round is not None:
            qs = qs.filter(pk=self.round.pk)
        if self.unit is not None:
            led = Measure.objects.filter(lead_unit=self.unit).values("problem__round")
            qs = qs.filter(pk__in=led)
        return qs

    def query(self) -> dict[str, str]:
        """The filters as query parameters, for links and the API calls of the page."""
        params = {}
        if self.jurisdiction is not None:
            params["jurisdiction"] = str(self.jurisdiction.pk)
        if self.round is not None:
            params["round"] = str(self.round.pk)
        if self.unit is not None:
            params["unit"] = str(self.unit.pk)
        if self.as_of is not None:
            params["as_of"] = self.as_of.isoformat()
        return params

    def measure_query(self) -> dict[str, str]:
        """The same filters as the measure list (rectification.filters) reads them: the list
        each number opens starts from these (its `jurisdiction` filter is dashboard.filters)."""
        params = {}
        if self.jurisdiction is not None:
            params["jurisdiction"] = str(self.jurisdiction.pk)
        if self.round is not None:
            params["round"] = str(self.round.pk)
        if self.unit is not None:
            params["lead_unit"] = str(self.unit.pk)
        params["as_of"] = self.day.isoformat()
        return params


def viewing_as(user: User, jurisdiction: Jurisdiction) -> User:
    """`user` reading as the office of `jurisdiction`, one of their scope: the same person,
    never more than their role, with the scope narrowed to that jurisdiction and below. For
    reading only: it is never saved."""
    viewer = copy.copy(user)  # a model's copy has its own state and cache of relations
    viewer.__dict__.pop("_jurisdiction_scope", None)
    viewer.jurisdiction = jurisdiction
    if viewer.is_admin:  # the bootstrap superuser reads as the office, not as everyone
        viewer.is_superuser = False
        viewer.role = User.Role.OFFICE
    return viewer


def chosen_jurisdiction(user: User, raw: str) -> Jurisdiction:
    """The jurisdiction of `user`'s scope named by `raw`; any other answers 404, so that
    nobody learns which jurisdictions lie beside or above their own."""
    found = None
    if raw.isdigit():
        found = jurisdictions_visible_to(user).filter(pk=int(raw)).first()
    if found is None:
        raise NoSuchJurisdiction(_("There is no such jurisdiction."))
    return found


def dashboard_view(user: User, params) -> DashboardView:
    """Read `jurisdiction`, `round`, `unit` and `as_of` from query parameters; a bad one
    raises InvalidInput naming it, a jurisdiction outside the user's scope NoSuchJurisdiction.
    Only those who see everything (leaders, office, admin) have a dashboard."""
    if not user.sees_jurisdiction:
        raise NotAllowed(_("The dashboard is for leaders and the inspection office."))
    chosen_round = chosen_unit = as_of = jurisdiction = None
    raw = (params.get("jurisdiction") or "").strip()
    if raw:
        jurisdiction = chosen_jurisdiction(user, raw)
        if jurisdiction.pk == user.jurisdiction_id:  # their own: no drill-in to say
            jurisdiction = None
        else:
            user = viewing_as(user, jurisdiction)
    raw = (params.get("round") or "").strip()
    if raw:
        if not raw.isdigit():
            raise InvalidInput(_("Choose a round from the list."), field="round")
        chosen_round = rounds_visible_to(user).filter(pk=int(raw)).first()
        if chosen_round is None:
            raise InvalidInput(_("There is no such round."), field="round")
    raw = (params.get("unit") or "").strip()
    if raw:
        if not raw.isdigit():
            raise InvalidInput(_("Choose a unit from the list."), field="unit")
        chosen_unit = units_visible_to(user).filter(pk=int(raw)).first()
        if chosen_unit is None:
            raise InvalidInput(_("There is no such unit."), field="unit")
    raw = (params.get("as_of") or "").strip()
    if raw:
        try:
            as_of = datetime.date.fromisoformat(raw)
        except ValueError:
            raise InvalidInput(_("Enter a date as YYYY-MM-DD."), field="as_of") from None
    return DashboardView(
        user=user, round=chosen_round, unit=chosen_unit, as_of=as_of, jurisdiction=jurisdiction
    )


def summary(view: DashboardView) -> dict:
    """KPI numbers of the view: the measure numbers and problem numbers of section 6, the
    rounds counted, measures by status, problems by category, clue and petition counts."""
    numbers = cell_numbers(view.cells(), view.day)
    problems = view.problem_cells()
    data: dict = {
        "as_of": view.day,
        "round": view.round.pk if view.round else None,
        "unit": view.unit.pk if view.unit else None,
        "rounds": view.rounds().count(),
    }
    data.update(numbers)
    data.update(cell_problem_numbers(problems))
    data["by_status"] = [
        {"status": value, "label": str(label), "count": numbers[value]}
        for value, label in Measure.Status.choices
    ]
    data["by_category"] = cell_problem_numbers_by_category(problems)
    data.update(
        handling_numbers(
            view.user, view.rounds() if (view.round or view.unit) else None, as_of=view.day
        )
    )
    data["round_reports"] = round_report_numbers(view.rounds(), view.day)
    return data


def unit_ranking(view: DashboardView) -> dict:
    """Every lead unit's numbers, and the red and black lists (红黑榜): the best ten by
    completion rate (then fewest overdue), the worst ten by overdue (then lowest completion).
    Measures not yet given a lead unit are left out of the ranking."""
    rows = [row for row in cell_numbers_by_unit(view.cells(), view.day) if row["unit"]]
    best = sorted(
        rows,
        key=lambda r: (-(r["completion_rate"] or 0), r["overdue"], r["unit_name"]),
    )[:RANKING_SIZE]
    worst = sorted(
        rows,
        key=lambda r: (-r["overdue"], r["completion_rate"] or 0, r["unit_name"]),
    )[:RANKING_SIZE]
    return {"as_of": view.day, "results": rows, "best": best, "worst": worst}


def jurisdiction_comparison(view: DashboardView) -> dict:
    """下级对比: each jurisdiction directly below the view's, with the numbers its own office
    reads for its whole scope (it and those below it), under the view's round, unit and date.
    Seven queries (the names, and the six of `cell_numbers_by_jurisdiction`), none where
    there is nothing below."""
    below = jurisdictions_directly_below(view.user.jurisdiction_id)
    rows: list[dict] = []
    if below:
        rounds, unit, scope = view.cell_keys()
        scopes = {key: jurisdictions_below(key) for key in below}
        numbers = cell_numbers_by_jurisdiction(scopes, rounds, unit, view.day, scope)
        for child in Jurisdiction.objects.filter(pk__in=below):
            rows.append(
                {
                    "jurisdiction": child.pk,
                    "name": child.name,
                    "short_name": child.short_name,
                    "level": child.level,
                    **numbers[child.pk],
                }
            )
    return {
        "as_of": view.day,
        "jurisdiction": view.jurisdiction.pk if view.jurisdiction else None,
        "results": rows,
    }


def current_red_black_list(view: DashboardView) -> RedBlackList | None:
    """The latest published red-and-black list (of the chosen round, if one is chosen)."""
    lists = red_black_lists_visible_to(view.user)
    if view.round is not None:
        lists = lists.filter(evaluation__round=view.round)
    return lists.order_by("-published_at", "-id").first()


def urge_summary(view: DashboardView) -> dict:
    """Urge notices of the view by level and by unit (督办 counts)."""
    notices = urges_visible_to(view.user)
    if view.round is not None:
        notices = notices.filter(round=view.round)
    if view.unit is not None:
        notices = notices.filter(unit=view.unit)
    return urge_counts(notices, view.day)


def trend(view: DashboardView) -> dict:
    rounds, unit, scope = view.cell_keys()
    return {"as_of": view.day, "results": cell_trend(rounds, unit, as_of=view.day, scope=scope)}


def attention_lists(view: DashboardView, limit: int = 10) -> dict:
    """The overdue and due-soon measures of the view, oldest deadline first."""
    return {
        "overdue": view.narrowed(overdue_measures(view.user, view.day))[:limit],
        "due_soon": view.narrowed(due_soon_measures(view.user, view.day))[:limit],
    }


def filter_choices(user: User) -> dict:
    return {
        "rounds": rounds_visible_to(user).select_related(None).only("pk", "name"),
        "units": lead_units(jurisdiction_scope(user)),
    }
