"""CSV exports of inventory data: stock levels per product and warehouse.

Exports are read as the file is sent: a ``values_list`` iterator over a server-side cursor,
a chunk of rows at a time, never the whole table in memory. ``ExportTable`` carries the header
and the rows; the view writes them through ``wms.csv_safety``.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from inventory.models import StockLevel, Warehouse

CHUNK = 2000  # rows fetched from the cursor at a time


@dataclass(frozen=True)
class ExportTable:
    name: str  # the file's name, without ".csv"
    header: tuple[str, ...]
    rows: Iterable[tuple[Any, ...]]


def stream(queryset: QuerySet[Any]) -> Iterator[tuple[Any, ...]]:
    """The query's rows a chunk at a time (PostgreSQL: a server-side cursor)."""
    return queryset.iterator(chunk_size=CHUNK)


LEVEL_COLUMNS = {
    "warehouse": "warehouse__code",
    "sku": "product__sku",
    "product": "product__name",
    "on_hand": "on_hand",
    "reserved": "reserved",
    "available": "available",
    "in_receiving": "in_receiving",
    "in_qc": "in_qc",
    "quarantined": "quarantined",
    "in_outbound": "in_outbound",
    "blocked": "blocked",
    "on_order": "on_order",
}


def stock_levels_export(*, warehouses: QuerySet[Warehouse], name: str) -> ExportTable:
    """Per product and warehouse: on hand, reserved, available, the buckets, on order."""
    levels = (
        StockLevel.objects.filter(warehouse__in=warehouses)
        .order_by("warehouse__code", "product__sku")
        .values_list(*LEVEL_COLUMNS.values())
    )
    return ExportTable(name=name, header=tuple(LEVEL_COLUMNS), rows=stream(levels))
