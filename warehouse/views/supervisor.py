"""The supervisor's desk: stock per zone, bin and lot with search, totals, the task board,
and the way to receiving and quarantine."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from inventory.views.paging import page_with_totals
from inventory.views.shell import role_page, wants_fragment
from warehouse.forms import StockFilterForm
from warehouse.selectors.inbound import quarantine_summary
from warehouse.selectors.pages import StockTotals, task_board_summary, zones_list
from warehouse.selectors.stock import quants_list

TEMPLATE = "warehouse/supervisor/home.html"
PAGE_SIZE = 50


@require_GET
@vary_on_headers("HX-Request")
@role_page("warehouse.control_task", url_name="supervisor-home")
def supervisor_home(request: HttpRequest) -> HttpResponse:
    """A constant number of queries whatever the rows: zones, the page with its count and
    totals, the task board, quarantine."""
    shell = request.shell  # type: ignore[attr-defined]
    form = StockFilterForm(request.GET, zones=list(zones_list(warehouse_id=shell.current.pk)))
    quants = quants_list(warehouses=shell.scope, **form.filters())
    # The page, its count and the totals in one statement.
    page, totals = page_with_totals(
        quants, request.GET.get("page"), PAGE_SIZE, sums=("quantity", "reserved")
    )
    context = {
        "form": form,
        "page": page,
        "totals": StockTotals(
            lines=totals["count"], on_hand=totals["quantity"], reserved=totals["reserved"]
        ),
        "filtered": bool(form.cleaned_data.get("q") or form.cleaned_data.get("zone")),
    }
    if wants_fragment(request):
        return render(request, f"{TEMPLATE}#stock-results", context)
    context["board"] = task_board_summary(warehouse_id=shell.current.pk)
    if request.user.has_perm("warehouse.adjust_stock"):
        context["quarantine"] = quarantine_summary(warehouse_id=shell.current.pk)
    return render(request, TEMPLATE, context)
