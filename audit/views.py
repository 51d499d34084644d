"""The security log's page (安全日志): searched and exported by the audit administrator alone.

Who may read it is asked of `user.has_perm("audit.view_securityevent")`, which the accounts
layer answers (the audit administrator only): this ground layer names no role.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.api import DeferredJoinPaginator

from .events import SecurityKind
from .export import csv_response
from .models import SecurityEvent
from .security_log import retention_days

PAGE_SIZE = 50

EXPORT_COLUMNS = [
    ("id", _("number")),
    ("at", _("at")),
    ("kind", _("event")),
    ("actor_id", _("actor id")),
    ("actor_name", _("actor")),
    ("address", _("address")),
    ("method", _("method")),
    ("path", _("request path")),
    ("status", _("answer")),
    ("detail", _("detail")),
    ("hash", _("hash")),
]


class SecurityLogFilter(forms.Form):
    kind = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("Any event")), *SecurityKind.choices]
    )
    actor = forms.CharField(label=_("Actor"), required=False, max_length=150)
    address = forms.GenericIPAddressField(label=_("Address"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    q = forms.CharField(label=_("Path or detail contains"), required=False, max_length=200)

    def clean(self):
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The first day comes after the last."))
        for name in ("actor", "q"):
            if "\x00" in data.get(name, ""):
                self.add_error(name, _("The text holds a character that cannot be searched."))
        return data

    def apply(self, events: QuerySet[SecurityEvent]) -> QuerySet[SecurityEvent]:
        data = self.cleaned_data
        if data.get("kind"):
            events = events.filter(kind=data["kind"])
        if data.get("actor"):
            events = events.filter(actor_name__icontains=data["actor"])
        if data.get("address"):
            events = events.filter(address=data["address"])
        zone = timezone.get_current_timezone()
        if data.get("since"):
            start = datetime.datetime.combine(data["since"], datetime.time.min, zone)
            events = events.filter(at__gte=start)
        if data.get("until"):
            end = datetime.datetime.combine(
                data["until"] + datetime.timedelta(days=1), datetime.time.min, zone
            )
            events = events.filter(at__lt=end)
        if data.get("q"):
            events = events.filter(Q(path__icontains=data["q"]) | Q(detail__icontains=data["q"]))
        return events


def _readable_by(request: HttpRequest) -> None:
    if not request.user.has_perm("audit.view_securityevent"):
        raise PermissionDenied(_("The security log is read by the audit administrator only."))


@login_required
def security_log(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    _readable_by(request)
    form = SecurityLogFilter(request.GET or None)
    events = SecurityEvent.objects.order_by("-id")
    if form.is_bound and not form.is_valid():
        events = events.none()
    elif form.is_bound:
        events = form.apply(events)
    if request.GET.get("export") == "csv" and (not form.is_bound or form.is_valid()):
        return _export(events)
    page = DeferredJoinPaginator(events, PAGE_SIZE).page_for(request.GET)
    return render(
        request,
        "audit/security_log.html",
        {"form": form, "page": page, "retention_days": retention_days()},
    )


def _value(event: SecurityEvent, name: str) -> object:
    return event.get_kind_display() if name == "kind" else getattr(event, name)


def _export(events: QuerySet[SecurityEvent]) -> StreamingHttpResponse:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(events, EXPORT_COLUMNS, f"security-log-{stamp}.csv", _value)
