"""Row locks of the inventory app. The only place (with warehouse/locks.py) that locks rows.

Global lock order (DESIGN.md): parent document -> StockLevel rows -> Location rows -> Quant rows
-> ledger insert. Within each step rows are locked in a fixed order, so no two transactions
can wait on each other in a cycle.
"""

from collections.abc import Iterable

from django.db import connection

from inventory.models import (
    PurchaseOrder,
    ReorderRule,
    ReorderSuggestion,
    StockLevel,
    Supplier,
    SupplierProduct,
)

LevelKey = tuple[int, int]  # (product_id, warehouse_id)


def stock_levels_lock(*, keys: Iterable[LevelKey]) -> dict[LevelKey, StockLevel]:
    """Create missing StockLevel rows, then lock all of them ordered by (warehouse, product).

    Must be the first stock lock a transaction takes (after its parent document's).
    """
    wanted = sorted(set(keys), key=lambda key: (key[1], key[0]))
    if not wanted:
        return {}
    StockLevel.objects.bulk_create(
        [StockLevel(product_id=p, warehouse_id=w) for p, w in wanted], ignore_conflicts=True
    )
    product_ids = {p for p, _ in wanted}
    warehouse_ids = {w for _, w in wanted}
    rows = (
        StockLevel.objects.filter(product_id__in=product_ids, warehouse_id__in=warehouse_ids)
        .select_for_update(of=("self",), no_key=True)
        .order_by("warehouse_id", "product_id")
    )
    locked = {(row.product_id, row.warehouse_id): row for row in rows}  # evaluates: locks held
    return {key: locked[key] for key in wanted}


def purchase_order_lock(*, purchase_order_id: int) -> PurchaseOrder:
    """Lock a purchase order: the parent document of its lines and their on-order quantities.

    Taken after a receipt's lock (a receipt may receive against it), before any level lock.
    """
    return (
        PurchaseOrder.objects.select_for_update(of=("self",), no_key=True)
        .select_related("supplier", "warehouse")
        .get(pk=purchase_order_id)
    )


# --- replenishment ------------------------------------------------------------------------------
# Order: the suggestions lock (advisory) -> ReorderSuggestion rows by pk -> Supplier rows by pk
# -> draft PurchaseOrder rows by pk. Nothing locks a purchase order and then suggestions.

SUGGESTIONS_LOCK = 7_401  # advisory lock namespace: reorder suggestions


def suggestions_review_lock(*, shared: bool) -> None:
    """Take turns on the reorder suggestions (a transaction-scoped advisory lock).

    The review (exclusive) rewrites many open suggestions in one statement, in no order it can
    choose; a decision (approve, dismiss, edit: shared) locks a few rows by pk. Without this a
    review and an approval could each hold a row the other wants. Decisions share the lock, so
    they never wait for each other here, only for a running review (well under a second).
    """
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, 0)", [SUGGESTIONS_LOCK])


def suggestions_lock(*, suggestion_ids: Iterable[int]) -> dict[int, ReorderSuggestion]:
    """Lock suggestions in pk order, with their product, warehouse and supplier.

    Caller holds ``suggestions_review_lock(shared=True)``. Missing ids are simply absent.
    """
    rows = (
        ReorderSuggestion.objects.filter(pk__in=set(suggestion_ids))
        .select_related("product", "warehouse", "supplier")
        .select_for_update(of=("self",), no_key=True)
        .order_by("pk")
    )
    return {row.pk: row for row in rows}  # evaluates: locks held


def suppliers_lock(*, supplier_ids: Iterable[int]) -> dict[int, Supplier]:
    """Lock suppliers in pk order: the parent of their draft purchase orders, so that two
    approvals for one supplier and warehouse extend one draft rather than making two.

    FOR NO KEY UPDATE does not block the key-share locks of foreign-key checks: purchase orders
    of the supplier can still be inserted by others meanwhile.
    """
    rows = (
        Supplier.objects.filter(pk__in=set(supplier_ids))
        .select_for_update(of=("self",), no_key=True)
        .order_by("pk")
    )
    return {row.pk: row for row in rows}


def draft_purchase_orders_lock(
    *, keys: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], PurchaseOrder]:
    """The oldest draft purchase order of each (supplier_id, warehouse_id), locked in pk order.

    Caller holds the suppliers' locks. A draft sent or cancelled meanwhile is re-checked under
    the lock and left out (the caller then starts a new draft).
    """
    keys = set(keys)
    if not keys:
        return {}
    rows = (
        PurchaseOrder.objects.filter(
            status=PurchaseOrder.Status.DRAFT,
            supplier_id__in={s for s, _ in keys},
            warehouse_id__in={w for _, w in keys},
        )
        .select_for_update(of=("self",), no_key=True)
        .order_by("pk")
    )
    found: dict[tuple[int, int], PurchaseOrder] = {}
    for row in rows:  # evaluates: locks held
        key = (row.supplier_id, row.warehouse_id)
        if key in keys and key not in found:
            found[key] = row
    return found


def reorder_rule_lock(*, rule_id: int) -> ReorderRule:
    """Lock one reorder rule before changing it."""
    return (
        ReorderRule.objects.select_for_update(of=("self",), no_key=True)
        .select_related("product", "warehouse", "supplier")
        .get(pk=rule_id)
    )


def supplier_offer_lock(*, offer_id: int) -> SupplierProduct:
    """Lock one supplier offer before changing it (nothing else is locked with it)."""
    return (
        SupplierProduct.objects.select_for_update(of=("self",), no_key=True)
        .select_related("supplier", "product")
        .get(pk=offer_id)
    )
