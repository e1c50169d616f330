"""Stock levels: the warehouse reports every change of its quants here, in the same transaction."""

from collections import defaultdict
from collections.abc import Collection, Mapping

from django.db import connection

from inventory.models import StockLevel
from wms.outbox import enqueue_on_commit

LEVEL_FIELDS = (
    "on_hand",
    "reserved",
    "in_receiving",
    "in_qc",
    "quarantined",
    "in_outbound",
    "blocked",
    "on_order",
)

# Received and not yet put away: still on its way to the shelf, so it counts towards the reorder
# position like stock on order (else every dock receipt would look like a drop and re-suggest).
ARRIVING = ("in_receiving", "in_qc")

# One statement for any number of levels: the deltas arrive as parallel arrays. It also returns
# the pairs whose position (available + arriving + on order) just dropped to or below their
# active rule's reorder point: the same round trip, and an index probe per level when no rule
# matches.
_APPLY_SQL = """
WITH delta AS (SELECT {columns}),
changed AS (
    UPDATE inventory_stocklevel AS level SET {assignments}, updated_at = now()
    FROM delta
    WHERE level.product_id = delta.product_id AND level.warehouse_id = delta.warehouse_id
    RETURNING level.product_id, level.warehouse_id,
        level.available + level.in_receiving + level.in_qc + level.on_order
            AS position, ({position_change}) AS change
)
SELECT changed.product_id, changed.warehouse_id
FROM changed
JOIN inventory_reorderrule AS rule
    ON rule.product_id = changed.product_id AND rule.warehouse_id = changed.warehouse_id
    AND rule.is_active
LEFT JOIN inventory_demandforecast AS forecast
    ON rule.policy = 'forecast'
    AND forecast.product_id = changed.product_id AND forecast.warehouse_id = changed.warehouse_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN rule.policy = 'forecast'
                THEN GREATEST(COALESCE(forecast.reorder_point, 0), rule.min_quantity)
                ELSE rule.min_quantity END AS point
) AS reorder
WHERE changed.change < 0 AND changed.position <= reorder.point
  AND (changed.position - changed.change > reorder.point  -- it just crossed the point
       OR NOT EXISTS (  -- or it was already below with no open suggestion
           SELECT 1 FROM inventory_reordersuggestion AS s
           WHERE s.product_id = changed.product_id AND s.warehouse_id = changed.warehouse_id
             AND s.status = 'open'))
""".format(
    assignments=", ".join(f"{f} = level.{f} + delta.{f}" for f in LEVEL_FIELDS),
    columns=", ".join(f"unnest(%s::bigint[]) AS {name}" for name in ("product_id", "warehouse_id"))
    + ", "
    + ", ".join(f"unnest(%s::integer[]) AS {f}" for f in LEVEL_FIELDS),
    # How the position moves: on hand and on order add; what is reserved, quarantined, picked or
    # blocked subtracts. Dock and QC stock stays in it: a receipt only moves on order to the dock.
    position_change="delta.on_hand + delta.on_order - "
    + " - ".join(f"delta.{f}" for f in ("reserved", *StockLevel.BUCKETS) if f not in ARRIVING),
)


def stock_levels_apply(*, deltas: Mapping[tuple[int, int], Mapping[str, int]]) -> None:
    """Add each (product_id, warehouse_id)'s bucket deltas to its level, in one statement.

    Caller holds the levels' locks (``inventory.locks.stock_levels_lock``). The table's check
    constraints refuse any bucket below zero, so a wrong delta fails loudly, never silently.

    When a level's position (available + dock and QC stock + on order) drops to or below its
    active reorder rule's reorder point (crossing it, or already below with no open
    suggestion), a review of that pair is enqueued on commit: allocation, picking, shipping,
    adjustments, QC failures, scrapping and cancelled purchase orders all pass here. The same
    statement finds those pairs.
    """
    changed = {key: d for key, d in deltas.items() if any(d.values())}
    for bucket_deltas in changed.values():
        unknown = set(bucket_deltas) - set(LEVEL_FIELDS)
        if unknown:
            raise ValueError(f"not stock level buckets: {sorted(unknown)}")
    if not changed:
        return
    keys = list(changed)
    params = [[p for p, _ in keys], [w for _, w in keys]] + [
        [changed[key].get(field, 0) for key in keys] for field in LEVEL_FIELDS
    ]
    with connection.cursor() as cursor:
        cursor.execute(_APPLY_SQL, params)
        dropped = cursor.fetchall()
    if dropped:
        reorder_review_on_commit(pairs=dropped)


def reorder_review_on_commit(*, pairs: Collection[tuple[int, int]]) -> None:
    """After the commit, review the (product_id, warehouse_id) pairs: one task per warehouse."""
    from inventory.tasks import reorder_review_task  # the tasks module imports services

    by_warehouse: dict[int, set[int]] = defaultdict(set)
    for product_id, warehouse_id in pairs:
        by_warehouse[warehouse_id].add(product_id)
    for warehouse_id, product_ids in sorted(by_warehouse.items()):
        enqueue_on_commit(
            reorder_review_task, warehouse_id=warehouse_id, product_ids=sorted(product_ids)
        )


def stock_level_apply(*, product_id: int, warehouse_id: int, deltas: Mapping[str, int]) -> None:
    """One level's deltas; see ``stock_levels_apply``."""
    stock_levels_apply(deltas={(product_id, warehouse_id): deltas})
