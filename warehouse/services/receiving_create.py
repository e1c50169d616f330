"""Receipts made: expected ones (from a purchase order or a notice), unplanned deliveries, and
the receipt of a delivery that arrived (``receiving.receipt_arrived_apply``). Each is one
INSERT, its reference made from its id in the same statement."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from django.db import connection
from django.db.models import Field, Q
from django.db.models.expressions import DatabaseDefault

from inventory.errors import DomainError, InvalidQuantity
from inventory.models import Product, PurchaseOrder, Supplier, Warehouse
from inventory.services.purchasing import purchase_order_receivable
from warehouse.models import Location, Receipt, ReceiptLine
from warehouse.services.request_keys import (
    request_key_find,
    request_key_insert,
    request_key_repeat,
)


@dataclass(frozen=True)
class ExpectedLine:
    product: Product
    quantity: int


def receiving_dock(warehouse: Warehouse, dock: Location | None) -> Location:
    """``dock`` once checked to be a receiving dock of ``warehouse``; none: its first."""
    if dock is not None:
        if dock.warehouse_id != warehouse.pk or dock.kind != Location.Kind.RECEIVING:
            raise DomainError(
                f"{dock.code} is not a receiving dock of {warehouse.code}.", field="dock"
            )
        return dock
    return receiving_dock_and_supplier_end(warehouse)[0]


def receiving_dock_and_supplier_end(warehouse: Warehouse) -> tuple[Location, Location | None]:
    """The warehouse's first receiving dock and its virtual supplier location (the other end
    of every receipt's ledger rows), in one query; None for the latter before its first use.
    Users cannot make virtual locations (``location_create``), so the one of kind supplier is
    ``virtual_location``'s."""
    rows = Location.objects.filter(
        Q(kind=Location.Kind.RECEIVING) | Q(kind=Location.Kind.SUPPLIER), warehouse=warehouse
    ).order_by("code", "pk")
    docks = [row for row in rows if row.kind == Location.Kind.RECEIVING]
    if not docks:
        raise DomainError(f"{warehouse.code} has no receiving dock.", field="warehouse")
    return docks[0], next((row for row in rows if row.kind == Location.Kind.SUPPLIER), None)


def receipt_create_apply(
    *,
    warehouse: Warehouse,
    purchase_order: PurchaseOrder | None = None,
    supplier: Supplier | None = None,
    expected: Sequence[ExpectedLine] = (),
    dock: Location | None = None,
    expected_date: date | None = None,
    created_by_id: int | None = None,
    idempotency_key: str | None = None,
) -> Receipt:
    """An expected receipt: from a sent purchase order (its open lines), from an advance
    notice (``expected`` lines), or, with neither, an unplanned delivery. Caller is in a
    transaction (``receipt_create`` opens one).

    With ``idempotency_key`` (at most 64 characters, stored on the receipt), a repeat returns
    the receipt the first call made and changes nothing; the same key for another warehouse,
    purchase order or user raises Conflict. A repeat racing the first call waits for it on the
    key's unique index, then finds its receipt.
    """
    if done := request_key_find(Receipt, request_key=idempotency_key):
        return _same_receipt(done, warehouse, purchase_order, created_by_id)
    kind, supplier = receipt_kind_for(warehouse, purchase_order, supplier, expected)
    receipt, made = request_key_insert(
        Receipt,
        request_key=idempotency_key,
        create=partial(
            receipt_insert,
            Receipt(
                warehouse=warehouse,
                kind=kind,
                purchase_order=purchase_order,
                supplier=supplier,
                dock=receiving_dock(warehouse, dock),
                expected_date=expected_date
                or (purchase_order.expected_date if purchase_order else None),
                created_by_id=created_by_id,
                request_key=idempotency_key,
            ),
        ),
    )
    if not made:  # a twin with the same key committed first
        return _same_receipt(receipt, warehouse, purchase_order, created_by_id)
    ReceiptLine.objects.bulk_create(receipt_expected_lines(receipt, purchase_order, expected))
    return receipt


def receipt_kind_for(
    warehouse: Warehouse,
    purchase_order: PurchaseOrder | None,
    supplier: Supplier | None,
    expected: Sequence[ExpectedLine],
) -> tuple[str, Supplier | None]:
    """The kind of a new receipt and its supplier; refuses an order it cannot receive."""
    if purchase_order is None:
        kind = Receipt.Kind.ADVANCE_NOTICE if expected else Receipt.Kind.UNPLANNED
        return kind, supplier
    if purchase_order.warehouse_id != warehouse.pk:
        raise DomainError(
            f"{purchase_order.number} is for {purchase_order.warehouse.code}, not "
            f"{warehouse.code}.",
            field="purchase_order",
        )
    purchase_order_receivable(purchase_order=purchase_order)
    return Receipt.Kind.PURCHASE_ORDER, purchase_order.supplier


# The reference is made from the id in the INSERT itself: one statement, where an insert with
# a placeholder reference and an update once the id is known were two. The id is drawn once
# (a materialized CTE runs once); lpad never cuts an id longer than six digits.
_RECEIPT_INSERT = """
WITH new AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id)
INSERT INTO {table} (id, reference, {columns})
VALUES (
    (SELECT id FROM new),
    (SELECT 'RCV-' || lpad(id::text, greatest(6, length(id::text)), '0') FROM new),
    {values}
)
RETURNING id, reference{returning}
"""


def receipt_insert(receipt: Receipt) -> Receipt:
    """INSERT the unsaved ``receipt`` with its reference ``RCV-<id, six digits>``: what
    ``save()`` sends, the database's defaults (``created_at``) coming back as they do there."""
    quote = connection.ops.quote_name
    columns: list[str] = []
    values: list[str] = []
    params: list[Any] = []
    from_database: list[Field] = []
    for field in Receipt._meta.concrete_fields:
        if field.attname in {"id", "reference"}:
            continue
        value = field.pre_save(receipt, add=True)
        columns.append(quote(field.column))
        if isinstance(value, DatabaseDefault):
            values.append("DEFAULT")
            from_database.append(field)
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(value, connection))
    sql = _RECEIPT_INSERT.format(
        table=Receipt._meta.db_table,
        columns=", ".join(columns),
        values=", ".join(values),
        returning="".join(f", {quote(field.column)}" for field in from_database),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        receipt.pk, receipt.reference, *defaults = cursor.fetchone()
    for field, value in zip(from_database, defaults, strict=True):
        setattr(receipt, field.attname, value)
    receipt._state.adding, receipt._state.db = False, connection.alias
    return receipt


def _same_receipt(
    receipt: Receipt,
    warehouse: Warehouse,
    purchase_order: PurchaseOrder | None,
    created_by_id: int | None,
) -> Receipt:
    return request_key_repeat(
        receipt,
        what=f"receipt {receipt.reference}",
        warehouse_id=warehouse.pk,
        purchase_order_id=purchase_order.pk if purchase_order else None,
        created_by_id=created_by_id,
    )


def receipt_expected_lines(
    receipt: Receipt, purchase_order: PurchaseOrder | None, expected: Sequence[ExpectedLine]
) -> list[ReceiptLine]:
    if purchase_order is not None:
        return [
            ReceiptLine(
                receipt=receipt,
                product_id=line.product_id,
                purchase_order_line=line,
                expected_quantity=line.open_quantity,
            )
            for line in purchase_order.lines.all()
            if line.open_quantity > 0
        ]
    seen: set[int] = set()
    for index, line in enumerate(expected):
        if line.quantity <= 0:
            raise InvalidQuantity(f"Line {index + 1}: quantity must be positive.", field="lines")
        if line.product.pk in seen:
            raise DomainError(
                f"Line {index + 1}: {line.product.sku} is listed twice.", field="lines"
            )
        seen.add(line.product.pk)
    return [
        ReceiptLine(receipt=receipt, product=line.product, expected_quantity=line.quantity)
        for line in expected
    ]
