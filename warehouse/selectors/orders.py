"""Read paths for outbound orders and waves: the API's lists and details, the tasks of an
order, and the lookups that turn natural keys (references, lot codes) into rows."""

from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet

from inventory.models import Warehouse
from warehouse.models import (
    Allocation,
    Lot,
    Order,
    OrderLine,
    Package,
    PackageItem,
    PickBatch,
    Task,
    Wave,
)

# Tasks made for an outbound order before tasks had an ``order`` link carry this reference.
ORDER_REFERENCE_PREFIX = "order:"


def _is_id(text: str) -> bool:
    """Digits that fit a database id (longer ones can only be a reference or a number)."""
    return text.isdigit() and len(text) <= 18


def orders_list(
    *,
    warehouses: QuerySet[Warehouse],
    warehouse_code: str = "",
    status: str = "",
    reference: str = "",
    wave: str = "",
) -> QuerySet[Order]:
    """Orders of ``warehouses`` (the user's scope), newest first, with everything the API shows.

    A fixed number of queries for any page: the count, the orders (warehouse, wave, creator
    joined), their lines (product), the lines' allocations (bin, lot), the pick tasks (bin,
    assignee, product, lot), the packages and the packages' items (product, lot).
    ``wave`` is a wave's number, or its id given as digits.
    """
    allocations = Allocation.objects.select_related("location", "lot").order_by("id")
    lines = (
        OrderLine.objects.select_related("product")
        .prefetch_related(Prefetch("allocations", queryset=allocations))
        .order_by("id")
    )
    picks = (
        Task.objects.filter(kind=Task.Kind.PICK)
        .select_related("source_location", "destination_location", "assignee", "product", "lot")
        .order_by("id")
    )
    items = PackageItem.objects.select_related("product", "lot").order_by("id")
    packages = (
        Package.objects.select_related("packed_by")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("number")
    )
    orders = (
        Order.objects.filter(warehouse__in=warehouses)
        .select_related("warehouse", "wave", "created_by")
        .prefetch_related(
            Prefetch("lines", queryset=lines),
            Prefetch("tasks", queryset=picks, to_attr="pick_tasks"),
            Prefetch("packages", queryset=packages),
        )
    )
    if warehouse_code:
        orders = orders.filter(warehouse__code=warehouse_code)
    if status:
        orders = orders.filter(status=status)
    if reference:
        orders = orders.filter(reference=reference)
    if wave:
        by_id = Q(wave_id=int(wave)) if _is_id(wave) else Q()
        orders = orders.filter(by_id | Q(wave__number=wave))
    return orders.order_by("-created_at", "-id")


def order_ids_by_keys(
    *, warehouse_id: int, ids: Iterable[int] = (), references: Iterable[str] = ()
) -> dict[int | str, int]:
    """Which of the given order ids and references name orders of the warehouse: a map from
    each key found (the id, or the reference) to the order's id, in one query."""
    ids, references = set(ids), set(references)
    if not ids and not references:
        return {}
    found: dict[int | str, int] = {}
    rows = Order.objects.filter(warehouse_id=warehouse_id).filter(
        Q(pk__in=ids) | Q(reference__in=references)
    )
    for pk, reference in rows.values_list("pk", "reference"):
        if pk in ids:
            found[pk] = pk
        if reference in references:
            found[reference] = pk
    return found


def lots_by_codes(*, keys: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Lot]:
    """The lots named by (product id, lot code) pairs, in one query; unknown pairs are absent."""
    keys = set(keys)
    if not keys:
        return {}
    match = Q()
    for product_id, code in keys:
        match |= Q(product_id=product_id, code=code)
    return {(lot.product_id, lot.code): lot for lot in Lot.objects.filter(match)}


def waves_list(
    *, warehouses: QuerySet[Warehouse], warehouse_code: str = "", status: str = ""
) -> QuerySet[Wave]:
    """Waves of ``warehouses``, newest first, with their orders and batches; each batch's
    tasks in route order (``route``). Five queries for any page, count included."""
    route = Task.objects.select_related("source_location").order_by("route_sequence", "id")
    batches = (
        PickBatch.objects.select_related("assignee")
        .prefetch_related(Prefetch("tasks", queryset=route, to_attr="route"))
        .order_by("sequence")
    )
    waves = (
        Wave.objects.filter(warehouse__in=warehouses)
        .select_related("warehouse", "released_by")
        .prefetch_related(
            Prefetch("orders", queryset=Order.objects.order_by("id")),
            Prefetch("batches", queryset=batches),
        )
    )
    if warehouse_code:
        waves = waves.filter(warehouse__code=warehouse_code)
    if status:
        waves = waves.filter(status=status)
    return waves.order_by("-created_at", "-id")


def package_get(*, package_id: int) -> Package:
    """One package with its order and items, as the API answers it."""
    items = PackageItem.objects.select_related("product", "lot").order_by("id")
    return (
        Package.objects.select_related("order", "packed_by")
        .prefetch_related(Prefetch("items", queryset=items))
        .get(pk=package_id)
    )


def tasks_with_orders(*, tasks: QuerySet[Task]) -> QuerySet[Task]:
    """``tasks`` with their order joined (the API shows its reference)."""
    return tasks.select_related("order")


def tasks_of_order(*, tasks: QuerySet[Task], order: str) -> QuerySet[Task]:
    """``tasks`` narrowed to those made for one outbound order, named by its reference or,
    when no order has those digits as its reference, by its id.

    Tasks carry the order as a link; older ones (and those made without one) only as the
    reference ``order:<reference>``, which matches too.
    """
    match = Q(order__reference=order) | Q(reference=f"{ORDER_REFERENCE_PREFIX}{order}")
    if _is_id(order) and not Order.objects.filter(reference=order).exists():
        match |= Q(order_id=int(order))
    return tasks.filter(match)


def orders_in_scope(*, warehouses: QuerySet[Warehouse]) -> QuerySet[Order]:
    """Orders of ``warehouses``, nothing joined: what a state change looks its order up in."""
    return Order.objects.filter(warehouse__in=warehouses)
