"""Forms of the rectification pages: each validates one step's input before its service runs."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit
from accounts.selectors import units_assignable_by
from config.forms import choice_field
from findings.models import Aspect, Problem

from .models import COMMENT_MAX_LENGTH, Measure


class VersionForm(forms.Form):
    """The version the page showed: a step on a measure changed since answers 412."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class StartForm(VersionForm):
    comment = forms.CharField(required=False, max_length=2000)


class SubmitForm(VersionForm):
    result_summary = forms.CharField(label=_("Rectification result"), max_length=10000)
    comment = forms.CharField(required=False, max_length=2000)


class ApproveForm(VersionForm):
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000)
    # Asked on the page only when the measure has no evidence file (measure_step checks it).
    without_evidence = forms.BooleanField(label=_("Sign off without evidence"), required=False)


class EndorseForm(VersionForm):
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000)
    evidence_file = forms.FileField(label=_("Signed scan (optional)"), required=False)


class ReviewForm(VersionForm):
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000)


class ReturnForm(VersionForm):
    reason = forms.CharField(label=_("Reason for returning"), max_length=2000)


class ReopenForm(VersionForm):
    reason = forms.CharField(label=_("Reason for reopening"), max_length=2000)
    deadline = forms.DateField(label=_("New deadline"), required=False)


class ProgressForm(forms.Form):
    text = forms.CharField(label=_("Progress"), max_length=10000)
    percent = forms.IntegerField(
        label=_("Percent complete"), required=False, min_value=0, max_value=100
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment text"), max_length=COMMENT_MAX_LENGTH)


class ExtensionRequestForm(forms.Form):
    new_deadline = forms.DateField(label=_("New deadline"))
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class DecisionForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000)


class EvidenceForm(forms.Form):
    description = forms.CharField(label=_("Description"), required=False, max_length=300)


def first_error(form: forms.Form) -> str:
    """The form's first complaint as one line, naming the field in the user's language."""
    for name, errors in form.errors.items():
        if name == "__all__" or name not in form.fields:
            return str(errors[0])
        label = form.fields[name].label or name
        return f"{label}：{errors[0]}"
    return ""


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProblemForm(forms.ModelForm):
    class Meta:
        model = Problem
        fields = ["aspect", "title", "description", "category", "source"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, inspection_round=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "aspect").queryset = Aspect.objects.filter(round=inspection_round)


class MeasureForm(forms.ModelForm):
    """One measure: its text, lead official and units, deadline and kind."""

    class Meta:
        model = Measure
        fields = [
            "text",
            "lead_official",
            "lead_unit",
            "cooperating_units",
            "deadline",
            "is_long_term",
            "is_immediate",
        ]
        widgets = {"text": forms.Textarea(attrs={"rows": 2}), "deadline": DATE}

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        units = units_assignable_by(user)
        if self.instance.pk:
            # A unit deactivated since stays selectable on the measures it already has.
            units = units | Unit.objects.filter(
                Q(pk=self.instance.lead_unit_id) | Q(cooperating_measures=self.instance)
            )
        for name in ("lead_unit", "cooperating_units"):
            field = choice_field(self, name)
            field.queryset = units.distinct()
            field.label_from_instance = unit_label  # type: ignore[assignment]  # the documented hook; stubs want an `obj` name
        for name in ("lead_unit", "cooperating_units"):
            self.fields[name].widget.attrs["data-search"] = _("Search units by name or short name")

    def clean(self) -> dict:
        data = super().clean() or {}
        if not data.get("deadline") and not data.get("is_long_term"):
            self.add_error("deadline", _("A measure needs a deadline unless it is long-term."))
        lead = data.get("lead_unit")
        if lead is not None and lead in (data.get("cooperating_units") or []):
            self.add_error("cooperating_units", _("The lead unit cannot also cooperate."))
        return data

    def validate_unique(self) -> None:
        pass  # the services number measures and check the numbers


def unit_label(unit: Unit) -> str:
    return f"{unit.name}（{unit.short_name}）" if unit.short_name else unit.name


MeasureFormSet = forms.formset_factory(MeasureForm, extra=3, max_num=50, validate_max=True)


class BulkActionForm(forms.Form):
    """A bulk action of the office's pages (rectification.bulk): which one, and its input."""

    ACTIONS = [
        ("update", _("Set lead unit, cooperating units, lead official or deadline")),
        ("shift_deadlines", _("Move deadlines by a number of days")),
        ("approve", _("Sign off the submissions")),
        ("return", _("Return the submissions")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    lead_unit = forms.ModelChoiceField(
        label=_("Lead unit"), queryset=Unit.objects.none(), required=False
    )
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("Cooperating units"), queryset=Unit.objects.none(), required=False
    )
    lead_official = forms.CharField(label=_("Lead official"), max_length=100, required=False)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=DATE)
    days = forms.IntegerField(
        label=_("Days to move (negative: earlier)"),
        required=False,
        min_value=-3660,
        max_value=3660,
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)
    comment = forms.CharField(label=_("Comment (optional)"), max_length=2000, required=False)

    # The fields of an edit, set only when filled in: a bulk edit sets, it never clears.
    EDIT_FIELDS = ("lead_unit", "cooperating_units", "lead_official", "deadline")

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        units = units_assignable_by(user)
        for name in ("lead_unit", "cooperating_units"):
            field = choice_field(self, name)
            field.queryset = units
            field.label_from_instance = unit_label  # type: ignore[assignment]  # as in MeasureForm
            self.fields[name].widget.attrs["data-search"] = _("Search units by name or short name")

    def changes(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.EDIT_FIELDS
            if self.cleaned_data.get(name) not in (None, "", [])
            and not (name == "cooperating_units" and not self.cleaned_data[name].exists())
        }

    def clean(self) -> dict:
        data = super().clean() or {}
        action = data.get("action")
        if action == "update" and not self.changes():
            raise forms.ValidationError(_("Choose at least one field to set."))
        if action == "shift_deadlines" and not data.get("days"):
            self.add_error("days", _("Move the deadlines by a number of days (not 0)."))
        if action in ("shift_deadlines", "return") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Give the reason."))
        return data
