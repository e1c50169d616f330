"""Traceability for recalls: where a lot came from, where it went, where it is now.

A lot's trace is a fixed number of queries whatever its history, each on an index of the
ledger or of the documents (``move_lot``, ``quant_lot``, the receipt item's, allocation's,
package item's and inspection's lot keys): upstream the receipts (supplier, purchase order,
when, by whom) and QC inspections, downstream the customer orders with what was reserved,
picked, packed and shipped of the lot (who and when), and the quants holding it now. Only the
warehouses the user may see count.

Bin and product histories are in ``warehouse.selectors.trace_history``.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet, Sum

from inventory.models import Warehouse
from warehouse.models import (
    Allocation,
    Location,
    Lot,
    Order,
    PackageItem,
    QcInspection,
    Quant,
    ReceiptItem,
    StockMove,
)

ORDER_REFERENCE_PREFIX = "order:"  # how picks and shipments name their order in the ledger
ROWS_CAP = 1000  # per section; a lot on more receipts or orders than this is listed in part


@dataclass(frozen=True)
class ReceiptRow:
    """What one receipt brought of the lot (several scans summed)."""

    receipt_id: int
    reference: str
    kind: str
    warehouse_code: str
    supplier_code: str
    supplier_name: str
    purchase_order_id: int | None
    purchase_order_number: str
    quantity: int
    first_at: datetime
    last_at: datetime
    received_by: list[str]


@dataclass(frozen=True)
class InspectionRow:
    task_id: int
    location_code: str
    passed: int
    failed: int
    reason: str
    inspector: str
    at: datetime


@dataclass(frozen=True)
class PackageRow:
    number: int
    quantity: int
    packed_by: str
    closed_at: datetime


@dataclass
class OrderRow:
    """A customer order that holds, held or received units of the lot."""

    order_id: int
    reference: str
    customer: str
    warehouse_code: str
    status: str
    status_label: str
    reserved: int = 0
    picked: int = 0
    shipped: int = 0
    picked_by: list[str] = field(default_factory=list)
    first_picked_at: datetime | None = None
    shipped_at: datetime | None = None
    shipped_by: list[str] = field(default_factory=list)
    packages: list[PackageRow] = field(default_factory=list)

    @property
    def packed(self) -> int:
        return sum(package.quantity for package in self.packages)


@dataclass(frozen=True)
class PlaceRow:
    """Units of the lot in one location now."""

    location_id: int
    location_code: str
    kind: str
    kind_label: str
    zone_code: str
    warehouse_code: str
    quantity: int
    reserved: int
    is_blocked: bool


@dataclass(frozen=True)
class LotTotals:
    received: int = 0
    shipped: int = 0
    scrapped: int = 0
    found: int = 0  # counts and adjustments that added units
    lost: int = 0  # counts and adjustments that removed units
    on_hand: int = 0
    reserved: int = 0


@dataclass(frozen=True)
class LotTrace:
    lot: Lot
    receipts: list[ReceiptRow]
    inspections: list[InspectionRow]
    orders: list[OrderRow]
    places: list[PlaceRow]
    totals: LotTotals
    moves_count: int

    @property
    def customers(self) -> list[str]:
        return sorted({row.customer for row in self.orders if row.customer and row.shipped})

    @property
    def suppliers(self) -> list[str]:
        return sorted({row.supplier_name for row in self.receipts if row.supplier_name})


# --- finding lots ----------------------------------------------------------------------------


def lots_in_scope(*, warehouses: QuerySet[Warehouse]) -> QuerySet[Lot]:
    """Lots that ever moved in one of ``warehouses`` (a lot is the product's, not a site's)."""
    moved_here = StockMove.objects.filter(lot_id=OuterRef("pk"), warehouse__in=warehouses)
    return Lot.objects.filter(Exists(moved_here)).select_related("product")


def lots_list(
    *,
    warehouses: QuerySet[Warehouse],
    product_sku: str = "",
    product_id: int | None = None,
    code: str = "",
    search: str = "",
) -> QuerySet[Lot]:
    """Lots by product (SKU or id), exact code (any case) or part of the code; newest first."""
    lots = lots_in_scope(warehouses=warehouses)
    if product_sku:
        lots = lots.filter(product__sku=product_sku)
    if product_id is not None:
        lots = lots.filter(product_id=product_id)
    if code:
        lots = lots.filter(code__iexact=code)
    if search:
        lots = lots.filter(code__icontains=search)
    return lots.order_by("-received_at", "-id")


def lot_get(*, lot_id: int, warehouses: QuerySet[Warehouse]) -> Lot | None:
    return lots_in_scope(warehouses=warehouses).filter(pk=lot_id).first()


# --- the trace -------------------------------------------------------------------------------


def lot_trace(*, lot: Lot, warehouses: QuerySet[Warehouse]) -> LotTrace:
    """Upstream, downstream and now, for one lot, in nine queries."""
    moves = StockMove.objects.filter(lot_id=lot.pk, warehouse__in=warehouses)
    places = _places(lot, warehouses)
    return LotTrace(
        lot=lot,
        receipts=_receipts(lot, warehouses),
        inspections=_inspections(lot, warehouses),
        orders=_orders(lot, warehouses, moves),
        places=places,
        totals=_totals(moves, places),
        moves_count=moves.count(),
    )


def lot_moves(*, lot: Lot, warehouses: QuerySet[Warehouse]) -> QuerySet[StockMove]:
    """The lot's ledger rows, oldest first (a trace reads forwards)."""
    return (
        StockMove.objects.filter(lot_id=lot.pk, warehouse__in=warehouses)
        .select_related("warehouse", "from_location", "to_location", "actor")
        .order_by("created_at", "id")
    )


def _receipts(lot: Lot, warehouses: QuerySet[Warehouse]) -> list[ReceiptRow]:
    items = (
        ReceiptItem.objects.filter(lot_id=lot.pk, line__receipt__warehouse__in=warehouses)
        .select_related(
            "line__receipt__warehouse",
            "line__receipt__supplier",
            "line__receipt__purchase_order__supplier",
            "received_by",
        )
        .order_by("created_at", "id")[:ROWS_CAP]
    )
    grouped: dict[int, list[ReceiptItem]] = defaultdict(list)
    for item in items:
        grouped[item.line.receipt_id].append(item)
    rows = []
    for group in grouped.values():
        receipt = group[0].line.receipt
        order = receipt.purchase_order
        supplier = receipt.supplier or (order.supplier if order else None)
        rows.append(
            ReceiptRow(
                receipt_id=receipt.pk,
                reference=receipt.reference,
                kind=receipt.get_kind_display(),
                warehouse_code=receipt.warehouse.code,
                supplier_code=supplier.code if supplier else "",
                supplier_name=supplier.name if supplier else "",
                purchase_order_id=order.pk if order else None,
                purchase_order_number=order.number if order else "",
                quantity=sum(item.quantity for item in group),
                first_at=group[0].created_at,
                last_at=group[-1].created_at,
                received_by=_names(item.received_by for item in group),
            )
        )
    return rows


def _names(users: Iterable[AbstractBaseUser | None]) -> list[str]:
    return sorted({user.get_username() for user in users if user is not None})


def _inspections(lot: Lot, warehouses: QuerySet[Warehouse]) -> list[InspectionRow]:
    inspections = (
        QcInspection.objects.filter(lot_id=lot.pk, location__warehouse__in=warehouses)
        .select_related("location", "inspector")
        .order_by("created_at", "id")[:ROWS_CAP]
    )
    return [
        InspectionRow(
            task_id=inspection.task_id,
            location_code=inspection.location.code,
            passed=inspection.passed_quantity,
            failed=inspection.failed_quantity,
            reason=inspection.reason,
            inspector=inspection.inspector.get_username() if inspection.inspector else "",
            at=inspection.created_at,
        )
        for inspection in inspections
    ]


def _picks_by_order(moves: QuerySet[StockMove]) -> dict[int, dict]:
    """Units of the lot picked per order, the first pick's time and the pickers."""
    return {
        row["task__order_id"]: row
        for row in moves.filter(kind=StockMove.Kind.PICK, task__order__isnull=False)
        .values("task__order_id")
        .annotate(
            units=Sum("quantity"),
            first=Min("created_at"),
            names=ArrayAgg("actor__username", distinct=True, default=[]),
        )
        .order_by()[:ROWS_CAP]
    }


def _ships_by_reference(moves: QuerySet[StockMove]) -> dict[str, dict]:
    """Units of the lot shipped per order reference (shipments name their order, not a task),
    the last shipment's time and who shipped."""
    return {
        row["reference"].removeprefix(ORDER_REFERENCE_PREFIX): row
        for row in moves.filter(
            kind=StockMove.Kind.SHIP, reference__startswith=ORDER_REFERENCE_PREFIX
        )
        .values("reference")
        .annotate(
            units=Sum("quantity"),
            last=Max("created_at"),
            names=ArrayAgg("actor__username", distinct=True, default=[]),
        )
        .order_by()[:ROWS_CAP]
    }


def _packages_by_order(lot: Lot) -> dict[int, list[PackageRow]]:
    packages: dict[int, list[PackageRow]] = defaultdict(list)
    for item in (
        PackageItem.objects.filter(lot_id=lot.pk)
        .select_related("package", "package__packed_by")
        .order_by("package__order_id", "package__number")[:ROWS_CAP]
    ):
        package = item.package
        packer = package.packed_by.get_username() if package.packed_by else ""
        packages[package.order_id].append(
            PackageRow(package.number, item.quantity, packer, package.closed_at)
        )
    return packages


def _orders(lot: Lot, warehouses: QuerySet[Warehouse], moves: QuerySet) -> list[OrderRow]:
    """Orders with the lot reserved, picked, packed or shipped: four grouped reads, then the
    orders themselves."""
    picks, ships = _picks_by_order(moves), _ships_by_reference(moves)
    reserved = dict(
        Allocation.objects.filter(lot_id=lot.pk, quantity__gt=0)
        .values_list("line__order_id")
        .annotate(units=Sum("quantity"))
        .order_by()[:ROWS_CAP]
    )
    packages = _packages_by_order(lot)
    orders = (
        Order.objects.filter(
            Q(pk__in=set(picks) | set(reserved) | set(packages)) | Q(reference__in=list(ships))
        )
        .filter(warehouse__in=warehouses)
        .select_related("warehouse")
        .order_by("created_at", "id")
    )
    rows = []
    for order in orders:
        pick, ship = picks.get(order.pk, {}), ships.get(order.reference, {})
        rows.append(
            OrderRow(
                order_id=order.pk,
                reference=order.reference,
                customer=order.customer,
                warehouse_code=order.warehouse.code,
                status=order.status,
                status_label=order.get_status_display(),
                reserved=reserved.get(order.pk, 0),
                picked=pick.get("units", 0),
                shipped=ship.get("units", 0),
                picked_by=sorted(name for name in pick.get("names", []) if name),
                first_picked_at=pick.get("first"),
                shipped_at=ship.get("last"),
                shipped_by=sorted(name for name in ship.get("names", []) if name),
                packages=packages.get(order.pk, []),
            )
        )
    return rows


_PLACE_ORDER = {
    kind: index
    for index, kind in enumerate(
        [
            Location.Kind.STORAGE,
            Location.Kind.PICK,
            Location.Kind.RECEIVING,
            Location.Kind.QC,
            Location.Kind.QUARANTINE,
            Location.Kind.STAGING,
            Location.Kind.SHIPPING,
        ]
    )
}


def _places(lot: Lot, warehouses: QuerySet[Warehouse]) -> list[PlaceRow]:
    quants = (
        Quant.objects.filter(lot_id=lot.pk, quantity__gt=0, warehouse__in=warehouses)
        .select_related("location", "location__zone", "warehouse")
        .order_by("warehouse__code", "location__code")[:ROWS_CAP]
    )
    rows = [
        PlaceRow(
            location_id=quant.location_id,
            location_code=quant.location.code,
            kind=quant.location.kind,
            kind_label=quant.location.get_kind_display(),
            zone_code=quant.location.zone.code if quant.location.zone_id else "",
            warehouse_code=quant.warehouse.code,
            quantity=quant.quantity,
            reserved=quant.reserved,
            is_blocked=quant.location.is_blocked,
        )
        for quant in quants
    ]
    return sorted(rows, key=lambda row: (_PLACE_ORDER.get(row.kind, 99), row.location_code))


def _totals(moves: QuerySet, places: list[PlaceRow]) -> LotTotals:
    """Units in and out of the building by where the other end of the move is."""
    ends: dict[str, int] = defaultdict(int)
    for row in (
        moves.values("from_location__kind", "to_location__kind")
        .annotate(units=Sum("quantity"))
        .order_by()
    ):
        source, target = row["from_location__kind"], row["to_location__kind"]
        if source in Location.VIRTUAL_KINDS:
            ends[f"from_{source}"] += row["units"]
        if target in Location.VIRTUAL_KINDS:
            ends[f"to_{target}"] += row["units"]
    return LotTotals(
        received=ends["from_supplier"],
        shipped=ends["to_customer"],
        scrapped=ends["to_scrap"],
        found=ends["from_adjustment"],
        lost=ends["to_adjustment"],
        on_hand=sum(row.quantity for row in places),
        reserved=sum(row.reserved for row in places),
    )
