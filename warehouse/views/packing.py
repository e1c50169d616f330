"""The packing bench on the handheld: choose (or scan) an order, check its picked goods into
packages by scanning them, close each package, ship the order when everything is packed.

The package being filled lives in the page (a hidden field the server rewrites with every
scan): each scan is checked against what of the order is picked and not yet packed, so an
extra unit is refused at once, and a repeated request yields the same package rather than
counting twice. ``package_close`` receives the items and checks them again under its locks.
Each package is drawn with a key that ``package_close`` stores on the package it closes, so a
double tap on "Close package" closes one package and shows it twice.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from inventory.errors import DomainError
from inventory.gs1 import InvalidBarcode, scan_text
from inventory.views.shell import role_page, wants_fragment
from warehouse.forms import (
    PackCloseForm,
    PackedItemKey,
    PackScanForm,
    ScanForm,
    packed_items_text,
)
from warehouse.models import Order
from warehouse.selectors.order_pages import (
    PACKABLE,
    PackLine,
    order_for_packing,
    order_in_warehouse,
    orders_to_pack,
    pack_lines,
    packages_of_order,
)
from warehouse.selectors.orders import package_get
from warehouse.selectors.scan import scan_product
from warehouse.services.shipping import PackedItem, order_ship, package_close
from warehouse.views.floor import Notice

LIST_TEMPLATE = "warehouse/floor/packing.html"
BENCH_TEMPLATE = "warehouse/floor/pack.html"
PERMISSION = "warehouse.ship_order"


@dataclass(frozen=True)
class BenchRow:
    """One product (and lot) of the order on the bench: picked, packed, in this package."""

    line: PackLine
    in_package: int

    @property
    def left(self) -> int:
        return self.line.unpacked - self.in_package

    @property
    def state(self) -> str:
        return "done" if self.left == 0 else "open"


# --- choosing an order ----------------------------------------------------------------------


@require_GET
@role_page(PERMISSION, url_name="floor-packing")
def packing_list(request: HttpRequest) -> HttpResponse:
    return render(request, LIST_TEMPLATE, _list_context(request))


@require_GET
@role_page(PERMISSION, url_name="floor-packing")
def packing_find_view(request: HttpRequest) -> HttpResponse:
    """A scanned or typed order reference: open its bench, or say why not."""
    warehouse = request.shell.current  # type: ignore[attr-defined]
    form = ScanForm(request.GET)
    if not form.is_valid():
        return _find_error(request, form.errors["code"][0])
    reference = scan_text(form.cleaned_data["code"])
    order = order_in_warehouse(warehouse_id=warehouse.pk, reference=reference)
    if order is None:
        return _find_error(request, f"No order {reference} in {warehouse.code}. Check the slip.")
    if order.status not in PACKABLE and order.status != Order.Status.SHIPPED:
        return _find_error(request, _not_packable(order))
    url = reverse("floor-pack", args=[order.pk])
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _find_error(request: HttpRequest, error: str) -> HttpResponse:
    if wants_fragment(request):
        context = {"notice": Notice("error", error)}
        return render(request, f"{LIST_TEMPLATE}#find-result", context, status=422)
    context = _list_context(request, notice=Notice("error", error))
    return render(request, LIST_TEMPLATE, context, status=422)


def _list_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    warehouse = request.shell.current  # type: ignore[attr-defined]
    return {"orders": orders_to_pack(warehouse_id=warehouse.pk), **extra}


def _not_packable(order: Order) -> str:
    if order.status == Order.Status.CANCELLED:
        return f"{order.reference} is cancelled: do not pack it."
    return f"Nothing of {order.reference} is picked yet ({order.get_status_display().lower()})."


# --- the bench ------------------------------------------------------------------------------


@require_GET
@role_page(PERMISSION, url_name="floor-packing")
def pack_page(request: HttpRequest, order_id: int) -> HttpResponse:
    order = _order_or_404(request, order_id)
    return _answer(request, _bench(order, {}))


@require_POST
@role_page(PERMISSION)
def pack_scan_view(request: HttpRequest, order_id: int) -> HttpResponse:
    """An item scanned into the package: checked against what is left to pack. Reads only."""
    order = _order_or_404(request, order_id)
    form = PackScanForm(request.POST)
    valid = form.is_valid()
    items = form.cleaned_data.get("items", {}) if "items" not in form.errors else {}
    key = form.cleaned_data.get("key") or uuid.uuid4().hex
    if order.status not in PACKABLE:
        return _answer(request, _bench(order, {}), 409)
    if not valid:
        error = next(iter(form.errors.values()))[0]
        return _answer(request, _bench(order, items, key=key, error=error), 422)
    lines = pack_lines(order=order)
    if problem := _stale(lines, items):
        return _answer(request, _bench(order, {}, error=problem, lines=lines), 422)
    data = form.cleaned_data
    try:
        found = scan_product(raw=data["code"])
    except InvalidBarcode as exc:
        error = f"This label cannot be read: {exc.message}"
        return _answer(request, _bench(order, items, key=key, error=error, lines=lines), 422)
    if found is None:
        error = f"No product matches “{scan_text(data['code'])}”. Check the label, or type the SKU."
        return _answer(request, _bench(order, items, key=key, error=error, lines=lines), 422)
    lot_code = data.get("lot") or found.lot_code or ""
    choice = _line_for(found.product.pk, lot_code, lines, items)
    if isinstance(choice, str):
        return _answer(request, _bench(order, items, key=key, error=choice, lines=lines), 422)
    if isinstance(choice, list):  # a lot-tracked product picked from several lots
        ask = Notice("info", f"{found.product.sku} was picked from several lots: which is it?")
        context = _bench(order, items, key=key, notice=ask, lines=lines)
        context["lot_choice"] = {
            "code": data["code"],
            "quantity": data.get("quantity") or 1,
            "lines": choice,
        }
        return _answer(request, context)
    return _add(request, order, lines, items, key, choice, data.get("quantity") or 1)


def _line_for(
    product_id: int, lot_code: str, lines: list[PackLine], items: dict[PackedItemKey, int]
) -> PackLine | list[PackLine] | str:
    """The line a scan adds to; several lines to choose from; or why none (a message)."""
    mine = [line for line in lines if line.product.pk == product_id]
    if not mine:
        return "That product is not among the picked goods of this order: put it aside."
    sku = mine[0].product.sku
    if lot_code and mine[0].product.is_lot_tracked:
        lots = [line for line in mine if line.lot and line.lot.code == lot_code]
        if not lots:
            picked = ", ".join(line.lot.code for line in mine if line.lot)
            return f"Lot {lot_code} of {sku} was not picked for this order (picked: {picked})."
        return lots[0]
    open_lines = [line for line in mine if line.unpacked - items.get(line.key, 0) > 0]
    if len(open_lines) > 1:
        return open_lines
    return open_lines[0] if open_lines else mine[0]


def _add(
    request: HttpRequest,
    order: Order,
    lines: list[PackLine],
    items: dict[PackedItemKey, int],
    key: str,
    line: PackLine,
    quantity: int,
) -> HttpResponse:
    """Count ``quantity`` of the line into the package, unless that is more than is left."""
    sku = line.product.sku + (f" lot {line.lot.code}" if line.lot else "")
    in_package = items.get(line.key, 0)
    left = line.unpacked - in_package
    if quantity > left:
        if line.unpacked == 0:
            error = f"All {line.picked} × {sku} are packed already: this one is extra."
        elif left == 0:
            error = f"All {line.unpacked} × {sku} to pack are in this package: this one is extra."
        else:
            error = f"Only {left} more × {sku} to pack, not {quantity}: count again."
        return _answer(request, _bench(order, items, key=key, error=error, lines=lines), 422)
    items = {**items, line.key: in_package + quantity}
    text = f"{sku} ✓ {in_package + quantity} in this package"
    text += f", {left - quantity} more to pack." if left - quantity else ", all of it."
    notice = Notice("success", text)
    return _answer(request, _bench(order, items, key=key, notice=notice, lines=lines))


@require_POST
@role_page(PERMISSION)
def pack_close_view(request: HttpRequest, order_id: int) -> HttpResponse:
    """Close the package on the bench (once per package, whatever the taps)."""
    order = _order_or_404(request, order_id)
    form = PackCloseForm(request.POST)
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return _answer(request, _bench(order, {}, error=error), 422)
    items, key = form.cleaned_data["items"], form.cleaned_data["key"]
    if not items:
        error = "Scan the items into the package first."
        return _answer(request, _bench(order, {}, key=key, error=error), 422)
    try:
        package = package_close(
            order_id=order.pk,
            user_id=request.user.pk,
            items=[PackedItem(p, lot, q) for (p, lot), q in items.items()],
            idempotency_key=key,
        )
    except DomainError as exc:
        return _answer(request, _bench(order, items, key=key, error=exc.message), 422)
    return _answer(request, _bench(order, {}, notice=_closed(package_get(package_id=package.pk))))


def _closed(package: Any) -> Notice:
    units = sum(item.quantity for item in package.items.all())
    return Notice("success", f"Package {package.number} closed: {units} units. Label it.")


@require_POST
@role_page(PERMISSION)
def pack_ship_view(request: HttpRequest, order_id: int) -> HttpResponse:
    """Ship the packed order: it leaves the building (a repeat finds it shipped)."""
    order = _order_or_404(request, order_id)
    if order.status == Order.Status.SHIPPED:
        return _answer(request, _bench(order, {}, notice=Notice("info", "Shipped already.")))
    lines = pack_lines(order=order)
    left = sum(line.unpacked for line in lines)
    if left:
        error = f"{left} picked units are not in a package yet: pack them before shipping."
        return _answer(request, _bench(order, {}, error=error, lines=lines), 409)
    try:
        order_ship(order_id=order.pk, user_id=request.user.pk)
    except DomainError as exc:
        return _answer(request, _bench(order, {}, error=exc.message, lines=lines), 409)
    order = _order_or_404(request, order.pk)
    notice = Notice("success", f"{order.reference} shipped. It has left the building.")
    return _answer(request, _bench(order, {}, notice=notice))


# --- helpers --------------------------------------------------------------------------------


def _order_or_404(request: HttpRequest, order_id: int) -> Order:
    warehouse = request.shell.current  # type: ignore[attr-defined]
    order = order_for_packing(warehouse_id=warehouse.pk, order_id=order_id)
    if order is None:
        raise Http404(f"No order {order_id} in {warehouse.code}.")
    return order


def _stale(lines: list[PackLine], items: dict[PackedItemKey, int]) -> str:
    """Why the package the screen sent no longer fits the order ("" when it does): someone
    else packed some of it meanwhile, or the page is old."""
    left = {line.key: line.unpacked for line in lines}
    if any(quantity > left.get(key, 0) for key, quantity in items.items()):
        return "Some of these items were packed meanwhile; the package starts again: scan them."
    return ""


def _bench(
    order: Order,
    items: dict[PackedItemKey, int],
    *,
    key: str | None = None,
    notice: Notice | None = None,
    error: str = "",
    lines: list[PackLine] | None = None,
) -> dict[str, Any]:
    lines = pack_lines(order=order) if lines is None else lines
    rows = [BenchRow(line, items.get(line.key, 0)) for line in lines]
    left = sum(line.unpacked for line in lines)  # picked, not in a closed package
    packed = sum(line.packed for line in lines)
    packages = packages_of_order(order_id=order.pk)
    return {
        "order": order,
        "rows": rows,
        "package": [row for row in rows if row.in_package],
        "items_text": packed_items_text(items),
        "in_package": sum(items.values()),
        "left": left - sum(items.values()),
        "packed": packed,
        "picked": packed + left,
        "percent": packed * 100 // (packed + left) if packed + left else 0,
        "packages": packages,
        "key": key or uuid.uuid4().hex,
        "can_ship": order.status in PACKABLE
        and not order.open_picks  # type: ignore[attr-defined]
        and left == 0
        and packed > 0,
        "unavailable": ""
        if order.status in PACKABLE or order.status == Order.Status.SHIPPED
        else _not_packable(order),
        "notice": Notice("error", error) if error else notice,
    }


def _answer(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    if wants_fragment(request):
        return render(request, f"{BENCH_TEMPLATE}#bench", context, status=status)
    return render(request, BENCH_TEMPLATE, context, status=status)
