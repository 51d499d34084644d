"""Every text a person writes has a maximum that fits its content, checked by the model and
by every serializer and form built from it (config.fields.BoundedTextField)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models

from config.fields import BoundedTextField
from rectification.models import Measure

# Texts the product writes itself, never a person: the history's old and new values (copies
# of bounded fields), the bell's and the messages' bodies, a delivery's last error.
WRITTEN_BY_THE_PRODUCT = {
    "rectification.StatusChange.old_value",
    "rectification.StatusChange.new_value",
    "reminders.Notification.body",
    "reminders.ReminderDelivery.body",
    "reminders.ReminderDelivery.last_error",
}
PROJECT_APPS = {
    "accounts",
    "audit",
    "inspections",
    "findings",
    "rectification",
    "supervision",
    "reminders",
    "documents",
}


def text_fields() -> list[str]:
    return [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        for field in model._meta.concrete_fields
        if isinstance(field, models.TextField) and model._meta.app_label != "audit"
    ]


def test_every_text_a_person_writes_has_a_maximum() -> None:
    unbounded = [
        name
        for name in text_fields()
        if name not in WRITTEN_BY_THE_PRODUCT
        and not isinstance(
            apps.get_model(name.rsplit(".", 1)[0])._meta.get_field(name.rsplit(".", 1)[1]),
            BoundedTextField,
        )
    ]
    assert len(text_fields()) > 15  # the walk sees the models
    assert unbounded == []


@pytest.mark.django_db
def test_the_model_refuses_an_over_long_text_by_its_field(measure_a) -> None:
    limit = Measure._meta.get_field("text").max_length
    assert limit is not None
    measure_a.text = "措" * (limit + 1)
    with pytest.raises(ValidationError) as refused:
        measure_a.full_clean()
    assert set(refused.value.message_dict) == {"text"}
    measure_a.text = "措" * limit
    measure_a.full_clean()
