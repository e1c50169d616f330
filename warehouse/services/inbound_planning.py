"""What happens to received goods next: a QC task, or putaway tasks (run by the worker).

Each planner locks its document, plans only what is not planned yet and marks it planned in
the same transaction, so a task that runs twice (a redelivery after a worker died) creates
nothing twice.
"""

from django.db import transaction
from django.utils import timezone

from warehouse.locks import qc_inspection_lock, receipt_lock
from warehouse.models import Location, ReceiptItem, StockMove, Task
from warehouse.services.putaway import PutawayNeed, putaway_tasks_plan
from warehouse.services.tasks import tasks_create_many

QC_PRIORITY = 3  # inspect before putting away, so stock reaches the shelves sooner
PUTAWAY_PRIORITY = 4


@transaction.atomic(durable=True)
def receipt_plan(*, receipt_id: int) -> list[Task]:
    """Plan every received item of the receipt that has no plan yet; returns new tasks."""
    receipt = receipt_lock(receipt_id=receipt_id)
    items = list(
        ReceiptItem.objects.filter(line__receipt=receipt, planned_at__isnull=True)
        .select_related("line", "location")
        .order_by("id")
    )
    if not items:
        return []
    bench = (
        Location.objects.filter(
            warehouse_id=receipt.warehouse_id, kind=Location.Kind.QC, is_blocked=False
        )
        .order_by("code")
        .first()
    )
    inspections = [
        Task(
            warehouse_id=receipt.warehouse_id,
            kind=Task.Kind.QC,
            product_id=item.line.product_id,
            lot_id=item.lot_id,
            quantity=item.quantity,
            source_location_id=item.location_id,
            destination_location=bench,  # None: inspect where it stands
            priority=QC_PRIORITY,
            reference=receipt.reference,
            origin_key=f"qc:item:{item.pk}",
            receipt_item=item,
        )
        for item in items
        if item.needs_qc
    ]
    tasks = tasks_create_many(tasks=inspections) if inspections else []
    by_origin: dict[int, list[ReceiptItem]] = {}
    for item in items:
        if not item.needs_qc:
            by_origin.setdefault(item.location_id, []).append(item)
    for origin_items in by_origin.values():
        tasks += putaway_tasks_plan(
            origin=origin_items[0].location,
            needs=[
                PutawayNeed(
                    product_id=item.line.product_id,
                    lot_id=item.lot_id,
                    quantity=item.quantity,
                    origin_key=f"putaway:item:{item.pk}",
                    reference=receipt.reference,
                    receipt_item_id=item.pk,
                )
                for item in origin_items
            ],
            priority=PUTAWAY_PRIORITY,
        )
    ReceiptItem.objects.filter(pk__in=[item.pk for item in items]).update(planned_at=timezone.now())
    return tasks


@transaction.atomic(durable=True)
def qc_inspection_plan(*, inspection_id: int) -> list[Task]:
    """Putaway tasks for the units that passed an inspection (once)."""
    inspection = qc_inspection_lock(inspection_id=inspection_id)
    if inspection.planned_at is not None or inspection.passed_quantity == 0:
        return []
    task = inspection.task
    tasks = putaway_tasks_plan(
        origin=inspection.location,
        needs=[
            PutawayNeed(
                product_id=inspection.product_id,
                lot_id=inspection.lot_id,
                quantity=inspection.passed_quantity,
                origin_key=f"putaway:qc:{inspection.pk}",
                reference=task.reference,
                receipt_item_id=task.receipt_item_id,
                parent_id=task.pk,
                notes="passed QC",
            )
        ],
        priority=PUTAWAY_PRIORITY,
    )
    inspection.planned_at = timezone.now()
    inspection.save(update_fields=["planned_at"])
    return tasks


@transaction.atomic(durable=True)
def release_plan(*, move_id: int) -> list[Task]:
    """Putaway tasks for units a supervisor released from quarantine (once: origin keys)."""
    move = StockMove.objects.select_related("to_location").get(pk=move_id)
    return putaway_tasks_plan(
        origin=move.to_location,
        needs=[
            PutawayNeed(
                product_id=move.product_id,
                lot_id=move.lot_id,
                quantity=move.quantity,
                origin_key=f"putaway:release:{move.pk}",
                reference=move.reference,
                notes=move.reason,
            )
        ],
        priority=PUTAWAY_PRIORITY,
    )
