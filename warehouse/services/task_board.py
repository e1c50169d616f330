"""The supervisor's control of the task queue: assign, reprioritise, cancel and release tasks.

Each action locks the task first (``warehouse.locks.task_lock``), the row a worker completing
it locks too, so the two never interleave: whichever comes second sees the other's outcome and
is refused with a clear message (a done task cannot be reassigned, 409; a task reassigned
meanwhile is no longer the worker's, 403). Every change is recorded in the audit trail in the
same transaction, with who, what and the values before and after.

What a cancel means depends on the kind:

- pick: its reservation is released and the order line looks for the units elsewhere (FIFO or
  FEFO, never the bin of the cancelled pick), as after a short pick: new picks in the same
  batch, or a backorder that is retried when stock arrives;
- count and replenish: nothing was reserved for them; the task is simply withdrawn (a cancelled
  count of a short-picked bin lets allocation use the bin again);
- putaway and QC: refused. Their goods sit on the dock or the QC bench and no other task would
  move or inspect them; release or reassign such a task instead.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from inventory.errors import Conflict, DomainError, NotFound, NothingToRelease
from inventory.services.audit import audit_record
from warehouse.locks import orders_lock, task_lock
from warehouse.models import Allocation, Task
from warehouse.selectors.task_board import task_worker_find
from warehouse.services.allocation import orders_allocate_apply
from warehouse.services.counting import recount_withdrawn_apply
from warehouse.services.picking import pick_tasks_for
from warehouse.services.reservations import quant_unreserve_apply
from warehouse.services.tasks import task_release_apply

NOTES_LENGTH = Task._meta.get_field("notes").max_length
REASON_LENGTH = 200


class TaskFinished(Conflict):
    """The task is done or cancelled: nobody can steer it any more."""

    code = "task_finished"


class NotCancellable(Conflict):
    code = "not_cancellable"


class InvalidAssignee(DomainError):
    code = "invalid_assignee"


class InvalidPriority(DomainError):
    code = "invalid_priority"


def _locked(task_id: int) -> Task:
    try:
        return task_lock(task_id=task_id)
    except Task.DoesNotExist:
        raise NotFound(f"There is no task #{task_id}.", field="task") from None


def _locked_active(task_id: int, doing: str) -> Task:
    """Lock the task; refuse (409) if it is done or cancelled."""
    return _active(_locked(task_id), doing)


def _active(task: Task, doing: str) -> Task:
    if task.status not in Task.ACTIVE_STATUSES:
        raise TaskFinished(
            f"Task #{task.pk} is {task.get_status_display().lower()}: it can no longer be {doing}.",
            field="status",
        )
    return task


def _username(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id).values_list("username", flat=True).first()


def _audit(task: Task, action: str, actor_id: int | None, changes: dict, note: str = "") -> None:
    audit_record(
        action=action,
        object_type="task",
        object_id=task.pk,
        label=f"{task.get_kind_display()} #{task.pk}",
        actor_id=actor_id,
        warehouse_id=task.warehouse_id,
        changes=changes,
        note=note,
    )


@transaction.atomic(durable=True)
def task_board_assign(*, task_id: int, assignee: int | str, actor_id: int | None) -> Task:
    """Give an open or assigned task to a worker (by id or username): an active user of the
    floor or supervisor group who works in the task's warehouse. The task becomes assigned to
    them at once and shows in their list; work already done on it stays done.

    Raises NotFound, TaskFinished (done or cancelled, 409), InvalidAssignee (400, field
    ``assignee``). Giving a task to the worker who holds it changes nothing.
    """
    task = _locked_active(task_id, "reassigned")
    worker = task_worker_find(warehouse_id=task.warehouse_id, ref=assignee)
    if worker is None:
        raise InvalidAssignee(
            f"{assignee} is not a floor worker or supervisor of this warehouse: choose one "
            "from the list.",
            field="assignee",
        )
    if task.status == Task.Status.ASSIGNED and task.assignee_id == worker.pk:
        return task
    changes: dict[str, list[Any]] = {"assignee": [_username(task.assignee_id), worker.username]}
    if task.status != Task.Status.ASSIGNED:
        changes["status"] = [task.status, Task.Status.ASSIGNED]
    task.status, task.assignee, task.assigned_at = Task.Status.ASSIGNED, worker, timezone.now()
    task.save(update_fields=["status", "assignee", "assigned_at", "updated_at"])
    _audit(task, "task_assign", actor_id, changes)
    return task


def priority_checked(value: Any) -> int:
    """A priority from 1 (most urgent) to 9, or InvalidPriority naming the field."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 9:
        raise InvalidPriority(
            f"Priority runs from 1 (most urgent) to 9, not {value!r}.", field="priority"
        )
    return value


@transaction.atomic(durable=True)
def task_board_priority_set(*, task_id: int, priority: int, actor_id: int | None) -> Task:
    """Change an active task's priority (1 is the most urgent; claims take it first).

    Raises InvalidPriority (400), NotFound, TaskFinished (409). The same priority changes
    nothing.
    """
    priority = priority_checked(priority)
    task = _locked_active(task_id, "reprioritised")
    if task.priority == priority:
        return task
    before = task.priority
    task.priority = priority
    task.save(update_fields=["priority", "updated_at"])
    _audit(task, "task_priority", actor_id, {"priority": [before, priority]})
    return task


@transaction.atomic(durable=True)
def task_board_release(*, task_id: int, actor_id: int | None) -> Task:
    """Put a held task back in the queue, unassigned (its worker walked away, or its bin is
    blocked and someone else should take it when it is free). Units already moved stay moved.

    Raises NotFound, TaskFinished (409), NothingToRelease (an open task, 409).
    """
    task = _locked_active(task_id, "released")
    if task.status != Task.Status.ASSIGNED:
        raise NothingToRelease(
            f"Task #{task.pk} is open: nobody holds it, so there is nothing to release.",
            field="status",
        )
    holder = _username(task.assignee_id)
    task_release_apply(task=task)
    changes = {"status": [Task.Status.ASSIGNED, Task.Status.OPEN], "assignee": [holder, None]}
    _audit(task, "task_release", actor_id, changes)
    return task


@transaction.atomic(durable=True)
def task_board_cancel(*, task_id: int, actor_id: int | None, reason: str = "") -> Task:
    """Cancel an active pick, count or replenish task (see the module's docstring for what that
    means per kind). Cancelling a cancelled task changes nothing.

    Lock order as a picker's: task -> order -> stock level -> location -> quants.
    Raises NotFound, TaskFinished (done, 409), NotCancellable (putaway, QC: 409).
    """
    task = _locked(task_id)
    if task.status == Task.Status.CANCELLED:
        return task
    _active(task, "cancelled")
    if task.kind in (Task.Kind.PUTAWAY, Task.Kind.QC):
        where = task.source_location.code if task.source_location else "where they are"
        raise NotCancellable(
            f"A {task.get_kind_display().lower()} task cannot be cancelled: its goods would "
            f"stay at {where} with no task to move them. Release it or give it to someone "
            "else instead.",
            field="kind",
        )
    reason = reason.strip()[:REASON_LENGTH]
    before = task.status
    outcome = _pick_withdraw(task) if task.kind == Task.Kind.PICK else ""
    recount_withdrawn_apply(task=task)
    task.status, task.cancelled_at = Task.Status.CANCELLED, timezone.now()
    task.notes = (f"cancelled: {reason}" if reason else "cancelled on the task board")[
        :NOTES_LENGTH
    ]
    task.save(update_fields=["status", "cancelled_at", "notes", "updated_at"])
    note = "; ".join(part for part in (reason, outcome) if part)
    _audit(task, "task_cancel", actor_id, {"status": [before, Task.Status.CANCELLED]}, note)
    return task


def _pick_withdraw(task: Task) -> str:
    """Release the pick's reservation and look for the units elsewhere (never the same bin);
    returns what happened, in words. Caller holds the task's lock."""
    (order,) = orders_lock(order_ids=[task.order_id])
    allocation = Allocation.objects.select_related("line").get(pk=task.allocation_id)
    released = min(allocation.quantity, task.quantity - task.quantity_done)
    if released > 0:
        quant_unreserve_apply(quant_id=allocation.quant_id, quantity=released)
        allocation.quantity -= released
        allocation.save(update_fields=["quantity"])
        line = allocation.line
        line.allocated_quantity -= released
        line.save(update_fields=["allocated_quantity"])
    replacements = orders_allocate_apply(
        order_ids=[order.pk],
        product_ids={task.product_id},
        exclude_location_ids=[task.source_location_id],
    )
    for replacement in replacements:
        replacement.line.order = order
    picks = pick_tasks_for(allocations=replacements, batch_id=task.batch_id)
    found = sum(pick.quantity for pick in picks)
    text = f"{released} reserved in {task.source_location.code} released"
    if found:
        text += f"; {found} allocated elsewhere (pick {', '.join(f'#{p.pk}' for p in picks)})"
    if found < released:
        text += f"; {released - found} backordered on {order.reference}"
    return text


# --- many tasks at once ----------------------------------------------------------------------


@dataclass(frozen=True)
class TaskOutcome:
    """What one action did to one task of a bulk action: ``error`` empty when it worked."""

    task_id: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def task_board_apply_many(
    *, task_ids: Sequence[int], action: Callable[[int], Task]
) -> list[TaskOutcome]:
    """Apply ``action`` (one of the services above, bound to its arguments) to each task, each
    in its own transaction: one task done or taken meanwhile does not hold back the others.
    Returns each task's outcome, in the order given."""
    outcomes = []
    for task_id in task_ids:
        try:
            action(task_id)
        except DomainError as exc:
            outcomes.append(TaskOutcome(task_id, exc.message))
        else:
            outcomes.append(TaskOutcome(task_id))
    return outcomes
