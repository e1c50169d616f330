"""Stock levels: the warehouse reports every change of its quants here, in the same transaction."""

from collections.abc import Mapping

from django.db import connection

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

# One statement for any number of levels: the deltas arrive as parallel arrays.
_APPLY_SQL = """
UPDATE inventory_stocklevel AS level SET {assignments}, updated_at = now()
FROM (SELECT {columns}) AS delta
WHERE level.product_id = delta.product_id AND level.warehouse_id = delta.warehouse_id
""".format(
    assignments=", ".join(f"{f} = level.{f} + delta.{f}" for f in LEVEL_FIELDS),
    columns=", ".join(f"unnest(%s::bigint[]) AS {name}" for name in ("product_id", "warehouse_id"))
    + ", "
    + ", ".join(f"unnest(%s::integer[]) AS {f}" for f in LEVEL_FIELDS),
)


def stock_levels_apply(*, deltas: Mapping[tuple[int, int], Mapping[str, int]]) -> None:
    """Add each (product_id, warehouse_id)'s bucket deltas to its level, in one statement.

    Caller holds the levels' locks (``inventory.locks.stock_levels_lock``). The table's check
    constraints refuse any bucket below zero, so a wrong delta fails loudly, never silently.
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


def stock_level_apply(*, product_id: int, warehouse_id: int, deltas: Mapping[str, int]) -> None:
    """One level's deltas; see ``stock_levels_apply``."""
    stock_levels_apply(deltas={(product_id, warehouse_id): deltas})
