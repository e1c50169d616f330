"""One product's stock, for purchasers and supervisors: its level in each of the user's
warehouses (every bucket of the contract), the bins and lots holding it, its last 20 moves, its
reorder rules, the latest forecast, open suggestions, orders on the way and supplier offers.

It lives in the warehouse app because it looks inside the buildings (bins, lots, the ledger),
which the inventory app never does; the inventory side comes from inventory's selectors.
"""

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from inventory.documents.amounts import unit_cost_text
from inventory.models import DemandForecast, ReorderRule, Warehouse
from inventory.selectors import warehouses_for_user
from inventory.selectors.pages import (
    product_forecasts,
    product_levels,
    product_offers,
    product_order_lines,
    product_page_get,
    product_rules,
)
from inventory.selectors.replenishment import suggestions_list
from inventory.views.shell import role_page
from warehouse.selectors.stock import moves_list, quants_list

TEMPLATE = "warehouse/product.html"
PERMISSION = "inventory.view_stocklevel"
MOVES = 20
QUANTS = 200
TOTALLED = ("on_hand", "reserved", "in_receiving", "in_qc", "quarantined", "available", "on_order")


@dataclass(frozen=True)
class ReplenishmentRow:
    """A warehouse's rule for the product and its latest forecast, side by side."""

    warehouse: Warehouse
    rule: ReorderRule | None
    forecast: DemandForecast | None


def _replenishment_rows(
    rules: list[ReorderRule], forecasts: list[DemandForecast]
) -> list[ReplenishmentRow]:
    by_rule = {rule.warehouse_id: rule for rule in rules}
    by_forecast = {forecast.warehouse_id: forecast for forecast in forecasts}
    warehouses = {r.warehouse_id: r.warehouse for r in rules} | {
        f.warehouse_id: f.warehouse for f in forecasts
    }
    return [
        ReplenishmentRow(warehouse, by_rule.get(pk), by_forecast.get(pk))
        for pk, warehouse in sorted(warehouses.items(), key=lambda item: item[1].code)
    ]


@require_GET
@role_page(PERMISSION)
def product_page(request: HttpRequest, product_id: int) -> HttpResponse:
    """A fixed number of queries: one per section, whatever the rows."""
    product = product_page_get(product_id=product_id)
    if product is None:
        raise Http404(f"No product {product_id}.")
    scope = [w.pk for w in request.shell.choices]  # type: ignore[attr-defined]
    warehouses = warehouses_for_user(user=request.user)  # a subquery of the stock queries
    levels = product_levels(product_id=product.pk, warehouse_ids=scope)
    quants = list(quants_list(warehouses=warehouses, product_sku=product.sku)[: QUANTS + 1])
    offers = product_offers(product_id=product.pk)
    for offer in offers:
        offer.unit_cost_text = unit_cost_text(offer.unit_cost)  # type: ignore[attr-defined]
    context = {
        "product": product,
        "unit_cost": unit_cost_text(product.unit_cost),
        "levels": levels,
        "totals": {name: sum(getattr(level, name) for level in levels) for name in TOTALLED},
        "quants": quants[:QUANTS],
        "more_quants": len(quants) > QUANTS,
        "moves": list(moves_list(warehouses=warehouses, product_sku=product.sku)[:MOVES]),
        "replenishment": _replenishment_rows(
            product_rules(product_id=product.pk, warehouse_ids=scope),
            product_forecasts(product_id=product.pk, warehouse_ids=scope),
        ),
        "suggestions": list(suggestions_list(warehouse_ids=scope, product_id=product.pk)),
        "order_lines": product_order_lines(product_id=product.pk, warehouse_ids=scope),
        "offers": offers,
    }
    return render(request, TEMPLATE, context)
