"""Forms of the findings pages: aspects, problem clues and petitions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.selectors import units_assignable_by
from config.forms import choice_field

from .models import Petition, ProblemClue

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AspectForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=300)


def document_field() -> forms.FileField:
    # Checked by the service like every upload (config.uploads), stored with the conclusion.
    return forms.FileField(
        label=_("conclusion document"),
        required=False,
        help_text=_("Optional: PDF, Word, Excel, JPG, PNG or ZIP, with the conclusion."),
    )


class ClueForm(forms.ModelForm):
    document = document_field()

    class Meta:
        model = ProblemClue
        fields = [
            "round",
            "summary",
            "subject",
            "transferred_to",
            "transferred_on",
            "disposal",
            "feedback_due",
            "status",
            "outcome",
            "concluded_on",
            "case_opened",
            "disciplined_count",
        ]
        widgets = {
            "transferred_on": DATE,
            "feedback_due": DATE,
            "concluded_on": DATE,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, rounds=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "round").queryset = rounds


class PetitionForm(forms.ModelForm):
    document = document_field()

    class Meta:
        model = Petition
        fields = [
            "round",
            "summary",
            "received_on",
            "feedback_due",
            "handler_unit",
            "status",
            "outcome",
            "concluded_on",
        ]
        widgets = {
            "received_on": DATE,
            "feedback_due": DATE,
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "concluded_on": DATE,
            "summary": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, rounds=None, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "round").queryset = rounds
        choice_field(self, "handler_unit").queryset = units_assignable_by(user)
        self.fields["handler_unit"].widget.attrs["data-search"] = _("Search units")


class ClueFilter(forms.Form):
    round = forms.IntegerField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", ""), *ProblemClue.Status.choices])
    late = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=100)


class PetitionFilter(forms.Form):
    round = forms.IntegerField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", ""), *Petition.Status.choices])
    late = forms.BooleanField(required=False)
    q = forms.CharField(required=False, max_length=100)
