"""QC inspection on the handheld: bring the goods to the bench, then pass or fail them.

Failed units go to quarantine at once (a ledger row with the reason) and are never available
until a supervisor releases or scraps them (``warehouse.services.quarantine``); passed units get
putaway tasks from the worker, after commit.
"""

from django.db import transaction
from django.utils import timezone

from inventory.errors import DomainError, InvalidQuantity
from warehouse.models import Location, QcInspection, StockMove, Task
from warehouse.services.moves import MoveLine, moves_apply
from warehouse.services.scans import scans_check
from warehouse.services.tasks import task_for_worker, task_progress_record
from wms.outbox import enqueue_on_commit

PASS, FAIL = "pass", "fail"


@transaction.atomic(durable=True)
def qc_task_to_bench(
    *,
    task_id: int,
    user_id: int,
    scanned_location: str,
    scanned_product: str,
    scanned_bench: str,
    lot_code: str | None = None,
) -> Task:
    """Step 1: the inspector takes the goods from the dock to the QC bench (scans all three).

    A bench other than the suggested one is fine if it is a QC location. A repeat changes
    nothing.
    """
    task = task_for_worker(task_id=task_id, user_id=user_id, kinds=[Task.Kind.QC])
    if task.status == Task.Status.DONE or task.started_at is not None:
        return task
    check = scans_check(
        task=task,
        scanned_location=scanned_location,
        scanned_product=scanned_product,
        lot_code=lot_code,
    )
    bench = check.location_in_warehouse(scanned_bench, field="destination_location")
    if bench.kind != Location.Kind.QC:
        raise DomainError(f"{bench.code} is not a QC bench.", field="destination_location")
    _to_bench(task=task, bench=bench, user_id=user_id)
    return task


def _to_bench(*, task: Task, bench: Location | None, user_id: int) -> None:
    """Move the task's goods to ``bench`` (none: they are inspected where they stand)."""
    if bench is not None and bench.pk != task.source_location_id:
        moves_apply(
            lines=[
                MoveLine(
                    task.product_id, task.quantity, task.source_location_id, bench.pk, task.lot_id
                )
            ],
            kind=StockMove.Kind.QC,
            actor_id=user_id,
            task_id=task.pk,
            reference=task.reference,
            idempotency_key=f"task:{task.pk}:bench",
        )
        task.destination_location = bench
    else:
        task.destination_location = None
    task.started_at = task.started_at or timezone.now()
    task.save(update_fields=["destination_location", "started_at", "updated_at"])


@transaction.atomic(durable=True)
def qc_task_record(
    *,
    task_id: int,
    user_id: int,
    result: str,
    failed_quantity: int | None = None,
    reason: str = "",
    scanned_location: str | None = None,
    scanned_product: str | None = None,
    lot_code: str | None = None,
) -> QcInspection:
    """Step 2: record the inspection. ``fail`` without a quantity fails everything; a partial
    fail splits the goods: the failed units go to quarantine, the rest on to putaway.

    If step 1 was not done (an API client completing in one call), the scans are checked here
    and the goods go to the bench first. A repeat returns the recorded inspection.
    """
    task = task_for_worker(task_id=task_id, user_id=user_id, kinds=[Task.Kind.QC])
    if task.status == Task.Status.DONE:
        return task.qc
    if result not in (PASS, FAIL):
        raise DomainError("The result is pass or fail.", field="result")
    failed = _failed_units(task, result, failed_quantity, reason)
    if task.started_at is None:
        scans_check(
            task=task,
            scanned_location=scanned_location or "",
            scanned_product=scanned_product or "",
            lot_code=lot_code,
        )
        _to_bench(task=task, bench=task.destination_location, user_id=user_id)
    here = task.destination_location or task.source_location
    if failed:
        _quarantine(task=task, here=here, quantity=failed, reason=reason, user_id=user_id)
    inspection = QcInspection.objects.create(
        task=task,
        product_id=task.product_id,
        lot_id=task.lot_id,
        location=here,
        passed_quantity=task.quantity - failed,
        failed_quantity=failed,
        reason=reason.strip(),
        inspector_id=user_id,
    )
    task_progress_record(task=task, quantity=task.quantity - task.quantity_done)
    from warehouse.tasks import qc_inspection_plan_task  # the tasks module imports services

    enqueue_on_commit(qc_inspection_plan_task, inspection_id=inspection.pk)
    return inspection


def _failed_units(task: Task, result: str, failed_quantity: int | None, reason: str) -> int:
    if result == PASS:
        if failed_quantity:
            raise InvalidQuantity(
                "A pass has no failed units; record a fail.", field="failed_quantity"
            )
        return 0
    failed = task.quantity if failed_quantity is None else failed_quantity
    if not 1 <= failed <= task.quantity:
        raise InvalidQuantity(
            f"Between 1 and {task.quantity} units can fail.", field="failed_quantity"
        )
    if not reason.strip():
        raise DomainError("Say why the goods failed inspection.", field="reason")
    return failed


def _quarantine(*, task: Task, here: Location, quantity: int, reason: str, user_id: int) -> None:
    cage = (
        Location.objects.filter(warehouse_id=task.warehouse_id, kind=Location.Kind.QUARANTINE)
        .order_by("code")
        .first()
    )
    if cage is None:
        raise DomainError(
            "This warehouse has no quarantine location; add one first.", field="result"
        )
    moves_apply(
        lines=[MoveLine(task.product_id, quantity, here.pk, cage.pk, task.lot_id)],
        kind=StockMove.Kind.QUARANTINE,
        actor_id=user_id,
        task_id=task.pk,
        reason=f"failed QC: {reason.strip()}",
        reference=task.reference,
        idempotency_key=f"task:{task.pk}:quarantine",
    )
