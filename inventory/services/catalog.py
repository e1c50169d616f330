"""Master data writes: warehouses (sites), products and suppliers."""

from decimal import Decimal
from typing import Any

from django.db import transaction

from inventory.barcodes import gtin_is_valid
from inventory.errors import DomainError
from inventory.models import Product, Supplier, Warehouse
from inventory.services.audit import audit_record_create, audit_record_update, audit_snapshot

PRODUCT_FIELDS = {
    "sku",
    "name",
    "barcode",
    "unit_of_measure",
    "unit_cost",
    "requires_qc",
    "tracking",
    "min_shelf_life_days",
    "is_active",
}
SUPPLIER_FIELDS = {"code", "name", "lead_time_days", "requires_qc", "email", "is_active"}
WAREHOUSE_FIELDS = {"code", "name", "address", "is_active"}


def _validate_barcode(barcode: str | None) -> str | None:
    barcode = (barcode or "").strip() or None
    if barcode is not None and not gtin_is_valid(barcode):
        raise DomainError(
            f"{barcode} is not a valid EAN-8, UPC-A, EAN-13 or GTIN-14 (check digit).",
            field="barcode",
        )
    return barcode


def _apply(instance: Any, fields: dict[str, Any], allowed: set[str]) -> list[str]:
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    return list(fields)


def warehouse_create(*, actor_id: int | None = None, **fields: Any) -> Warehouse:
    """Create a site. Callers that lay out its inside use warehouse.services.layout.
    ``actor_id``: who, for the audit trail (None: the system)."""
    warehouse = Warehouse()
    _apply(warehouse, fields, WAREHOUSE_FIELDS)
    warehouse.save()
    _audit_create(warehouse, "warehouse", WAREHOUSE_FIELDS, actor_id, warehouse_id=warehouse.pk)
    return warehouse


@transaction.atomic(durable=True)
def warehouse_update(
    *, warehouse: Warehouse, actor_id: int | None = None, **fields: Any
) -> Warehouse:
    before = audit_snapshot(warehouse, WAREHOUSE_FIELDS)
    warehouse.save(update_fields=[*_apply(warehouse, fields, WAREHOUSE_FIELDS), "updated_at"])
    audit_record_update(
        instance=warehouse,
        object_type="warehouse",
        before=before,
        actor_id=actor_id,
        warehouse_id=warehouse.pk,
    )
    return warehouse


def _audit_create(
    instance: Any, object_type: str, fields: set[str], actor_id: int | None, **extra: Any
) -> None:
    audit_record_create(
        instance=instance,
        object_type=object_type,
        fields=sorted(fields),
        actor_id=actor_id,
        **extra,
    )


def _product_fields(fields: dict[str, Any], product: Product | None) -> dict[str, Any]:
    if "barcode" in fields:
        fields["barcode"] = _validate_barcode(fields["barcode"])
    if "unit_cost" in fields:
        fields["unit_cost"] = Decimal(str(fields["unit_cost"]))
    tracking_changes = (
        product is not None and "tracking" in fields and fields["tracking"] != product.tracking
    )
    # Stock levels are inventory's own view of stock: no need to look inside a building.
    if tracking_changes and product.stock_levels.filter(on_hand__gt=0).exists():
        raise DomainError("Tracking cannot change while the product is in stock.", field="tracking")
    return fields


@transaction.atomic(durable=True)
def product_create(*, actor_id: int | None = None, **fields: Any) -> Product:
    product = Product()
    _apply(product, _product_fields(fields, None), PRODUCT_FIELDS)
    product.save()
    _audit_create(product, "product", PRODUCT_FIELDS, actor_id)
    return product


@transaction.atomic(durable=True)
def product_update(*, product: Product, actor_id: int | None = None, **fields: Any) -> Product:
    before = audit_snapshot(product, PRODUCT_FIELDS)
    updated = _apply(product, _product_fields(fields, product), PRODUCT_FIELDS)
    product.save(update_fields=[*updated, "updated_at"])
    audit_record_update(instance=product, object_type="product", before=before, actor_id=actor_id)
    return product


@transaction.atomic(durable=True)
def supplier_create(*, actor_id: int | None = None, **fields: Any) -> Supplier:
    supplier = Supplier()
    _apply(supplier, fields, SUPPLIER_FIELDS)
    supplier.save()
    _audit_create(supplier, "supplier", SUPPLIER_FIELDS, actor_id)
    return supplier


@transaction.atomic(durable=True)
def supplier_update(*, supplier: Supplier, actor_id: int | None = None, **fields: Any) -> Supplier:
    before = audit_snapshot(supplier, SUPPLIER_FIELDS)
    supplier.save(update_fields=[*_apply(supplier, fields, SUPPLIER_FIELDS), "updated_at"])
    audit_record_update(instance=supplier, object_type="supplier", before=before, actor_id=actor_id)
    return supplier
