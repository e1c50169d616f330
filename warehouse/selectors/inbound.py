"""Reads for the inbound pages: open receipts, one receipt with its lines, what a scan at the
dock names, the task on a handheld's work screen, and the stock in quarantine."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from inventory.models import PurchaseOrder, Supplier
from warehouse.models import (
    Location,
    QcInspection,
    Quant,
    Receipt,
    ReceiptLine,
    StockMove,
    Task,
)

# --- receipts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptProgress:
    """How far a receipt is: lines complete of lines announced, units received of expected."""

    lines: int
    lines_done: int
    units_expected: int
    units_received: int
    missing: int  # announced but not received yet; an over-received line makes up for none

    @property
    def percent(self) -> int:
        if not self.units_expected:
            return 100 if self.units_received else 0
        return min(100, self.units_received * 100 // self.units_expected)


def _with_progress(receipts: QuerySet[Receipt]) -> QuerySet[Receipt]:
    return receipts.annotate(
        line_count=Count("lines", distinct=True),
        lines_done=Count(
            "lines",
            filter=Q(lines__received_quantity__gte=F("lines__expected_quantity"))
            & Q(lines__received_quantity__gt=0),
            distinct=True,
        ),
        units_expected=Coalesce(Sum("lines__expected_quantity"), 0),
        units_received=Coalesce(Sum("lines__received_quantity"), 0),
        units_missing=Coalesce(
            Sum(Greatest(F("lines__expected_quantity") - F("lines__received_quantity"), 0)), 0
        ),
    )


def receipt_progress(receipt: Receipt) -> ReceiptProgress:
    """The progress of a receipt annotated by ``receipts_open`` or ``receipt_for_page``."""
    return ReceiptProgress(
        lines=receipt.line_count,  # type: ignore[attr-defined]
        lines_done=receipt.lines_done,  # type: ignore[attr-defined]
        units_expected=receipt.units_expected,  # type: ignore[attr-defined]
        units_received=receipt.units_received,  # type: ignore[attr-defined]
        missing=receipt.units_missing,  # type: ignore[attr-defined]
    )


def receipt_progress_of_lines(lines: Iterable[ReceiptLine]) -> ReceiptProgress:
    """The progress of a receipt from its lines at hand: what ``_with_progress`` counts."""
    lines = list(lines)
    return ReceiptProgress(
        lines=len(lines),
        lines_done=sum(
            1
            for ln in lines
            if ln.received_quantity >= ln.expected_quantity and ln.received_quantity
        ),
        units_expected=sum(ln.expected_quantity for ln in lines),
        units_received=sum(ln.received_quantity for ln in lines),
        missing=sum(max(ln.expected_quantity - ln.received_quantity, 0) for ln in lines),
    )


def receipts_open(*, warehouse_id: int) -> list[Receipt]:
    """Receipts of one warehouse still taking goods, the ones being received first, then by
    the day they are expected. One query; each carries ``progress``."""
    receipts = _with_progress(
        Receipt.objects.filter(warehouse_id=warehouse_id, status__in=Receipt.OPEN_STATUSES)
    ).select_related("supplier", "purchase_order", "dock")
    rows = list(
        receipts.order_by(
            F("status").desc(),  # "receiving" before "expected"
            F("expected_date").asc(nulls_last=True),
            "created_at",
            "id",
        )
    )
    for receipt in rows:
        receipt.progress = receipt_progress(receipt)  # type: ignore[attr-defined]
    return rows


def receipt_for_page(*, warehouse_id: int, receipt_id: int) -> Receipt | None:
    """One receipt of the warehouse with its lines (products loaded) and ``progress``; two
    queries."""
    lines = ReceiptLine.objects.select_related("product").order_by("id")
    receipt = (
        _with_progress(Receipt.objects.filter(warehouse_id=warehouse_id, pk=receipt_id))
        .select_related("supplier", "purchase_order", "dock")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .first()
    )
    if receipt is not None:
        receipt.progress = receipt_progress(receipt)  # type: ignore[attr-defined]
    return receipt


@dataclass(frozen=True)
class ReceiptMatch:
    """What a code scanned on the receiving list names: an open receipt, a purchase order
    with no open receipt yet, or neither (``problem`` says why)."""

    code: str
    receipt: Receipt | None = None
    purchase_order: PurchaseOrder | None = None
    problem: str = ""


def receipt_find(*, warehouse_id: int, code: str) -> ReceiptMatch:
    """A receipt by its reference, or by its purchase order's number (any case)."""
    code = code.strip()
    receipt = (
        Receipt.objects.filter(warehouse_id=warehouse_id, reference__iexact=code)
        .select_related("purchase_order")
        .first()
    )
    if receipt is not None:
        if receipt.is_open:
            return ReceiptMatch(code=code, receipt=receipt)
        return ReceiptMatch(
            code=code,
            problem=f"Receipt {receipt.reference} is {receipt.get_status_display().lower()}.",
        )
    order = (
        PurchaseOrder.objects.filter(number__iexact=code)
        .select_related("supplier", "warehouse")
        .first()
    )
    if order is None:
        return ReceiptMatch(code=code, problem=f"No receipt or purchase order matches “{code}”.")
    if order.warehouse_id != warehouse_id:
        return ReceiptMatch(
            code=code,
            problem=f"{order.number} is for {order.warehouse.code}, not this warehouse.",
        )
    open_receipt = (
        Receipt.objects.filter(purchase_order=order, status__in=Receipt.OPEN_STATUSES)
        .order_by("-created_at", "-id")
        .first()
    )
    if open_receipt is not None:
        return ReceiptMatch(code=code, receipt=open_receipt)
    if not order.is_open:
        return ReceiptMatch(
            code=code,
            problem=(
                f"{order.number} is {order.get_status_display().lower()}; goods are received "
                "only against sent orders."
            ),
        )
    return ReceiptMatch(code=code, purchase_order=order)


def purchase_order_for_receiving(*, warehouse_id: int, order_id: int) -> PurchaseOrder | None:
    return (
        PurchaseOrder.objects.filter(warehouse_id=warehouse_id, pk=order_id)
        .select_related("supplier", "warehouse")
        .first()
    )


def receipt_open_of_order(*, order_id: int) -> Receipt | None:
    """The newest open receipt of a purchase order (receiving it goes on there)."""
    return (
        Receipt.objects.filter(purchase_order_id=order_id, status__in=Receipt.OPEN_STATUSES)
        .order_by("-created_at", "-id")
        .first()
    )


def purchase_orders_awaiting_receipt(*, warehouse_id: int, limit: int = 20) -> list[PurchaseOrder]:
    """Sent orders of the warehouse that no open receipt expects yet, soonest first: goods on
    the way that the dock can start receiving. One query; each carries ``line_count``."""
    return list(
        PurchaseOrder.objects.filter(
            warehouse_id=warehouse_id, status__in=PurchaseOrder.OPEN_STATUSES
        )
        .exclude(receipts__status__in=Receipt.OPEN_STATUSES)
        .select_related("supplier")
        .annotate(line_count=Count("lines", distinct=True))
        .order_by(F("expected_date").asc(nulls_last=True), "created_at", "id")[:limit]
    )


def suppliers_for_receiving() -> QuerySet[Supplier]:
    return Supplier.objects.filter(is_active=True).order_by("name", "code")


# --- the work screen -----------------------------------------------------------------------


def task_for_work(*, task_id: int, warehouse_id: int) -> Task | None:
    """A task of the warehouse with everything its work screen shows; one query."""
    return (
        Task.objects.filter(pk=task_id, warehouse_id=warehouse_id)
        .select_related("product", "lot", "source_location", "destination_location", "assignee")
        .first()
    )


def task_last_drop(*, task_id: int) -> StockMove | None:
    """The last move a putaway or replenish task made: where the units actually went."""
    return (
        StockMove.objects.filter(
            task_id=task_id, kind__in=(StockMove.Kind.PUTAWAY, StockMove.Kind.REPLENISH)
        )
        .select_related("to_location")
        .order_by("-id")
        .first()
    )


def inspection_of_task(*, task_id: int) -> QcInspection | None:
    return QcInspection.objects.filter(task_id=task_id).select_related("location").first()


def move_by_key(*, idempotency_key: str) -> StockMove | None:
    """The first ledger row written under a service call's idempotency key, if any."""
    return StockMove.objects.filter(idempotency_key=f"{idempotency_key}:0").first()


# --- quarantine ----------------------------------------------------------------------------


def _last_quarantine_move(field: str) -> Subquery:
    """``field`` of the latest move into the quant's cage for its product and lot."""
    moves = (
        StockMove.objects.filter(
            kind=StockMove.Kind.QUARANTINE,
            to_location_id=OuterRef("location_id"),
            product_id=OuterRef("product_id"),
        )
        .annotate(lot_key=Coalesce("lot_id", Value(0)))
        .filter(lot_key=Coalesce(OuterRef("lot_id"), Value(0), output_field=IntegerField()))
        .order_by("-created_at", "-id")
        .values(field)[:1]
    )
    return Subquery(moves)


def quarantine_stock(*, warehouse_id: int) -> QuerySet[Quant]:
    """Stock in the quarantine cages of one warehouse, oldest first, each with ``since`` and
    ``reason`` of the move that put it there (the QC failure). One query."""
    return (
        Quant.objects.filter(
            warehouse_id=warehouse_id,
            location__kind=Location.Kind.QUARANTINE,
            quantity__gt=0,
        )
        .select_related("product", "lot", "location")
        .annotate(
            since=_last_quarantine_move("created_at"),
            reason=_last_quarantine_move("reason"),
        )
        .order_by(F("since").asc(nulls_first=True), "product__sku", "id")
    )


def quarantine_quant_get(*, warehouse_id: int, quant_id: int) -> Quant | None:
    """One quant of the warehouse's quarantine (None if not there, or not in quarantine)."""
    return (
        Quant.objects.filter(
            pk=quant_id, warehouse_id=warehouse_id, location__kind=Location.Kind.QUARANTINE
        )
        .select_related("product", "lot", "location")
        .first()
    )


@dataclass(frozen=True)
class QuarantineSummary:
    lines: int
    units: int


def quarantine_summary(*, warehouse_id: int) -> QuarantineSummary:
    totals = Quant.objects.filter(
        warehouse_id=warehouse_id, location__kind=Location.Kind.QUARANTINE, quantity__gt=0
    ).aggregate(lines=Count("id"), units=Coalesce(Sum("quantity"), 0))
    return QuarantineSummary(lines=totals["lines"], units=totals["units"])
