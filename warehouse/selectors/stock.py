"""Read paths for stock: quants per bin and lot, the ledger, locations."""

from datetime import datetime

from django.db.models import Q, QuerySet

from inventory.models import Warehouse
from warehouse.models import Location, Quant, StockMove, Zone


def quants_list(
    *,
    warehouses: QuerySet[Warehouse],
    warehouse_code: str = "",
    product_sku: str = "",
    location_code: str = "",
    zone_code: str = "",
    search: str = "",
) -> QuerySet[Quant]:
    """Stock on hand per bin and lot (empty quants left out), bins in pick-path order."""
    quants = Quant.objects.filter(warehouse__in=warehouses, quantity__gt=0).select_related(
        "product", "location", "location__zone", "lot", "warehouse"
    )
    if warehouse_code:
        quants = quants.filter(warehouse__code=warehouse_code)
    if product_sku:
        quants = quants.filter(product__sku=product_sku)
    if location_code:
        quants = quants.filter(location__code=location_code)
    if zone_code:
        quants = quants.filter(location__zone__code=zone_code)
    if search:
        quants = quants.filter(
            Q(product__sku__icontains=search)
            | Q(product__name__icontains=search)
            | Q(product__barcode=search)
            | Q(location__code__icontains=search)
            | Q(lot__code__icontains=search)
        )
    return quants.order_by(
        "warehouse__code",
        "location__pick_sequence",
        "location__code",
        "product__sku",
        "received_at",
    )


def locations_list(
    *,
    warehouses: QuerySet[Warehouse],
    warehouse_code: str = "",
    kind: str = "",
    include_virtual: bool = False,
) -> QuerySet[Location]:
    locations = Location.objects.filter(warehouse__in=warehouses).select_related(
        "warehouse", "zone"
    )
    if not include_virtual:
        locations = locations.exclude(kind__in=Location.VIRTUAL_KINDS)
    if warehouse_code:
        locations = locations.filter(warehouse__code=warehouse_code)
    if kind:
        locations = locations.filter(kind=kind)
    return locations.order_by("warehouse__code", "pick_sequence", "code")


def moves_list(
    *,
    warehouses: QuerySet[Warehouse],
    product_sku: str = "",
    location_code: str = "",
    kind: str = "",
    since: datetime | None = None,
) -> QuerySet[StockMove]:
    moves = StockMove.objects.filter(warehouse__in=warehouses).select_related(
        "product", "lot", "from_location", "to_location", "actor", "warehouse"
    )
    if product_sku:
        moves = moves.filter(product__sku=product_sku)
    if location_code:
        moves = moves.filter(
            Q(from_location__code=location_code) | Q(to_location__code=location_code)
        )
    if kind:
        moves = moves.filter(kind=kind)
    if since:
        moves = moves.filter(created_at__gte=since)
    return moves.order_by("-created_at", "-id")


# --- lookups by natural key for the REST API -----------------------------------------------


def location_by_code(*, warehouse_id: int, code: str) -> Location | None:
    """A real (non-virtual) location of one warehouse by its exact code."""
    return (
        Location.objects.filter(warehouse_id=warehouse_id, code=code)
        .exclude(kind__in=Location.VIRTUAL_KINDS)
        .select_related("warehouse", "zone")
        .first()
    )


def zone_by_code(*, warehouse_id: int, code: str) -> Zone | None:
    return Zone.objects.filter(warehouse_id=warehouse_id, code=code).first()


def location_keys_taken(
    *,
    warehouse_id: int,
    code: str | None = None,
    barcode: str | None = None,
    exclude_id: int | None = None,
) -> set[str]:
    """Which of ``code`` and ``barcode`` another location of the warehouse already uses."""
    others = Location.objects.filter(warehouse_id=warehouse_id)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    taken = set()
    if code is not None and others.filter(code=code).exists():
        taken.add("code")
    if barcode is not None and others.filter(barcode=barcode).exists():
        taken.add("barcode")
    return taken
