"""The security log (安全日志): writing its rows into the chain, pruning them past retention,
and checking every row still present against its digest.

Every layer tells the log through `audit.events.security_event`; this module is its one
receiver. A row is written with its digest entry in the audit chain in one transaction, so
that `verify_audit` notices a row changed or removed afterwards. Rows older than
SECURITY_LOG_RETENTION_DAYS (at least 180) are first written to a compressed file under
VAR_DIR/security-log/ and then deleted; the export, with the file's SHA-256, is a chain entry,
so that the rows it removed are accounted for.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import ipaddress
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from config.network import client_address

from . import recorder
from .context import acting_user, current_request
from .events import SecurityKind, security_event
from .models import AuditEntry, SecurityEvent

logger = logging.getLogger("audit.security")

EVENT_MODEL = "audit.securityevent"
EXPORT_MODEL = "audit.securitylogexport"
# The floor the PostgreSQL trigger keeps whatever the setting says (migration 0004).
MINIMUM_RETENTION_DAYS = 180
MAX_TEXT = 300
# Events of someone not signed in, named by the user name they gave.
NAMED_BY_DETAIL = frozenset({SecurityKind.LOGIN_FAILED, SecurityKind.LOCKED})


def retention_days() -> int:
    return max(int(settings.SECURITY_LOG_RETENTION_DAYS), MINIMUM_RETENTION_DAYS)


def _clean(value: Any, depth: int = 0) -> Any:
    """What a detail may hold: short texts without NUL, numbers, lists and dicts of them."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return str(value)
    if isinstance(value, dict) and depth < 4:
        return {str(k)[:50]: _clean(v, depth + 1) for k, v in list(value.items())[:30]}
    if isinstance(value, list | tuple | set | frozenset) and depth < 4:
        return [_clean(v, depth + 1) for v in list(value)[:30]]
    text = str(value).replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8")[:MAX_TEXT]


def _address(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def record(
    kind: str,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    detail: dict | None = None,
    status: int | None = None,
) -> SecurityEvent:
    """Write one row of the security log and its digest into the chain."""
    request = request if request is not None else current_request()
    actor = user if user is not None else acting_user()
    if actor is None:
        actor = getattr(request, "user", None)
    detail = _clean(detail or {})
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_id, actor_name = actor.pk, actor.get_username()[:150]
    elif kind in NAMED_BY_DETAIL:
        actor_id, actor_name = None, str(detail.get("username", ""))[:150]
    else:
        actor_id, actor_name = None, "system" if request is None else "anonymous"
    event = SecurityEvent(
        kind=kind,
        actor_id=actor_id,
        actor_name=actor_name,
        address=_address(request),
        method=(request.method or "")[:10] if request is not None else "",
        path=_clean(request.path) if request is not None else "",
        status=status,
        detail=detail,
    )
    event.at = timezone.now()
    event.hash = event.compute_hash()
    with transaction.atomic():
        event.save(force_insert=True)
        recorder.append(
            at=event.at,
            actor_id=actor_id,
            actor_name=actor_name,
            action=AuditEntry.Action.EVENT,
            model=EVENT_MODEL,
            object_id=str(event.pk),
            object_repr=str(SecurityKind(kind).label)[:200],
            changes={"kind": kind, "digest": event.hash},
            path=f"{event.method} {event.path}".strip()[:300],
        )
    return event


@receiver(security_event, dispatch_uid="audit.security_log")
def write_event(sender: Any, kind: str, request=None, user=None, detail=None, **kwargs) -> None:
    try:
        record(kind, request=request, user=user, detail=detail, status=kwargs.get("status"))
    except Exception:
        # The log must never turn a sign-in or a download into an error page; the operators'
        # log keeps what was lost.
        logger.exception("security log: could not write %s %s", kind, detail)


# --- Retention ------------------------------------------------------------------------------


@dataclass
class Pruned:
    count: int
    file: Path | None


def export_directory() -> Path:
    return Path(settings.VAR_DIR) / "security-log"


def _export_line(event: SecurityEvent) -> str:
    return json.dumps(
        {"id": event.pk, **event.content(), "hash": event.hash},
        ensure_ascii=False,
        sort_keys=True,
    )


def prune(now: datetime.datetime | None = None) -> Pruned:
    """Export the rows older than the retention to a file, then delete them."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=retention_days())
    old = SecurityEvent.objects.filter(at__lt=cutoff).order_by("id")
    if not old.exists():
        return Pruned(0, None)
    directory = export_directory()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"security-log-before-{cutoff:%Y%m%d}-{now:%Y%m%d%H%M%S}.jsonl.gz"
    digest = hashlib.sha256()
    count, first_id, last_id = 0, None, None
    with transaction.atomic():
        ids = list(old.select_for_update().values_list("id", flat=True))
        with gzip.open(path, "wt", encoding="utf-8") as out:
            for event in SecurityEvent.objects.filter(id__in=ids).order_by("id").iterator(2000):
                line = _export_line(event) + "\n"
                out.write(line)
                digest.update(line.encode())
                first_id = event.pk if first_id is None else first_id
                last_id, count = event.pk, count + 1
        recorder.append(
            actor_id=None,
            actor_name="system",
            action=AuditEntry.Action.EVENT,
            model=EXPORT_MODEL,
            object_id=path.name[:64],
            object_repr=f"{count} security log rows exported and pruned"[:200],
            changes={
                "before": cutoff.astimezone(datetime.UTC).isoformat(),
                "count": count,
                "first_id": first_id,
                "last_id": last_id,
                "file": path.name,
                "sha256": digest.hexdigest(),
            },
            path="",
        )
        SecurityEvent.objects.filter(id__in=ids).delete()
    logger.info("security log: %d rows before %s exported to %s and pruned", count, cutoff, path)
    return Pruned(count, path)


# --- Verification ---------------------------------------------------------------------------


def verify_events() -> tuple[bool, str]:
    """Every row present matches its digest in the chain; every digest without its row was
    pruned past the retention, by an export the chain records."""
    digests: dict[int, tuple[str, datetime.datetime]] = {}
    for object_id, changes, at in AuditEntry.objects.filter(
        action=AuditEntry.Action.EVENT, model=EVENT_MODEL
    ).values_list("object_id", "changes", "at"):
        digests[int(object_id)] = (changes.get("digest", ""), at)
    pruned_before = [
        datetime.datetime.fromisoformat(changes["before"])
        for changes in AuditEntry.objects.filter(
            action=AuditEntry.Action.EVENT, model=EXPORT_MODEL
        ).values_list("changes", flat=True)
    ]
    latest_prune = max(pruned_before, default=None)
    checked = 0
    for event in SecurityEvent.objects.order_by("id").iterator(chunk_size=2000):
        digest = digests.pop(event.pk, None)
        if digest is None:
            return False, f"security log row id {event.pk} has no digest in the chain"
        if event.compute_hash() != digest[0]:
            return False, f"security log row id {event.pk} was altered after it was written"
        checked += 1
    for event_id, (_digest, at) in sorted(digests.items()):
        if latest_prune is None or at >= latest_prune:
            return False, f"security log row id {event_id} was removed before its retention"
    return True, f"{checked} security log rows verified"
