"""The purchaser's home: every product's stock level in the current warehouse, and the way to
the reorder suggestions (how many are open, how many critical)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from inventory.forms import StockLevelFilterForm
from inventory.selectors import stock_levels_list
from inventory.selectors.pages import open_suggestions_summary
from inventory.views.paging import page_with_totals
from inventory.views.shell import role_page, wants_fragment

PAGE_SIZE = 50
TEMPLATE = "inventory/purchaser_home.html"


@require_GET
@vary_on_headers("HX-Request")
@role_page("inventory.view_stocklevel", url_name="purchaser-home")
def purchaser_home(request: HttpRequest) -> HttpResponse:
    shell = request.shell  # type: ignore[attr-defined]
    form = StockLevelFilterForm(request.GET)
    form.is_valid()
    levels = stock_levels_list(
        warehouses=shell.scope, search=form.cleaned_data.get("q", "")
    ).order_by(*form.ordering())
    page, _ = page_with_totals(levels, request.GET.get("page"), PAGE_SIZE)
    sort = form.cleaned_data.get("sort") or "sku"
    context = {
        "form": form,
        "page": page,
        "sort": sort,
        # A column header sorts by its column, and a second click reverses the order.
        "sort_sku_next": "-sku" if sort == "sku" else "sku",
        "sort_available_next": "-available" if sort == "available" else "available",
    }
    if wants_fragment(request):
        return render(request, f"{TEMPLATE}#levels-results", context)
    if request.user.has_perm("inventory.view_reordersuggestion"):
        context["suggestions"] = open_suggestions_summary(warehouse_ids=[shell.current.pk])
    return render(request, TEMPLATE, context)
