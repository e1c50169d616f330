"""Reads of the supervisor's task board: the filtered, sorted task list with each row's flags,
the workers a task can go to, the exception counts, and a task's history.

Exceptions (the ``exception`` filter, also used by the dashboard's links):

- ``short_pick``: picks confirmed short (done with fewer units than asked), and the count
  tasks those short picks left on their bins;
- ``blocked``: active tasks that are stuck: their source or destination bin is blocked, or
  someone has held them without progress for longer than the claim timeout
  (``WMS_TASK_CLAIM_TIMEOUT_MINUTES``: the worker walked away).

With no status chosen the board shows active tasks (open and assigned); with an exception
chosen and no status, tasks of every status (a short pick is a done task).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from inventory.models import AuditEvent
from inventory.selectors.audit import audit_history
from warehouse.models import Task
from warehouse.services.allocation import SHORT_PICK_COUNT_PREFIX
from wms.roles import FLOOR, SUPERVISOR

ACTIVE = "active"
ALL = "all"
STATUSES = {
    ACTIVE: "Active (open and assigned)",
    Task.Status.OPEN: "Open",
    Task.Status.ASSIGNED: "Assigned",
    Task.Status.DONE: "Done",
    Task.Status.CANCELLED: "Cancelled",
    ALL: "Every status",
}
SHORT_PICK = "short_pick"
BLOCKED = "blocked"
EXCEPTIONS = {SHORT_PICK: "Short picks", BLOCKED: "Stuck: bin blocked or held too long"}
UNASSIGNED = "none"  # the assignee filter's value for "nobody"
# "Older than": how long a task has existed.
AGES = {
    "15m": ("Older than 15 minutes", timedelta(minutes=15)),
    "1h": ("Older than 1 hour", timedelta(hours=1)),
    "4h": ("Older than 4 hours", timedelta(hours=4)),
    "1d": ("Older than 1 day", timedelta(days=1)),
    "7d": ("Older than 7 days", timedelta(days=7)),
}
# Sort keys (a leading "-" reverses) and their orderings; ties go by age, then id.
SORTS = {
    "priority": ("priority", "created_at", "id"),
    "age": ("created_at", "id"),
    "kind": ("kind", "priority", "created_at", "id"),
    "status": ("status", "priority", "created_at", "id"),
    "assignee": ("assignee__username", "priority", "created_at", "id"),
    "location": ("source_location__code", "priority", "created_at", "id"),
    "product": ("product__sku", "priority", "created_at", "id"),
}
DEFAULT_SORT = "priority"
SEARCH_FIELDS = (
    "product__sku",
    "product__name",
    "source_location__code",
    "destination_location__code",
    "reference",
    "order__reference",
    "assignee__username",
    "notes",
)
_RELATED = (
    "product",
    "lot",
    "source_location",
    "destination_location",
    "assignee",
    "order",
)


@dataclass(frozen=True)
class TaskBoardFilters:
    kind: str = ""
    status: str = ""
    assignee: str = ""  # username, id, or UNASSIGNED
    exception: str = ""
    product: str = ""  # SKU, exact
    location: str = ""  # source or destination code, exact
    zone: str = ""  # zone code of the source or destination bin
    priority: int | None = None
    age: str = ""
    search: str = ""
    sort: str = DEFAULT_SORT


def stale_before() -> datetime:
    """A held task that has not changed since before this is stuck (the worker walked away)."""
    return timezone.now() - timedelta(minutes=settings.WMS_TASK_CLAIM_TIMEOUT_MINUTES)


def _bin_blocked() -> Q:
    return Q(source_location__is_blocked=True) | Q(destination_location__is_blocked=True)


def _short_pick() -> Q:
    short = Q(kind=Task.Kind.PICK, status=Task.Status.DONE, quantity_done__lt=F("quantity"))
    return short | Q(kind=Task.Kind.COUNT, origin_key__startswith=SHORT_PICK_COUNT_PREFIX)


def _stuck(cutoff: datetime) -> Q:
    held_too_long = Q(status=Task.Status.ASSIGNED, updated_at__lt=cutoff)
    return Q(status__in=Task.ACTIVE_STATUSES) & (_bin_blocked() | held_too_long)


def task_board_list(*, warehouse_id: int, filters: TaskBoardFilters) -> QuerySet[Task]:
    """The board's tasks of one warehouse, filtered and sorted, with what a row shows."""
    tasks = Task.objects.filter(warehouse_id=warehouse_id).select_related(*_RELATED)
    status = filters.status or (ALL if filters.exception else ACTIVE)
    if status == ACTIVE:
        tasks = tasks.filter(status__in=Task.ACTIVE_STATUSES)
    elif status != ALL:
        tasks = tasks.filter(status=status)
    if filters.kind:
        tasks = tasks.filter(kind=filters.kind)
    if filters.exception == SHORT_PICK:
        tasks = tasks.filter(_short_pick())
    elif filters.exception == BLOCKED:
        tasks = tasks.filter(_stuck(stale_before()))
    tasks = _narrow(tasks, filters)
    key = filters.sort if filters.sort.lstrip("-") in SORTS else DEFAULT_SORT
    ordering = SORTS[key.lstrip("-")]
    if key.startswith("-"):
        return tasks.order_by(*(F(field).desc(nulls_last=True) for field in ordering))
    return tasks.order_by(*(F(field).asc(nulls_last=True) for field in ordering))


def _narrow(tasks: QuerySet[Task], filters: TaskBoardFilters) -> QuerySet[Task]:
    if filters.assignee == UNASSIGNED:
        tasks = tasks.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        tasks = tasks.filter(assignee_id=int(filters.assignee))
    elif filters.assignee:
        tasks = tasks.filter(assignee__username=filters.assignee)
    if filters.product:
        tasks = tasks.filter(product__sku__iexact=filters.product)
    if filters.location:
        tasks = tasks.filter(
            Q(source_location__code__iexact=filters.location)
            | Q(destination_location__code__iexact=filters.location)
        )
    if filters.zone:
        tasks = tasks.filter(
            Q(source_location__zone__code__iexact=filters.zone)
            | Q(destination_location__zone__code__iexact=filters.zone)
        )
    if filters.priority is not None:
        tasks = tasks.filter(priority=filters.priority)
    if filters.age in AGES:
        tasks = tasks.filter(created_at__lt=timezone.now() - AGES[filters.age][1])
    if filters.search:
        tasks = tasks.filter(_search_q(filters.search))
    return tasks


def _search_q(text: str) -> Q:
    found = Q()
    for field in SEARCH_FIELDS:
        found |= Q(**{f"{field}__icontains": text})
    digits = text.lstrip("#")
    if digits.isdigit() and len(digits) <= 18:
        found |= Q(pk=int(digits))
    return found


@dataclass(frozen=True)
class ExceptionCounts:
    active: int
    short_pick: int
    blocked: int


def task_board_counts(*, warehouse_id: int) -> ExceptionCounts:
    """Active tasks and each exception's tasks, in one query (the chips above the board)."""
    counts = Task.objects.filter(warehouse_id=warehouse_id).aggregate(
        active=Count("id", filter=Q(status__in=Task.ACTIVE_STATUSES)),
        short_pick=Count("id", filter=_short_pick()),
        blocked=Count("id", filter=_stuck(stale_before())),
    )
    return ExceptionCounts(**counts)


def task_board_get(*, warehouse_id: int, task_id: int) -> Task | None:
    """One task of the warehouse as its row draws it; None if there is none (or elsewhere)."""
    return (
        Task.objects.filter(warehouse_id=warehouse_id, pk=task_id).select_related(*_RELATED).first()
    )


def task_board_rows_get(*, warehouse_id: int, task_ids: list[int]) -> list[Task]:
    """Tasks of the warehouse by id (the rows a bulk action changed), in the order given."""
    found = Task.objects.filter(warehouse_id=warehouse_id, pk__in=task_ids).select_related(
        *_RELATED
    )
    by_id = {task.pk: task for task in found}
    return [by_id[pk] for pk in task_ids if pk in by_id]


def task_workers(*, warehouse_id: int) -> QuerySet[AbstractBaseUser]:
    """Who a task of the warehouse can be given to: active users of the floor or supervisor
    group who work in it (assigned to it, or to every warehouse), by username."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[FLOOR, SUPERVISOR])
        .filter(Q(scope__all_warehouses=True) | Q(scope__warehouses__id=warehouse_id))
        .distinct()
        .order_by("username")
    )


def task_worker_find(*, warehouse_id: int, ref: str | int) -> AbstractBaseUser | None:
    """A worker of the warehouse by id or username; None if there is none."""
    workers = task_workers(warehouse_id=warehouse_id)
    if isinstance(ref, int):
        return workers.filter(pk=ref).first()
    if ref.isdigit() and len(ref) <= 18:
        return workers.filter(Q(pk=int(ref)) | Q(username=ref)).first()
    return workers.filter(username=ref).first()


def task_history(*, task_id: int) -> QuerySet[AuditEvent]:
    """The supervisor actions recorded on a task, newest first."""
    return audit_history(object_type="task", object_id=task_id)


@dataclass(frozen=True)
class TaskRow:
    """A task as its board row draws it: the flags that make it an exception, and the outcome
    of the last action on it (``notice`` on success, ``error`` when refused)."""

    task: Task
    bin_blocked: bool
    stale: bool
    short: bool
    notice: str = ""
    error: str = ""

    @property
    def active(self) -> bool:
        return self.task.status in Task.ACTIVE_STATUSES

    @property
    def cancellable(self) -> bool:
        return self.active and self.task.kind not in (Task.Kind.PUTAWAY, Task.Kind.QC)

    @property
    def releasable(self) -> bool:
        return self.task.status == Task.Status.ASSIGNED


def task_rows(
    tasks: Iterable[Task],
    *,
    notices: dict[int, str] | None = None,
    errors: dict[int, str] | None = None,
) -> list[TaskRow]:
    """Rows for tasks loaded by ``task_board_list`` / ``task_board_get`` (no more queries)."""
    cutoff = stale_before()
    notices, errors = notices or {}, errors or {}
    rows = []
    for task in tasks:
        bins = (task.source_location, task.destination_location)
        rows.append(
            TaskRow(
                task=task,
                bin_blocked=task.is_active and any(b is not None and b.is_blocked for b in bins),
                stale=task.status == Task.Status.ASSIGNED and task.updated_at < cutoff,
                short=task.kind == Task.Kind.PICK
                and task.status == Task.Status.DONE
                and task.quantity_done < task.quantity,
                notice=notices.get(task.pk, ""),
                error=errors.get(task.pk, ""),
            )
        )
    return rows
