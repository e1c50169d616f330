"""What a handheld scan names: a product (with the lot and expiry a GS1 label carries) or a bin.

Both lookups take the scan exactly as the scanner typed it (symbology identifier, GS
separators, a trailing Enter and all) and cost one query.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, IntegerField, Q, Value, When

from inventory.gs1 import ScanCode, gtin_candidates, parse_scan, scan_text
from inventory.models import Product
from warehouse.models import Location


@dataclass(frozen=True)
class ProductScan:
    """A scanned product; ``lot_code`` and ``expiry`` are what the label says (GS1 (10) and
    (17)), ``None`` when it says nothing; whether the product tracks them is the caller's
    concern."""

    product: Product
    lot_code: str | None
    expiry: date | None
    scan: ScanCode


def scan_product(*, raw: str) -> ProductScan | None:
    """The product a scan names, or ``None`` when none matches (or the scan is empty).

    A GTIN (plain, or GS1 (01)) matches a product barcode stored in any of its lengths; typed
    text matches a SKU (any case) or a barcode exactly. A plain GTIN that is also some other
    product's SKU finds the barcode's product. Raises ``inventory.gs1.InvalidBarcode`` for a
    GS1 label with invalid content (the caller shows its message).
    """
    scan = parse_scan(raw)
    if scan.gtin is not None:
        barcodes = gtin_candidates(scan.gtin)
        match = Q(barcode__in=barcodes)
        if scan.kind == "gtin":  # digits typed as a SKU are still worth a try
            match |= Q(sku__iexact=scan.text)
    elif scan.kind == "text" and scan.text:
        barcodes = [scan.text]
        match = Q(sku__iexact=scan.text) | Q(barcode=scan.text)
    else:  # empty, or a GS1 label without (01) such as a bare SSCC
        return None
    product = (
        Product.objects.filter(match)
        .annotate(_by_barcode=_rank(Q(barcode__in=barcodes)))
        .order_by("_by_barcode", "pk")
        .first()
    )
    if product is None:
        return None
    return ProductScan(product=product, lot_code=scan.lot, expiry=scan.expiry, scan=scan)


def scan_location(*, warehouse_id: int, raw: str) -> Location | None:
    """A real (never virtual) location of one warehouse by its scanned barcode or typed code.

    The exact barcode wins over the code, and an exact code over one in another case, so
    ``a-01-01`` typed by hand finds ``A-01-01`` but never shadows a bin whose label says so.
    """
    # Not parse_scan: a bin label may be any string, even an invalid GS1 element string.
    text = scan_text(raw)
    if not text:
        return None
    return (
        Location.objects.filter(warehouse_id=warehouse_id)
        .exclude(kind__in=Location.VIRTUAL_KINDS)
        .filter(Q(barcode=text) | Q(code__iexact=text))
        .annotate(_rank=_rank(Q(barcode=text), Q(code=text)))
        .select_related("warehouse", "zone")
        .order_by("_rank", "pk")
        .first()
    )


def _rank(*conditions: Q) -> Case:
    """0 for rows meeting the first condition, 1 for the second..., last for the rest."""
    whens = [When(condition, then=Value(i)) for i, condition in enumerate(conditions)]
    return Case(*whens, default=Value(len(conditions)), output_field=IntegerField())
