"""Every write on a measure that has a rule: creation, edits, and (below) its transitions.

Each function takes the acting user, runs in one transaction under a row lock, and raises
a domain error (config.errors) that the API maps to 400 / 403 / 409 / 412.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.duties import require_second_person
from accounts.models import Unit, User
from accounts.selectors import jurisdictions_below, owns_jurisdiction
from config.errors import InvalidInput, NotAllowed, StaleVersion, WrongState
from config.seq import next_seq
from config.uploads import check_upload
from findings.models import Problem
from findings.services import problem_create
from inspections.models import InspectionRound

from .models import (
    WAITING_FOR_SIGN_OFF,
    Evidence,
    Extension,
    Measure,
    ProgressReport,
    StatusChange,
)

# Fields an office may edit directly; each change is recorded with its old and new value.
EDITABLE_FIELDS = (
    "problem",
    "seq",
    "text",
    "lead_official",
    "lead_official_user",
    "lead_unit",
    "deadline",
    "is_long_term",
    "is_immediate",
    "cooperating_units",
)


def check_version(measure: Measure, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != measure.version:
        raise StaleVersion(
            _(
                "The measure was changed by someone else (now version %(now)s, you sent "
                "%(sent)s). Reload it and try again."
            )
            % {"now": measure.version, "sent": expected_version}
        )


def lock_measure(measure_id: int) -> Measure:
    """The measure, locked, with the round and lead unit its writers' scope is read from."""
    return (
        Measure.objects.select_related("problem__round", "lead_unit")
        .select_for_update(of=("self",))
        .get(pk=measure_id)
    )


def _check_deadline_rule(deadline: datetime.date | None, is_long_term: bool) -> None:
    if deadline is None and not is_long_term:
        raise InvalidInput(
            _("A measure needs a deadline unless it is long-term."), field="deadline"
        )


def note_in_history(
    measures: Iterable[Measure], *, action: str, actor: User, comment: str = "", **values: str
) -> None:
    """A row in each measure's history telling of something done beside it (an urge notice,
    a comment): the measure itself is unchanged."""
    StatusChange.objects.bulk_create(
        StatusChange(
            measure=m,
            from_status=m.status,
            to_status=m.status,
            action=action,
            actor=actor,
            comment=comment,
            **values,
        )
        for m in measures
    )


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, Iterable) and not isinstance(value, str):
        return "、".join(sorted(str(v) for v in value))
    return str(value)


def check_measure_scope(actor: User, round_jurisdiction_id: int, lead_unit: Unit | None) -> None:
    """Whose measure the office may write (DESIGN.md section 12). In its own jurisdictions'
    rounds, any measure, led by a unit of the round's jurisdiction or one below it; in a
    joint round of the level above, only the measures its own units lead."""
    lead_jurisdiction = lead_unit.jurisdiction_id if lead_unit is not None else None
    if owns_jurisdiction(actor, round_jurisdiction_id):
        if lead_unit is not None and lead_jurisdiction not in jurisdictions_below(
            round_jurisdiction_id
        ):
            raise InvalidInput(
                _("The lead unit is not of this round's jurisdiction or one below it."),
                field="lead_unit",
            )
        return
    if lead_unit is None or not owns_jurisdiction(actor, lead_jurisdiction):
        raise NotAllowed(
            _(
                "This round is run by the office of the level above: you add and change only "
                "the measures your own units lead."
            )
        )


@transaction.atomic
def measure_create(
    *,
    actor: User,
    problem: Problem,
    text: str,
    seq: int | None = None,
    cooperating_units: Iterable[Unit] = (),
    permitted: bool = False,
    **fields: Any,
) -> Measure:
    """`permitted`: the caller has checked the actor's right (a supervision group's new
    problem from its visit, supervision.groups)."""
    if not (permitted or actor.is_office):
        raise NotAllowed(_("Only office staff can add measures."))
    if not permitted:
        check_measure_scope(actor, problem.round.jurisdiction_id, fields.get("lead_unit"))
    _check_deadline_rule(fields.get("deadline"), fields.get("is_long_term", False))
    siblings = Measure.objects.filter(problem=problem)
    if seq is None:
        seq = next_seq(siblings)
    elif siblings.filter(seq=seq).exists():
        raise InvalidInput(_("This number is already taken."), field="seq")
    measure = Measure.objects.create(problem=problem, text=text, seq=seq, **fields)
    if cooperating_units:
        measure.cooperating_units.set(cooperating_units)
    return measure


@transaction.atomic
def measure_update(
    *,
    measure_id: int,
    actor: User,
    changes: dict[str, Any],
    expected_version: int | None = None,
    comment: str = "",
) -> Measure:
    """Office edits of a measure's own fields, each recorded as an `edit` history row, with
    the `comment` that says why (a bulk move of deadlines gives its reason)."""
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can edit a measure."))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("These fields cannot be edited: %s") % ", ".join(sorted(unknown)))
    measure = lock_measure(measure_id)
    check_version(measure, expected_version)
    check_measure_scope(actor, measure.problem.round.jurisdiction_id, measure.lead_unit)
    problem = changes.get("problem", measure.problem)
    if "problem" in changes or "lead_unit" in changes:
        check_measure_scope(
            actor, problem.round.jurisdiction_id, changes.get("lead_unit", measure.lead_unit)
        )

    deadline = changes.get("deadline", measure.deadline)
    is_long_term = changes.get("is_long_term", measure.is_long_term)
    _check_deadline_rule(deadline, is_long_term)
    seq = changes.get("seq", measure.seq)
    if (problem.pk, seq) != (measure.problem_id, measure.seq) and Measure.objects.filter(
        problem=problem, seq=seq
    ).exclude(pk=measure.pk).exists():
        raise InvalidInput(_("This number is already taken."), field="seq")

    rows = []
    for field, new in changes.items():
        if field == "cooperating_units":
            old = set(measure.cooperating_units.all())
            new = set(new)
        else:
            old = getattr(measure, field)
        if old == new:
            continue
        rows.append(
            StatusChange(
                measure=measure,
                from_status=measure.status,
                to_status=measure.status,
                action=StatusChange.Action.EDIT,
                actor=actor,
                field=field,
                old_value=_as_text(old),
                new_value=_as_text(new),
                comment=comment,
            )
        )
        if field == "cooperating_units":
            measure.cooperating_units.set(new)
        else:
            setattr(measure, field, new)
    if rows:
        measure.version += 1
        measure.save()
        StatusChange.objects.bulk_create(rows)
    return measure


@transaction.atomic
def measure_delete(*, measure_id: int, actor: User, expected_version: int | None = None) -> None:
    if not actor.is_office:
        raise NotAllowed(_("Only office staff can delete a measure."))
    measure = lock_measure(measure_id)
    check_version(measure, expected_version)
    check_measure_scope(actor, measure.problem.round.jurisdiction_id, measure.lead_unit)
    measure.cooperating_units.clear()
    measure.delete()  # history, progress and evidence protect it: ProtectedError answers 409


# --- The measure's life (DESIGN.md section 5) -------------------------------------------------

Status = Measure.Status
Action = StatusChange.Action


def is_lead_liaison(user: User, measure: Measure) -> bool:
    return user.is_liaison and user.unit_id is not None and user.unit_id == measure.lead_unit_id


def _require_lead_liaison(user: User, measure: Measure, what: str) -> None:
    """Steps taken by the lead unit: its liaison does them; admins may act for anyone."""
    if not (user.is_admin or is_lead_liaison(user, measure)):
        raise NotAllowed(_("Only the liaison of the lead unit can %(what)s.") % {"what": what})


def _require_office(user: User, what: str) -> None:
    if not user.is_office:
        raise NotAllowed(_("Only office staff can %(what)s.") % {"what": what})


def _require_state(measure: Measure, *allowed: str) -> None:
    if measure.status not in allowed:
        raise WrongState(
            _("The measure is “%(status)s”; this step needs it to be “%(allowed)s”.")
            % {
                "status": measure.get_status_display(),
                "allowed": "、".join(str(Status(s).label) for s in allowed),
            }
        )


def _require_text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, field=field)
    return value


def _transition(
    measure: Measure, *, to: str, action: str, actor: User, comment: str = ""
) -> Measure:
    """Move the locked measure to `to`, raise its version and append the history row."""
    StatusChange.objects.create(
        measure=measure,
        from_status=measure.status,
        to_status=to,
        action=action,
        actor=actor,
        comment=comment,
    )
    measure.status = to
    measure.version += 1
    measure.save()
    return measure


@transaction.atomic
def measure_start(
    *, measure_id: int, actor: User, comment: str = "", expected_version: int | None = None
) -> Measure:
    measure = lock_measure(measure_id)
    _require_lead_liaison(actor, measure, _("start the measure"))
    check_version(measure, expected_version)
    _require_state(measure, Status.NOT_STARTED)
    return _transition(
        measure, to=Status.IN_PROGRESS, action=Action.START, actor=actor, comment=comment
    )


@transaction.atomic
def measure_submit(
    *,
    measure_id: int,
    actor: User,
    result_summary: str,
    comment: str = "",
    expected_version: int | None = None,
) -> Measure:
    """Ask for sign-off (申请销号): needs the result (整改成效) and at least one evidence file."""
    measure = lock_measure(measure_id)
    _require_lead_liaison(actor, measure, _("submit the measure for sign-off"))
    check_version(measure, expected_version)
    _require_state(measure, Status.IN_PROGRESS)
    summary = _require_text(
        result_summary, "result_summary", _("Describe the rectification result before submitting.")
    )
    if not measure.evidence.exists():
        raise InvalidInput(
            _("Upload at least one evidence file before submitting."), field="evidence"
        )
    to = Status.SUBMITTED
    if measure.problem.round.has_endorsement:
        head = measure.lead_unit.head if measure.lead_unit else None
        if head is None or not head.is_active:
            raise InvalidInput(
                _(
                    "This round asks the lead unit's head to endorse each submission, and the "
                    "unit has no head with an active account. Ask the office to name one."
                ),
                field="lead_unit",
            )
        to = Status.ENDORSING
    measure.result_summary = summary
    measure.submitted_at = timezone.now()
    measure.submitted_by = actor
    # A new submission starts a new chain: nobody has vouched for it yet.
    measure.endorsed_by = measure.reviewed_by = None
    measure.waiting_since = measure.submitted_at
    return _transition(measure, to=to, action=Action.SUBMIT, actor=actor, comment=comment)


def is_unit_head(user: User, measure: Measure) -> bool:
    """The head (principal leader) of the measure's lead unit, who endorses its submissions."""
    return measure.lead_unit is not None and measure.lead_unit.head_id == user.pk


def is_round_superior(user: User, measure: Measure) -> bool:
    """The superior the round names to review after the head (分管领导)."""
    return measure.problem.round.endorsement_superior_id == user.pk


def waits_for(user: User, measure: Measure) -> bool:
    """Whether the measure's present step towards sign-off is `user`'s to take (endorse,
    review, or sign off; and return at that step). The bootstrap superuser acts for anyone."""
    if measure.status == Status.ENDORSING:
        return user.is_admin or is_unit_head(user, measure)
    if measure.status == Status.REVIEWING:
        return user.is_admin or is_round_superior(user, measure)
    if measure.status == Status.SUBMITTED:
        return user.is_office
    return False


def _chain_authors(measure: Measure) -> list[int | None]:
    """Everyone who wrote or vouched for the submission waiting now: none of them may take
    a later step of its chain (accounts.duties.require_second_person)."""
    return [measure.submitted_by_id, measure.endorsed_by_id, measure.reviewed_by_id]


def _pass_on(measure: Measure, *, to: str, action: str, actor: User, comment: str) -> Measure:
    measure.waiting_since = timezone.now()
    return _transition(measure, to=to, action=action, actor=actor, comment=comment)


@transaction.atomic
def measure_endorse(
    *,
    measure_id: int,
    actor: User,
    comment: str = "",
    evidence_file: UploadedFile | None = None,
    expected_version: int | None = None,
) -> Measure:
    """The lead unit's head vouches for the submission (签字背书), optionally with the signed
    scan as evidence; it goes on to the round's superior, or to the office."""
    measure = lock_measure(measure_id)
    if not (actor.is_admin or is_unit_head(actor, measure)):
        raise NotAllowed(_("Only the head of the lead unit can endorse its submissions."))
    require_second_person(
        actor,
        _chain_authors(measure),
        _("Nobody may endorse a submission they made themselves."),
    )
    check_version(measure, expected_version)
    _require_state(measure, Status.ENDORSING)
    if evidence_file is not None:
        _save_evidence(
            measure, actor, evidence_file, description=_("Signed endorsement of the unit's head")
        )
    measure.endorsed_by = actor
    to = Status.REVIEWING if measure.problem.round.has_superior_review else Status.SUBMITTED
    return _pass_on(measure, to=to, action=Action.ENDORSE, actor=actor, comment=comment.strip())


@transaction.atomic
def measure_review(
    *, measure_id: int, actor: User, comment: str = "", expected_version: int | None = None
) -> Measure:
    """The round's superior reviews the endorsed submission (复核); it goes to the office."""
    measure = lock_measure(measure_id)
    if not (actor.is_admin or is_round_superior(actor, measure)):
        raise NotAllowed(_("Only the superior the round names can review its submissions."))
    require_second_person(
        actor,
        _chain_authors(measure),
        _("Nobody may review a submission they made or endorsed themselves."),
    )
    check_version(measure, expected_version)
    _require_state(measure, Status.REVIEWING)
    measure.reviewed_by = actor
    return _pass_on(
        measure, to=Status.SUBMITTED, action=Action.REVIEW, actor=actor, comment=comment.strip()
    )


@transaction.atomic
def measure_approve(
    *, measure_id: int, actor: User, comment: str = "", expected_version: int | None = None
) -> Measure:
    """Sign off (销号). The on-time rate reads the submitted_at of the approved submission."""
    measure = lock_measure(measure_id)
    _require_office(actor, _("sign off a measure"))
    require_second_person(
        actor,
        _chain_authors(measure),
        _("Nobody may sign off a submission they made or vouched for themselves."),
    )
    check_version(measure, expected_version)
    _require_state(measure, Status.SUBMITTED)
    measure.closed_at = timezone.now()
    measure.closed_by = actor
    measure.waiting_since = None
    return _transition(
        measure, to=Status.CLOSED, action=Action.APPROVE, actor=actor, comment=comment
    )


@transaction.atomic
def measure_return(
    *, measure_id: int, actor: User, reason: str, expected_version: int | None = None
) -> Measure:
    """Send a submission back to the unit (退回), with the reason the liaison will read: at
    each step of the chain by the person whose step it is, at the last by the office."""
    measure = lock_measure(measure_id)
    if measure.status in (Status.ENDORSING, Status.REVIEWING):
        if not waits_for(actor, measure):
            raise NotAllowed(_("Only the person whose step it is can return it at this step."))
    else:
        _require_office(actor, _("return a submission"))
    check_version(measure, expected_version)
    _require_state(measure, *WAITING_FOR_SIGN_OFF)
    reason = _require_text(reason, "reason", _("Give the reason for returning it."))
    measure.endorsed_by = measure.reviewed_by = None
    measure.waiting_since = None
    return _transition(
        measure, to=Status.IN_PROGRESS, action=Action.RETURN, actor=actor, comment=reason
    )


@transaction.atomic
def measure_reopen(
    *,
    measure_id: int,
    actor: User,
    reason: str,
    deadline: datetime.date | None = None,
    expected_version: int | None = None,
) -> Measure:
    """Reopen a signed-off measure that has relapsed (回头看), with the new deadline it is
    given: keeping the old one would make it overdue at once and fire red reminders.

    A long-term measure may be reopened without one; the new deadline may not lie in the past.
    """
    measure = lock_measure(measure_id)
    _require_office(actor, _("reopen a measure"))
    check_version(measure, expected_version)
    _require_state(measure, Status.CLOSED)
    reason = _require_text(reason, "reason", _("Give the reason for reopening it."))
    if deadline is None and not measure.is_long_term:
        raise InvalidInput(_("Give the new deadline of the reopened measure."), field="deadline")
    if deadline is not None and deadline < timezone.localdate():
        raise InvalidInput(_("The new deadline cannot be in the past."), field="deadline")
    # The new deadline is written on the reopen row itself: one step, one history entry.
    StatusChange.objects.create(
        measure=measure,
        from_status=measure.status,
        to_status=Status.IN_PROGRESS,
        action=Action.REOPEN,
        actor=actor,
        comment=reason,
        **(
            {
                "field": "deadline",
                "old_value": _as_text(measure.deadline),
                "new_value": _as_text(deadline),
            }
            if deadline is not None and deadline != measure.deadline
            else {}
        ),
    )
    if deadline is not None:
        measure.deadline = deadline
    measure.closed_at = None
    measure.closed_by = None
    measure.status = Status.IN_PROGRESS
    measure.version += 1
    measure.save()
    return measure


# --- Progress reports ---------------------------------------------------------------------------

PERIOD_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-H[12]$")


def period_key(day: datetime.date) -> str:
    """The half-month reporting period of a day: 2026-11-H1 (1st–15th) or 2026-11-H2."""
    return f"{day.year}-{day.month:02d}-{'H1' if day.day <= 15 else 'H2'}"


@transaction.atomic
def progress_report_create(
    *,
    measure_id: int,
    actor: User,
    text: str,
    percent: int | None = None,
    period: str | None = None,
) -> ProgressReport:
    """A progress report (进展报告); a second one in the same period is another row."""
    measure = lock_measure(measure_id)
    _require_lead_liaison(actor, measure, _("report progress"))
    _require_state(measure, Status.NOT_STARTED, Status.IN_PROGRESS, *WAITING_FOR_SIGN_OFF)
    text = _require_text(text, "text", _("Describe the progress."))
    if percent is not None and not 0 <= percent <= 100:
        raise InvalidInput(_("The percentage must be between 0 and 100."), field="percent")
    period = period or period_key(timezone.localdate())
    if not PERIOD_PATTERN.match(period):
        raise InvalidInput(_("The period looks like 2026-11-H1 or 2026-11-H2."), field="period")
    return ProgressReport.objects.create(
        measure=measure, author=actor, period=period, text=text, percent=percent
    )


# --- Evidence files (佐证材料) -------------------------------------------------------------------

# The `field` of the history rows that record an upload or a deletion of evidence.
EVIDENCE_FIELD = "evidence"


@transaction.atomic
def evidence_upload(
    *, measure_id: int, actor: User, uploaded_file: UploadedFile, description: str = ""
) -> Evidence:
    measure = lock_measure(measure_id)
    if not (actor.is_office or is_lead_liaison(actor, measure)):
        raise NotAllowed(_("Only the lead unit's liaison or office staff can upload evidence."))
    _require_state(measure, Status.NOT_STARTED, Status.IN_PROGRESS, *WAITING_FOR_SIGN_OFF)
    return _save_evidence(measure, actor, uploaded_file, description)


def _save_evidence(
    measure: Measure, actor: User, uploaded_file: UploadedFile, description: str
) -> Evidence:
    """Store a checked file as evidence of the locked measure, with its history row."""
    checked = check_upload(uploaded_file)
    evidence = Evidence(
        measure=measure,
        original_name=checked.name,
        size=checked.size,
        content_type=checked.content_type,
        sha256=checked.sha256,
        description=description.strip(),
        uploaded_by=actor,
    )
    evidence.file.save(checked.name, uploaded_file, save=False)
    try:
        evidence.save()
        _record_evidence(measure, actor, old="", new=_evidence_label(evidence))
    except Exception:
        # Nothing half-saved: the stored file goes when its row could not be written.
        evidence.file.delete(save=False)
        raise
    return evidence


def _evidence_label(evidence: Evidence) -> str:
    return f"{evidence.original_name} (sha256 {evidence.sha256[:12]})"


def _record_evidence(measure: Measure, actor: User, *, old: str, new: str) -> None:
    """An upload or deletion of evidence, in the measure's history beside its transitions."""
    StatusChange.objects.create(
        measure=measure,
        from_status=measure.status,
        to_status=measure.status,
        action=Action.EDIT,
        actor=actor,
        field=EVIDENCE_FIELD,
        old_value=old,
        new_value=new,
    )


@transaction.atomic
def evidence_delete(*, evidence_id: int, actor: User) -> None:
    evidence = Evidence.objects.select_related("measure").get(pk=evidence_id)
    measure = lock_measure(evidence.measure_id)
    if not (actor.is_office or evidence.uploaded_by_id == actor.pk):
        raise NotAllowed(_("Only the uploader or office staff can delete evidence."))
    # What was submitted for sign-off is what the office reviews and what stays on record.
    if measure.status in (*WAITING_FOR_SIGN_OFF, Status.CLOSED):
        raise WrongState(
            _("Evidence cannot be deleted once the measure is submitted or signed off.")
        )
    name = evidence.file.name
    _record_evidence(measure, actor, old=_evidence_label(evidence), new="")
    evidence.delete()
    if not Evidence.objects.filter(file=name).exists():
        storage = evidence.file.storage
        transaction.on_commit(lambda: storage.delete(name))


# --- Extensions (延期申请) -----------------------------------------------------------------------


@transaction.atomic
def extension_request(
    *, measure_id: int, actor: User, new_deadline: datetime.date, reason: str
) -> Extension:
    measure = lock_measure(measure_id)
    _require_lead_liaison(actor, measure, _("ask for an extension"))
    _require_state(measure, Status.NOT_STARTED, Status.IN_PROGRESS)
    if measure.deadline is None:
        raise InvalidInput(_("A long-term measure has no deadline to extend."))
    reason = _require_text(reason, "reason", _("Give the reason for the extension."))
    if new_deadline <= measure.deadline:
        raise InvalidInput(
            _("The new deadline must be later than the current one (%(deadline)s).")
            % {"deadline": measure.deadline.isoformat()},
            field="new_deadline",
        )
    if measure.extensions.filter(status=Extension.Status.PENDING).exists():
        raise WrongState(_("This measure already has an extension request waiting."))
    return Extension.objects.create(
        measure=measure,
        requested_by=actor,
        old_deadline=measure.deadline,
        new_deadline=new_deadline,
        reason=reason,
    )


def _lock_pending_extension(extension_id: int, actor: User, what: str) -> Extension:
    extension = Extension.objects.select_for_update().get(pk=extension_id)
    _require_office(actor, what)
    if extension.status != Extension.Status.PENDING:
        raise WrongState(_("This extension request has already been decided."))
    return extension


@transaction.atomic
def extension_approve(*, extension_id: int, actor: User, comment: str = "") -> Extension:
    """Approve: the measure's deadline in force becomes the new one; the old stays on record."""
    extension = _lock_pending_extension(extension_id, actor, _("decide extensions"))
    measure = lock_measure(extension.measure_id)
    _require_state(measure, Status.NOT_STARTED, Status.IN_PROGRESS)
    extension.old_deadline = measure.deadline
    extension.status = Extension.Status.APPROVED
    extension.decided_by, extension.decided_at = actor, timezone.now()
    extension.decision_comment = comment.strip()
    extension.save()
    StatusChange.objects.create(
        measure=measure,
        from_status=measure.status,
        to_status=measure.status,
        action=Action.EXTEND,
        actor=actor,
        comment=extension.reason,
        field="deadline",
        old_value=_as_text(measure.deadline),
        new_value=_as_text(extension.new_deadline),
    )
    measure.deadline = extension.new_deadline
    measure.version += 1
    measure.save()
    return extension


@transaction.atomic
def extension_reject(*, extension_id: int, actor: User, comment: str) -> Extension:
    extension = _lock_pending_extension(extension_id, actor, _("decide extensions"))
    extension.decision_comment = _require_text(
        comment, "comment", _("Give the reason for rejecting the request.")
    )
    extension.status = Extension.Status.REJECTED
    extension.decided_by, extension.decided_at = actor, timezone.now()
    extension.save()
    return extension


# --- A problem with its measures, entered at once (the office's form) ---------------------------


@transaction.atomic
def problem_with_measures_create(
    *,
    actor: User,
    inspection_round: InspectionRound,
    problem_fields: dict[str, Any],
    measures: list[dict[str, Any]],
) -> Problem:
    """A new problem and its measures in one transaction: all saved, or none."""
    problem = problem_create(actor=actor, inspection_round=inspection_round, **problem_fields)
    measures_add(actor=actor, problem=problem, measures=measures)
    return problem


@transaction.atomic
def measures_add(*, actor: User, problem: Problem, measures: list[dict[str, Any]]) -> list[Measure]:
    """Several measures for one problem, numbered on from the last; all saved, or none."""
    return [measure_create(actor=actor, problem=problem, **dict(fields)) for fields in measures]
