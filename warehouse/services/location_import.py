"""Locations from a CSV file, created or updated by warehouse (code) and location code through
the layout services, which check every value as they do for the API.

Blocking a bin is not imported: it moves stock between the levels' buckets and takes a reason,
so it stays a deliberate act on its own (the API's PATCH, the supervisor's pages).
"""

from collections.abc import Iterable
from typing import Any

from inventory.models import Product, Warehouse
from inventory.services.imports.files import Columns, CsvRow
from inventory.services.imports.rows import (
    CellError,
    Outcome,
    RowKind,
    cell_float,
    cell_whole,
    changed,
    in_import,
)
from warehouse.models import Location, Zone
from warehouse.services.layout import location_create, location_update

LOCATION_COLUMNS = Columns(
    required=("warehouse", "code"),
    optional=(
        "kind",
        "zone",
        "barcode",
        "aisle",
        "rack",
        "shelf",
        "bin",
        "x",
        "y",
        "pick_sequence",
        "capacity_units",
        "home_product",
    ),
)
TEXT = ("kind", "barcode", "aisle", "rack", "shelf", "bin")
WHOLE = ("pick_sequence", "capacity_units")
COORDINATE_LIMIT = 1e6  # metres, as the API


class LocationRows(RowKind):
    """A row per location. An empty cell leaves the location's value as it is (a new one gets
    the default: a storage bin, its code as barcode). ``zone`` is the code of a zone of the
    same warehouse, ``home_product`` a SKU. Only warehouses the importing user works in."""

    columns = LOCATION_COLUMNS
    key_columns = ("warehouse", "code")
    field_columns = {"location": "code"}

    def __init__(self, *, warehouses: Iterable[Warehouse], actor_id: int | None) -> None:
        super().__init__(actor_id=actor_id)
        self.warehouses = {w.code: w for w in warehouses}
        self.locations: dict[tuple[int, str], Location] = {}
        self.zones: dict[tuple[int, str], Zone] = {}
        self.products: dict[str, Product] = {}

    def prefetch(self, rows: list[CsvRow]) -> None:
        warehouse_ids = [w.pk for w in self.warehouses.values()]
        codes = {row.cells["code"] for row in rows}
        zones = {row.cells["zone"] for row in rows if row.cells.get("zone")}
        skus = {row.cells["home_product"] for row in rows if row.cells.get("home_product")}
        self.locations = {
            (loc.warehouse_id, loc.code): loc
            for loc in Location.objects.filter(warehouse_id__in=warehouse_ids, code__in=codes)
        }
        self.zones = {
            (zone.warehouse_id, zone.code): zone
            for zone in Zone.objects.filter(warehouse_id__in=warehouse_ids, code__in=zones)
        }
        self.products = {p.sku: p for p in Product.objects.filter(sku__in=skus)}

    def write(self, row: CsvRow) -> Outcome:
        warehouse = self.warehouses.get(row.cells["warehouse"])
        if warehouse is None:
            raise CellError(
                "warehouse", f"There is no warehouse {row.cells['warehouse']} you work in."
            )
        fields = self._fields(row, warehouse)
        location = self.locations.get((warehouse.pk, row.cells["code"]))
        if location is None:
            in_import(location_create)(
                warehouse=warehouse, code=row.cells["code"], actor_id=self.actor_id, **fields
            )
            return Outcome.CREATED
        changes = changed(location, fields)
        if not changes:
            return Outcome.UNCHANGED
        in_import(location_update)(location=location, actor_id=self.actor_id, **changes)
        return Outcome.UPDATED

    def _fields(self, row: CsvRow, warehouse: Warehouse) -> dict[str, Any]:
        fields: dict[str, Any] = {name: row.cells[name] for name in TEXT if row.cells.get(name)}
        if "kind" in fields:
            fields["kind"] = fields["kind"].lower()
        for name in WHOLE:
            if (number := cell_whole(row, name)) is not None:
                fields[name] = number
        if fields.get("capacity_units", 1) < 1:
            # The database's check would say only "constraint violated".
            raise CellError(
                "capacity_units", "A bin holds at least 1 unit; leave it empty for unlimited."
            )
        for name in ("x", "y"):
            if (value := cell_float(row, name, limit=COORDINATE_LIMIT)) is not None:
                fields[name] = value
        if code := row.cells.get("zone"):
            zone = self.zones.get((warehouse.pk, code))
            if zone is None:
                raise CellError("zone", f"{warehouse.code} has no zone {code}.")
            fields["zone"] = zone
        if sku := row.cells.get("home_product"):
            product = self.products.get(sku)
            if product is None:
                raise CellError("home_product", f"No product has the SKU {sku}.")
            fields["home_product"] = product
        return fields
