"""The purchaser's reorder suggestions: what to buy, how much, from whom, and why.

The table is sortable and filtered by warehouse (the user's own only), supplier and urgency;
each row carries an 8-week demand sparkline drawn on the server. A row's quantity is edited in
place (the row comes back re-drawn; a bad value keeps the old one and says why), a row is
approved or dismissed on its own, and ticked rows are approved at once into one draft purchase
order per supplier and warehouse. Every action calls one service of
``inventory.services.suggestions``; rows of warehouses the user does not work in are 404.

"Run review now" runs ``reorder_review`` in the request rather than enqueueing the task: the
review is one set-based statement (well under a second for a warehouse), and the purchaser who
asks wants to see its result on the page now, not after the worker's turn.
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from inventory.documents.amounts import money_text, unit_cost_text
from inventory.errors import DomainError
from inventory.models import PurchaseOrder, ReorderSuggestion
from inventory.purchasing_forms import (
    SUGGESTION_SORTS,
    URGENCY_LABELS,
    QuantityForm,
    SuggestionDismissForm,
    SuggestionFilterForm,
    SuggestionsApproveForm,
)
from inventory.selectors.pages import (
    purchase_orders_by_ids,
    suggestions_in_scope,
    suppliers_for_filter,
)
from inventory.selectors.replenishment import (
    suggestion_demand_series,
    suggestion_get,
    suggestions_list,
)
from inventory.services.replenishment import reorder_review
from inventory.services.suggestions import (
    suggestion_dismiss,
    suggestion_quantity_set,
    suggestions_approve,
)
from inventory.views.charts import Sparkline, demand_sparkline
from inventory.views.shell import role_page, wants_fragment

TEMPLATE = "inventory/suggestions.html"
VIEW_PERMISSION = "inventory.view_reordersuggestion"
DECIDE_PERMISSION = "inventory.manage_replenishment"
PAGE_SIZE = 50


@dataclass(frozen=True)
class Notice:
    """Feedback above the table; ``orders`` are the drafts an approval made or extended."""

    level: str  # success | error | info
    text: str
    orders: list[PurchaseOrder] = field(default_factory=list)


@dataclass(frozen=True)
class SuggestionRow:
    """A suggestion as its row draws it: figures, chart, and the feedback of an edit."""

    suggestion: ReorderSuggestion
    chart: Sparkline
    error: str = ""  # why the last edit or decision of this row was refused
    saved: str = ""  # what the last edit did

    @property
    def unit_cost(self) -> str:
        return unit_cost_text(self.suggestion.unit_cost)

    @property
    def value(self) -> str:
        return money_text(self.suggestion.order_value)  # type: ignore[attr-defined]

    @property
    def urgency_label(self) -> str:
        return URGENCY_LABELS.get(self.suggestion.urgency, "")  # type: ignore[attr-defined]

    @property
    def edited(self) -> bool:
        s = self.suggestion
        return s.quantity is not None and s.quantity != s.suggested_quantity

    @property
    def order_quantity(self) -> int:
        return self.suggestion.order_quantity


def _status(exc: DomainError) -> int:
    """409 for a state conflict, else 422: both carry a fragment the page swaps in."""
    return 409 if exc.http_status == 409 else 422


def _scope(request: HttpRequest) -> list[int]:
    """Ids of the warehouses the user works in (the shell already read them)."""
    return [w.pk for w in request.shell.choices]  # type: ignore[attr-defined]


def _rows(suggestions: list[ReorderSuggestion], **feedback: str) -> list[SuggestionRow]:
    """Rows with their sparklines: one query for the demand of every row."""
    series = suggestion_demand_series(pairs=[(s.product_id, s.warehouse_id) for s in suggestions])
    return [
        SuggestionRow(s, demand_sparkline(series[(s.product_id, s.warehouse_id)]), **feedback)
        for s in suggestions
    ]


# --- the table -------------------------------------------------------------------------------


@require_GET
@vary_on_headers("HX-Request")
@role_page(VIEW_PERMISSION, url_name="purchaser-home")  # under the header's Purchasing
def suggestions_page(request: HttpRequest) -> HttpResponse:
    """A constant number of queries whatever the rows: suppliers, count, page, demand."""
    return _list_answer(request)


def _filter_form(request: HttpRequest) -> SuggestionFilterForm:
    shell = request.shell  # type: ignore[attr-defined]
    return SuggestionFilterForm(
        request.GET,
        warehouses=shell.choices,
        current=shell.current,
        suppliers=suppliers_for_filter(),
    )


def _list_answer(
    request: HttpRequest,
    *,
    notice: Notice | None = None,
    ticked: set[int] | None = None,
    status: int = 200,
) -> HttpResponse:
    form = _filter_form(request)
    filters = form.filters()
    suggestions = suggestions_list(**filters)
    page = Paginator(suggestions, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _rows(list(page.object_list))
    sort = filters["order"]
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "sort": sort,
        "sort_next": {
            column: f"-{column}" if sort == column else column
            for column in ("days_of_cover", "product")
        }
        | {"value": "value" if sort == "-value" else "-value", "supplier": "supplier"},
        "sorts": SUGGESTION_SORTS,
        "notice": notice,
        "ticked": ticked or set(),
        "can_decide": request.user.has_perm(DECIDE_PERMISSION),
    }
    if wants_fragment(request):
        return render(request, f"{TEMPLATE}#suggestions-results", context, status=status)
    return render(request, TEMPLATE, context, status=status)


def _back_to_list(request: HttpRequest) -> HttpResponse:
    """Without htmx: back to the list with the filters it was posted from."""
    url = reverse("purchaser-suggestions")
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


@require_POST
@role_page(DECIDE_PERMISSION)
def suggestions_approve_view(request: HttpRequest) -> HttpResponse:
    """Approve the ticked suggestions: one draft purchase order per supplier and warehouse."""
    form = SuggestionsApproveForm(request.POST)
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return _list_answer(request, notice=Notice("error", error), status=422)
    ids = form.cleaned_data["suggestion"]
    if suggestions_in_scope(ids=ids, warehouse_ids=_scope(request)) != set(ids):
        error = "Some of the ticked suggestions are not in your warehouses: reload the page."
        return _list_answer(request, notice=Notice("error", error), ticked=set(ids), status=422)
    try:
        orders = suggestions_approve(suggestion_ids=ids, user_id=request.user.pk)
    except DomainError as exc:
        notice = Notice("error", f"Nothing was approved. {exc.message}")
        return _list_answer(request, notice=notice, ticked=set(ids), status=_status(exc))
    text = _approved_text(len(ids), orders)
    if not wants_fragment(request):
        messages.success(request, text)
        return _back_to_list(request)
    orders = purchase_orders_by_ids(ids=[o.pk for o in orders], warehouse_ids=_scope(request))
    return _list_answer(request, notice=Notice("success", text, orders))


def _approved_text(count: int, orders: list[PurchaseOrder]) -> str:
    numbers = ", ".join(order.number for order in orders)
    return (
        f"Approved {count} suggestion{'s' if count != 1 else ''} into "
        f"{len(orders)} draft purchase order{'s' if len(orders) != 1 else ''}: {numbers}."
    )


@require_POST
@role_page(DECIDE_PERMISSION)
def suggestions_review_view(request: HttpRequest) -> HttpResponse:
    """Run the reorder review now for the warehouse(s) the list shows, and show what it did."""
    form = _filter_form(request)
    opened = updated = closed = 0
    for warehouse_id in form.warehouse_ids():
        result = reorder_review(warehouse_id=warehouse_id)
        opened, updated, closed = (
            opened + result.opened,
            updated + result.updated,
            closed + result.closed,
        )
    text = (
        f"Review done: {opened} new suggestion{'s' if opened != 1 else ''}, {updated} "
        f"updated, {closed} no longer needed."
    )
    if not wants_fragment(request):
        messages.success(request, text)
        return _back_to_list(request)
    return _list_answer(request, notice=Notice("success", text))


# --- one row ---------------------------------------------------------------------------------


def _suggestion_or_404(request: HttpRequest, suggestion_id: int) -> ReorderSuggestion:
    suggestion = suggestion_get(suggestion_id=suggestion_id, warehouse_ids=_scope(request))
    if suggestion is None:
        raise Http404(f"No reorder suggestion {suggestion_id} in your warehouses.")
    return suggestion


def _row_answer(
    request: HttpRequest,
    suggestion: ReorderSuggestion,
    *,
    error: str = "",
    saved: str = "",
    status: int = 200,
) -> HttpResponse:
    """The row re-drawn (htmx), or the list with a message (a plain form post)."""
    if not wants_fragment(request):
        if error:
            messages.error(request, f"{suggestion.product.sku}: {error}")
        elif saved:
            messages.success(request, f"{suggestion.product.sku}: {saved}")
        return _back_to_list(request)
    row = _rows([suggestion], error=error, saved=saved)[0]
    context = {"row": row, "can_decide": True}
    return render(request, f"{TEMPLATE}#suggestion-row", context, status=status)


def _fresh(request: HttpRequest, suggestion: ReorderSuggestion) -> ReorderSuggestion:
    return _suggestion_or_404(request, suggestion.pk)


@require_POST
@role_page(DECIDE_PERMISSION)
def suggestion_quantity_view(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Set the quantity to order in place; a bad value changes nothing and says why."""
    suggestion = _suggestion_or_404(request, suggestion_id)
    form = QuantityForm(request.POST)
    if not form.is_valid():
        typed = request.POST.get("quantity", "").strip()
        error = form.errors["quantity"][0]
        if typed:
            error = f"“{typed[:20]}” is not a quantity. {error} Still {suggestion.order_quantity}."
        return _row_answer(request, suggestion, error=error, status=422)
    try:
        suggestion_quantity_set(
            suggestion_id=suggestion.pk,
            quantity=form.cleaned_data["quantity"],
            user_id=request.user.pk,
        )
    except DomainError as exc:
        return _row_answer(
            request, _fresh(request, suggestion), error=exc.message, status=_status(exc)
        )
    suggestion = _fresh(request, suggestion)
    return _row_answer(request, suggestion, saved=f"Saved: order {suggestion.order_quantity}.")


@require_POST
@role_page(DECIDE_PERMISSION)
def suggestion_approve_view(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Approve one suggestion into its supplier's draft purchase order."""
    suggestion = _suggestion_or_404(request, suggestion_id)
    try:
        suggestions_approve(suggestion_ids=[suggestion.pk], user_id=request.user.pk)
    except DomainError as exc:
        return _row_answer(
            request, _fresh(request, suggestion), error=exc.message, status=_status(exc)
        )
    suggestion = _fresh(request, suggestion)
    return _row_answer(
        request,
        suggestion,
        saved=f"Approved {suggestion.order_quantity} on {suggestion.purchase_order.number}.",
    )


@require_POST
@role_page(DECIDE_PERMISSION)
def suggestion_dismiss_view(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Dismiss one suggestion, with an optional reason."""
    suggestion = _suggestion_or_404(request, suggestion_id)
    form = SuggestionDismissForm(request.POST)
    if not form.is_valid():
        return _row_answer(request, suggestion, error=form.errors["reason"][0], status=422)
    try:
        suggestion_dismiss(
            suggestion_id=suggestion.pk, user_id=request.user.pk, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        return _row_answer(
            request, _fresh(request, suggestion), error=exc.message, status=_status(exc)
        )
    return _row_answer(request, _fresh(request, suggestion), saved="Dismissed.")
