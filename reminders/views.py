"""The bell's pages: the notifications of the signed-in user, newest first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.auth import signed_in_user
from config.api import DeferredJoinPaginator
from config.pages import posted_next

from . import services as reminders
from .models import Notification


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notes = Notification.objects.filter(recipient=signed_in_user(request)).select_related(
        "measure", "measure__problem"
    )
    if request.GET.get("unread"):
        notes = notes.filter(read_at__isnull=True)
    page = DeferredJoinPaginator(notes.order_by("-created_at", "-id"), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "reminders/notification_list.html", {"page": page})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go to its measure (or back to the list)."""
    note = get_object_or_404(Notification.objects.filter(recipient=signed_in_user(request)), pk=pk)
    reminders.notification_mark_read(notification_id=note.pk, actor=signed_in_user(request))
    if note.measure_id and request.POST.get("go"):
        return redirect("measure-detail", note.measure_id)
    return redirect(posted_next(request, reverse("home")))


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = reminders.notifications_mark_all_read(actor=signed_in_user(request))
    messages.success(request, _("%(n)d notification(s) marked read.") % {"n": marked})
    return redirect("notification-list")
