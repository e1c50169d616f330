"""Purchase order pages: the list, one order with its lines and totals, its draft lines edited
in place, send, cancel, and the printable PDF.

The purchasing desk (``inventory.view_stocklevel``: purchasers and supervisors) may look;
purchasers (``inventory.manage_purchasing``) edit drafts, send and cancel, as over the API.
Floor staff see purchase orders only through receiving. Orders of warehouses the user does not
work in are 404. Every action calls one service; send and cancel are idempotent there.
"""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from inventory.documents.amounts import money_text, unit_cost_text
from inventory.documents.purchase_order_pdf import purchase_order_pdf
from inventory.errors import DomainError
from inventory.models import PurchaseOrder
from inventory.purchasing_forms import OrderLineAddForm, PurchaseOrderFilterForm, QuantityForm
from inventory.selectors.pages import (
    product_for_order_line,
    purchase_order_page_get,
    purchase_order_status_counts,
    purchase_orders_page,
    supplier_offers_for_order,
    suppliers_for_filter,
)
from inventory.services.purchase_order_lines import (
    purchase_order_line_remove,
    purchase_order_line_set,
)
from inventory.services.purchasing import purchase_order_cancel, purchase_order_send
from inventory.views.shell import role_page, wants_fragment

LIST_TEMPLATE = "inventory/purchase_orders.html"
DETAIL_TEMPLATE = "inventory/purchase_order.html"
VIEW_PERMISSION = "inventory.view_stocklevel"
MANAGE_PERMISSION = "inventory.manage_purchasing"
PAGE_SIZE = 50


def _scope(request: HttpRequest) -> list[int]:
    return [w.pk for w in request.shell.choices]  # type: ignore[attr-defined]


def _status(exc: DomainError) -> int:
    """409 for a state conflict, else 422: both carry a fragment the page swaps in."""
    return 409 if exc.http_status == 409 else 422


# --- the list --------------------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
@role_page(VIEW_PERMISSION, url_name="purchaser-home")
def purchase_orders_list_page(request: HttpRequest) -> HttpResponse:
    """A constant number of queries whatever the rows: suppliers, counts, count, page."""
    shell = request.shell  # type: ignore[attr-defined]
    form = PurchaseOrderFilterForm(
        request.GET,
        warehouses=shell.choices,
        current=shell.current,
        suppliers=suppliers_for_filter(),
    )
    filters = form.filters()
    page = Paginator(purchase_orders_page(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
    for order in page.object_list:
        order.total_text = money_text(order.total_value)  # type: ignore[attr-defined]
    counts = purchase_order_status_counts(warehouse_ids=filters["warehouse_ids"])
    context = {
        "form": form,
        "page": page,
        "status_choices": [
            (value, label, counts[value]) for value, label in PurchaseOrder.Status.choices
        ],
        "total": sum(counts.values()),
    }
    if wants_fragment(request):
        return render(request, f"{LIST_TEMPLATE}#orders-results", context)
    return render(request, LIST_TEMPLATE, context)


# --- one order -------------------------------------------------------------------------------


def _order_or_404(request: HttpRequest, purchase_order_id: int) -> PurchaseOrder:
    order = purchase_order_page_get(
        purchase_order_id=purchase_order_id, warehouse_ids=_scope(request)
    )
    if order is None:
        raise Http404(f"No purchase order {purchase_order_id} in your warehouses.")
    return order


def _detail_context(
    request: HttpRequest,
    order: PurchaseOrder,
    *,
    line_errors: dict[int, str] | None = None,
    add: OrderLineAddForm | None = None,
    notice: tuple[str, str] | None = None,
) -> dict[str, Any]:
    lines = list(order.lines.all())
    line_errors = line_errors or {}
    for line in lines:
        line.error = line_errors.get(line.product_id, "")  # type: ignore[attr-defined]
        line.unit_cost_text = unit_cost_text(line.unit_cost)  # type: ignore[attr-defined]
        line.total_text = money_text(line.line_total)  # type: ignore[attr-defined]
    editable = order.status == PurchaseOrder.Status.DRAFT and request.user.has_perm(
        MANAGE_PERMISSION
    )
    return {
        "order": order,
        "lines": lines,
        "total_text": money_text(order.total_value),  # type: ignore[attr-defined]
        "units_open": sum(line.open_quantity for line in lines),
        "editable": editable,
        "can_manage": request.user.has_perm(MANAGE_PERMISSION),
        "offers": supplier_offers_for_order(supplier_id=order.supplier_id) if editable else [],
        "add": add or OrderLineAddForm(),
        "notice": notice,
    }


@require_GET
@role_page(VIEW_PERMISSION, url_name="purchaser-home")
def purchase_order_page(request: HttpRequest, purchase_order_id: int) -> HttpResponse:
    order = _order_or_404(request, purchase_order_id)
    return render(request, DETAIL_TEMPLATE, _detail_context(request, order))


def _lines_answer(
    request: HttpRequest, purchase_order_id: int, *, status: int = 200, **feedback: Any
) -> HttpResponse:
    """The lines card re-drawn with fresh totals (htmx), or the whole page (a plain post:
    after a success, redirected back to it)."""
    order = _order_or_404(request, purchase_order_id)
    context = _detail_context(request, order, **feedback)
    if wants_fragment(request):
        return render(request, f"{DETAIL_TEMPLATE}#po-lines", context, status=status)
    if status == 200:
        notice = feedback.get("notice")
        if notice:
            messages.success(request, notice[1])
        return redirect("purchase-order", purchase_order_id)
    return render(request, DETAIL_TEMPLATE, context, status=status)


@require_POST
@role_page(MANAGE_PERMISSION)
def purchase_order_line_view(
    request: HttpRequest, purchase_order_id: int, product_id: int
) -> HttpResponse:
    """Set a draft line's quantity in place; a bad value keeps the old one and says why."""
    order = _order_or_404(request, purchase_order_id)
    line = next((line for line in order.lines.all() if line.product_id == product_id), None)
    if line is None:
        raise Http404(f"{order.number} has no line for product {product_id}.")
    form = QuantityForm(request.POST)
    if not form.is_valid():
        typed = request.POST.get("quantity", "").strip()
        error = form.errors["quantity"][0]
        if typed:
            error = f"“{typed[:20]}” is not a quantity. {error} Still {line.quantity}."
        return _lines_answer(request, order.pk, line_errors={product_id: error}, status=422)
    try:
        purchase_order_line_set(
            purchase_order_id=order.pk,
            product_id=product_id,
            quantity=form.cleaned_data["quantity"],
        )
    except DomainError as exc:
        errors = {product_id: exc.message}
        return _lines_answer(request, order.pk, line_errors=errors, status=_status(exc))
    text = f"{line.product.sku}: {form.cleaned_data['quantity']:,} ordered."
    return _lines_answer(request, order.pk, notice=("success", text))


@require_POST
@role_page(MANAGE_PERMISSION)
def purchase_order_line_add_view(request: HttpRequest, purchase_order_id: int) -> HttpResponse:
    """Put a product (SKU or barcode) on a draft; one already on it is changed in its row."""
    order = _order_or_404(request, purchase_order_id)
    form = OrderLineAddForm(request.POST)
    if not form.is_valid():
        return _lines_answer(request, order.pk, add=form, status=422)
    product = product_for_order_line(code=form.cleaned_data["product"])
    if product is None:
        form.add_error(
            "product", f"No product has the SKU or barcode “{form.cleaned_data['product']}”."
        )
        return _lines_answer(request, order.pk, add=form, status=422)
    if any(line.product_id == product.pk for line in order.lines.all()):
        form.add_error(
            "product",
            f"{product.sku} is already on {order.number}: change its quantity in its row.",
        )
        return _lines_answer(request, order.pk, add=form, status=422)
    try:
        purchase_order_line_set(
            purchase_order_id=order.pk,
            product_id=product.pk,
            quantity=form.cleaned_data["quantity"],
        )
    except DomainError as exc:
        form.add_error("quantity" if exc.field == "quantity" else "product", exc.message)
        return _lines_answer(request, order.pk, add=form, status=_status(exc))
    text = f"Added {form.cleaned_data['quantity']:,} × {product.sku}."
    return _lines_answer(request, order.pk, notice=("success", text))


@require_POST
@role_page(MANAGE_PERMISSION)
def purchase_order_line_remove_view(
    request: HttpRequest, purchase_order_id: int, product_id: int
) -> HttpResponse:
    order = _order_or_404(request, purchase_order_id)
    try:
        purchase_order_line_remove(purchase_order_id=order.pk, product_id=product_id)
    except DomainError as exc:
        errors = {product_id: exc.message}
        return _lines_answer(request, order.pk, line_errors=errors, status=_status(exc))
    return _lines_answer(request, order.pk, notice=("success", "Line removed."))


@require_POST
@role_page(MANAGE_PERMISSION)
def purchase_order_send_view(request: HttpRequest, purchase_order_id: int) -> HttpResponse:
    """Send a draft: its lines count as on order from now (a repeat changes nothing)."""
    order = _order_or_404(request, purchase_order_id)
    try:
        purchase_order_send(purchase_order_id=order.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("purchase-order", order.pk)
    messages.success(
        request, f"{order.number} is sent to {order.supplier.name}; its lines are on order now."
    )
    return redirect("purchase-order", order.pk)


@require_POST
@role_page(MANAGE_PERMISSION)
def purchase_order_cancel_view(request: HttpRequest, purchase_order_id: int) -> HttpResponse:
    """Cancel an order not fully received; what was still open leaves on order."""
    order = _order_or_404(request, purchase_order_id)
    try:
        purchase_order_cancel(purchase_order_id=order.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("purchase-order", order.pk)
    messages.success(request, f"{order.number} is cancelled.")
    return redirect("purchase-order", order.pk)


@require_GET
@role_page(VIEW_PERMISSION)
def purchase_order_pdf_view(request: HttpRequest, purchase_order_id: int) -> HttpResponse:
    """The order as a PDF to print or attach (opens in the browser's viewer)."""
    order = _order_or_404(request, purchase_order_id)
    response = HttpResponse(purchase_order_pdf(order=order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{order.number}.pdf"'
    return response
