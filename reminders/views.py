"""The bell's pages (the notifications of the signed-in user, newest first) and the calendar
feed with its page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.auth import signed_in_user
from config.api import DeferredJoinPaginator
from config.pages import posted_next

from . import calendar
from . import services as reminders
from .models import CalendarFeed, Notification


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notes = Notification.objects.filter(recipient=signed_in_user(request)).select_related(
        "measure", "measure__problem"
    )
    if request.GET.get("unread"):
        notes = notes.filter(read_at__isnull=True)
    page = DeferredJoinPaginator(notes.order_by("-created_at", "-id"), 30).page_for(request.GET)
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


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The user's calendar address: made or reset here (POST), shown once, since only its
    hash is kept."""
    user = signed_in_user(request)
    url = ""
    if request.method == "POST":
        token = calendar.calendar_token_reset(actor=user)
        url = request.build_absolute_uri(reverse("calendar-feed", args=[token]))
        messages.success(
            request, _("Your new calendar address is ready; any earlier one no longer works.")
        )
    context = {"url": url, "has_feed": bool(url) or CalendarFeed.objects.filter(user=user).exists()}
    response = render(request, "reminders/calendar.html", context)
    # The address is a secret: not kept by a browser's or a proxy's cache.
    response["Cache-Control"] = "no-store"
    return response


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself, opened by calendar programs without a session: the token is the key."""
    owner = calendar.feed_owner(token)
    if owner is None:
        raise Http404(_("No such calendar."))
    response = HttpResponse(
        calendar.feed_calendar(owner), content_type="text/calendar; charset=utf-8"
    )
    # Calendar programs poll every hour or so; a private answer, kept briefly by the client only.
    response["Cache-Control"] = "private, max-age=900"
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    return response
