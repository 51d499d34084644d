"""Urge notices (督办单): issue, reply, accept, press again; who sees and who handles them.

Every write runs in one transaction, locks what it changes, and appends a history row to each
measure the notice concerns, so the measure's timeline tells the whole story of the pressure
put on it. A notice does not change the measure itself (nor its version).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping, Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Unit, User
from accounts.selectors import groups_supervising, of_jurisdictions
from config.errors import DomainError, InvalidInput, NotAllowed, WrongState
from rectification import bulk, services
from rectification.models import Evidence, Measure, StatusChange, today

from .models import LEVEL_ORDER, SupervisionGroup, SupervisionVisit, UrgeNotice, UrgeReply

Level = UrgeNotice.Level
NoticeStatus = UrgeNotice.Status
Action = StatusChange.Action
LIVE = (NoticeStatus.OPEN, NoticeStatus.REPLIED)


# --- Reads ---------------------------------------------------------------------------------


def urges_visible_to(user: User) -> QuerySet[UrgeNotice]:
    """Office and leaders see every notice; a liaison the notices to their unit; a member of
    a supervision group the notices to the group's units."""
    qs = UrgeNotice.objects.select_related(
        "unit", "measure", "measure__problem", "round", "issued_by", "group", "decided_by"
    )
    if user.sees_jurisdiction:  # the rounds of the scope, and its units (in joint rounds)
        return of_jurisdictions(qs, user, "round__", "unit__")
    scope = Q(pk__in=[])
    if user.is_liaison and user.unit_id:
        scope |= Q(unit_id=user.unit_id)
    # A subquery, not a list: the scope costs no query of its own.
    scope |= Q(unit__supervision_groups__in=groups_supervising(user).values("pk"))
    return qs.filter(pk__in=UrgeNotice.objects.filter(scope).values("pk"))


def with_replies(notices: QuerySet[UrgeNotice]) -> QuerySet[UrgeNotice]:
    """Each notice with its replies (author, evidence) and its measures, in three queries."""
    return notices.prefetch_related(
        Prefetch(
            "replies",
            queryset=UrgeReply.objects.select_related("author")
            .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("id")))
            .order_by("at", "id"),
        ),
        Prefetch("measures", queryset=Measure.objects.select_related("problem").order_by("id")),
    )


def urge_order() -> tuple:
    """Waiting for a reply first (the earliest due first), then replied, then the rest."""
    from django.db.models import Case, IntegerField, Value, When

    return (
        Case(
            When(status=NoticeStatus.OPEN, then=Value(0)),
            When(status=NoticeStatus.REPLIED, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        "reply_due",
        "id",
    )


def live_urges(user: User) -> QuerySet[UrgeNotice]:
    return urges_visible_to(user).filter(status__in=LIVE).order_by(*urge_order())


def urge_counts(notices: QuerySet[UrgeNotice], as_of: datetime.date | None = None) -> dict:
    """Notices by level and by unit (with their levels), and how many wait, in two queries."""
    day = as_of or today()
    notices = notices.order_by()
    level_expressions = {level: Count("id", filter=Q(level=level)) for level in LEVEL_ORDER}
    totals = notices.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status=NoticeStatus.OPEN)),
        replied=Count("id", filter=Q(status=NoticeStatus.REPLIED)),
        overdue=Count("id", filter=Q(status=NoticeStatus.OPEN, reply_due__lt=day)),
        **level_expressions,
    )
    rows = (
        notices.values("unit", "unit__name", "unit__short_name")
        .annotate(
            total=Count("id"),
            open=Count("id", filter=Q(status=NoticeStatus.OPEN)),
            **level_expressions,
        )
        .order_by("-total", "unit__name")
    )
    labels = dict(Level.choices)
    return {
        "as_of": day,
        "total": totals["total"],
        "open": totals["open"],
        "replied": totals["replied"],
        "overdue": totals["overdue"],
        "by_level": [
            {"level": level, "label": str(labels[level]), "count": totals[level]}
            for level in LEVEL_ORDER
        ],
        "by_unit": [
            {
                "unit": row["unit"],
                "unit_name": row["unit__name"],
                "unit_short_name": row["unit__short_name"],
                "total": row["total"],
                "open": row["open"],
                **{level: row[level] for level in LEVEL_ORDER},
            }
            for row in rows
        ],
    }


# --- Who may do what -------------------------------------------------------------------------


def can_issue_for(user: User, unit: Unit, round_ids: Iterable[int]) -> bool:
    """Office always; a supervision-group member for the group's units and rounds."""
    if user.is_office:
        return True
    if user.is_liaison:  # a liaison never sits on a group (supervision.groups)
        return False
    return supervising_group(user, unit, round_ids) is not None


def supervising_group(user: User, unit: Unit, round_ids: Iterable[int]) -> SupervisionGroup | None:
    """The active group of `user` that covers `unit` and every round in `round_ids`."""
    wanted = set(round_ids)
    for group in groups_supervising(user).prefetch_related("units", "rounds"):
        units = {u.pk for u in group.units.all()}
        rounds = {r.pk for r in group.rounds.all()}
        if unit.pk in units and wanted <= rounds:
            return group
    return None


def can_decide(user: User, notice: UrgeNotice) -> bool:
    """Office decides every notice; a group member the notices of their own group."""
    if user.is_office:
        return True
    return (
        notice.group_id is not None
        and groups_supervising(user).filter(pk=notice.group_id, units=notice.unit_id).exists()
    )


def is_unit_liaison(user: User, notice: UrgeNotice) -> bool:
    return user.is_liaison and user.unit_id == notice.unit_id


# --- Writes ----------------------------------------------------------------------------------


def _notice_comment(notice: UrgeNotice) -> str:
    return _("%(level)s: %(reason)s (reply due %(due)s)") % {
        "level": notice.get_level_display(),
        "reason": notice.reason,
        "due": notice.reply_due.isoformat(),
    }


def _check_due(reply_due: datetime.date | None) -> datetime.date:
    if reply_due is None:
        raise InvalidInput(_("Give the date the reply is due."), field="reply_due")
    if reply_due < timezone.localdate():
        raise InvalidInput(_("The reply cannot be due in the past."), field="reply_due")
    return reply_due


def _check_level(level: str) -> str:
    if level not in LEVEL_ORDER:
        raise InvalidInput(_("Choose a level from the list."), field="level")
    return level


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field=field)
    return value


def _lock_measures(measure_ids: Iterable[int]) -> list[Measure]:
    # One order for every writer, so two notices on overlapping measures never deadlock.
    return list(
        Measure.objects.select_for_update(of=("self",))
        .select_related("problem")
        .filter(pk__in=sorted(set(measure_ids)))
        .order_by("pk")
    )


def _create_notice(
    *,
    actor: User,
    unit: Unit,
    measures: list[Measure],
    single: bool,
    level: str,
    reason: str,
    reply_due: datetime.date,
    group: SupervisionGroup | None,
    visit: SupervisionVisit | None,
) -> UrgeNotice:
    rounds = {m.problem.round_id for m in measures}
    notice = UrgeNotice.objects.create(
        round_id=rounds.pop() if len(rounds) == 1 else None,
        unit=unit,
        measure=measures[0] if single else None,
        level=level,
        reason=reason,
        reply_due=reply_due,
        issued_by=actor,
        group=group,
        visit=visit,
    )
    notice.measures.set(measures)
    return notice


@transaction.atomic
def urge_issue(
    *,
    actor: User,
    level: str,
    reason: str,
    reply_due: datetime.date | None,
    measure: Measure | None = None,
    unit: Unit | None = None,
    measures: Sequence[Measure] = (),
    visit: SupervisionVisit | None = None,
) -> UrgeNotice:
    """Issue a notice on one measure, or on a unit for several of the measures it leads.

    A measure has at most one live notice (waiting for a reply or for the office's
    decision): to raise the pressure, the office presses that one again at a higher level.
    """
    level = _check_level(level)
    reason = _text(reason, "reason", _("Give the reason for the notice."))
    reply_due = _check_due(reply_due)
    if measure is not None:
        ids = [measure.pk]
        if unit is not None and unit.pk != measure.lead_unit_id:
            raise InvalidInput(_("The unit must be the measure's lead unit."), field="unit")
    else:
        ids = [m.pk for m in measures]
        if unit is None:
            raise InvalidInput(_("Choose a measure, or a unit and its measures."), field="unit")
        if not ids:
            raise InvalidInput(_("Choose at least one of the unit's measures."), field="measures")
    locked = _lock_measures(ids)
    if measure is not None:
        if locked[0].lead_unit is None:
            raise InvalidInput(
                _("The measure has no lead unit to send the notice to."), field="measure"
            )
        unit = locked[0].lead_unit
    assert unit is not None
    if any(m.lead_unit_id != unit.pk for m in locked):
        raise InvalidInput(
            _("Every measure of the notice must be led by the unit."), field="measures"
        )
    if any(m.status == Measure.Status.CLOSED for m in locked):
        raise WrongState(_("A signed-off measure needs no urging; reopen it first."))
    round_ids = {m.problem.round_id for m in locked}
    group = None
    if not actor.is_office:
        group = supervising_group(actor, unit, round_ids)
        if group is None:
            raise NotAllowed(
                _("Only office staff, or a supervision group for this unit, can issue notices.")
            )
    if visit is not None and (visit.unit_id != unit.pk or (group and visit.group_id != group.pk)):
        raise InvalidInput(_("The visit was to another unit."), field="visit")
    busy = UrgeNotice.objects.filter(measures__in=locked, status__in=LIVE).distinct().first()
    if busy is not None:
        raise WrongState(
            _(
                "This measure already has a live urge notice (%(level)s, issued %(date)s): "
                "press that one again instead."
            )
            % {"level": busy.get_level_display(), "date": f"{busy.issued_at:%Y-%m-%d}"}
        )
    notice = _create_notice(
        actor=actor,
        unit=unit,
        measures=locked,
        single=measure is not None,
        level=level,
        reason=reason,
        reply_due=reply_due,
        group=group or (visit.group if visit else None),
        visit=visit,
    )
    services.note_in_history(
        locked, action=Action.URGE, actor=actor, comment=_notice_comment(notice)
    )
    return notice


def _lock_notice(notice_id: int) -> UrgeNotice:
    return (
        UrgeNotice.objects.select_for_update(of=("self",)).select_related("unit").get(pk=notice_id)
    )


def _require_status(notice: UrgeNotice, *allowed: str) -> None:
    if notice.status not in allowed:
        raise WrongState(
            _("The notice is “%(status)s”; this step needs it to be “%(allowed)s”.")
            % {
                "status": notice.get_status_display(),
                "allowed": "、".join(str(NoticeStatus(s).label) for s in allowed),
            }
        )


@transaction.atomic
def urge_reply(
    *,
    notice_id: int,
    actor: User,
    text: str,
    evidence: Sequence[Evidence] = (),
    files: Sequence[UploadedFile] = (),
) -> UrgeReply:
    """The unit's liaison answers (text, and evidence already on the notice's measures or
    new files, which are filed on its first measure); the notice waits for the office."""
    notice = _lock_notice(notice_id)
    if not (actor.is_admin or is_unit_liaison(actor, notice)):
        raise NotAllowed(_("Only a liaison of the unit the notice is sent to can reply."))
    _require_status(notice, NoticeStatus.OPEN, NoticeStatus.REPLIED)
    text = _text(text, "text", _("Write the reply."))
    measures = _lock_measures(notice.measures.values_list("pk", flat=True))
    measure_ids = {m.pk for m in measures}
    if any(e.measure_id not in measure_ids for e in evidence):
        raise InvalidInput(_("Evidence must belong to a measure of the notice."), field="evidence")
    reply = UrgeReply.objects.create(notice=notice, author=actor, text=text)
    attached = list(evidence)
    for uploaded in files:
        attached.append(
            services.evidence_upload(
                measure_id=measures[0].pk,
                actor=actor,
                uploaded_file=uploaded,
                description=_("Reply to an urge notice"),
            )
        )
    if attached:
        reply.evidence.set(attached)
    notice.status = NoticeStatus.REPLIED
    notice.save(update_fields=["status"])
    services.note_in_history(
        measures,
        action=Action.URGE_REPLY,
        actor=actor,
        comment=_("Reply to the %(level)s notice: %(text)s")
        % {"level": notice.get_level_display(), "text": text},
    )
    return reply


@transaction.atomic
def urge_accept(*, notice_id: int, actor: User, comment: str = "") -> UrgeNotice:
    """The office (or the issuing group) accepts the reply: the notice is done."""
    notice = _lock_notice(notice_id)
    if not can_decide(actor, notice):
        raise NotAllowed(_("Only office staff or the issuing supervision group can decide."))
    _require_status(notice, NoticeStatus.REPLIED)
    notice.status = NoticeStatus.ACCEPTED
    notice.decided_by, notice.decided_at = actor, timezone.now()
    notice.decision_comment = (comment or "").strip()
    notice.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    measures = _lock_measures(notice.measures.values_list("pk", flat=True))
    services.note_in_history(
        measures,
        action=Action.URGE_ACCEPT,
        actor=actor,
        comment=_("Reply to the %(level)s notice accepted. %(comment)s")
        % {"level": notice.get_level_display(), "comment": notice.decision_comment},
    )
    return notice


def next_level(level: str) -> str | None:
    rank = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[rank + 1] if rank + 1 < len(LEVEL_ORDER) else None


@transaction.atomic
def urge_escalate(
    *,
    notice_id: int,
    actor: User,
    reason: str,
    reply_due: datetime.date | None,
    level: str | None = None,
) -> UrgeNotice:
    """Press again (再次督办): a new notice at a higher level replaces this one, on the same
    unit and measures; answer the new notice."""
    notice = _lock_notice(notice_id)
    if not can_decide(actor, notice):
        raise NotAllowed(_("Only office staff or the issuing supervision group can decide."))
    _require_status(notice, *LIVE)
    reason = _text(reason, "reason", _("Give the reason for pressing again."))
    reply_due = _check_due(reply_due)
    if level is None:
        level = next_level(notice.level)
        if level is None:
            raise WrongState(_("The notice is already at the highest level (public notice)."))
    level = _check_level(level)
    if LEVEL_ORDER.index(level) <= notice.level_rank:
        raise InvalidInput(
            _("Pressing again needs a level higher than “%(level)s”.")
            % {"level": notice.get_level_display()},
            field="level",
        )
    measures = _lock_measures(notice.measures.values_list("pk", flat=True))
    successor = _create_notice(
        actor=actor,
        unit=notice.unit,
        measures=measures,
        single=notice.measure_id is not None,
        level=level,
        reason=reason,
        reply_due=reply_due,
        group=notice.group,
        visit=None,
    )
    notice.status = NoticeStatus.ESCALATED
    notice.replaced_by = successor
    notice.decided_by, notice.decided_at = actor, timezone.now()
    notice.save(update_fields=["status", "replaced_by", "decided_by", "decided_at"])
    services.note_in_history(
        measures,
        action=Action.URGE_ESCALATE,
        actor=actor,
        comment=_("Pressed again: %(old)s → %(new)s. %(reason)s (reply due %(due)s)")
        % {
            "old": notice.get_level_display(),
            "new": successor.get_level_display(),
            "reason": reason,
            "due": reply_due.isoformat(),
        },
    )
    return successor


# --- Several measures at once (rectification.bulk) -----------------------------------------


def urge_issue_bulk(
    *,
    actor: User,
    targets: Sequence[bulk.Target],
    level: str,
    reason: str,
    reply_due: datetime.date | None,
    preview: bool = False,
    versions: Mapping[int, int] | None = None,
) -> bulk.Outcome:
    """One notice over the selected measures of each lead unit (a notice is addressed to one
    unit), all issued in one transaction through `urge_issue`, or none.

    A unit whose notice is refused has each of its measures tried alone, and rolled back, to
    name the ones that block it (a live notice already, signed off, no lead unit)."""
    level = _check_level(level)
    reason = _text(reason, "reason", _("Give the reason for the notice."))
    reply_due = _check_due(reply_due)
    by_unit: dict[int | None, list[bulk.Target]] = {}
    for target in targets:
        by_unit.setdefault(target.lead_unit_id, []).append(target)
    units = Unit.objects.in_bulk([pk for pk in by_unit if pk is not None])
    issued: list[int] = []

    def issue(unit_id: int | None, group: list[bulk.Target]) -> bool:
        if unit_id is None:
            raise InvalidInput(_("The measure has no lead unit to send the notice to."))
        notice = urge_issue(
            actor=actor,
            unit=units[unit_id],
            measures=list(Measure.objects.filter(pk__in=[t.id for t in group])),
            level=level,
            reason=reason,
            reply_due=reply_due,
        )
        issued.append(notice.pk)
        return True

    def explain(group: Sequence[bulk.Target], error: DomainError) -> list[bulk.Blocker]:
        found = []
        for target in group:
            savepoint = transaction.savepoint()
            try:
                urge_issue(
                    actor=actor,
                    measure=Measure.objects.get(pk=target.id),
                    level=level,
                    reason=reason,
                    reply_due=reply_due,
                )
            except DomainError as alone:
                found.append(bulk.blocker(target, alone))
            finally:
                transaction.savepoint_rollback(savepoint)
        return found or [bulk.blocker(target, error) for target in group]

    outcome = bulk.run(
        action="urge",
        targets=targets,
        work=[
            (group, functools.partial(issue, unit_id, group)) for unit_id, group in by_unit.items()
        ],
        preview=preview,
        versions=versions,
        explain=explain,
    )
    outcome.extra = {"units": len(by_unit), "notices": [] if preview else issued}
    return outcome
