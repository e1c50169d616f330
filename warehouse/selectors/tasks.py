"""Read paths for tasks: the floor's own list, the queue, the supervisor's board."""

import functools

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Model, Q, QuerySet

from inventory.models import Product, Warehouse
from warehouse.models import Location, Lot, Order, Task

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


def tasks_in_scope(*, warehouses: QuerySet[Warehouse]) -> QuerySet[Task]:
    """Tasks of ``warehouses``, nothing joined: what a state change checks its task against.

    A task with all its relations is a nine-table join that costs PostgreSQL more to plan than
    to run; the handheld's completion reads the names its answer shows otherwise (task_answer).
    """
    return Task.objects.filter(warehouse__in=warehouses)


# The names a task's API answer shows (annotation: the related model, the task's key to it,
# the column), each a scalar subquery of one row by primary key.
_ANSWER_NAMES = {
    "warehouse_code": (Warehouse, "warehouse_id", "code"),
    "product_sku": (Product, "product_id", "sku"),
    "lot_code": (Lot, "lot_id", "code"),
    "source_location_code": (Location, "source_location_id", "code"),
    "destination_location_code": (Location, "destination_location_id", "code"),
    "assignee_username": (get_user_model(), "assignee_id", "username"),
    "order_reference": (Order, "order_id", "reference"),
}
_TASK_FIELDS = [field.attname for field in Task._meta.concrete_fields]


@functools.cache
def _task_answer_sql() -> str:
    def column(model: type[Model], name: str) -> str:
        return model._meta.get_field(name).column

    names = [
        f'(SELECT r."{column(model, name)}" FROM "{model._meta.db_table}" r '
        f'WHERE r."{model._meta.pk.column}" = t."{column(Task, key)}")'
        for model, key, name in _ANSWER_NAMES.values()
    ]
    fields = [f't."{field.column}"' for field in Task._meta.concrete_fields]
    return f'SELECT {", ".join(fields + names)} FROM "{Task._meta.db_table}" t WHERE t."id" = %s'


def task_answer(*, task_id: int) -> Task:
    """One task with the names its API answer shows, as the attributes named in
    ``_ANSWER_NAMES`` (``warehouse_code``, ``product_sku`` ...); the caller has checked its scope.

    The handheld's busiest request ends here, so it is one statement of scalar subqueries and
    no ORM query: PostgreSQL plans the eight-table join of ``_RELATED`` in about 1.8 ms
    (doubling with each table) and runs it in 0.1, these plan in 0.25 ms; and the ORM took
    longer to compile the seven subqueries than the database to answer them.
    """
    with connection.cursor() as cursor:
        cursor.execute(_task_answer_sql(), [task_id])
        row = cursor.fetchone()
    if row is None:
        raise Task.DoesNotExist(f"No task {task_id}.")
    task = Task.from_db(connection.alias, _TASK_FIELDS, row[: len(_TASK_FIELDS)])
    for name, value in zip(_ANSWER_NAMES, row[len(_TASK_FIELDS) :], strict=True):
        setattr(task, name, value)
    return task


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
