"""Which labels a request asks for: bins by zone, aisle, code range or id; products by search or
id; lots of a receipt or by id. Reads only, each kind one bounded query (plus a count when the
request is too big, to say by how much).

Everything a request names must exist where the user works: an unknown id, zone or receipt is
an error naming it, never a silently shorter print run.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from django.db.models import Q, QuerySet

from inventory.models import Product, Warehouse
from warehouse.models import Location, Lot, Receipt, ReceiptItem, Zone
from warehouse.selectors.trace import lots_in_scope

from .content import Label, bin_label, lot_label, product_label

MAX_LABELS = 2000
What = Literal["bins", "products", "lots"]


class LabelRequestError(ValueError):
    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class LabelRequest:
    what: What
    copies: int = 1
    zone: str = ""
    aisle: str = ""
    code_from: str = ""
    code_to: str = ""
    location_ids: tuple[int, ...] = ()
    search: str = ""
    product_ids: tuple[int, ...] = ()
    receipt: int | str | None = None  # an id, or a reference such as RCV-000012
    lot_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class LabelSelection:
    labels: list[Label]  # every copy, in print order
    items: int  # distinct bins, products or lots
    copies: int
    title: str


def labels_select(
    *, request: LabelRequest, warehouse: Warehouse, warehouses: QuerySet[Warehouse], today: date
) -> LabelSelection:
    """The labels of ``request``: bins of ``warehouse`` (the user's current one), lots and
    receipts of ``warehouses`` (all the user may see). Raises LabelRequestError."""
    if request.what == "bins":
        rows, title = _bins(request, warehouse)
        make = bin_label
    elif request.what == "products":
        rows, title = _products(request)
        make = product_label
    else:
        rows, title = _lots(request, warehouses)

        def make(lot: Lot) -> Label:
            return lot_label(lot, today=today)

    items = _bounded(rows, request.copies)
    if not items:
        raise LabelRequestError("Nothing matches this selection: no labels to print.")
    labels = [make(item) for item in items for _ in range(request.copies)]
    return LabelSelection(labels=labels, items=len(items), copies=request.copies, title=title)


def _bounded(rows: QuerySet, copies: int) -> list:
    most = MAX_LABELS // copies
    items = list(rows[: most + 1])
    if len(items) > most:
        total = rows.count() * copies
        raise LabelRequestError(
            f"That is {total:,} labels; at most {MAX_LABELS:,} print in one request. "
            "Narrow the selection (a zone, an aisle, a range of codes) or print fewer copies.",
        )
    return items


def _missing(wanted: Sequence[int], found: QuerySet, what: str, field: str) -> None:
    known = set(found.filter(pk__in=wanted).values_list("pk", flat=True))
    if unknown := sorted(set(wanted) - known):
        shown = ", ".join(str(pk) for pk in unknown[:10])
        raise LabelRequestError(f"No {what} {shown} here.", field=field)


def _bins(request: LabelRequest, warehouse: Warehouse) -> tuple[QuerySet[Location], str]:
    bins = Location.objects.filter(warehouse=warehouse).exclude(kind__in=Location.VIRTUAL_KINDS)
    parts = [warehouse.code]
    if request.location_ids:
        _missing(request.location_ids, bins, "bin", "location")
        bins = bins.filter(pk__in=request.location_ids)
    if request.zone:
        zone = Zone.objects.filter(warehouse=warehouse, code=request.zone).first()
        if zone is None:
            raise LabelRequestError(f"{warehouse.code} has no zone {request.zone}.", field="zone")
        bins = bins.filter(zone=zone)
        parts.append(f"zone {zone.code}")
    if request.aisle:
        bins = bins.filter(aisle=request.aisle)
        parts.append(f"aisle {request.aisle}")
    if request.code_from:
        bins = bins.filter(code__gte=request.code_from)
    if request.code_to:
        bins = bins.filter(code__lte=request.code_to)
    if request.code_from or request.code_to:
        parts.append(f"{request.code_from or '…'} to {request.code_to or '…'}")
    return bins.select_related("warehouse", "zone").order_by("code"), "Bins " + " ".join(parts)


def _products(request: LabelRequest) -> tuple[QuerySet[Product], str]:
    products = Product.objects.all()
    if request.product_ids:
        _missing(request.product_ids, products, "product", "product")
        products = products.filter(pk__in=request.product_ids)
    if request.search:
        text = request.search
        products = products.filter(is_active=True).filter(
            Q(sku__icontains=text) | Q(name__icontains=text) | Q(barcode=text)
        )
    return products.order_by("sku"), "Products"


def _lots(request: LabelRequest, warehouses: QuerySet[Warehouse]) -> tuple[QuerySet[Lot], str]:
    lots = lots_in_scope(warehouses=warehouses)
    title = "Lots"
    if request.lot_ids:
        _missing(request.lot_ids, lots, "lot", "lot")
        lots = lots.filter(pk__in=request.lot_ids)
    if request.receipt is not None:
        receipts = Receipt.objects.filter(warehouse__in=warehouses)
        if isinstance(request.receipt, int):
            receipt = receipts.filter(pk=request.receipt).first()
        else:
            receipt = receipts.filter(reference__iexact=request.receipt).order_by("-pk").first()
        if receipt is None:
            raise LabelRequestError(f"No receipt {request.receipt} here.", field="receipt")
        received = ReceiptItem.objects.filter(line__receipt=receipt, lot__isnull=False)
        if not received.exists():
            raise LabelRequestError(
                f"{receipt.reference} holds no lot-tracked goods: it has no lot labels.",
                field="receipt",
            )
        lots = lots.filter(pk__in=received.values("lot_id"))
        title = f"Lots of {receipt.reference}"
    return lots.order_by("product__sku", "code"), title
