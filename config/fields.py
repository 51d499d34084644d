"""Limits of text fields: read from model fields, typed, so that a check and its column agree,
and a text field that carries its own maximum."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Field, Model


def max_length(model: type[Model], name: str) -> int:
    """The `max_length` of a text field; a field without one is a programming error."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or field.max_length is None:
        raise ImproperlyConfigured(f"{model.__name__}.{name} has no max_length.")
    return field.max_length


class BoundedTextField(models.TextField):
    """A text a person writes, with a maximum that fits its content.

    The maximum is checked where every write passes: by the model (`full_clean`, as a
    CharField's is), by the forms and by DRF's model serializers, which both take `max_length`
    from the field, so that an over-long text is refused with the field's name, never stored.
    """

    def __init__(self, verbose_name: Any = None, *, max_length: int, **kwargs: Any) -> None:
        super().__init__(verbose_name, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(max_length))
