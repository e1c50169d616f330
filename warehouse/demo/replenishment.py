"""Purchasing for the demo: supplier offers, reorder rules and demand history, then a first
forecast and review, so the purchaser opens a page of suggestions with their reasons.

Offers come from the catalogue (each product's supplier, ordered in whole cartons); about a
third of the products have a second, dearer and quicker, source. Rules follow each product's
demand in the history: forecast-driven for the movers (two units a day or more), a plain
min/max for the rest, sized like a purchaser would (lead time plus a week's cover, up to three
weeks beyond it). Idempotent: only missing offers, records and rules are made.
"""

import math
import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from inventory.models import (
    DemandRecord,
    ReorderRule,
    StockLevel,
    Supplier,
    SupplierProduct,
    Warehouse,
)
from inventory.services.forecasting import demand_forecasts_compute
from inventory.services.offers import supplier_offer_create
from inventory.services.replenishment import DEFAULT_LEAD_TIME_DAYS, reorder_review
from inventory.services.rules import reorder_rule_create
from warehouse.demo.catalog import CatalogResult
from warehouse.demo.catalog_data import SUPPLIERS
from warehouse.services.demand_history import demand_history_from_ledger

SECOND_SOURCE_SHARE = 0.3
SECOND_SOURCE_PREMIUM = Decimal("1.12")  # quicker, and it charges for it
FORECAST_FROM_DAILY = 2.0  # units a day: movers get forecast-driven rules
HISTORY_DAYS = 56  # the rules are sized on the last eight weeks
REVIEW_DAYS = 7
COVER_DAYS = 21


@dataclass(frozen=True)
class DemoPurchasing:
    offers: int
    demand_days: int
    rules: int
    forecasts: int
    suggestions: int


def demo_purchasing_ensure(*, catalog: CatalogResult | None) -> DemoPurchasing:
    """Offers (when the catalogue is given), then per warehouse its demand history and rules,
    then the forecasts and a review of every rule."""
    offers = _offers_ensure(catalog) if catalog is not None else 0
    days = rules = 0
    for warehouse in Warehouse.objects.filter(is_active=True).order_by("code"):
        days += demand_history_from_ledger(warehouse_id=warehouse.pk)
        rules += _rules_ensure(warehouse)
    forecasts = demand_forecasts_compute()
    review = reorder_review()
    return DemoPurchasing(offers, days, rules, forecasts, review.opened + review.updated)


def _offers_ensure(catalog: CatalogResult) -> int:
    rng = random.Random("demo-offers")
    suppliers = Supplier.objects.in_bulk(field_name="code")
    existing = set(SupplierProduct.objects.values_list("supplier_id", "product_id"))
    made = 0
    for sku in sorted(catalog.specs):
        spec, product = catalog.specs[sku], catalog.products[sku]
        main = suppliers[spec.supplier_code]
        sources = [(main, spec.unit_cost, None)]
        if rng.random() < SECOND_SOURCE_SHARE:
            quicker = [s for s in SUPPLIERS if s.code != main.code]
            other = suppliers[rng.choice(quicker).code]
            lead = max(1, main.lead_time_days - 3)
            cost = (spec.unit_cost * SECOND_SOURCE_PREMIUM).quantize(Decimal("0.01"))
            sources.append((other, cost, lead))
        for supplier, cost, lead in sources:
            if (supplier.pk, product.pk) in existing:
                continue
            supplier_offer_create(
                supplier=supplier,
                product=product,
                supplier_sku=f"{supplier.code}-{sku}",
                unit_cost=cost,
                lead_time_days=lead,
                min_order_quantity=spec.pack,
                pack_multiple=spec.pack,
            )
            made += 1
    return made


def _rules_ensure(warehouse: Warehouse) -> int:
    """A rule for each product the warehouse stocks and has no rule for."""
    stocked = set(
        StockLevel.objects.filter(warehouse=warehouse).values_list("product_id", flat=True)
    ) - set(ReorderRule.objects.filter(warehouse=warehouse).values_list("product_id", flat=True))
    if not stocked:
        return 0
    today = timezone.localdate()
    since = today - timedelta(days=HISTORY_DAYS)
    first = (
        DemandRecord.objects.filter(warehouse=warehouse, date__gte=since)
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    # The average over the days the history covers (a short demo has less than the window).
    days = max(1, (today - first).days) if first else HISTORY_DAYS
    shipped = dict(
        DemandRecord.objects.filter(warehouse=warehouse, product_id__in=stocked, date__gte=since)
        .values("product_id")
        .annotate(units=Sum("quantity"))
        .values_list("product_id", "units")
    )
    best: dict[int, SupplierProduct] = {}
    offers = SupplierProduct.objects.filter(product_id__in=stocked, is_active=True)
    for offer in offers.select_related("supplier").order_by("unit_cost", "supplier_id"):
        best.setdefault(offer.product_id, offer)
    for product_id in sorted(stocked):
        daily = shipped.get(product_id, 0) / days
        offer = best.get(product_id)
        pack = offer.pack_multiple if offer else 1
        lead = DEFAULT_LEAD_TIME_DAYS
        if offer:
            lead = (
                offer.lead_time_days
                if offer.lead_time_days is not None
                else offer.supplier.lead_time_days
            )
        if daily >= FORECAST_FROM_DAILY:
            fields = {"policy": "forecast", "min_quantity": 0, "max_quantity": 0}
        else:
            low = math.ceil(daily * (lead + REVIEW_DAYS))
            high = max(low + pack, math.ceil(daily * (lead + COVER_DAYS)))
            fields = {"policy": "min_max", "min_quantity": low, "max_quantity": high}
        reorder_rule_create(product_id=product_id, warehouse_id=warehouse.pk, **fields)
    return len(stocked)
