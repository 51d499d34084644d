"""The audit trail: one row per create, change or delete of a recorded model, hash-chained.

This app is at the ground of the layers (it imports only config and Django): the models it
records are named in settings.AUDIT_MODELS and reached through model signals, so that every
layer is recorded without importing upward. Rows hold ids and names, never foreign keys, so
that nothing done later to a user or a measure can rewrite them.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .events import SecurityKind


def digest(content: dict) -> str:
    """SHA-256 of a row's content as canonical JSON: what the chain and the log seal."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("Create")
        UPDATE = "update", _("Change")
        DELETE = "delete", _("Delete")
        # A security log row's digest (SecurityEvent), or the record of rows exported and
        # pruned past their retention: the security log rides the same chain.
        EVENT = "event", _("Security event")

    # Position in the hash chain; empty until the row is sealed just after its commit.
    chain_seq = models.BigIntegerField(_("chain position"), null=True, blank=True, unique=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    model = models.CharField(_("record type"), max_length=100, db_index=True)
    object_id = models.CharField(_("record id"), max_length=64, db_index=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    changes = models.JSONField(_("old and new values"), default=dict)
    path = models.CharField(_("request path"), max_length=300, blank=True)
    prev_hash = models.CharField(_("previous row's hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-id"]
        indexes = [models.Index(fields=["model", "object_id"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.model} #{self.object_id}"

    def content(self) -> dict:
        """What the hash covers: everything the row says, and the row before it."""
        return {
            "seq": self.chain_seq,
            "at": self.at.astimezone(datetime.UTC).isoformat(),
            "actor_id": self.actor_id,
            "actor": self.actor_name,
            "action": self.action,
            "model": self.model,
            "object_id": self.object_id,
            "object": self.object_repr,
            "changes": self.changes,
            "path": self.path,
            "prev": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return digest(self.content())


class AuditHead(models.Model):
    """The chain's last sealed row, so that rows cut from its end are noticed too."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    chain_seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.chain_seq} {self.hash[:12]}"


class SecurityEvent(models.Model):
    """One row of the security log (安全日志): a sign-in, a refusal, a download, a reset.

    Each row's hash is written into the audit chain (an AuditEntry of action "event" naming
    the row), in the same transaction: a row changed afterwards no longer matches its digest,
    and a row removed before its retention is over leaves a digest without its row. Rows past
    the retention are exported to a file and then pruned, the export itself a chain entry.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=SecurityKind.choices, db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True, db_index=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    method = models.CharField(_("method"), max_length=10, blank=True)
    path = models.CharField(_("request path"), max_length=300, blank=True)
    status = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.actor_name or '-'}"

    def content(self) -> dict:
        """What the hash covers; the row's id is bound by the chain entry that names it."""
        return {
            "at": self.at.astimezone(datetime.UTC).isoformat(),
            "kind": self.kind,
            "actor_id": self.actor_id,
            "actor": self.actor_name,
            "address": self.address,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "detail": self.detail,
        }

    def compute_hash(self) -> str:
        return digest(self.content())
