"""Read paths for tasks: the floor's own list, the queue, the supervisor's board."""

from django.db.models import Count, Q, QuerySet

from inventory.models import Warehouse
from warehouse.models import Task

_RELATED = (
    "warehouse",
    "product",
    "lot",
    "source_location",
    "destination_location",
    "assignee",
    "order",
)


def tasks_list(
    *,
    warehouses: QuerySet[Warehouse],
    warehouse_code: str = "",
    kind: str = "",
    status: str = "",
    product_sku: str = "",
    assignee_id: int | None = None,
) -> QuerySet[Task]:
    tasks = Task.objects.filter(warehouse__in=warehouses).select_related(*_RELATED)
    if warehouse_code:
        tasks = tasks.filter(warehouse__code=warehouse_code)
    if kind:
        tasks = tasks.filter(kind=kind)
    if status:
        tasks = tasks.filter(status=status)
    if product_sku:
        tasks = tasks.filter(product__sku=product_sku)
    if assignee_id is not None:
        tasks = tasks.filter(assignee_id=assignee_id)
    return tasks.order_by("priority", "created_at", "id")


def tasks_for_worker(*, user_id: int, warehouse_id: int) -> QuerySet[Task]:
    """The tasks a floor worker holds now, most urgent first."""
    return (
        Task.objects.filter(
            warehouse_id=warehouse_id, assignee_id=user_id, status=Task.Status.ASSIGNED
        )
        .select_related(*_RELATED)
        .order_by("priority", "assigned_at", "id")
    )


def task_queue_summary(*, warehouse_id: int) -> dict[str, int]:
    """Open tasks waiting to be claimed, per kind, in one query."""
    # Picks of waves not yet released cannot be claimed: they are not waiting for anyone.
    claimable = Task.objects.filter(warehouse_id=warehouse_id, status=Task.Status.OPEN).exclude(
        kind=Task.Kind.PICK, batch__isnull=True
    )
    counts = claimable.aggregate(
        **{kind: Count("id", filter=Q(kind=kind)) for kind in Task.Kind.values}
    )
    return {kind: counts[kind] for kind in Task.Kind.values}
