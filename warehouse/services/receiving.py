"""Receiving at the dock: expected receipts, scans of what arrived, and closing them."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial

from django.db import transaction
from django.utils import timezone

from inventory.errors import Conflict, DomainError, InvalidQuantity, NotOnOrder, OverReceipt
from inventory.models import Product, PurchaseOrder, Supplier, Warehouse
from inventory.services.purchasing import (
    over_receipt_limit,
    purchase_order_lines_receive,
    purchase_order_receivable,
)
from warehouse.locks import receipt_lock
from warehouse.models import Location, Lot, Receipt, ReceiptItem, ReceiptLine, StockMove
from warehouse.services.lots import lots_for_receiving
from warehouse.services.moves import MoveLine, moves_apply
from warehouse.services.request_keys import (
    request_key_find,
    request_key_insert,
    request_key_repeat,
)
from warehouse.services.virtual import virtual_location
from wms.db import rows_update
from wms.outbox import enqueue_on_commit


@dataclass(frozen=True)
class ExpectedLine:
    product: Product
    quantity: int


@dataclass(frozen=True)
class ReceivedEntry:
    """What one scan (or one API line) says arrived."""

    product: Product
    quantity: int
    lot_code: str | None = None
    expiry: date | None = None


def _dock(warehouse: Warehouse, dock: Location | None) -> Location:
    if dock is not None:
        if dock.warehouse_id != warehouse.pk or dock.kind != Location.Kind.RECEIVING:
            raise DomainError(
                f"{dock.code} is not a receiving dock of {warehouse.code}.", field="dock"
            )
        return dock
    found = (
        Location.objects.filter(warehouse=warehouse, kind=Location.Kind.RECEIVING)
        .order_by("code")
        .first()
    )
    if found is None:
        raise DomainError(f"{warehouse.code} has no receiving dock.", field="warehouse")
    return found


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
    if purchase_order is not None:
        if purchase_order.warehouse_id != warehouse.pk:
            raise DomainError(
                f"{purchase_order.number} is for {purchase_order.warehouse.code}, not "
                f"{warehouse.code}.",
                field="purchase_order",
            )
        purchase_order_receivable(purchase_order=purchase_order)
        kind, supplier = Receipt.Kind.PURCHASE_ORDER, purchase_order.supplier
    elif expected:
        kind = Receipt.Kind.ADVANCE_NOTICE
    else:
        kind = Receipt.Kind.UNPLANNED
    receipt, made = request_key_insert(
        Receipt,
        request_key=idempotency_key,
        create=partial(
            Receipt.objects.create,
            warehouse=warehouse,
            reference=f"~{timezone.now().timestamp()}",  # replaced once the id is known
            kind=kind,
            purchase_order=purchase_order,
            supplier=supplier,
            dock=_dock(warehouse, dock),
            expected_date=expected_date
            or (purchase_order.expected_date if purchase_order else None),
            created_by_id=created_by_id,
            request_key=idempotency_key,
        ),
    )
    if not made:  # a twin with the same key committed first
        return _same_receipt(receipt, warehouse, purchase_order, created_by_id)
    receipt.reference = f"RCV-{receipt.pk:06d}"
    receipt.save(update_fields=["reference"])
    ReceiptLine.objects.bulk_create(_expected_lines(receipt, purchase_order, expected))
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


def _expected_lines(
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


def receipt_receive_apply(
    *,
    receipt_id: int,
    entries: Sequence[ReceivedEntry],
    user_id: int | None = None,
    idempotency_key: str | None = None,
) -> list[ReceiptItem]:
    """Book what arrived onto the receipt's dock: on hand at once (not available), in the
    ledger, on the receipt's lines and on its purchase order; planning follows on commit.

    Refuses, changing nothing: a closed receipt, a product the PO or notice does not list
    (NotOnOrder), more than the line's quantity plus the tolerance (OverReceipt), a missing or
    unknown lot or expiry for a tracked product, expired goods (Expired: we refuse them at the
    dock rather than quarantine them; see README). With ``idempotency_key``, a repeat returns
    what the first call received. Caller is in a transaction (``receipt_receive`` opens one).
    """
    receipt = receipt_lock(receipt_id=receipt_id)
    if idempotency_key and (done := _received_before(idempotency_key)):
        return done
    if not receipt.is_open:
        raise Conflict(f"Receipt {receipt.reference} is {receipt.status}.", field="receipt")
    if not entries:
        raise DomainError("Nothing to receive: add at least one line.", field="lines")
    for index, entry in enumerate(entries):
        if entry.quantity <= 0:
            raise InvalidQuantity(
                f"Line {index + 1}: quantity must be a positive whole number.", field="quantity"
            )
    lines = _lines_for(receipt, entries)
    if receipt.purchase_order_id:
        totals: dict[int, int] = defaultdict(int)
        for entry in entries:
            totals[entry.product.pk] += entry.quantity
        purchase_order_lines_receive(
            purchase_order_id=receipt.purchase_order_id, received=dict(totals)
        )
    lots = lots_for_receiving(
        entries=[(e.product, e.lot_code, e.expiry) for e in entries], today=timezone.localdate()
    )
    supplier_end = virtual_location(warehouse_id=receipt.warehouse_id, kind=Location.Kind.SUPPLIER)
    moves = moves_apply(
        lines=[
            MoveLine(e.product.pk, e.quantity, supplier_end.pk, receipt.dock_id, _lot_id(lots, i))
            for i, e in enumerate(entries)
        ],
        kind=StockMove.Kind.RECEIPT,
        actor_id=user_id,
        reference=receipt.reference,
        idempotency_key=idempotency_key,
    )
    needs_qc = bool(receipt.supplier and receipt.supplier.requires_qc)
    items = ReceiptItem.objects.bulk_create(
        ReceiptItem(
            line=lines[entry.product.pk],
            lot_id=_lot_id(lots, i),
            quantity=entry.quantity,
            location_id=receipt.dock_id,
            move=moves[i],
            needs_qc=needs_qc or entry.product.requires_qc,
            received_by_id=user_id,
        )
        for i, entry in enumerate(entries)
    )
    for entry in entries:
        lines[entry.product.pk].received_quantity += entry.quantity
    rows_update(  # one statement; bulk_update's CASE per row grows with the square of the lines
        table=ReceiptLine._meta.db_table,
        ids=[line.pk for line in lines.values()],
        columns={
            "received_quantity": ("integer", [line.received_quantity for line in lines.values()])
        },
    )
    if receipt.status == Receipt.Status.EXPECTED:
        receipt.status = Receipt.Status.RECEIVING
        receipt.save(update_fields=["status", "updated_at"])
    from warehouse.tasks import receipt_plan_task  # the tasks module imports the services

    enqueue_on_commit(receipt_plan_task, receipt_id=receipt.pk)
    return items


def _lot_id(lots: list[Lot | None], index: int) -> int | None:
    lot = lots[index]
    return lot.pk if lot else None


def _received_before(idempotency_key: str) -> list[ReceiptItem] | None:
    first = StockMove.objects.filter(idempotency_key=f"{idempotency_key}:0").first()
    if first is None:
        return None
    moves = StockMove.objects.filter(idempotency_key__startswith=f"{idempotency_key}:")
    return list(ReceiptItem.objects.filter(move__in=moves).order_by("id"))


def _lines_for(receipt: Receipt, entries: Sequence[ReceivedEntry]) -> dict[int, ReceiptLine]:
    """The receipt's line per product; unplanned receipts grow a line for a new product."""
    lines = {line.product_id: line for line in receipt.lines.all()}
    incoming: dict[int, int] = defaultdict(int)
    for entry in entries:
        incoming[entry.product.pk] += entry.quantity
    new_lines: dict[int, ReceiptLine] = {}
    for entry in entries:
        if entry.product.pk in lines or entry.product.pk in new_lines:
            continue
        if receipt.kind != Receipt.Kind.UNPLANNED:
            source = receipt.purchase_order.number if receipt.purchase_order else "the notice"
            raise NotOnOrder(
                f"{entry.product.sku} is not on {source}. Receive it on an unplanned receipt.",
                field="product",
            )
        new_lines[entry.product.pk] = ReceiptLine(receipt=receipt, product=entry.product)
    for line in ReceiptLine.objects.bulk_create(new_lines.values()):
        lines[line.product_id] = line
    if receipt.kind == Receipt.Kind.ADVANCE_NOTICE:
        for product_id, quantity in incoming.items():
            line = lines[product_id]
            limit = over_receipt_limit(line.expected_quantity)
            if line.received_quantity + quantity > limit:
                raise OverReceipt(
                    f"The notice announced {line.expected_quantity} (up to {limit} with the "
                    f"tolerance); {line.received_quantity} already received.",
                    field="quantity",
                )
    return lines


def receipt_close_apply(*, receipt_id: int) -> Receipt:
    """Nothing more will arrive on this receipt; what is missing stays open on the PO."""
    receipt = receipt_lock(receipt_id=receipt_id)
    if receipt.status == Receipt.Status.CLOSED:
        return receipt
    if not receipt.is_open:
        raise Conflict(f"Receipt {receipt.reference} is {receipt.status}.", field="receipt")
    receipt.status = Receipt.Status.CLOSED
    receipt.closed_at = timezone.now()
    receipt.save(update_fields=["status", "closed_at", "updated_at"])
    return receipt


receipt_create = transaction.atomic(durable=True)(receipt_create_apply)
receipt_receive = transaction.atomic(durable=True)(receipt_receive_apply)
receipt_close = transaction.atomic(durable=True)(receipt_close_apply)
