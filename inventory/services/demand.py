"""Demand history: what left the building, per product, warehouse and day."""

from collections.abc import Mapping
from datetime import date

from django.db import connection


def demand_record(*, shipped: Mapping[tuple[int, int], int], on: date) -> None:
    """Add shipped units per (product_id, warehouse_id) to the day's demand, in one statement.

    Caller is in the shipping transaction: demand and shipment commit together.
    """
    rows = [(p, w, q) for (p, w), q in shipped.items() if q > 0]
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO inventory_demandrecord (product_id, warehouse_id, date, quantity)
            SELECT p, w, %s, q FROM unnest(%s::bigint[], %s::bigint[], %s::integer[]) AS t(p, w, q)
            ON CONFLICT (product_id, warehouse_id, date)
            DO UPDATE SET quantity = inventory_demandrecord.quantity + EXCLUDED.quantity
            """,
            [on, [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]],
        )
