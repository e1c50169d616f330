"""The audit trail: one record per change of master data and per supervisor action on a task.

Called explicitly by the services that make a change, inside their transaction, so a change
and its record commit or roll back together (never from signals: a ``save()`` elsewhere would
go unrecorded or recorded twice, and the service knows who acted and why). A service takes
``actor_id`` (None: the system, e.g. the demo data or a planner) and records:

- a create with every field it set, as ``{field: [None, value]}``;
- an update with the fields that changed, as ``{field: [before, after]}``; an update that
  changes nothing records nothing; switching ``is_active`` off (on) is a ``deactivate``
  (``reactivate``);
- anything else (``block``, ``task_cancel``...) with the changes it names.

Values are stored as JSON: decimals and dates as text, related objects by their natural key
(a supplier's code, a product's SKU, a user's username), so a record reads the same after the
related object changes. Caller is in a transaction (or autocommit: one INSERT).
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from inventory.models import AuditEvent

# What happened, as the audit page says it. Other services may add their own (the column is
# plain text, no migration needed).
ACTIONS: dict[str, str] = {
    "create": "Created",
    "update": "Changed",
    "delete": "Deleted",
    "deactivate": "Deactivated",
    "reactivate": "Reactivated",
    "block": "Blocked",
    "unblock": "Unblocked",
    "task_assign": "Task assigned",
    "task_priority": "Task priority changed",
    "task_cancel": "Task cancelled",
    "task_release": "Task released",
}

# What it happened to.
OBJECT_TYPES: dict[str, str] = {
    "product": "Product",
    "supplier": "Supplier",
    "warehouse": "Warehouse",
    "location": "Location",
    "reorder_rule": "Reorder rule",
    "supplier_offer": "Supplier offer",
    "pick_face_rule": "Pick-face rule",
    "task": "Task",
}

LABEL_LENGTH = AuditEvent._meta.get_field("object_label").max_length
NOTE_LENGTH = AuditEvent._meta.get_field("note").max_length
# The natural key a related object is recorded by, first one it has.
_KEY_ATTRS = ("sku", "code", "username")


def audit_value(value: Any) -> Any:
    """``value`` as JSON can hold it, readably (a related object by its natural key)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        # 2.5 and 2.5000 are one price: the database's scale must not read as a change.
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, models.Model):
        for attr in _KEY_ATTRS:
            key = getattr(value, attr, None)
            if key:
                return key
        return str(value)
    return str(value)


def audit_snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of ``instance`` as the audit records them. ``supplier_id`` is read as
    ``supplier`` (the related object, by its natural key): load related objects beforehand
    (select_related) where a query per field would matter."""
    snapshot = {}
    for name in fields:
        name = name.removesuffix("_id")
        snapshot[name] = audit_value(getattr(instance, name))
    return snapshot


def audit_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose values differ."""
    return {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }


def audit_record(
    *,
    action: str,
    object_type: str,
    object_id: int,
    label: str = "",
    actor_id: int | None = None,
    warehouse_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    """Write one audit record (one INSERT, timed by the database clock). Caller is in the
    transaction of the change it records. Unknown actions or object types are programming
    errors (ValueError), not input errors."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}: add it to ACTIONS")
    if object_type not in OBJECT_TYPES:
        raise ValueError(f"unknown audited object type {object_type!r}: add it to OBJECT_TYPES")
    return AuditEvent.objects.create(
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_label=label[:LABEL_LENGTH],
        actor_id=actor_id,
        warehouse_id=warehouse_id,
        changes={name: [audit_value(v) for v in pair] for name, pair in (changes or {}).items()},
        note=note[:NOTE_LENGTH],
    )


def audit_record_create(
    *,
    instance: models.Model,
    object_type: str,
    fields: Iterable[str],
    actor_id: int | None,
    label: str = "",
    warehouse_id: int | None = None,
) -> AuditEvent:
    """Record a new object with the ``fields`` it was created with (empty ones left out)."""
    after = audit_snapshot(instance, fields)
    return audit_record(
        action="create",
        object_type=object_type,
        object_id=instance.pk,
        label=label or str(instance),
        actor_id=actor_id,
        warehouse_id=warehouse_id,
        changes={name: [None, value] for name, value in after.items() if value not in (None, "")},
    )


def audit_record_update(
    *,
    instance: models.Model,
    object_type: str,
    before: Mapping[str, Any],
    actor_id: int | None,
    label: str = "",
    warehouse_id: int | None = None,
    note: str = "",
) -> AuditEvent | None:
    """Record what changed on ``instance`` since ``before`` (an ``audit_snapshot`` of the same
    fields); None when nothing did. ``is_active`` going off (on) makes it a deactivate
    (reactivate)."""
    changes = audit_changes(before, audit_snapshot(instance, before))
    if not changes:
        return None
    action = "update"
    if "is_active" in changes:
        action = "reactivate" if changes["is_active"][1] else "deactivate"
    return audit_record(
        action=action,
        object_type=object_type,
        object_id=instance.pk,
        label=label or str(instance),
        actor_id=actor_id,
        warehouse_id=warehouse_id,
        changes=changes,
        note=note,
    )


def audit_record_many(*, events: list[AuditEvent]) -> int:
    """Insert unsaved records in one statement (a planner or seed that creates in bulk).
    Caller is in a transaction. Returns how many."""
    for event in events:
        if event.action not in ACTIONS or event.object_type not in OBJECT_TYPES:
            raise ValueError(f"unknown audit action or type: {event.action}/{event.object_type}")
    return len(AuditEvent.objects.bulk_create(events))
