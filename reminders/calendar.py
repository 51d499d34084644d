"""The calendar feed (日程订阅): each user's private iCalendar address with the deadlines they
answer for or follow, so that Outlook, WPS or a phone calendar shows them.

The address holds a random token; only its SHA-256 is stored (CalendarFeed), so the address
is shown once, when it is made or reset, and a reset revokes the old one.

What a feed holds, as of today D:
- a liaison: the open measures their unit leads or cooperates on, with a deadline; the urge
  notices to their unit waiting for a reply, on their reply date;
- a supervision group's member: the open measures the group follows; the notices they
  issued waiting for a reply;
- office staff: the open measures in their scope due from D-7 to D+60 (what is about to be
  due and what has just gone overdue: a calendar of every measure of a province would be
  unreadable), those whose lead official they are, and the notices they issued waiting for
  a reply;
- a leader: the open measures whose lead official they are.
Long-term measures have no deadline and are not in the feed.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from accounts.models import User
from rectification.models import Measure, today
from rectification.selectors import measures_visible_to
from supervision.models import UrgeNotice
from supervision.urges import urges_visible_to

from .models import CalendarFeed

OFFICE_PAST_DAYS = 7
OFFICE_AHEAD_DAYS = 60


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_token_reset(*, actor: User) -> str:
    """A new token for the actor's feed, replacing (and so revoking) any earlier one."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=actor,
        defaults={"token_hash": token_hash(token), "created_at": timezone.now()},
    )
    return token


def feed_owner(token: str) -> User | None:
    """The active user whose feed `token` opens, if any: one query."""
    if not token or len(token) > 100:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=token_hash(token), user__is_active=True)
        .first()
    )
    return feed.user if feed else None


def feed_measures(user: User, day: datetime.date) -> QuerySet[Measure]:
    qs = (
        measures_visible_to(user)
        .prefetch_related(None)
        .exclude(status=Measure.Status.CLOSED)
        .filter(deadline__isnull=False, is_long_term=False)
    )
    if not (user.is_liaison or user.is_supervisor):
        follows = Q(lead_official_user=user)
        if user.is_office:
            follows |= Q(
                deadline__gte=day - datetime.timedelta(days=OFFICE_PAST_DAYS),
                deadline__lte=day + datetime.timedelta(days=OFFICE_AHEAD_DAYS),
            )
        qs = qs.filter(follows)
    return qs.order_by("deadline", "id")[: settings.CALENDAR_FEED_MAX_EVENTS]


def feed_urges(user: User) -> QuerySet[UrgeNotice]:
    qs = urges_visible_to(user).filter(status=UrgeNotice.Status.OPEN)
    if not user.is_liaison:
        qs = qs.filter(issued_by=user)
    return qs.order_by("reply_due", "id")[: settings.CALENDAR_FEED_MAX_EVENTS]


def _all_day(event: Event, day: datetime.date) -> None:
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("transp", "TRANSPARENT")


def feed_calendar(user: User, day: datetime.date | None = None) -> bytes:
    """The user's feed as iCalendar text (RFC 5545)."""
    day = day or today()
    site = settings.REMINDER_SITE_URL
    host = site.split("//", 1)[-1].split("/", 1)[0] or "tracker"
    stamp = timezone.now()
    cal = Calendar()
    cal.add("prodid", "-//rectification-tracker//calendar feed//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("Rectification deadlines: %(name)s") % {"name": user})
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    cal.add("x-published-ttl", "PT1H")
    for measure in feed_measures(user, day):
        assert measure.deadline is not None  # filtered above
        event = Event()
        event.add("uid", f"measure-{measure.pk}-deadline@{host}")
        event.add("dtstamp", stamp)
        _all_day(event, measure.deadline)
        event.add(
            "summary",
            _("Deadline: %(number)s %(text)s")
            % {
                "number": f"{measure.problem.seq}.{measure.seq}",
                "text": Truncator(measure.text).chars(40),
            },
        )
        link = site + reverse("measure-detail", args=[measure.pk])
        event.add(
            "description",
            "\n".join(
                [
                    str(measure.problem.round),
                    _("Lead unit: %(unit)s") % {"unit": measure.lead_unit or "—"},
                    _("Status: %(status)s") % {"status": measure.get_status_display()},
                    link,
                ]
            ),
        )
        event.add("url", link)
        cal.add_component(event)
    for notice in feed_urges(user):
        event = Event()
        event.add("uid", f"urge-{notice.pk}-reply@{host}")
        event.add("dtstamp", stamp)
        _all_day(event, notice.reply_due)
        event.add(
            "summary",
            _("Reply due: %(level)s to %(unit)s")
            % {"level": notice.get_level_display(), "unit": notice.unit.name},
        )
        link = site + reverse("urge-detail", args=[notice.pk])
        event.add("description", f"{Truncator(notice.reason).chars(200)}\n{link}")
        event.add("url", link)
        cal.add_component(event)
    return cal.to_ical()
