"""The supervisor's orders: the list with each order's allocation and progress, releasing a
wave of them to the floor, the wave's batches and routes, and one order in detail with its
cancel and ship actions. New orders (form and CSV) are in ``warehouse.views.order_entry``.

Every action calls one service. Releasing a wave carries a key drawn with the form, which
``wave_release`` stores on the wave: a double click releases once and shows the wave it made;
cancel and ship are idempotent in their services.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from inventory.errors import DomainError
from inventory.views.shell import role_page, wants_fragment
from warehouse.models import Order
from warehouse.order_forms import RELEASE_BY, OrderCancelForm, OrderFilterForm, WaveReleaseForm
from warehouse.selectors.order_pages import (
    order_page_get,
    order_status_counts,
    orders_page,
    wave_page_get,
)
from warehouse.services.orders import order_cancel
from warehouse.services.shipping import order_ship
from warehouse.services.waves import RELEASABLE, wave_release

LIST_TEMPLATE = "warehouse/supervisor/orders.html"
DETAIL_TEMPLATE = "warehouse/supervisor/order_detail.html"
WAVE_TEMPLATE = "warehouse/supervisor/wave.html"
PERMISSION = "warehouse.view_order"
PAGE_SIZE = 50


@dataclass(frozen=True)
class OrderRow:
    """An order of the list with its progress as percentages of the units ordered."""

    order: Order
    releasable: bool

    def _percent(self, units: int) -> int:
        ordered = self.order.units_ordered  # type: ignore[attr-defined]
        return units * 100 // ordered if ordered else 0

    @property
    def allocated_percent(self) -> int:
        return self._percent(self.order.units_allocated)  # type: ignore[attr-defined]

    @property
    def picked_percent(self) -> int:
        return self._percent(self.order.units_picked)  # type: ignore[attr-defined]

    @property
    def shipped_percent(self) -> int:
        return self._percent(self.order.units_shipped)  # type: ignore[attr-defined]

    @property
    def backordered(self) -> int:
        if self.order.is_closed:
            return 0
        return self.order.units_ordered - self.order.units_allocated  # type: ignore[attr-defined]


def _releasable(order: Order) -> bool:
    return order.wave_id is None and order.status in RELEASABLE


# --- the list -------------------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
@role_page(PERMISSION, url_name="supervisor-orders")
def orders_list_page(request: HttpRequest) -> HttpResponse:
    """A constant number of queries whatever the rows: count, page, status counts."""
    return _list_answer(request)


def _list_answer(
    request: HttpRequest,
    *,
    release: WaveReleaseForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    shell = request.shell  # type: ignore[attr-defined]
    form = OrderFilterForm(request.GET)
    orders = orders_page(warehouse_id=shell.current.pk, **form.filters())
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = [OrderRow(order, _releasable(order)) for order in page.object_list]
    counts = order_status_counts(warehouse_id=shell.current.pk)
    context = {
        "form": form,
        "page": page,
        "status_choices": [(value, label, counts[value]) for value, label in Order.Status.choices],
        "total": sum(counts.values()),
        "filtered": any(form.cleaned_data.get(name) for name in ("status", "q", "due")),
        "release": release,
        # The orders ticked before a refused release stay ticked.
        "ticked": {int(v) for v in release.data.getlist("order") if v.isdigit()}
        if release is not None
        else set(),
        "release_key": uuid.uuid4().hex,  # a fresh one each time the form is drawn
        "release_by": RELEASE_BY,
        "release_error": error,
    }
    if wants_fragment(request):
        return render(request, f"{LIST_TEMPLATE}#orders-results", context, status=status)
    return render(request, LIST_TEMPLATE, context, status=status)


@require_POST
@role_page("warehouse.release_wave")
def wave_release_view(request: HttpRequest) -> HttpResponse:
    """Release the ticked orders as one wave; then show its batches."""
    shell = request.shell  # type: ignore[attr-defined]
    form = WaveReleaseForm(request.POST)
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return _list_answer(request, release=form, error=error, status=422)
    data = form.cleaned_data
    try:
        wave = wave_release(
            warehouse_id=shell.current.pk,
            order_ids=data["order"],
            by=data["by"],
            limit=len(data["order"]),
            picks_per_batch=data["picks_per_batch"],
            released_by_id=request.user.pk,
            idempotency_key=data["key"],
        )
    except DomainError as exc:
        return _list_answer(request, release=form, error=exc.message, status=409)
    messages.success(request, f"Wave {wave.number} released to the floor.")
    return redirect("supervisor-wave", wave.pk)


@require_GET
@role_page(PERMISSION, url_name="supervisor-orders")
def wave_page(request: HttpRequest, wave_id: int) -> HttpResponse:
    wave = wave_page_get(warehouses=request.shell.scope, wave_id=wave_id)  # type: ignore[attr-defined]
    if wave is None:
        raise Http404(f"No wave {wave_id} here.")
    batches = list(wave.batches.all())
    route = sum(b.route_metres for b in batches)
    unrouted = sum(b.unrouted_metres for b in batches)
    context = {
        "wave": wave,
        "batches": batches,
        "picks": sum(len(b.route) for b in batches),
        "route_metres": route,
        "unrouted_metres": unrouted,
        "saved_percent": round((unrouted - route) * 100 / unrouted) if unrouted else 0,
    }
    return render(request, WAVE_TEMPLATE, context)


# --- one order ------------------------------------------------------------------------------


@require_GET
@role_page(PERMISSION, url_name="supervisor-orders")
def order_page(request: HttpRequest, order_id: int) -> HttpResponse:
    return _detail_answer(request, _order_or_404(request, order_id))


@require_POST
@role_page("warehouse.change_order")
def order_cancel_view(request: HttpRequest, order_id: int) -> HttpResponse:
    """Cancel with a reason (a repeat finds it cancelled and changes nothing)."""
    order = _order_or_404(request, order_id)
    form = OrderCancelForm(request.POST)
    if not form.is_valid():
        return _detail_answer(request, order, cancel=form, status=422)
    try:
        order_cancel(order_id=order.pk, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return _detail_answer(request, order, error=exc.message, status=409)
    messages.success(request, f"Order {order.reference} is cancelled. Its reservations are free.")
    return redirect("supervisor-order", order.pk)


@require_POST
@role_page("warehouse.ship_order")
def order_ship_view(request: HttpRequest, order_id: int) -> HttpResponse:
    """Ship what is picked (a repeat finds it shipped and changes nothing)."""
    order = _order_or_404(request, order_id)
    try:
        order_ship(order_id=order.pk, user_id=request.user.pk)
    except DomainError as exc:
        return _detail_answer(request, order, error=exc.message, status=409)
    messages.success(request, f"Order {order.reference} shipped.")
    return redirect("supervisor-order", order.pk)


def _order_or_404(request: HttpRequest, order_id: int) -> Order:
    order = order_page_get(warehouses=request.shell.scope, order_id=order_id)  # type: ignore[attr-defined]
    if order is None:
        raise Http404(f"No order {order_id} here.")
    return order


def _detail_answer(
    request: HttpRequest,
    order: Order,
    *,
    cancel: OrderCancelForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    lines = list(order.lines.all())
    units = {
        "ordered": sum(line.quantity for line in lines),
        "allocated": sum(line.allocated_quantity for line in lines),
        "picked": sum(line.picked_quantity for line in lines),
        "shipped": sum(line.shipped_quantity for line in lines),
    }
    context: dict[str, Any] = {
        "order": order,
        "lines": lines,
        "units": units,
        "backordered": 0 if order.is_closed else units["ordered"] - units["allocated"],
        "cancel": cancel or OrderCancelForm(),
        "can_ship": not order.is_closed
        and not order.open_picks  # type: ignore[attr-defined]
        and units["picked"] > 0,
        "unpacked": units["picked"] - order.units_packed,  # type: ignore[attr-defined]
        "error": error,
    }
    return render(request, DETAIL_TEMPLATE, context, status=status)
