"""Receiving at the dock: expected receipts, scans of what arrived, and closing them.

Making a receipt lives in ``receiving_create``; the top-level services are all here."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Exists
from django.utils import timezone

from inventory.errors import (
    Conflict,
    DomainError,
    InvalidQuantity,
    NotFound,
    NotOnOrder,
    OverReceipt,
)
from inventory.models import Product, PurchaseOrder, Supplier, Warehouse
from inventory.services.purchasing import (
    over_receipt_limit,
    purchase_order_lines_receive,
)
from warehouse.locks import receipt_lock
from warehouse.models import Location, Lot, Receipt, ReceiptItem, ReceiptLine, StockMove
from warehouse.services.lots import lots_for_receiving
from warehouse.services.moves import MoveLine, moves_apply
from warehouse.services.receiving_create import (  # the receipt made: re-exported here
    ExpectedLine as ExpectedLine,
)
from warehouse.services.receiving_create import (
    receipt_create_apply,
    receipt_expected_lines,
    receipt_insert,
    receipt_kind_for,
    receiving_dock,
    receiving_dock_and_supplier_end,
)
from warehouse.services.virtual import virtual_location
from wms.db import rows_update
from wms.outbox import enqueue_on_commit


@dataclass(frozen=True)
class ReceivedEntry:
    """What one scan (or one API line) says arrived."""

    product: Product
    quantity: int
    lot_code: str | None = None
    expiry: date | None = None


def receipt_arrived_apply(
    *,
    warehouse: Warehouse,
    entries: Sequence[ReceivedEntry],
    purchase_order: PurchaseOrder | None = None,
    supplier: Supplier | None = None,
    dock: Location | None = None,
    close: bool = False,
    user_id: int | None = None,
    idempotency_key: str | None = None,
) -> Receipt:
    """A receipt for a delivery that has arrived, every one of ``entries`` received onto its
    dock, and closed with ``close``: what ``receipt_create_apply``, ``receipt_receive_apply``
    and ``receipt_close_apply`` do one after the other, raising what they raise, without
    reading back what this transaction has just written. The receipt is made in its final
    status, so only this transaction ever sees it otherwise: it needs no lock.

    Caller is in a transaction and has ruled out a repeat of ``idempotency_key``; a twin
    running at the same moment fails on the ledger's unique key. The receipt comes with its
    lines (products loaded) and their items (lots and the dock loaded).
    """
    kind, supplier = receipt_kind_for(warehouse, purchase_order, supplier, ())
    supplier_end = None
    if dock is None:
        dock, supplier_end = receiving_dock_and_supplier_end(warehouse)
    receipt = receipt_insert(
        Receipt(
            warehouse=warehouse,
            kind=kind,
            status=Receipt.Status.CLOSED if close else Receipt.Status.RECEIVING,
            closed_at=timezone.now() if close else None,
            purchase_order=purchase_order,
            supplier=supplier,
            dock=receiving_dock(warehouse, dock),
            expected_date=purchase_order.expected_date if purchase_order else None,
            created_by_id=user_id,
        )
    )
    expected = ReceiptLine.objects.bulk_create(receipt_expected_lines(receipt, purchase_order, ()))
    _products_load(expected, entries)
    items = _receive(
        receipt,
        expected,
        entries,
        user_id=user_id,
        idempotency_key=idempotency_key,
        supplier_end=supplier_end,
    )
    of_line: dict[int, list[ReceiptItem]] = defaultdict(list)
    for item in items:
        of_line[item.line_id].append(item)
    for line in receipt.lines.all():  # all of this call's making: their items are all here
        line._prefetched_objects_cache = {"items": of_line[line.pk]}
    return receipt


def _products_load(lines: list[ReceiptLine], entries: Sequence[ReceivedEntry]) -> None:
    """Give expected lines their products: those received now are at hand, the rest in one
    query."""
    at_hand = {entry.product.pk: entry.product for entry in entries}
    missing = {line.product_id for line in lines} - set(at_hand)
    if missing:
        at_hand.update(Product.objects.in_bulk(missing))
    for line in lines:
        line.product = at_hand[line.product_id]


@dataclass(frozen=True)
class Received:
    """What one receiving call booked, and the receipt as it left it: its lines (products
    loaded) at hand. ``receipt`` is None for a repeat of an earlier call (``items`` are that
    call's)."""

    items: list[ReceiptItem]
    receipt: Receipt | None


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
    return receipt_receive_shown_apply(
        receipt_id=receipt_id, entries=entries, user_id=user_id, idempotency_key=idempotency_key
    ).items


def receipt_receive_shown_apply(
    *,
    receipt_id: int,
    entries: Sequence[ReceivedEntry],
    user_id: int | None = None,
    idempotency_key: str | None = None,
    warehouse_id: int | None = None,
) -> Received:
    """``receipt_receive_apply``, answering with the receipt too, for a page to show without
    reading it again. With ``warehouse_id``, a receipt of another warehouse is NotFound."""
    try:
        receipt = receipt_lock(receipt_id=receipt_id, warehouse_id=warehouse_id)
    except Receipt.DoesNotExist:
        raise NotFound(f"No receipt {receipt_id}.", field="receipt") from None
    supplier_end, done = _supplier_end_unless_repeat(receipt, idempotency_key)
    if done is not None:
        return Received(items=done, receipt=None)
    if not receipt.is_open:
        raise Conflict(f"Receipt {receipt.reference} is {receipt.status}.", field="receipt")
    # Read after the lock: a receive that held it before us has committed its quantities.
    lines = list(receipt.lines.select_related("product").order_by("id"))
    items = _receive(
        receipt,
        lines,
        entries,
        user_id=user_id,
        idempotency_key=idempotency_key,
        supplier_end=supplier_end,
    )
    return Received(items=items, receipt=receipt)


def _supplier_end_unless_repeat(
    receipt: Receipt, idempotency_key: str | None
) -> tuple[Location | None, list[ReceiptItem] | None]:
    """The receipt's virtual supplier location (None: not made yet, or no key given), and
    the items of an earlier call with ``idempotency_key`` (None: none). With a key, both come
    from one query, run after the receipt's lock so that a twin that held it is committed."""
    if not idempotency_key:
        return None, None
    supplier_end = (
        Location.objects.filter(warehouse_id=receipt.warehouse_id, kind=Location.Kind.SUPPLIER)
        .annotate(repeat=Exists(StockMove.objects.filter(idempotency_key=f"{idempotency_key}:0")))
        .order_by("pk")
        .first()
    )
    if supplier_end is None or supplier_end.repeat:  # type: ignore[attr-defined]
        done = _received_before(idempotency_key)
        if done and any(item.line.receipt_id != receipt.pk for item in done):
            # Keys are the handheld's own, one per tap: this one can only be replayed or forged.
            raise Conflict(
                "This scan was already booked on another receipt; scan again.",
                field="idempotency_key",
            )
        return supplier_end, done
    return supplier_end, None


def _receive(
    receipt: Receipt,
    known: list[ReceiptLine],
    entries: Sequence[ReceivedEntry],
    *,
    user_id: int | None,
    idempotency_key: str | None,
    supplier_end: Location | None,
) -> list[ReceiptItem]:
    """``receipt_receive_apply`` once the receipt is held (locked, or made in this very
    transaction, which no one else can see) and ``idempotency_key`` is known to be unused:
    ``known`` is every line the receipt has, ``supplier_end`` its warehouse's virtual supplier
    location if the caller has it."""
    if not entries:
        raise DomainError("Nothing to receive: add at least one line.", field="lines")
    for index, entry in enumerate(entries):
        if entry.quantity <= 0:
            raise InvalidQuantity(
                f"Line {index + 1}: quantity must be a positive whole number.", field="quantity"
            )
    lines = _lines_for(receipt, {line.product_id: line for line in known}, entries)
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
    if supplier_end is None:
        supplier_end = virtual_location(
            warehouse_id=receipt.warehouse_id, kind=Location.Kind.SUPPLIER
        )
    moves = moves_apply(
        lines=[
            MoveLine(e.product.pk, e.quantity, supplier_end.pk, receipt.dock_id, _lot_id(lots, i))
            for i, e in enumerate(entries)
        ],
        kind=StockMove.Kind.RECEIPT,
        actor_id=user_id,
        reference=receipt.reference,
        idempotency_key=idempotency_key,
        # The caller ruled a repeat out (under the receipt's lock, or before making the
        # receipt); a twin no lock serialises fails on the ledger's unique key instead.
        repeat_ruled_out=True,
    )
    needs_qc = bool(receipt.supplier and receipt.supplier.requires_qc)
    items = ReceiptItem.objects.bulk_create(
        ReceiptItem(
            line=lines[entry.product.pk],
            lot=lots[i],
            quantity=entry.quantity,
            location=receipt.dock,
            move=moves[i],
            needs_qc=needs_qc or entry.product.requires_qc,
            received_by_id=user_id,
        )
        for i, entry in enumerate(entries)
    )
    _lines_write(receipt, lines, known, entries)
    if receipt.status == Receipt.Status.EXPECTED:
        receipt.status = Receipt.Status.RECEIVING
        receipt.save(update_fields=["status", "updated_at"])
    from warehouse.tasks import receipt_plan_task  # the tasks module imports the services

    enqueue_on_commit(receipt_plan_task, receipt_id=receipt.pk)
    return items


def _lines_write(
    receipt: Receipt,
    lines: dict[int, ReceiptLine],
    known: list[ReceiptLine],
    entries: Sequence[ReceivedEntry],
) -> None:
    """Add what arrived to the lines that existed, in one statement (the new lines were
    inserted with theirs; lines nothing arrived for are left alone); leave the receipt's lines,
    as they now are, at hand on the receipt."""
    existing = {line.pk for line in known}
    grown: dict[int, ReceiptLine] = {}
    for entry in entries:
        line = lines[entry.product.pk]
        if line.pk in existing:
            line.received_quantity += entry.quantity
            grown[line.pk] = line
    rows_update(  # one statement; bulk_update's CASE per row grows with the square of the lines
        table=ReceiptLine._meta.db_table,
        ids=list(grown),
        columns={
            "received_quantity": ("integer", [line.received_quantity for line in grown.values()])
        },
    )
    every = sorted(lines.values(), key=lambda line: line.pk)
    for line in every:
        line.receipt = receipt
    receipt._prefetched_objects_cache = {"lines": every}


def _lot_id(lots: list[Lot | None], index: int) -> int | None:
    lot = lots[index]
    return lot.pk if lot else None


def _received_before(idempotency_key: str) -> list[ReceiptItem] | None:
    first = StockMove.objects.filter(idempotency_key=f"{idempotency_key}:0").first()
    if first is None:
        return None
    moves = StockMove.objects.filter(idempotency_key__startswith=f"{idempotency_key}:")
    return list(ReceiptItem.objects.filter(move__in=moves).select_related("line").order_by("id"))


def _lines_for(
    receipt: Receipt, lines: dict[int, ReceiptLine], entries: Sequence[ReceivedEntry]
) -> dict[int, ReceiptLine]:
    """The receipt's line per product (``lines``: the ones it has); unplanned receipts grow a
    line for a new product, inserted with what arrives of it now."""
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
        new_lines[entry.product.pk] = ReceiptLine(
            receipt=receipt, product=entry.product, received_quantity=incoming[entry.product.pk]
        )
    lines = dict(lines)
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
receipt_receive_shown = transaction.atomic(durable=True)(receipt_receive_shown_apply)
receipt_close = transaction.atomic(durable=True)(receipt_close_apply)
