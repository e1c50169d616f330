"""CSV exports of the inside of a building: stock per bin and lot, and the ledger.

Both stream (see ``inventory.selectors.exports``): the ledger of a busy year is millions of
rows, and only a chunk of them is in memory at a time.
"""

from datetime import datetime

from django.db.models import F, QuerySet

from inventory.models import Warehouse
from inventory.selectors.exports import ExportTable, stream
from warehouse.models import Quant, StockMove

QUANT_COLUMNS = {
    "warehouse": "warehouse__code",
    "location": "location__code",
    "zone": "location__zone__code",
    "location_kind": "location__kind",
    "sku": "product__sku",
    "product": "product__name",
    "lot": "lot__code",
    "expiry": "lot__expiry_date",
    "quantity": "quantity",
    "reserved": "reserved",
    "unreserved": "unreserved",
    "received_at": "received_at",
}
MOVE_COLUMNS = {
    "id": "id",
    "created_at": "created_at",
    "warehouse": "warehouse__code",
    "kind": "kind",
    "sku": "product__sku",
    "product": "product__name",
    "lot": "lot__code",
    "from_location": "from_location__code",
    "to_location": "to_location__code",
    "quantity": "quantity",
    "user": "actor__username",
    "task": "task_id",
    "reason": "reason",
    "reference": "reference",
}


def quants_export(*, warehouses: QuerySet[Warehouse], name: str) -> ExportTable:
    """Stock on hand per bin and lot (empty quants left out), bins in pick-path order."""
    quants = (
        Quant.objects.filter(warehouse__in=warehouses, quantity__gt=0)
        .annotate(unreserved=F("quantity") - F("reserved"))
        .order_by(
            "warehouse__code",
            "location__pick_sequence",
            "location__code",
            "product__sku",
            "received_at",
        )
        .values_list(*QUANT_COLUMNS.values())
    )
    return ExportTable(name=name, header=tuple(QUANT_COLUMNS), rows=stream(quants))


def moves_export(
    *,
    warehouses: QuerySet[Warehouse],
    name: str,
    since: datetime | None = None,
    before: datetime | None = None,
) -> ExportTable:
    """The ledger from ``since`` (inclusive) to ``before`` (exclusive), oldest first."""
    moves = StockMove.objects.filter(warehouse__in=warehouses)
    if since is not None:
        moves = moves.filter(created_at__gte=since)
    if before is not None:
        moves = moves.filter(created_at__lt=before)
    rows = moves.order_by("created_at", "id").values_list(*MOVE_COLUMNS.values())
    return ExportTable(name=name, header=tuple(MOVE_COLUMNS), rows=stream(rows))
