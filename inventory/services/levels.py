"""Stock levels: the warehouse reports every change of its quants here, in the same transaction."""

from django.db.models import F

from inventory.models import StockLevel

LEVEL_FIELDS = frozenset(
    {"on_hand", "reserved", "in_receiving", "in_qc", "quarantined", "in_outbound", "blocked",
     "on_order"}
)


def stock_level_apply(*, product_id: int, warehouse_id: int, deltas: dict[str, int]) -> None:
    """Add ``deltas`` to the level's buckets.

    Caller holds the level's lock (``inventory.locks.stock_levels_lock``). The table's check
    constraints refuse any bucket below zero, so a wrong delta fails loudly, never silently.
    """
    changes = {field: delta for field, delta in deltas.items() if delta}
    unknown = set(changes) - LEVEL_FIELDS
    if unknown:
        raise ValueError(f"not stock level buckets: {sorted(unknown)}")
    if not changes:
        return
    StockLevel.objects.filter(product_id=product_id, warehouse_id=warehouse_id).update(
        **{field: F(field) + delta for field, delta in changes.items()}
    )
