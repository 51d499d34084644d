"""The reminder sweep's old full walk, kept as the reference the indexed sweep is held to.

Until next_rung_on, the sweep read every measure with a colour every day and let the
ReminderLog keys drop what had been sent. `fresh_keys(day)` answers what that walk would
record on `day` against the logs there are now, without writing anything.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from rectification.models import Measure, colour_filter
from reminders import services
from reminders.models import Escalation, ReminderLog
from reminders.services import Entry, Item, Kind, Reminder

Colour = Measure.Colour


def old_deadline_reminders(day: datetime.date, people: services._People) -> Iterator[list[Entry]]:
    """The deadline source as it was: every coloured measure, every day."""
    candidates = Measure.objects.filter(~colour_filter(Colour.NONE, day)).select_related(
        "problem", "lead_unit", "lead_official_user"
    )
    for chunk in services._keyset_chunks(candidates, "deadline"):
        people.load_liaisons({m.lead_unit_id for m in chunk if m.lead_unit_id})
        reminders: list[Entry] = []
        for measure in chunk:
            rung = services.ladder_step(measure, day)
            if rung is None:
                continue
            kind, step = rung
            liaisons = people.liaisons.get(measure.lead_unit_id, [])
            recipients = list(liaisons)
            if kind in (Kind.YELLOW, Kind.FINAL):
                official = measure.lead_official_user
                if official is not None and official.is_active:
                    recipients.append(official.pk)
            elif kind == Kind.RED:
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
            if measure.lead_unit is None:
                reminders += [
                    Reminder(Kind.MEASURE_WITHOUT_LEAD_UNIT, office_id, day, measure=measure)
                    for office_id in people.office
                ]
            elif not liaisons:
                reminders += services._no_liaison(measure.lead_unit, people, day)
        yield reminders


OLD_SOURCES = (
    old_deadline_reminders,
    services._review_reminders,
    services._chain_reminders,
    services._progress_reminders,
    services._urge_reminders,
    services._report_reminders,
    services._feedback_reminders,
)


def fresh_keys(day: datetime.date) -> tuple[set[tuple], set[tuple]]:
    """The reminder keys and escalation keys the old walk would record on `day`."""
    people = services._People()
    reminders: set[tuple] = set()
    items: set[tuple] = set()
    for source in OLD_SOURCES:
        for chunk in source(day, people):
            found, escalations = services._split(chunk)
            fresh, _robot_items = services._new_reminders(found)
            reminders |= {r.key for r in fresh}
            items |= {i.key for i in services._new_escalations(escalations)}
    return reminders, items


def log_key(log: ReminderLog) -> tuple:
    """A ReminderLog row as the key of the Reminder that made it."""
    rest = (log.kind, log.key_date, log.step, log.recipient_id)
    if log.measure_id is not None:
        return ("m", log.measure_id, *rest)
    if log.round_report_id is not None:
        return ("r", log.round_report_id, *rest)
    if log.clue_id is not None:
        return ("c", log.clue_id, *rest)
    if log.petition_id is not None:
        return ("p", log.petition_id, *rest)
    return ("u", log.unit_id, log.kind, log.key_date, 0, log.recipient_id)


def recorded_since(log_id: int, escalation_id: int) -> tuple[set[tuple], set[tuple]]:
    """The reminder and escalation keys recorded after the given row ids (digests aside)."""
    logs = ReminderLog.objects.filter(id__gt=log_id).exclude(kind=Kind.DIGEST)
    escalations = Escalation.objects.filter(id__gt=escalation_id)
    return (
        {log_key(log) for log in logs},
        set(escalations.values_list("measure_id", "kind", "key_date", "step")),
    )
