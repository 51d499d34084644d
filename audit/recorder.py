"""Recording changes through model signals, sealing them into the hash chain, verifying it.

A change is written in the same transaction as the change itself (so a rolled-back write
leaves no audit row and a committed one always has its row). Sealing, the step that gives a
row its place and hash in the chain, runs just after the commit in its own short
transaction under a lock, so that concurrent writers never wait on each other's chain.
"""

from __future__ import annotations

import datetime
import decimal
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from .context import current_actor, current_path
from .models import AuditEntry, AuditHead

logger = logging.getLogger(__name__)

HIDDEN = "***"
# Any number that other advisory locks of the site do not use.
SEAL_LOCK = 0x41554454


@dataclass
class ModelRule:
    exclude: frozenset[str] = frozenset()
    secret: frozenset[str] = frozenset()
    m2m: tuple[str, ...] = field(default_factory=tuple)


_rules: dict[type[models.Model], ModelRule] = {}


def register(
    model: type[models.Model], *, exclude: tuple[str, ...] = (), secret: tuple[str, ...] = ()
) -> None:
    """Record every create, change and delete of `model` (and of its many-to-many fields)."""
    m2m = tuple(f.name for f in model._meta.many_to_many if f.name not in exclude)
    auto_now = {
        f.name
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    _rules[model] = ModelRule(
        exclude=frozenset(exclude) | auto_now, secret=frozenset(secret), m2m=m2m
    )
    uid = f"audit:{model._meta.label}"
    pre_save.connect(_before_save, sender=model, dispatch_uid=uid + ":pre_save")
    post_save.connect(_after_save, sender=model, dispatch_uid=uid + ":post_save")
    pre_delete.connect(_before_delete, sender=model, dispatch_uid=uid + ":pre_delete")
    post_delete.connect(_after_delete, sender=model, dispatch_uid=uid + ":post_delete")
    for name in m2m:
        through = cast(Any, model._meta.get_field(name)).remote_field.through
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"{uid}:{name}")


def connect_configured_models() -> None:
    for label, options in getattr(settings, "AUDIT_MODELS", {}).items():
        register(
            apps.get_model(label),
            exclude=tuple(options.get("exclude", ())),
            secret=tuple(options.get("secret", ())),
        )


def is_recorded(model: type[models.Model]) -> bool:
    return model in _rules


# --- Values ------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _values(instance: models.Model, rule: ModelRule) -> dict[str, Any]:
    values = {}
    for f in instance._meta.concrete_fields:
        if f.primary_key or f.name in rule.exclude:
            continue
        values[f.attname] = _plain(f.value_from_object(instance))
    return values


def _shown(name: str, value: Any, rule: ModelRule) -> Any:
    base = name.removesuffix("_id")
    if (name in rule.secret or base in rule.secret) and value not in (None, ""):
        return HIDDEN
    return value


def _diff(old: dict[str, Any], new: dict[str, Any], rule: ModelRule) -> dict[str, list]:
    return {
        name: [_shown(name, old.get(name), rule), _shown(name, new.get(name), rule)]
        for name in new
        if old.get(name) != new.get(name)
    }


# --- Signal handlers ---------------------------------------------------------------------------


def _before_save(sender: type[models.Model], instance: models.Model, raw: bool, **kwargs) -> None:
    if raw or instance.pk is None or instance._state.adding:
        instance._audit_old = None  # type: ignore[attr-defined]
        return
    rule = _rules[sender]
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_old = _values(old, rule) if old is not None else None  # type: ignore[attr-defined]


def _after_save(
    sender: type[models.Model], instance: models.Model, created: bool, raw: bool, **kwargs
) -> None:
    if raw:
        return
    rule = _rules[sender]
    new = _values(instance, rule)
    old = getattr(instance, "_audit_old", None)
    if created or old is None:
        _write(instance, AuditEntry.Action.CREATE, _diff({}, new, rule))
    else:
        changes = _diff(old, new, rule)
        if changes:
            _write(instance, AuditEntry.Action.UPDATE, changes)
    instance._audit_old = new  # type: ignore[attr-defined]


def _before_delete(sender: type[models.Model], instance: models.Model, **kwargs) -> None:
    rule = _rules[sender]
    values = _values(instance, rule)
    for name in rule.m2m:
        values[name] = sorted(getattr(instance, name).values_list("pk", flat=True))
    instance._audit_deleted = values  # type: ignore[attr-defined]


def _after_delete(sender: type[models.Model], instance: models.Model, **kwargs) -> None:
    rule = _rules[sender]
    old = getattr(instance, "_audit_deleted", None) or _values(instance, rule)
    changes = {name: [_shown(name, value, rule), None] for name, value in old.items()}
    _write(instance, AuditEntry.Action.DELETE, changes)


def _m2m_changed(
    sender: Any, instance: models.Model, action: str, reverse: bool, model: Any, **kwargs
) -> None:
    if reverse or type(instance) not in _rules:
        return
    rule = _rules[type(instance)]
    name = next(
        (
            n
            for n in rule.m2m
            if cast(Any, instance._meta.get_field(n)).remote_field.through is sender
        ),
        None,
    )
    if name is None:
        return
    if action.startswith("pre_"):
        instance.__dict__.setdefault("_audit_m2m", {})[name] = sorted(
            getattr(instance, name).values_list("pk", flat=True)
        )
        return
    if not action.startswith("post_"):
        return
    before = instance.__dict__.get("_audit_m2m", {}).pop(name, None)
    after = sorted(getattr(instance, name).values_list("pk", flat=True))
    if before is not None and before != after:
        _write(instance, AuditEntry.Action.UPDATE, {name: [before, after]})


def _write(instance: models.Model, action: str, changes: dict) -> None:
    actor_id, actor_name = current_actor()
    append(
        actor_id=actor_id,
        actor_name=actor_name,
        action=action,
        model=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        changes=changes,
        path=current_path(),
    )


def append(**fields: Any) -> AuditEntry:
    """Write one row of the chain, to be sealed just after the transaction commits."""
    entry = AuditEntry.objects.create(**fields)
    # One seal after the commit, however many rows the transaction writes (an import writes
    # thousands); a savepoint rolled back drops its registration, and the next row renews it.
    registered = any(hook[1] is seal_quietly for hook in connection.run_on_commit)
    if not (connection.in_atomic_block and registered):
        transaction.on_commit(seal_quietly)
    return entry


# --- The chain ---------------------------------------------------------------------------------


def seal() -> int:
    """Give every committed, unsealed row its place and hash in the chain; answer how many."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])
        head, _created = AuditHead.objects.select_for_update().get_or_create(pk=1)
        pending = list(AuditEntry.objects.filter(chain_seq__isnull=True).order_by("id"))
        for entry in pending:
            entry.chain_seq = head.chain_seq + 1
            entry.prev_hash = head.hash
            entry.hash = entry.compute_hash()
            head.chain_seq, head.hash = entry.chain_seq, entry.hash
        if pending:
            AuditEntry.objects.bulk_update(
                pending, ["chain_seq", "prev_hash", "hash"], batch_size=500
            )
            head.save()
    return len(pending)


def seal_quietly() -> None:
    # Runs after the change has committed: a failure here leaves rows for the next seal.
    try:
        seal()
    except Exception:
        logger.exception("audit: sealing failed; the rows stay pending for the next seal")


@dataclass
class Verdict:
    ok: bool
    checked: int
    message: str
    first_bad: int | None = None


def verify() -> Verdict:
    """Walk the chain from its start: the first row altered, inserted or removed fails it."""
    prev_hash, expected_seq, checked = "", 1, 0
    rows = AuditEntry.objects.filter(chain_seq__isnull=False).order_by("chain_seq")
    for entry in rows.iterator(chunk_size=2000):
        if entry.chain_seq != expected_seq:
            return Verdict(
                False,
                checked,
                f"row {expected_seq} of the chain is missing (next present: {entry.chain_seq}, "
                f"id {entry.pk})",
                expected_seq,
            )
        if entry.prev_hash != prev_hash:
            return Verdict(
                False,
                checked,
                f"row {entry.chain_seq} (id {entry.pk}) does not follow the row before it",
                entry.chain_seq,
            )
        if entry.compute_hash() != entry.hash:
            return Verdict(
                False,
                checked,
                f"row {entry.chain_seq} (id {entry.pk}) was altered after it was sealed",
                entry.chain_seq,
            )
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.chain_seq, head.hash) != (checked, prev_hash):
        return Verdict(
            False,
            checked,
            f"the chain ends at row {checked} but was sealed up to row {head.chain_seq}: "
            f"rows {checked + 1}–{head.chain_seq} were removed",
            checked + 1,
        )
    return Verdict(True, checked, f"{checked} rows verified; head {prev_hash or '-'}")
