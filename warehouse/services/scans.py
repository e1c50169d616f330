"""Checking a worker's scans against the task in hand: right bin, right product, right lot.

A wrong scan raises a domain error with a message for the handheld and changes nothing.
"""

from dataclasses import dataclass

from inventory.errors import WrongLocation, WrongLot, WrongProduct
from inventory.gs1 import InvalidBarcode, scan_text
from warehouse.models import Location, Task
from warehouse.selectors.scan import ProductScan, scan_location, scan_product


@dataclass(frozen=True)
class ScanCheck:
    task: Task
    source: Location
    product_scan: ProductScan

    def location_in_warehouse(self, raw: str, *, field: str = "destination_location") -> Location:
        location = scan_location(warehouse_id=self.task.warehouse_id, raw=raw)
        if location is None:
            raise WrongLocation(f"No location {scan_text(raw)!r} in this warehouse.", field=field)
        return location


def scans_check(
    *, task: Task, scanned_location: str, scanned_product: str, lot_code: str | None = None
) -> ScanCheck:
    """The source and product scans of ``task``; raises WrongLocation, WrongProduct, WrongLot.

    A lot is checked when the worker gives one (typed, or in a GS1 label); a plain EAN scan of
    a lot-tracked product is accepted, since the task already names the lot.
    """
    expected_source = task.source_location
    scanned = scan_text(scanned_location or "")
    if scanned and scanned == expected_source.barcode:
        # The right bin's own label (the usual scan): the look-up would find just this bin,
        # barcodes being unique per warehouse, so it is skipped. It costs a query that scans
        # every location of the warehouse (codes match in any case), on every scan.
        source = expected_source
    else:
        source = scan_location(warehouse_id=task.warehouse_id, raw=scanned_location or "")
    if source is None or source.pk != expected_source.pk:
        shown = scanned or "nothing"
        raise WrongLocation(
            f"You scanned {shown}; this stock is in {expected_source.code}.", field="location"
        )
    try:
        found = scan_product(raw=scanned_product or "")
    except InvalidBarcode as error:  # the label is unreadable: it is the product scan's fault
        raise InvalidBarcode(error.message, field="product") from error
    if found is None or found.product.pk != task.product_id:
        what = found.product.sku if found else scan_text(scanned_product or "") or "nothing"
        raise WrongProduct(
            f"You scanned {what}; this task is for {task.product.sku} ({task.product.name}).",
            field="product",
        )
    lot = (lot_code or "").strip() or found.lot_code
    if task.lot_id and lot and lot != task.lot.code:
        raise WrongLot(f"You scanned lot {lot}; this task is for lot {task.lot.code}.", field="lot")
    return ScanCheck(task=task, source=source, product_scan=found)
