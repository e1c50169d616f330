"""New orders on the supervisor's desk: one typed into a form, or many from a CSV file.

Both end in ``order_create``, which is idempotent by reference: a form sent twice opens the
order the first one made. A file is checked whole first (every bad row named, nothing
created); then each order is created in its own transaction, as ``order_create`` is durable.
Uploading the same file again creates nothing twice: its references exist and are reported so.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from inventory.errors import DomainError
from inventory.views.shell import role_page
from warehouse.models import Order
from warehouse.order_forms import CSV_COLUMNS, LineRow, OrderForm, OrdersUploadForm
from warehouse.services.orders import order_create

NEW_TEMPLATE = "warehouse/supervisor/order_new.html"
UPLOAD_TEMPLATE = "warehouse/supervisor/orders_upload.html"
PERMISSION = "warehouse.add_order"
BLANK_ROWS = 3


@require_http_methods(["GET", "POST"])
@role_page(PERMISSION, url_name="supervisor-orders")
def order_new_page(request: HttpRequest) -> HttpResponse:
    """The form; on a valid post, the order is taken and its page opens."""
    warehouse = request.shell.current  # type: ignore[attr-defined]
    if request.method == "GET":
        return _new_answer(request, OrderForm())
    form = OrderForm(request.POST)
    if not form.is_valid():
        return _new_answer(request, form, status=422)
    data = form.cleaned_data
    try:
        taken = order_create(
            warehouse=warehouse,
            reference=data["reference"],
            lines=data["lines"],
            priority=data["priority"],
            requested_ship_date=data["requested_ship_date"],
            customer=data["customer"],
            created_by_id=request.user.pk,
        )
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _new_answer(request, form, status=422)
    order = taken.order
    if order.warehouse_id != warehouse.pk:
        form.add_error("reference", "This reference is taken by an order of another warehouse.")
        return _new_answer(request, form, status=409)
    if taken.created:
        messages.success(request, f"Order {order.reference} taken: allocation follows at once.")
    else:
        messages.info(request, f"Order {order.reference} existed already; nothing was changed.")
    return redirect("supervisor-order", order.pk)


def _new_answer(request: HttpRequest, form: OrderForm, status: int = 200) -> HttpResponse:
    """The form, its rows as typed and a blank one at the end (at least three rows)."""
    rows = list(form.rows)
    while len(rows) < BLANK_ROWS or rows[-1].sku or rows[-1].quantity:
        rows.append(LineRow("", ""))
    return render(request, NEW_TEMPLATE, {"form": form, "rows": rows}, status=status)


@dataclass(frozen=True)
class Outcome:
    order: Order
    created: bool


@require_http_methods(["GET", "POST"])
@role_page(PERMISSION, url_name="supervisor-orders")
def orders_upload_page(request: HttpRequest) -> HttpResponse:
    """Upload a CSV file of orders: all rows valid, or nothing created and every bad row
    named; then each order taken, and the references that existed already reported."""
    warehouse = request.shell.current  # type: ignore[attr-defined]
    if request.method == "GET":
        return _upload_answer(request, OrdersUploadForm(warehouse_id=warehouse.pk))
    form = OrdersUploadForm(request.POST, request.FILES, warehouse_id=warehouse.pk)
    if not form.is_valid():
        return _upload_answer(request, form, status=422)
    outcomes: list[Outcome] = []
    for draft in form.cleaned_data["orders"]:
        try:
            taken = order_create(
                warehouse=warehouse,
                reference=draft.reference,
                lines=draft.lines,
                priority=draft.priority,
                requested_ship_date=draft.requested_ship_date,
                created_by_id=request.user.pk,
            )
        except DomainError as exc:  # checked above; only a race can bring one here
            form.add_error(None, f"{draft.reference}: {exc.message}")
            return _upload_answer(request, form, outcomes=outcomes, status=422)
        outcomes.append(Outcome(taken.order, taken.created))
    return _upload_answer(request, OrdersUploadForm(warehouse_id=warehouse.pk), outcomes=outcomes)


def _upload_answer(
    request: HttpRequest,
    form: OrdersUploadForm,
    *,
    outcomes: list[Outcome] | None = None,
    status: int = 200,
) -> HttpResponse:
    outcomes = outcomes or []
    context = {
        "form": form,
        "columns": ",".join(CSV_COLUMNS),
        "created": [o.order for o in outcomes if o.created],
        "existing": [o.order for o in outcomes if not o.created],
        "done": bool(outcomes),
    }
    return render(request, UPLOAD_TEMPLATE, context, status=status)
