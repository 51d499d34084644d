"""Who hears a measure's ladder changes when people do: a save of a liaison or a lead
official puts the measures they now hear of back on the sweep's list for today."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.db.models.signals import post_save

from accounts.models import User
from rectification.models import Measure, colour_filter, today

# The user fields that decide whether someone hears a measure's rung.
HEARING_FIELDS = frozenset({"role", "unit", "is_active"})


def _after_user_save(sender: type, instance: User, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if kwargs.get("raw") or (update_fields is not None and not HEARING_FIELDS & update_fields):
        return
    # A sign-in saves last_login only and lands above. A new or changed liaison (or lead
    # official) hears the rung their measures stand on now, as the full walk did: the sweep
    # reads those measures again today. Their ReminderLog keys keep the others from hearing
    # it twice.
    day = today()
    heard = Q(lead_official_user=instance)
    if instance.unit_id is not None and instance.role == User.Role.LIAISON:
        heard |= Q(lead_unit_id=instance.unit_id)
    Measure.objects.filter(heard, ~colour_filter(Measure.Colour.NONE, day)).filter(
        next_rung_on__gt=day
    ).update(next_rung_on=day)


def connect() -> None:
    post_save.connect(_after_user_save, sender=User, dispatch_uid="reminders.people")
