"""Forms of the supervision pages: urge notices and their replies, look-backs, evaluations,
supervision groups and their visits."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Unit, User
from accounts.selectors import units_visible_to, users_visible_to
from findings.models import Problem
from inspections.models import InspectionRound
from inspections.selectors import rounds_owned_by

from .models import LEVEL_ORDER, SupervisionVisit, UrgeNotice

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class UrgeIssueForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=UrgeNotice.Level.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    reply_due = forms.DateField(label=_("Reply due"), widget=DATE)


class UrgeReplyForm(forms.Form):
    text = forms.CharField(
        label=_("Reply"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )


class UrgeAcceptForm(forms.Form):
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000)


class UrgeEscalateForm(forms.Form):
    level = forms.ChoiceField(label=_("New level"), choices=UrgeNotice.Level.choices)
    reason = forms.CharField(
        label=_("Reason for pressing again"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reply_due = forms.DateField(label=_("Reply due"), widget=DATE)

    def __init__(self, *args, notice: UrgeNotice | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if notice is not None:
            higher = LEVEL_ORDER[notice.level_rank + 1 :]
            field = self.fields["level"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(v, label) for v, label in UrgeNotice.Level.choices if v in higher]


class LookBackStartForm(forms.Form):
    sample_size = forms.IntegerField(
        label=_("Sample size"),
        required=False,
        min_value=1,
        help_text=_("Leave empty to check every signed-off measure."),
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("Leave empty for a random one; it is stored so the sample can be redrawn."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Verdict"),
        choices=[
            ("holding", _("Holding")),
            ("relapsed", _("Relapsed")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=5000)
    deadline = forms.DateField(label=_("New deadline"), required=False, widget=DATE)


class ManualScoreForm(forms.Form):
    unit = forms.IntegerField(required=False)
    key = forms.CharField(max_length=30)
    score = forms.DecimalField(
        label=_("Score"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class RedBlackForm(forms.Form):
    period_label = forms.CharField(label=_("Period"), required=False, max_length=50)
    best_count = forms.IntegerField(label=_("Units on the red list"), min_value=0, max_value=50)
    worst_count = forms.IntegerField(label=_("Units on the black list"), min_value=0, max_value=50)


# --- Supervision groups and visits -------------------------------------------------------------


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    leader = forms.ModelChoiceField(
        label=_("Group leader"), queryset=User.objects.none(), required=False
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Members"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Office staff, leaders and supervision group members; not unit liaisons."),
    )
    rounds = forms.ModelMultipleChoiceField(
        label=_("Rounds followed"),
        queryset=InspectionRound.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    units = forms.ModelMultipleChoiceField(
        label=_("Units followed"), queryset=Unit.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The choices of the office's jurisdictions (a county's staff may sit on the city's
        # group): the rule of accounts.selectors, the rounds the office runs.
        people = (
            users_visible_to(user)
            .filter(is_active=True)
            .exclude(role=User.Role.LIAISON)
            .order_by("role", "username")
        )
        for name in ("leader", "members"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = people
        rounds = self.fields["rounds"]
        assert isinstance(rounds, forms.ModelChoiceField)
        rounds.queryset = rounds_owned_by(user).order_by("-feedback_date", "-id")
        units = self.fields["units"]
        assert isinstance(units, forms.ModelChoiceField)
        units.queryset = units_visible_to(user).order_by("name")


FOLLOW_UPS = [
    ("none", _("Nothing more")),
    ("urge", _("Issue an urge notice to the unit")),
    ("problem", _("Record a new problem (special check)")),
]


class VisitForm(forms.Form):
    round = forms.ModelChoiceField(
        label=_("Round"), queryset=InspectionRound.objects.none(), required=False
    )
    date = forms.DateField(label=_("Date of the visit"), widget=DATE)
    method = forms.ChoiceField(label=_("Method"), choices=SupervisionVisit.Method.choices)
    findings = forms.CharField(
        label=_("What was found"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4})
    )
    rating = forms.TypedChoiceField(
        label=_("Rating of the unit's progress"),
        coerce=int,
        choices=[
            (5, _("5 · very good")),
            (4, _("4 · good")),
            (3, _("3 · fair")),
            (2, _("2 · slow")),
            (1, _("1 · stalled")),
        ],
    )
    follow_up = forms.ChoiceField(
        label=_("Follow-up"), choices=FOLLOW_UPS, initial="none", widget=forms.RadioSelect
    )
    urge_level = forms.ChoiceField(
        label=_("Level"), choices=UrgeNotice.Level.choices, required=False
    )
    urge_reason = forms.CharField(
        label=_("Reason"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    urge_reply_due = forms.DateField(label=_("Reply due"), required=False, widget=DATE)
    problem_title = forms.CharField(label=_("Title"), max_length=500, required=False)
    problem_description = forms.CharField(
        label=_("Description"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    problem_category = forms.ChoiceField(
        label=_("Category"), choices=Problem.Category.choices, required=False
    )
    measure_text = forms.CharField(
        label=_("First rectification measure"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    measure_deadline = forms.DateField(label=_("Deadline"), required=False, widget=DATE)

    def __init__(self, *args, rounds=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["round"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = rounds
