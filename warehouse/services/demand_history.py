"""Demand history from the ledger: for a warehouse whose shipments predate its demand records
(an import of past moves, the demo's back-dated history), record what each day shipped."""

from collections import defaultdict

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import TruncDate

from inventory.models import DemandRecord
from inventory.services.demand import demand_record
from warehouse.models import StockMove


@transaction.atomic
def demand_history_from_ledger(*, warehouse_id: int) -> int:
    """Record each day's shipped units per product from the warehouse's ``ship`` moves, for
    the days that have no demand record yet (a day already recorded is left as it is, so a
    rerun adds nothing). Days are local dates. Returns the number of days recorded."""
    recorded = set(
        DemandRecord.objects.filter(warehouse_id=warehouse_id)
        .values_list("date", flat=True)
        .distinct()
    )
    shipped: dict = defaultdict(dict)
    rows = (
        StockMove.objects.filter(warehouse_id=warehouse_id, kind=StockMove.Kind.SHIP)
        .annotate(day=TruncDate("created_at"))
        .values("day", "product_id")
        .annotate(units=Sum("quantity"))
    )
    for row in rows:
        if row["day"] not in recorded:
            shipped[row["day"]][(row["product_id"], warehouse_id)] = row["units"]
    for day, units in sorted(shipped.items()):
        demand_record(shipped=units, on=day)
    return len(shipped)
