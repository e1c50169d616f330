"""Products from a CSV file, created or updated by SKU through the catalog services."""

from typing import Any

from inventory.models import Product
from inventory.services.catalog import product_create, product_update
from inventory.services.imports.files import Columns, CsvRow
from inventory.services.imports.rows import (
    Outcome,
    RowKind,
    cell_bool,
    cell_decimal,
    changed,
    in_import,
)

PRODUCT_COLUMNS = Columns(
    required=("sku", "name"),
    optional=(
        "barcode",
        "unit_of_measure",
        "unit_cost",
        "requires_qc",
        "tracking",
        "is_active",
    ),
)
TEXT = ("name", "barcode", "unit_of_measure", "tracking")
CHOICES = ("unit_of_measure", "tracking")  # their values are lower case: "EA" means "ea"
BOOLEAN = ("requires_qc", "is_active")


class ProductRows(RowKind):
    """A row per product. An empty cell leaves the product's value as it is (a new product
    gets the default); the name is needed for a new product."""

    columns = PRODUCT_COLUMNS
    key_columns = ("sku",)

    def __init__(self, *, actor_id: int | None) -> None:
        super().__init__(actor_id=actor_id)
        self.existing: dict[str, Product] = {}

    def prefetch(self, rows: list[CsvRow]) -> None:
        skus = [row.cells["sku"] for row in rows]
        self.existing = {p.sku: p for p in Product.objects.filter(sku__in=skus)}

    def write(self, row: CsvRow) -> Outcome:
        fields: dict[str, Any] = {name: row.cells[name] for name in TEXT if row.cells.get(name)}
        for name in CHOICES:
            if name in fields:
                fields[name] = fields[name].lower()
        for name in BOOLEAN:
            if (flag := cell_bool(row, name)) is not None:
                fields[name] = flag
        if (cost := cell_decimal(row, "unit_cost")) is not None:
            fields["unit_cost"] = cost
        product = self.existing.get(row.cells["sku"])
        if product is None:
            in_import(product_create)(sku=row.cells["sku"], actor_id=self.actor_id, **fields)
            return Outcome.CREATED
        changes = changed(product, fields)
        if not changes:
            return Outcome.UNCHANGED
        in_import(product_update)(product=product, actor_id=self.actor_id, **changes)
        return Outcome.UPDATED
