"""Read paths for receipts: the list and the detail, with their lines and what was received;
the products a delivery's scans name."""

from collections.abc import Sequence

from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Upper

from inventory.gs1 import ScanCode, gtin_candidates
from inventory.models import Product, Warehouse
from warehouse.models import Receipt, ReceiptItem, ReceiptLine


def receipts_list(
    *,
    warehouses: QuerySet[Warehouse],
    warehouse_code: str = "",
    status: str = "",
    kind: str = "",
    purchase_order_id: int | None = None,
) -> QuerySet[Receipt]:
    """Receipts of ``warehouses`` (the user's scope), newest first.

    Four queries for any page: the count, the receipts (warehouse, dock, order, supplier
    joined), their lines (product joined) and the lines' items (lot and location joined).
    """
    items = ReceiptItem.objects.select_related("lot", "location").order_by("id")
    lines = (
        ReceiptLine.objects.select_related("product")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("id")
    )
    receipts = (
        Receipt.objects.filter(warehouse__in=warehouses)
        .select_related("warehouse", "dock", "purchase_order", "supplier")
        .prefetch_related(Prefetch("lines", queryset=lines))
    )
    if warehouse_code:
        receipts = receipts.filter(warehouse__code=warehouse_code)
    if status:
        receipts = receipts.filter(status=status)
    if kind:
        receipts = receipts.filter(kind=kind)
    if purchase_order_id is not None:
        receipts = receipts.filter(purchase_order_id=purchase_order_id)
    return receipts.order_by("-created_at", "-id")


def receipt_of_idempotency_key(*, idempotency_key: str) -> Receipt | None:
    """The receipt whose receiving used ``idempotency_key`` (its first ledger row), if any."""
    return Receipt.objects.filter(
        lines__items__move__idempotency_key=f"{idempotency_key}:0"
    ).first()


def products_by_scans(*, scans: Sequence[ScanCode]) -> list[Product | None]:
    """``warehouse.selectors.scan.scan_product`` for many scans in one query (a delivery of a
    thousand lines costs what one costs), with the same matching: a GTIN finds the product
    whose barcode is any length of it, else typed digits a SKU; text finds a barcode first,
    then a SKU in any case. Among several, a barcode match wins, then the oldest product."""
    barcodes: set[str] = set()
    skus: set[str] = set()
    for scan in scans:
        if scan.gtin is not None:
            barcodes.update(gtin_candidates(scan.gtin))
            if scan.kind == "gtin":
                skus.add(scan.text.upper())
        elif scan.kind == "text" and scan.text:
            barcodes.add(scan.text)
            skus.add(scan.text.upper())
    if not barcodes and not skus:
        return [None] * len(scans)
    found = list(
        Product.objects.annotate(sku_upper=Upper("sku"))
        .filter(Q(barcode__in=barcodes) | Q(sku_upper__in=skus))
        .order_by("pk")
    )
    by_barcode = {p.barcode: p for p in found if p.barcode}
    by_sku: dict[str, Product] = {}
    for product in found:  # oldest first: the first product of a SKU spelling wins
        by_sku.setdefault(product.sku.upper(), product)

    def one(scan: ScanCode) -> Product | None:
        if scan.gtin is not None:
            hits = [by_barcode[b] for b in gtin_candidates(scan.gtin) if b in by_barcode]
            if hits:
                return min(hits, key=lambda p: p.pk)
            return by_sku.get(scan.text.upper()) if scan.kind == "gtin" else None
        if scan.kind == "text" and scan.text:
            return by_barcode.get(scan.text) or by_sku.get(scan.text.upper())
        return None

    return [one(scan) for scan in scans]
