"""Reorder rules from a CSV file, created or updated by product (SKU) and warehouse (code)
through the rule services, which check every value as they do for the API."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from inventory.models import Product, ReorderRule, Supplier, Warehouse
from inventory.services.imports.files import Columns, CsvRow
from inventory.services.imports.rows import (
    CellError,
    Outcome,
    RowKind,
    cell_bool,
    cell_decimal,
    cell_whole,
    changed,
    in_import,
)
from inventory.services.rules import reorder_rule_create, reorder_rule_update

RULE_COLUMNS = Columns(
    required=("warehouse", "sku", "min_quantity", "max_quantity"),
    optional=(
        "policy",
        "supplier",
        "min_order_quantity",
        "pack_multiple",
        "service_level",
        "is_active",
    ),
)
WHOLE = ("min_quantity", "max_quantity", "min_order_quantity", "pack_multiple")


class RuleRows(RowKind):
    """A row per product and warehouse. An empty cell leaves the rule's value as it is; a new
    rule needs its minimum and maximum. Only warehouses the importing user works in."""

    columns = RULE_COLUMNS
    key_columns = ("warehouse", "sku")
    field_columns = {"product": "sku", "supplier_id": "supplier"}

    def __init__(self, *, warehouses: Iterable[Warehouse], actor_id: int | None) -> None:
        super().__init__(actor_id=actor_id)
        self.warehouses = {w.code: w for w in warehouses}
        self.products: dict[str, Product] = {}
        self.suppliers: dict[str, Supplier] = {}
        self.rules: dict[tuple[int, int], ReorderRule] = {}

    def prefetch(self, rows: list[CsvRow]) -> None:
        skus = {row.cells["sku"] for row in rows}
        codes = {row.cells["supplier"] for row in rows if row.cells.get("supplier")}
        self.products = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
        self.suppliers = {s.code: s for s in Supplier.objects.filter(code__in=codes)}
        self.rules = {
            (rule.product_id, rule.warehouse_id): rule
            for rule in ReorderRule.objects.filter(
                product__in=self.products.values(), warehouse__in=self.warehouses.values()
            )
        }

    def write(self, row: CsvRow) -> Outcome:
        warehouse = self.warehouses.get(row.cells["warehouse"])
        if warehouse is None:
            raise CellError(
                "warehouse", f"There is no warehouse {row.cells['warehouse']} you work in."
            )
        product = self.products.get(row.cells["sku"])
        if product is None:
            raise CellError("sku", f"No product has the SKU {row.cells['sku']}.")
        fields = self._fields(row)
        rule = self.rules.get((product.pk, warehouse.pk))
        if rule is None:
            for column in ("min_quantity", "max_quantity"):
                if column not in fields:
                    raise CellError(column, f"Give the {column.replace('_', ' ')} of a new rule.")
            in_import(reorder_rule_create)(
                product=product, warehouse=warehouse, actor_id=self.actor_id, **fields
            )
            return Outcome.CREATED
        changes = changed(rule, fields)
        if not changes:
            return Outcome.UNCHANGED
        in_import(reorder_rule_update)(rule=rule, actor_id=self.actor_id, **changes)
        return Outcome.UPDATED

    def _fields(self, row: CsvRow) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name in WHOLE:
            if (number := cell_whole(row, name)) is not None:
                fields[name] = number
        if policy := row.cells.get("policy"):
            fields["policy"] = policy
        if code := row.cells.get("supplier"):
            supplier = self.suppliers.get(code)
            if supplier is None:
                raise CellError("supplier", f"There is no supplier {code}.")
            fields["supplier"] = supplier
        if (level := _service_level(row)) is not None:
            fields["service_level"] = level
        if (active := cell_bool(row, "is_active")) is not None:
            fields["is_active"] = active
        return fields


def _service_level(row: CsvRow) -> Decimal | None:
    """0.95, or 95 % (the service checks the range)."""
    text = row.cells.get("service_level", "")
    if not text.endswith("%"):
        return cell_decimal(row, "service_level")
    percent = cell_decimal(
        CsvRow(row.number, {"service_level": text[:-1].strip()}), "service_level"
    )
    if percent is None:
        raise CellError("service_level", f"“{text}” is not a service level like 0.95 or 95%.")
    return percent / 100
