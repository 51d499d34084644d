"""Forms of the supervision pages: urge notices and their replies."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import LEVEL_ORDER, UrgeNotice

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
