"""Reads the role pages need beyond the general selectors: scan lookups, totals, the board."""

from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from inventory.gs1 import InvalidBarcode
from inventory.models import Product, Warehouse
from warehouse.models import Location, Quant, Task, Zone
from warehouse.selectors.scan import scan_location, scan_product
from warehouse.selectors.stock import quants_list


@dataclass(frozen=True)
class ScanResult:
    """What a scanned code names in one warehouse: a bin, a product, or nothing."""

    code: str
    location: Location | None = None
    product: Product | None = None
    quants: list[Quant] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return self.location is not None or self.product is not None

    @property
    def total(self) -> int:
        return sum(quant.quantity for quant in self.quants)


def scan_lookup(*, warehouse: Warehouse, code: str) -> ScanResult:
    """Look a scanned or typed code up: a bin of this warehouse first, then a product.

    A bin comes with what lies in it; a product with where it lies in this warehouse. The
    lookups are the handheld's (``warehouse.selectors.scan``): a bin's exact barcode wins over
    a code, a product's barcode over a SKU, and a GS1 label finds its product by the GTIN in
    it. Virtual locations (the ledger's outside ends) are not places anyone can scan; a label
    that cannot be read names nothing.
    """
    code = code.strip()
    scope = Warehouse.objects.filter(pk=warehouse.pk)
    location = scan_location(warehouse_id=warehouse.pk, raw=code)
    if location is not None:
        quants = quants_list(warehouses=scope, location_code=location.code)
        return ScanResult(code=code, location=location, quants=list(quants))
    try:
        found = scan_product(raw=code)
    except InvalidBarcode:
        found = None
    if found is not None:
        quants = quants_list(warehouses=scope, product_sku=found.product.sku)
        return ScanResult(code=code, product=found.product, quants=list(quants))
    return ScanResult(code=code)


@dataclass(frozen=True)
class StockTotals:
    lines: int
    on_hand: int
    reserved: int

    @property
    def unreserved(self) -> int:
        return self.on_hand - self.reserved


def zones_list(*, warehouse_id: int) -> QuerySet[Zone]:
    return Zone.objects.filter(warehouse_id=warehouse_id).order_by("code")


@dataclass(frozen=True)
class TaskKindCount:
    kind: str
    label: str
    open: int
    assigned: int

    @property
    def active(self) -> int:
        return self.open + self.assigned


def task_board_summary(*, warehouse_id: int) -> list[TaskKindCount]:
    """Tasks waiting (open) and in hand (assigned) per kind, in one query."""
    active = Task.objects.filter(warehouse_id=warehouse_id, status__in=Task.ACTIVE_STATUSES)
    counts = active.aggregate(
        **{
            f"{kind}_{status}": Count("id", filter=Q(kind=kind, status=status))
            for kind in Task.Kind.values
            for status in (Task.Status.OPEN, Task.Status.ASSIGNED)
        }
    )
    return [
        TaskKindCount(
            kind=kind,
            label=label,
            open=counts[f"{kind}_{Task.Status.OPEN}"],
            assigned=counts[f"{kind}_{Task.Status.ASSIGNED}"],
        )
        for kind, label in Task.Kind.choices
    ]
