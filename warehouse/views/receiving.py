"""Receiving at the dock on the handheld: open receipts, start one, scan and count what
arrived, close it.

A product scan only reads (what is it, is it expected, what does its label say); the count is
booked by one ``receipt_receive_shown`` call with a key drawn with the form, so a double tap or a
resent form receives once.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from inventory.errors import DomainError, NotFound
from inventory.gs1 import InvalidBarcode, scan_text
from inventory.models import Product
from inventory.selectors import product_by_sku
from inventory.views.shell import role_page, wants_fragment
from warehouse.forms import LabelScanForm, ReceiptStartForm, ReceiveForm, ScanForm
from warehouse.models import Receipt, ReceiptLine
from warehouse.selectors.inbound import (
    purchase_order_for_receiving,
    purchase_orders_awaiting_receipt,
    receipt_find,
    receipt_for_page,
    receipt_open_of_order,
    receipt_progress_of_lines,
    receipts_open,
    suppliers_for_receiving,
)
from warehouse.selectors.scan import ProductScan, scan_product
from warehouse.services.receiving import (
    ReceivedEntry,
    receipt_close,
    receipt_create,
    receipt_receive_shown,
)
from warehouse.views.floor import Notice

LIST_TEMPLATE = "warehouse/floor/receiving.html"
RECEIPT_TEMPLATE = "warehouse/floor/receipt.html"
PERMISSION = "warehouse.receive_goods"


@dataclass(frozen=True)
class LineRow:
    """One line of a receipt as the handheld shows it."""

    line: ReceiptLine
    percent: int
    remaining: int
    over: int
    state: str  # "open", "done", "over" or "unplanned" (nothing was announced)


def _line_rows(receipt: Receipt) -> list[LineRow]:
    rows = []
    for line in receipt.lines.all():  # prefetched, products loaded
        expected, received = line.expected_quantity, line.received_quantity
        if not expected:
            rows.append(LineRow(line, 100, 0, 0, "unplanned"))
            continue
        state = "over" if received > expected else "done" if received == expected else "open"
        percent = min(100, received * 100 // expected)
        rows.append(
            LineRow(line, percent, max(expected - received, 0), max(received - expected, 0), state)
        )
    return rows


# --- the list of open receipts --------------------------------------------------------------


@require_GET
@role_page(PERMISSION, url_name="floor-receiving")
def receiving_list(request: HttpRequest) -> HttpResponse:
    return render(request, LIST_TEMPLATE, _list_context(request))


@require_GET
@role_page(PERMISSION, url_name="floor-receiving")
def receipt_find_view(request: HttpRequest) -> HttpResponse:
    """A scanned or typed receipt reference or PO number: open that receipt, or offer to start
    receiving the order, or say why not."""
    warehouse = request.shell.current  # type: ignore[attr-defined]
    form = ScanForm(request.GET)
    if not form.is_valid():
        return _find_answer(request, error=form.errors["code"][0])
    match = receipt_find(warehouse_id=warehouse.pk, code=form.cleaned_data["code"])
    if match.receipt is not None:
        return _go(request, reverse("floor-receipt", args=[match.receipt.pk]))
    return _find_answer(request, match=match, error=match.problem)


def _find_answer(request: HttpRequest, **context: Any) -> HttpResponse:
    status = 422 if context.get("error") else 200
    if wants_fragment(request):
        return render(
            request, f"{LIST_TEMPLATE}#find-result", _start_context(context), status=status
        )
    return render(request, LIST_TEMPLATE, _list_context(request, **context), status=status)


@require_POST
@role_page(PERMISSION)
def receipt_start_view(request: HttpRequest) -> HttpResponse:
    """Start receiving a purchase order, or an unplanned delivery; then open its screen.

    The form's key goes to ``receipt_create``, which stores it on the receipt: a double tap
    opens the receipt the first tap made instead of making a second.
    """
    warehouse = request.shell.current  # type: ignore[attr-defined]
    form = ReceiptStartForm(request.POST, suppliers=suppliers_for_receiving())
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return _find_answer(request, error=error)
    try:
        receipt = _receipt_start(request, warehouse, form.cleaned_data)
    except DomainError as exc:
        return _find_answer(request, error=exc.message)
    return _go(request, reverse("floor-receipt", args=[receipt.pk]))


def _receipt_start(request: HttpRequest, warehouse: Any, data: dict[str, Any]) -> Receipt:
    order_id, key = data.get("purchase_order"), data["key"]
    if order_id is None:
        return receipt_create(
            warehouse=warehouse,
            supplier=data.get("supplier"),
            created_by_id=request.user.pk,
            idempotency_key=key,
        )
    order = purchase_order_for_receiving(warehouse_id=warehouse.pk, order_id=order_id)
    if order is None:
        raise DomainError("That purchase order is not for this warehouse.")
    if existing := receipt_open_of_order(order_id=order.pk):
        return existing  # started already (by this tap's twin, or someone else): receive on it
    return receipt_create(
        warehouse=warehouse,
        purchase_order=order,
        created_by_id=request.user.pk,
        idempotency_key=key,
    )


def _start_context(context: dict[str, Any]) -> dict[str, Any]:
    return {"start_key": uuid.uuid4().hex, **context}


def _list_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    warehouse = request.shell.current  # type: ignore[attr-defined]
    orders = purchase_orders_awaiting_receipt(warehouse_id=warehouse.pk)
    return _start_context(
        {
            "receipts": receipts_open(warehouse_id=warehouse.pk),
            # Each start form has its own key: a double tap starts that order once.
            "orders": [(order, uuid.uuid4().hex) for order in orders],
            "suppliers": list(suppliers_for_receiving()),
            **extra,
        }
    )


# --- one receipt ----------------------------------------------------------------------------


@require_GET
@role_page(PERMISSION, url_name="floor-receiving")
def receipt_page(request: HttpRequest, receipt_id: int) -> HttpResponse:
    receipt = _receipt_or_404(request, receipt_id)
    return render(request, RECEIPT_TEMPLATE, _receipt_context(receipt))


@require_GET
@role_page(PERMISSION)
def receipt_scan_view(request: HttpRequest, receipt_id: int) -> HttpResponse:
    """A product scanned at the dock: the count form for it, lot and expiry from its label, or
    the reason it cannot be received here. Reads only."""
    receipt = _receipt_or_404(request, receipt_id)
    form = LabelScanForm(request.GET)
    if not form.is_valid():
        return _receipt_answer(request, receipt, error=form.errors["code"][0])
    if not receipt.is_open:
        return _receipt_answer(request, receipt, error=f"Receipt {receipt.reference} is closed.")
    raw = form.cleaned_data["code"]
    try:
        found = scan_product(raw=raw)
    except InvalidBarcode as exc:
        return _receipt_answer(request, receipt, error=f"This label cannot be read: {exc.message}")
    if found is None:
        return _receipt_answer(
            request,
            receipt,
            error=f"No product matches “{scan_text(raw)}”. Check the label, or type the SKU.",
        )
    if problem := _scan_problem(receipt, found):
        return _receipt_answer(request, receipt, error=problem)
    return _receipt_answer(
        request, receipt, receive=_receive_form_for(found), product=found.product
    )


def _scan_problem(receipt: Receipt, found: ProductScan) -> str:
    """What the services would refuse anyway, said before anyone counts the goods."""
    product = found.product
    listed = any(line.product_id == product.pk for line in receipt.lines.all())
    if not listed and receipt.kind != Receipt.Kind.UNPLANNED:
        source = receipt.purchase_order.number if receipt.purchase_order else "the notice"
        return (
            f"{product.sku} ({product.name}) is not on {source}. "
            "Set it aside and receive it on an unplanned receipt."
        )
    if product.is_lot_tracked and found.expiry and found.expiry < timezone.localdate():
        return (
            f"{product.sku} expired on {found.expiry:%Y-%m-%d}; expired goods are refused at "
            "the dock."
        )
    return ""


def _receive_form_for(found: ProductScan) -> ReceiveForm:
    product = found.product
    count = found.scan.count  # a case label's (37): units in it
    return ReceiveForm(
        initial={
            "product": product.sku,
            "quantity": count if count and count > 0 else 1,
            "lot": found.lot_code if product.is_lot_tracked else "",
            "expiry": found.expiry if product.tracks_expiry else None,
            "key": uuid.uuid4().hex,
        }
    )


@require_POST
@role_page(PERMISSION)
def receipt_receive_view(request: HttpRequest, receipt_id: int) -> HttpResponse:
    """Book the counted units onto the dock (once per form, whatever the taps).

    The service takes the receipt (of this warehouse, else 404) under its lock and answers
    with it as it left it, lines and all: the page is drawn from that, read once. Only the
    refusals read the receipt for their page."""
    warehouse = request.shell.current  # type: ignore[attr-defined]
    form = ReceiveForm(request.POST)
    product = product_by_sku(sku=request.POST.get("product", ""))
    if product is None:
        return _receipt_answer(
            request, _receipt_or_404(request, receipt_id), error="Scan the product again."
        )
    if not form.is_valid():
        return _receipt_answer(
            request,
            _receipt_or_404(request, receipt_id),
            receive=form,
            product=product,
            error=_first_error(form),
        )
    data = form.cleaned_data
    entry = ReceivedEntry(
        product=product,
        quantity=data["quantity"],
        lot_code=data["lot"] or None,
        expiry=data["expiry"],
    )
    try:
        received = receipt_receive_shown(
            receipt_id=receipt_id,
            entries=[entry],
            user_id=request.user.pk,
            idempotency_key=f"recv:{data['key']}",
            warehouse_id=warehouse.pk,
        )
    except DomainError as exc:
        if isinstance(exc, NotFound) and exc.field == "receipt":
            raise Http404(f"No receipt {receipt_id} in {warehouse.code}.") from None
        return _receipt_answer(
            request,
            _receipt_or_404(request, receipt_id),
            receive=form,
            product=product,
            error=exc.message,
            field=exc.field,
        )
    units = sum(item.quantity for item in received.items)
    lot = f", lot {data['lot']}" if data["lot"] else ""
    notice = Notice("success", f"Received {units} × {product.sku}{lot}.")
    if received.receipt is None:  # a repeat of a tap that was booked: show the receipt now
        return _receipt_answer(request, _receipt_or_404(request, receipt_id), notice=notice)
    receipt = received.receipt
    receipt.progress = receipt_progress_of_lines(receipt.lines.all())  # type: ignore[attr-defined]
    return _receipt_answer(request, receipt, notice=notice)


@require_POST
@role_page(PERMISSION)
def receipt_close_view(request: HttpRequest, receipt_id: int) -> HttpResponse:
    """Nothing more will come on this receipt; the rest stays open on its purchase order."""
    receipt = _receipt_or_404(request, receipt_id)
    try:
        closed = receipt_close(receipt_id=receipt.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _go(request, reverse("floor-receipt", args=[receipt.pk]))
    missing = receipt.progress.missing  # type: ignore[attr-defined]
    text = f"Receipt {closed.reference} is closed."
    if missing and closed.purchase_order:
        text += f" {missing} units stay open on {closed.purchase_order.number}."
    messages.success(request, text)
    return _go(request, reverse("floor-receiving"))


# --- helpers --------------------------------------------------------------------------------


def _receipt_or_404(request: HttpRequest, receipt_id: int) -> Receipt:
    warehouse = request.shell.current  # type: ignore[attr-defined]
    receipt = receipt_for_page(warehouse_id=warehouse.pk, receipt_id=receipt_id)
    if receipt is None:
        raise Http404(f"No receipt {receipt_id} in {warehouse.code}.")
    return receipt


def _receipt_context(receipt: Receipt, **extra: Any) -> dict[str, Any]:
    return {
        "receipt": receipt,
        "progress": receipt.progress,  # type: ignore[attr-defined]
        "rows": _line_rows(receipt),
        **extra,
    }


def _receipt_answer(
    request: HttpRequest,
    receipt: Receipt,
    *,
    receive: ReceiveForm | None = None,
    product: Product | None = None,
    notice: Notice | None = None,
    error: str = "",
    field: str | None = None,
) -> HttpResponse:
    """The receipt's work area: a notice or error (``field`` marks the input it is about), the
    count form if any, the lines."""
    if error:
        notice = Notice("error", error)
    rows = _line_rows(receipt)
    row = next((r for r in rows if product and r.line.product_id == product.pk), None)
    context = _receipt_context(
        receipt, receive=receive, product=product, row=row, notice=notice, error_field=field
    )
    status = 422 if error else 200
    if wants_fragment(request):
        return render(request, f"{RECEIPT_TEMPLATE}#receipt-work", context, status=status)
    return render(request, RECEIPT_TEMPLATE, context, status=status)


def _first_error(form: ReceiveForm) -> str:
    """The first problem, said alone (its field is marked on the form)."""
    return next(iter(form.errors.values()))[0]


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """Open another page: htmx asks the browser to load it, a plain form gets a redirect."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)
