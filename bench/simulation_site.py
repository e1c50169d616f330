"""The simulation's site: suppliers, products and their offers, two warehouses with a bin per
product, the history before day 1, and each warehouse's reorder rules and opening stock.

Master data (products, offers, bins) is bulk-inserted: setup, not what is studied. Suppliers,
warehouses, rules, demand history, forecasts and stock moves go through their services.

Before day 1, ``WARMUP_DAYS`` days of history are recorded as demand (all of it shipped). The
min/max purchaser sets each rule from that history as one would without a forecast:
min = 1.5 x the lead time's demand at the history's average (the lead-time demand plus half of
it as a buffer), max = min + 7 days of demand (the forecast's review period, so that both
policies order about as often), at least 1 and min + 1, never changed afterwards. The forecast
rules have min = max = 0: the forecast alone sets the reorder point and the order-up-to level.
Each warehouse opens with its own policy's target: max, or the first night's order-up-to level.
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from bench.simulation_demand import SUPPLIERS, ProductSpec
from bench.simulation_figures import POLICIES

START = date(2025, 1, 6)  # day 1; the ledger keeps the real clock, demand and orders this one
WARMUP_DAYS = 28
MIN_MAX_BUFFER = 0.5  # min/max: min = lead-time demand x (1 + this)
MIN_MAX_COVER_DAYS = 7  # min/max: max = min + this many days of demand


@dataclass
class Site:
    specs: dict[int, ProductSpec]  # product id -> its spec
    products: dict[int, Any]  # product id -> Product
    warehouses: dict[str, Any]  # policy -> Warehouse
    bins: dict[tuple[int, int], int]  # (product id, warehouse id) -> storage bin id
    docks: dict[int, Any]  # warehouse id -> receiving Location
    customers: dict[int, int]  # warehouse id -> customers' virtual location id
    suppliers: dict[int, int]  # warehouse id -> suppliers' virtual location id
    lead_times: dict[int, int]  # supplier id -> days
    purchaser_id: int
    classes: dict[int, str] = field(default_factory=dict)  # product id -> ABC class tonight


def _prefix() -> str:
    """A code prefix no earlier run in this database used."""
    from inventory.models import Warehouse

    return f"SIM{Warehouse.objects.filter(code__startswith='SIM').count() // 2 + 1}"


def build_site(specs: list[ProductSpec], *, warmup: int) -> Site:
    """Suppliers, products, offers, two warehouses with a bin per product, the warm-up history
    and both warehouses' rules. Master data is bulk-inserted (setup, not what is studied);
    warehouses, suppliers, rules and demand go through their services."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model

    from inventory.models import Product, SupplierProduct
    from inventory.services.catalog import supplier_create
    from inventory.services.demand import demand_record
    from warehouse.models import Location
    from warehouse.services.layout import warehouse_setup
    from warehouse.services.virtual import virtual_location

    prefix = _prefix()
    suppliers = [
        supplier_create(code=f"{prefix}-{name}", name=f"Simulation {name}", lead_time_days=days)
        for name, days, _ in SUPPLIERS
    ]
    products = Product.objects.bulk_create(
        Product(
            sku=f"{prefix}-{spec.index:04d}",
            name=f"Simulated {spec.pattern} product {spec.index}",
            unit_cost=Decimal(f"{spec.unit_cost:.2f}"),
        )
        for spec in specs
    )
    SupplierProduct.objects.bulk_create(
        SupplierProduct(
            supplier=suppliers[spec.supplier],
            product=product,
            unit_cost=Decimal(f"{spec.unit_cost * 0.6:.2f}"),
            min_order_quantity=spec.pack,
            pack_multiple=spec.pack,
        )
        for spec, product in zip(specs, products, strict=True)
    )
    warehouses = {
        policy: warehouse_setup(code=f"{prefix}-{code}", name=f"Simulation: {policy}")
        for policy, code in zip(POLICIES, ("FC", "MM"), strict=True)
    }
    bins = Location.objects.bulk_create(
        Location(
            warehouse=warehouse,
            code=f"B-{product.sku}",
            barcode=f"B-{product.sku}",
            kind=Location.Kind.STORAGE,
            home_product=product,
        )
        for warehouse in warehouses.values()
        for product in products
    )
    site = Site(
        specs={p.pk: s for p, s in zip(products, specs, strict=True)},
        products={p.pk: p for p in products},
        warehouses=warehouses,
        bins={(b.home_product_id, b.warehouse_id): b.pk for b in bins},
        docks={
            w.pk: Location.objects.get(warehouse=w, kind=Location.Kind.RECEIVING)
            for w in warehouses.values()
        },
        customers={
            w.pk: virtual_location(warehouse_id=w.pk, kind=Location.Kind.CUSTOMER).pk
            for w in warehouses.values()
        },
        suppliers={
            w.pk: virtual_location(warehouse_id=w.pk, kind=Location.Kind.SUPPLIER).pk
            for w in warehouses.values()
        },
        lead_times={s.pk: s.lead_time_days for s in suppliers},
        purchaser_id=get_user_model().objects.create_user(username=f"{prefix}-purchaser").pk,
    )
    for day in range(warmup):  # the history before day 1: all demand was shipped
        demand_record(
            shipped={
                (pid, w.pk): spec.demand[day]
                for pid, spec in site.specs.items()
                for w in warehouses.values()
            },
            on=START - timedelta(days=warmup - day),
        )
    _rules_create(site, suppliers, warmup)
    return site


def min_max_levels(*, history: list[int] | tuple[int, ...], lead_time: int) -> tuple[int, int]:
    """The purchaser's min and max without a forecast, from the history's average."""
    average = sum(history) / len(history) if history else 0.0
    low = max(1, math.ceil(average * lead_time * (1 + MIN_MAX_BUFFER)))
    return low, low + max(1, math.ceil(average * MIN_MAX_COVER_DAYS))


def _rules_create(site: Site, suppliers: list[Any], warmup: int) -> None:
    from inventory.models import ReorderRule
    from inventory.services.rules import reorder_rule_create

    for pid, spec in site.specs.items():
        reorder_rule_create(
            product_id=pid,
            warehouse_id=site.warehouses["forecast"].pk,
            policy=ReorderRule.Policy.FORECAST,
        )
        low, high = min_max_levels(
            history=spec.demand[:warmup], lead_time=suppliers[spec.supplier].lead_time_days
        )
        reorder_rule_create(
            product_id=pid,
            warehouse_id=site.warehouses["min_max"].pk,
            policy=ReorderRule.Policy.MIN_MAX,
            min_quantity=low,
            max_quantity=high,
        )


def forecasts_compute(site: Site, *, today: date) -> dict[int, int]:
    """Tonight's forecasts of the forecast warehouse (``today``: the day about to start); the
    products' ABC classes follow them. Returns each product's order-up-to level."""
    from inventory.models import DemandForecast
    from inventory.services.forecasting import demand_forecasts_compute

    warehouse_id = site.warehouses["forecast"].pk
    demand_forecasts_compute(today=today, warehouse_id=warehouse_id)
    rows = {
        pid: (abc_class, order_up_to)
        for pid, abc_class, order_up_to in DemandForecast.objects.filter(
            warehouse_id=warehouse_id, product_id__in=site.specs
        ).values_list("product_id", "abc_class", "order_up_to")
    }
    site.classes = {pid: rows[pid][0] if pid in rows else "C" for pid in site.specs}
    return {pid: order_up_to for pid, (_, order_up_to) in rows.items()}


def opening_stock(site: Site, order_up_to: dict[int, int]) -> None:
    """Each warehouse starts at its own policy's target stock."""
    from django.db import transaction

    from inventory.models import ReorderRule
    from warehouse.models import StockMove
    from warehouse.services.moves import MoveLine, moves_apply

    maxima = dict(
        ReorderRule.objects.filter(warehouse=site.warehouses["min_max"]).values_list(
            "product_id", "max_quantity"
        )
    )
    targets = {
        "forecast": order_up_to,
        "min_max": maxima,
    }
    lines = []
    for policy, warehouse in site.warehouses.items():
        lines += [
            MoveLine(pid, quantity, site.suppliers[warehouse.pk], site.bins[(pid, warehouse.pk)])
            for pid, quantity in sorted(targets[policy].items())
            if quantity > 0 and pid in site.specs
        ]
    with transaction.atomic():
        moves_apply(lines=lines, kind=StockMove.Kind.RECEIPT, reference="simulation: opening")
