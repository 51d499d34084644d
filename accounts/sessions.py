"""Session limits: idle timeout and absolute limit for pages and API tokens alike.

A page session keeps its sign-in time and its last request in the session itself; a token
keeps its last use in TokenActivity. The last-use time is written at most once a minute (a
tenth of the idle timeout when that is shorter), so a busy page costs no extra write.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.events import SecurityKind, security_event

SIGNED_IN_AT = "accounts.signed_in_at"
LAST_SEEN = "accounts.last_seen"
# Whether the account had an authenticator when the session began, so that pages need no
# query for it; enrolment and the code page update it, and a reset is noticed at the code page.
ENROLLED = "accounts.otp_enrolled"
# Why the last session ended ("idle" or "limit"), for the notice on the sign-in page.
ENDED = "accounts.ended"

IDLE, LIMIT = "idle", "limit"


def idle_timeout() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES)


def absolute_limit() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.SESSION_MAX_AGE_HOURS)


def touch_interval() -> datetime.timedelta:
    return min(datetime.timedelta(minutes=1), idle_timeout() / 10)


def start(session, now: datetime.datetime | None = None) -> None:
    stamp = (now or timezone.now()).timestamp()
    session[SIGNED_IN_AT] = stamp
    session[LAST_SEEN] = stamp


def end_reason(session, now: datetime.datetime) -> str | None:
    """IDLE or LIMIT when the session is over; None while it runs (its clock kept)."""
    signed_in, last = session.get(SIGNED_IN_AT), session.get(LAST_SEEN)
    if signed_in is None or last is None:
        # A session from before these limits: its clock starts now.
        start(session, now)
        return None
    moment = now.timestamp()
    if moment - signed_in >= absolute_limit().total_seconds():
        return LIMIT
    if moment - last >= idle_timeout().total_seconds():
        return IDLE
    if moment - last >= touch_interval().total_seconds():
        session[LAST_SEEN] = moment
    return None


def message(reason: str) -> str:
    if reason == IDLE:
        return _("You were signed out after a long time without activity. Please sign in again.")
    return _("Your session reached its time limit. Please sign in again.")


def event_kind(reason: str) -> SecurityKind:
    return SecurityKind.IDLE_EXPIRED if reason == IDLE else SecurityKind.SESSION_EXPIRED


def end(request: HttpRequest, reason: str) -> None:
    """End the request's session (not a sign-out by its user: no sign-out signal) and leave
    the reason for the sign-in page."""
    user = request.user
    request.session.flush()
    request.user = AnonymousUser()
    request.session[ENDED] = reason
    security_event.send(
        sender=__name__,
        kind=event_kind(reason),
        request=request,
        user=user,
        detail={"user": user.pk, "via": "session"},
    )
