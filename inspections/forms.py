"""The round form of the pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.selectors import jurisdictions_visible_to, units_assignable_by, users_visible_to
from config.forms import choice_field

from .models import InspectionRound
from .services import TEAM_ROLES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RoundForm(forms.ModelForm):
    class Meta:
        model = InspectionRound
        fields = [
            "name",
            "kind",
            "mode",
            "jurisdiction",
            "inspecting_body",
            "target_unit",
            "onsite_start",
            "onsite_end",
            "feedback_date",
            "report_due_date",
            "declared_problems",
            "declared_measures",
            "accountability_count",
            "discipline_count",
            "organisational_count",
            "admonition_count",
            "criticism_count",
            "rules_established",
            "funds_recovered",
            "losses_retrieved",
            "contact",
            "endorsement",
            "endorsement_superior",
            "team",
        ]
        widgets = {
            "onsite_start": DATE,
            "onsite_end": DATE,
            "feedback_date": DATE,
            "report_due_date": DATE,
            "contact": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "target_unit").queryset = units_assignable_by(user)
        jurisdiction = choice_field(self, "jurisdiction")
        jurisdiction.queryset = jurisdictions_visible_to(user)
        jurisdiction.required = False
        if user is not None and not self.instance.pk:
            jurisdiction.initial = user.jurisdiction_id
        self.fields["target_unit"].widget.attrs["data-search"] = _("Search units")
        # A leader of the jurisdictions the office reads (users_visible_to scopes them).
        leaders = users_visible_to(user) if user is not None else User.objects.none()
        choice_field(self, "endorsement_superior").queryset = leaders.filter(
            role=User.Role.LEADER, is_active=True
        )
        team = choice_field(self, "team")
        team.queryset = leaders.filter(role__in=TEAM_ROLES, is_active=True).order_by(
            "jurisdiction_id", "role", "username"
        )
        team.widget.attrs["data-search"] = _("Search people")

    def validate_unique(self) -> None:
        # The service checks the name, so that the page and the API say the same thing.
        pass
