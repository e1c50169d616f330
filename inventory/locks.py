"""Row locks of the inventory app. The only place (with warehouse/locks.py) that locks rows.

Global lock order (DESIGN.md): parent document -> StockLevel rows -> Location rows -> Quant rows
-> ledger insert. Within each step rows are locked in a fixed order, so no two transactions
can wait on each other in a cycle.
"""

from collections.abc import Iterable

from inventory.models import PurchaseOrder, StockLevel

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
