"""The invariant check: quants and stock levels recomputed from the ledger, drift reported.

Run nightly by Celery beat, by ``manage.py check_stock``, and after every test session.
"""

from dataclasses import dataclass

from django.db import connection, transaction

from warehouse.models import Location

_VIRTUAL = tuple(str(kind) for kind in Location.VIRTUAL_KINDS)

_QUANT_DRIFT_SQL = """
WITH ledger AS (
    SELECT product_id, lot_id, location_id, SUM(delta) AS quantity
    FROM (
        SELECT product_id, lot_id, to_location_id AS location_id, quantity AS delta
        FROM warehouse_stockmove
        UNION ALL
        SELECT product_id, lot_id, from_location_id, -quantity
        FROM warehouse_stockmove
    ) AS entries
    GROUP BY product_id, lot_id, location_id
)
SELECT COALESCE(q.product_id, l.product_id), COALESCE(q.location_id, l.location_id),
       COALESCE(q.lot_id, l.lot_id), COALESCE(l.quantity, 0), COALESCE(q.quantity, 0)
FROM ledger AS l
FULL OUTER JOIN warehouse_quant AS q
  ON q.product_id = l.product_id AND q.location_id = l.location_id
 AND q.lot_id IS NOT DISTINCT FROM l.lot_id
JOIN warehouse_location AS loc ON loc.id = COALESCE(q.location_id, l.location_id)
WHERE loc.kind <> ALL(%s) AND COALESCE(l.quantity, 0) <> COALESCE(q.quantity, 0)
ORDER BY 1, 2, 3
"""

_LEVEL_DRIFT_SQL = """
WITH derived AS (
    SELECT q.product_id, q.warehouse_id,
        SUM(q.quantity) AS on_hand,
        SUM(q.reserved) AS reserved,
        SUM(q.quantity) FILTER (WHERE loc.kind = 'receiving') AS in_receiving,
        SUM(q.quantity) FILTER (WHERE loc.kind = 'qc') AS in_qc,
        SUM(q.quantity) FILTER (WHERE loc.kind = 'quarantine') AS quarantined,
        SUM(q.quantity) FILTER (WHERE loc.kind IN ('staging', 'shipping')) AS in_outbound,
        SUM(q.quantity - q.reserved)
            FILTER (WHERE loc.kind IN ('storage', 'pick') AND loc.is_blocked) AS blocked
    FROM warehouse_quant AS q
    JOIN warehouse_location AS loc ON loc.id = q.location_id
    WHERE loc.kind <> ALL(%s)
    GROUP BY q.product_id, q.warehouse_id
)
SELECT COALESCE(s.product_id, d.product_id), COALESCE(s.warehouse_id, d.warehouse_id),
       bucket.name, bucket.expected, bucket.recorded
FROM derived AS d
FULL OUTER JOIN inventory_stocklevel AS s
  ON s.product_id = d.product_id AND s.warehouse_id = d.warehouse_id
CROSS JOIN LATERAL (VALUES
    ('on_hand', COALESCE(d.on_hand, 0), COALESCE(s.on_hand, 0)),
    ('reserved', COALESCE(d.reserved, 0), COALESCE(s.reserved, 0)),
    ('in_receiving', COALESCE(d.in_receiving, 0), COALESCE(s.in_receiving, 0)),
    ('in_qc', COALESCE(d.in_qc, 0), COALESCE(s.in_qc, 0)),
    ('quarantined', COALESCE(d.quarantined, 0), COALESCE(s.quarantined, 0)),
    ('in_outbound', COALESCE(d.in_outbound, 0), COALESCE(s.in_outbound, 0)),
    ('blocked', COALESCE(d.blocked, 0), COALESCE(s.blocked, 0))
) AS bucket(name, expected, recorded)
WHERE bucket.expected <> bucket.recorded
ORDER BY 1, 2, 3
"""


@dataclass(frozen=True)
class QuantDrift:
    product_id: int
    location_id: int
    lot_id: int | None
    ledger_quantity: int
    quant_quantity: int


@dataclass(frozen=True)
class LevelDrift:
    product_id: int
    warehouse_id: int
    bucket: str
    from_quants: int
    recorded: int


@dataclass(frozen=True)
class StockDrift:
    quants: list[QuantDrift]
    levels: list[LevelDrift]

    @property
    def is_clean(self) -> bool:
        return not self.quants and not self.levels


def stock_drift() -> StockDrift:
    """Every quant whose ledger sum differs, and every level bucket that differs from its quants.

    Two set-based queries over the whole ledger; read-only, safe to run while people work
    (both queries see one snapshot).
    """
    outer_transaction = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if not outer_transaction:
            # Both queries read one snapshot, so moves committed meanwhile cannot look like drift.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute(_QUANT_DRIFT_SQL, [list(_VIRTUAL)])
        quants = [QuantDrift(*row) for row in cursor.fetchall()]
        cursor.execute(_LEVEL_DRIFT_SQL, [list(_VIRTUAL)])
        levels = [LevelDrift(*row) for row in cursor.fetchall()]
    return StockDrift(quants=quants, levels=levels)
