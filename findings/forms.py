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


class ClueForm(forms.ModelForm):
    class Meta:
        model = ProblemClue
        fields = [
            "round",
            "summary",
            "subject",
            "transferred_to",
            "transferred_on",
            "disposal",
            "status",
            "outcome",
            "case_opened",
            "disciplined_count",
        ]
        widgets = {
            "transferred_on": DATE,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, rounds=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "round").queryset = rounds


class PetitionForm(forms.ModelForm):
    class Meta:
        model = Petition
        fields = ["round", "summary", "received_on", "handler_unit", "status", "concluded_on"]
        widgets = {
            "received_on": DATE,
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
    q = forms.CharField(required=False, max_length=100)


class PetitionFilter(forms.Form):
    round = forms.IntegerField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", ""), *Petition.Status.choices])
    q = forms.CharField(required=False, max_length=100)
