"""Traceability pages for supervisors: find a lot (by code or by scanning its GS1 label), see
where it came from, where it went and where it is now, download that for a recall letter; and
the movement history of a bin or a product. Reads only.

The pages look at every warehouse the user may see: a lot is the product's, and may have
moved through more than one building.
"""

from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from inventory.models import Product, Warehouse
from inventory.selectors import warehouses_for_user
from inventory.views.shell import role_page
from warehouse.models import Location, StockMove
from warehouse.selectors.stock import quants_list
from warehouse.selectors.trace import LotTrace, lot_get, lot_moves, lot_trace
from warehouse.selectors.trace_history import (
    HistoryFilters,
    HistoryPage,
    UnknownCursor,
    bin_history,
    product_history,
    product_lots,
)
from warehouse.selectors.trace_search import trace_find
from wms.csv_safety import csv_lines

PERMISSION = "warehouse.control_task"
SEARCH_TEMPLATE = "warehouse/supervisor/trace.html"
LOT_TEMPLATE = "warehouse/supervisor/trace_lot.html"
BIN_TEMPLATE = "warehouse/supervisor/trace_bin.html"
PRODUCT_TEMPLATE = "warehouse/supervisor/trace_product.html"
LOT_MOVES_PER_PAGE = 100
BIN_QUANTS = 200


class TraceSearchForm(forms.Form):
    q = forms.CharField(max_length=128, required=False, strip=False)


class HistoryFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "All kinds"), *StockMove.Kind.choices], required=False)
    since = forms.DateField(required=False, label="From")
    until = forms.DateField(required=False, label="To")
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data

    def filters(self) -> HistoryFilters:
        data = self.cleaned_data
        return HistoryFilters(
            kind=data.get("kind") or "",
            since=data.get("since"),
            until=data.get("until"),
            before_id=data.get("before"),
        )


def _scope(request: HttpRequest) -> QuerySet[Warehouse]:
    """Every warehouse the user may see (lazy: a subquery of the selectors' queries)."""
    return warehouses_for_user(user=request.user)


# --- search ---------------------------------------------------------------------------------


@require_GET
@role_page(PERMISSION, url_name="supervisor-trace")
def trace_search_page(request: HttpRequest) -> HttpResponse:
    form = TraceSearchForm(request.GET)
    matches = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        matches = trace_find(raw=form.cleaned_data["q"], warehouses=_scope(request))
        if (lot := matches.only_lot) is not None:
            return redirect("supervisor-trace-lot", lot_id=lot.pk)
    status = 422 if form.errors or (matches and matches.error) else 200
    return render(request, SEARCH_TEMPLATE, {"form": form, "matches": matches}, status=status)


# --- one lot --------------------------------------------------------------------------------


def _trace_or_404(request: HttpRequest, lot_id: int) -> LotTrace:
    lot = lot_get(lot_id=lot_id, warehouses=_scope(request))
    if lot is None:
        raise Http404(f"No lot {lot_id} in your warehouses.")
    return lot_trace(lot=lot, warehouses=_scope(request))


@require_GET
@role_page(PERMISSION, url_name="supervisor-trace")
def lot_trace_page(request: HttpRequest, lot_id: int) -> HttpResponse:
    trace = _trace_or_404(request, lot_id)
    moves = lot_moves(lot=trace.lot, warehouses=_scope(request))
    page = Paginator(moves, LOT_MOVES_PER_PAGE)
    page.count = trace.moves_count  # counted with the trace already (a cached property)
    context = {
        "trace": trace,
        "lot": trace.lot,
        "product": trace.lot.product,
        "page": page.get_page(request.GET.get("page")),
    }
    return render(request, LOT_TEMPLATE, context)


MOVE_COLUMNS = [
    "lot",
    "product_sku",
    "product_name",
    "expiry",
    "when",
    "kind",
    "quantity",
    "warehouse",
    "from_location",
    "to_location",
    "by",
    "supplier",
    "purchase_order",
    "receipt",
    "customer",
    "order",
    "reason",
    "reference",
]
ORDER_COLUMNS = [
    "lot",
    "product_sku",
    "customer",
    "order",
    "warehouse",
    "status",
    "reserved",
    "picked",
    "packed",
    "shipped",
    "shipped_at",
    "shipped_by",
    "picked_by",
    "packages",
]


def _move_rows(trace: LotTrace, moves: Iterator[StockMove]) -> Iterator[list[Any]]:
    lot, product = trace.lot, trace.lot.product
    receipts = {row.reference: row for row in trace.receipts}
    orders = {f"order:{row.reference}": row for row in trace.orders}
    for move in moves:
        receipt = receipts.get(move.reference) if move.kind == StockMove.Kind.RECEIPT else None
        order = orders.get(move.reference)
        yield [
            lot.code,
            product.sku,
            product.name,
            lot.expiry_date,
            timezone.localtime(move.created_at),
            move.get_kind_display(),
            move.quantity,
            move.warehouse.code,
            move.from_location.code,
            move.to_location.code,
            move.actor.get_username() if move.actor else "",
            receipt.supplier_name if receipt else "",
            receipt.purchase_order_number if receipt else "",
            receipt.reference if receipt else "",
            order.customer if order else "",
            order.reference if order else "",
            move.reason,
            move.reference,
        ]


def _order_rows(trace: LotTrace) -> Iterator[list[Any]]:
    for row in trace.orders:
        yield [
            trace.lot.code,
            trace.lot.product.sku,
            row.customer,
            row.reference,
            row.warehouse_code,
            row.status_label,
            row.reserved,
            row.picked,
            row.packed,
            row.shipped,
            timezone.localtime(row.shipped_at) if row.shipped_at else None,
            " ".join(row.shipped_by),
            " ".join(row.picked_by),
            " ".join(f"{p.number}:{p.quantity}" for p in row.packages),
        ]


@require_GET
@role_page(PERMISSION)
def lot_trace_csv(request: HttpRequest, lot_id: int) -> HttpResponse:
    """The trace as CSV for the recall letter: ``part=moves`` (default) is every movement of
    the lot with its supplier or customer, ``part=orders`` one row per customer order. Text
    that a spreadsheet would run as a formula is neutralised (``wms.csv_safety``); the moves
    stream, however many there are."""
    part = request.GET.get("part", "moves")
    if part not in ("moves", "orders"):
        return HttpResponse(
            "part must be moves or orders.", status=400, content_type="text/plain; charset=utf-8"
        )
    trace = _trace_or_404(request, lot_id)
    if part == "orders":
        lines = csv_lines(ORDER_COLUMNS, _order_rows(trace))
    else:
        moves = lot_moves(lot=trace.lot, warehouses=_scope(request)).iterator(chunk_size=2000)
        lines = csv_lines(MOVE_COLUMNS, _move_rows(trace, moves))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    name = f"trace-{trace.lot.product.sku}-lot-{trace.lot.pk}-{part}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- bins and products -----------------------------------------------------------------------


def _history_context(
    request: HttpRequest, history: Callable[[HistoryFilters], HistoryPage]
) -> tuple[dict[str, Any], int]:
    """The filter form and a page of ``history(filters)``; bad filters are a 422 with the
    form's errors and no rows."""
    form = HistoryFilterForm(request.GET)
    if not form.is_valid():
        return {"form": form, "history": None}, 422
    try:
        page = history(form.filters())
    except UnknownCursor as error:
        form.add_error("before", str(error))
        return {"form": form, "history": None}, 422
    return {"form": form, "history": page, "filtered": form.has_changed()}, 200


@require_GET
@role_page(PERMISSION, url_name="supervisor-trace")
def bin_history_page(request: HttpRequest, location_id: int) -> HttpResponse:
    location = (
        Location.objects.filter(pk=location_id, warehouse__in=_scope(request))
        .exclude(kind__in=Location.VIRTUAL_KINDS)
        .select_related("warehouse", "zone")
        .first()
    )
    if location is None:
        raise Http404(f"No location {location_id} in your warehouses.")
    context, status = _history_context(
        request, lambda filters: bin_history(location=location, filters=filters)
    )
    holds = quants_list(
        warehouses=Warehouse.objects.filter(pk=location.warehouse_id), location_code=location.code
    )
    context |= {"location": location, "quants": list(holds[:BIN_QUANTS])}
    return render(request, BIN_TEMPLATE, context, status=status)


@require_GET
@role_page(PERMISSION, url_name="supervisor-trace")
def product_history_page(request: HttpRequest, product_id: int) -> HttpResponse:
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise Http404(f"No product {product_id}.")
    scope = _scope(request)
    context, status = _history_context(
        request,
        lambda filters: product_history(product_id=product.pk, warehouses=scope, filters=filters),
    )
    context["product"] = product
    if product.is_lot_tracked:
        context["lots"] = product_lots(product_id=product.pk, warehouses=scope)
    return render(request, PRODUCT_TEMPLATE, context, status=status)
