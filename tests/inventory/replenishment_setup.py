"""Building blocks for the replenishment tests: offers, rules, levels, forecasts, demand.

Levels are written through inventory's own service (``stock_levels_apply`` under its lock), as
the warehouse does; offers and forecasts have no write service of their own (the nightly
forecast writes forecasts in bulk), so they are created directly.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from inventory.locks import stock_levels_lock
from inventory.models import DemandForecast, DemandRecord, StockLevel, SupplierProduct
from inventory.services.levels import LEVEL_FIELDS, stock_levels_apply
from inventory.services.rules import reorder_rule_create


def offer(supplier, product, cost="1.00", *, lead=None, moq=1, pack=1, active=True):
    return SupplierProduct.objects.create(
        supplier=supplier,
        product=product,
        unit_cost=Decimal(cost),
        lead_time_days=lead,
        min_order_quantity=moq,
        pack_multiple=pack,
        is_active=active,
    )


def rule(product, warehouse, minimum=0, maximum=0, **fields):
    return reorder_rule_create(
        product=product, warehouse=warehouse, min_quantity=minimum, max_quantity=maximum, **fields
    )


def level_set(product, warehouse, *, available=0, on_order=0, **buckets) -> StockLevel:
    """Make the level hold ``available`` free units, ``on_order`` and the given other buckets
    (in_qc=..., reserved=...): on hand is their sum."""
    key = (product.pk, warehouse.pk)
    with transaction.atomic():
        current = stock_levels_lock(keys=[key])[key]
        wanted = {"on_order": on_order, **buckets}
        wanted["on_hand"] = available + sum(buckets.values())
        deltas = {f: wanted.get(f, 0) - getattr(current, f) for f in LEVEL_FIELDS}
        stock_levels_apply(deltas={key: deltas})
    return StockLevel.objects.get(product=product, warehouse=warehouse)


def forecast(product, warehouse, *, average=0.0, point=0, up_to=0, lead=7, safety=0.0):
    return DemandForecast.objects.update_or_create(
        product=product,
        warehouse=warehouse,
        defaults={
            "method": "ewma",
            "average_daily": average,
            "reorder_point": point,
            "order_up_to": up_to,
            "lead_time_days": lead,
            "safety_stock": safety,
        },
    )[0]


def demand(product, warehouse, by_day: dict[date, int]) -> None:
    DemandRecord.objects.bulk_create(
        DemandRecord(product=product, warehouse=warehouse, date=day, quantity=quantity)
        for day, quantity in by_day.items()
    )


def days_before(today: date, *ages: int) -> list[date]:
    return [today - timedelta(days=age) for age in ages]
