"""Small typed helpers for Django forms shared by the apps' pages."""

from __future__ import annotations

from django import forms


def choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """A form's model-choice field by name, typed, so a page can narrow its choices."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{name} is not a model-choice field")
    return field
