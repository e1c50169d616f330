"""What a supervisor typed or scanned into the trace search: a lot code, a GS1 label, a
product's barcode or SKU, or a bin code.

A GS1 label names one lot exactly ((01) the product, (10) the lot); text matches lot codes,
SKUs, product names and bin codes in part. Each kind of match is one bounded query.
"""

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from inventory.gs1 import InvalidBarcode, gtin_candidates, parse_scan
from inventory.models import Product, Warehouse
from warehouse.models import Location, Lot
from warehouse.selectors.trace import lots_in_scope

MATCHES = 25


@dataclass(frozen=True)
class TraceMatches:
    query: str
    lots: list[Lot] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    bins: list[Location] = field(default_factory=list)
    error: str = ""

    @property
    def only_lot(self) -> Lot | None:
        """The one lot found when nothing else was: the search can go straight to it."""
        if len(self.lots) == 1 and not self.products and not self.bins:
            return self.lots[0]
        return None

    @property
    def is_empty(self) -> bool:
        return not (self.lots or self.products or self.bins)


def trace_find(*, raw: str, warehouses: QuerySet[Warehouse]) -> TraceMatches:
    try:
        scan = parse_scan(raw)
    except InvalidBarcode as error:
        return TraceMatches(query=raw.strip(), error=f"This label cannot be read: {error.message}")
    text = scan.text
    if not text:
        return TraceMatches(query="")
    if scan.kind == "gs1":
        return _by_label(text, scan.gtin, scan.lot, warehouses)
    lots = lots_in_scope(warehouses=warehouses)
    exact = list(lots.filter(code__iexact=text).order_by("-received_at", "-id")[:MATCHES])
    if not exact:
        exact = list(lots.filter(code__icontains=text).order_by("-received_at", "-id")[:MATCHES])
    named = Q(sku__icontains=text) | Q(name__icontains=text) | Q(barcode=text)
    if scan.kind == "gtin":  # an EAN scanned or typed: the product of that barcode, any length
        named = Q(barcode__in=gtin_candidates(scan.gtin or "")) | Q(sku__iexact=text)
    products = Product.objects.filter(named).order_by("sku")[:MATCHES]
    bins = (
        Location.objects.filter(warehouse__in=warehouses, code__icontains=text)
        .exclude(kind__in=Location.VIRTUAL_KINDS)
        .select_related("warehouse", "zone")
        .order_by("warehouse__code", "code")[:MATCHES]
    )
    return TraceMatches(query=text, lots=exact, products=list(products), bins=list(bins))


def _by_label(
    text: str, gtin: str | None, lot_code: str | None, warehouses: QuerySet[Warehouse]
) -> TraceMatches:
    product = (
        Product.objects.filter(barcode__in=gtin_candidates(gtin)).order_by("pk").first()
        if gtin
        else None
    )
    if gtin and product is None:
        return TraceMatches(query=text, error=f"No product has the GTIN {gtin} of this label.")
    if not lot_code:
        return TraceMatches(query=text, products=[product] if product else [])
    lots = lots_in_scope(warehouses=warehouses).filter(code=lot_code)
    if product is not None:
        lots = lots.filter(product=product)
    found = list(lots.order_by("-received_at", "-id")[:MATCHES])
    if not found:
        what = f" of {product.sku}" if product else ""
        return TraceMatches(
            query=text,
            products=[product] if product else [],
            error=f"No lot {lot_code}{what} has moved in your warehouses.",
        )
    return TraceMatches(query=text, lots=found)
