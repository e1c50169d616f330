"""Reads of the audit trail: the supervisors' list with its filters, and one object's history."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from inventory.models import AuditEvent, Warehouse
from inventory.services.audit import ACTIONS, OBJECT_TYPES


def audit_events_list(
    *,
    warehouses: QuerySet[Warehouse],
    warehouse_code: str = "",
    object_type: str = "",
    object_id: int | None = None,
    action: str = "",
    actor: str = "",
    since: date | None = None,
    until: date | None = None,
    search: str = "",
) -> QuerySet[AuditEvent]:
    """Records of ``warehouses`` (the reader's scope) and of what all warehouses share
    (products, suppliers, offers: no warehouse), newest first, with actor and warehouse.

    ``actor`` is a username or a user id; ``since`` and ``until`` are local days, both
    included; ``search`` looks in the label and note, and matches an object id exactly.
    ``warehouse_code`` keeps the records of that warehouse only (within the scope).
    """
    events = AuditEvent.objects.filter(
        Q(warehouse__isnull=True) | Q(warehouse__in=warehouses)
    ).select_related("actor", "warehouse")
    if warehouse_code:
        events = events.filter(warehouse__code=warehouse_code)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id is not None:
        events = events.filter(object_id=object_id)
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(_actor_q(actor))
    if since:
        events = events.filter(at__gte=_day_start(since))
    if until:
        events = events.filter(at__lt=_day_start(until + timedelta(days=1)))
    if search:
        found = Q(object_label__icontains=search) | Q(note__icontains=search)
        digits = search.lstrip("#")
        if digits.isdigit() and len(digits) <= 18:
            found |= Q(object_id=int(digits))
        events = events.filter(found)
    return events.order_by("-at", "-id")


def _actor_q(actor: str) -> Q:
    if actor.isdigit() and len(actor) <= 18:
        return Q(actor_id=int(actor)) | Q(actor__username=actor)
    return Q(actor__username=actor)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_history(*, object_type: str, object_id: int) -> QuerySet[AuditEvent]:
    """Everything recorded about one object, newest first (index audit_object_time)."""
    return (
        AuditEvent.objects.filter(object_type=object_type, object_id=object_id)
        .select_related("actor")
        .order_by("-at", "-id")
    )


def audit_actors() -> QuerySet[AbstractBaseUser]:
    """The users who appear in the trail, for the actor filter."""
    users = get_user_model().objects.filter(
        pk__in=AuditEvent.objects.filter(actor__isnull=False).values("actor_id")
    )
    return users.order_by("username")


def audit_action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def audit_object_type_label(object_type: str) -> str:
    return OBJECT_TYPES.get(object_type, object_type)


@dataclass(frozen=True)
class AuditChange:
    field: str
    before: Any
    after: Any

    @property
    def before_text(self) -> str:
        return _text(self.before)

    @property
    def after_text(self) -> str:
        return _text(self.after)


def _text(value: Any) -> str:
    """A recorded value in words: nothing as a dash, yes/no for true/false."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass(frozen=True)
class AuditRow:
    """A record as the pages show it: labels in words, changes as a list."""

    event: AuditEvent
    action_label: str
    object_type_label: str
    changes: list[AuditChange]


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    return [
        AuditRow(
            event=event,
            action_label=audit_action_label(event.action),
            object_type_label=audit_object_type_label(event.object_type),
            changes=[
                AuditChange(name.replace("_", " "), *_pair(pair))
                for name, pair in (event.changes or {}).items()
            ],
        )
        for event in events
    ]


def _pair(pair: Any) -> tuple[Any, Any]:
    if isinstance(pair, list | tuple) and len(pair) == 2:
        return pair[0], pair[1]
    return None, pair
