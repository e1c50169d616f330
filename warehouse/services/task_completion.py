"""Completing any task from one entry point (the API's ``complete``), by its kind."""

from inventory.errors import DomainError, NotFound
from warehouse.models import Task
from warehouse.services.counting import count_task_complete
from warehouse.services.picking import pick_task_complete
from warehouse.services.putaway import PUTAWAY_KINDS, putaway_task_complete
from warehouse.services.qc import qc_task_record


def task_complete(
    *,
    task_id: int,
    user_id: int,
    location: str,
    product: str,
    quantity: int | None = None,
    lot: str | None = None,
    destination_location: str | None = None,
    result: str | None = None,
    failed_quantity: int | None = None,
    reason: str = "",
    kind: str | None = None,
) -> Task:
    """Route to the service of the task's kind; see each for what it checks. ``kind``: the
    task's, when the caller has read the task already (a task's kind never changes)."""
    if kind is None:
        kind = Task.objects.filter(pk=task_id).values_list("kind", flat=True).first()
    if kind is None:
        raise NotFound(f"No task {task_id}.", field="task")
    if kind in PUTAWAY_KINDS:
        return putaway_task_complete(
            task_id=task_id,
            user_id=user_id,
            scanned_location=location,
            scanned_product=product,
            destination=destination_location,
            quantity=quantity,
            lot_code=lot,
        )
    if kind == Task.Kind.QC:
        if quantity is not None and result == "fail" and failed_quantity is None:
            failed_quantity = quantity  # "quantity" of a fail: how many failed
        inspection = qc_task_record(
            task_id=task_id,
            user_id=user_id,
            result=result or "",
            failed_quantity=failed_quantity,
            reason=reason,
            scanned_location=location,
            scanned_product=product,
            lot_code=lot,
        )
        return Task.objects.get(pk=inspection.task_id)
    if kind == Task.Kind.PICK:
        # Fewer than asked is a short pick.
        return pick_task_complete(
            task_id=task_id,
            user_id=user_id,
            scanned_location=location,
            scanned_product=product,
            quantity=quantity,
            lot_code=lot,
        )
    if kind == Task.Kind.COUNT:
        count = count_task_complete(
            task_id=task_id,
            user_id=user_id,
            scanned_location=location,
            scanned_product=product,
            quantity=quantity,
            lot_code=lot,
        )
        return Task.objects.get(pk=count.task_id)
    raise DomainError(f"{kind} tasks cannot be completed here yet.", field="task")
