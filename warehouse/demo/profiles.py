"""How each product behaves in a site's history: its demand, supplier and reorder policy.

Demand follows the usual ABC shape: a few fast movers carry most of the volume (they get home
bins on the pick face), many slow movers sell a unit now and then.
"""

import math
import random
from dataclasses import dataclass

from inventory.models import Product, Warehouse
from warehouse.demo.catalog import CatalogResult, ProductSpec
from warehouse.demo.catalog_data import SUPPLIERS, SupplierData
from warehouse.demo.layout import SitePlan
from warehouse.models import Location
from warehouse.services.layout import location_update

SAFETY_DAYS = 4  # reorder when stock plus what is on order covers lead time, review + this
COVER_DAYS = 21  # and order up to lead time + this many days of demand
FREE_PICK_SLOTS = 2  # pick-face bins left without a home, for a new fast mover
_SUPPLIERS = {s.code: s for s in SUPPLIERS}


@dataclass(frozen=True)
class Profile:
    product: Product
    spec: ProductSpec
    supplier: SupplierData
    daily_demand: float  # units
    line_size: float  # units per customer order line: shops order inner packs, not units

    @property
    def inspect(self) -> bool:
        """Inbound goods go through QC first (the product or its supplier asks for it)."""
        return self.product.requires_qc or self.supplier.requires_qc

    @property
    def order_days(self) -> tuple[int, ...]:
        """Weekdays the purchaser orders from this product's supplier (periodic review)."""
        return order_days(self.supplier)

    @property
    def reorder_point(self) -> int:
        review = 7 // len(self.order_days)
        days = self.supplier.lead_time_days + review + SAFETY_DAYS
        return math.ceil(self.daily_demand * days)

    @property
    def order_up_to(self) -> int:
        days = self.supplier.lead_time_days + COVER_DAYS
        return max(self.reorder_point + self.spec.pack, math.ceil(self.daily_demand * days))

    def cartons(self, units: int) -> int:
        """``units`` rounded up to whole cartons."""
        return max(1, math.ceil(units / self.spec.pack)) * self.spec.pack


def order_days(supplier: SupplierData) -> tuple[int, ...]:
    """Quick suppliers are ordered from on Mondays and Thursdays, the others on Tuesdays."""
    return (0, 3) if supplier.lead_time_days <= 6 else (1,)


def profiles_build(*, plan: SitePlan, catalog: CatalogResult) -> list[Profile]:
    """The products the site stocks with their demand, fastest movers first."""
    rng = random.Random(f"demand-{plan.code}")
    skus = sorted(catalog.products)
    if plan.product_share < 1:
        count = max(4, round(len(skus) * plan.product_share))
        skus = sorted(rng.sample(skus, min(count, len(skus))))
    profiles = []
    for sku in skus:
        spec = catalog.specs[sku]
        draw = rng.random()
        if draw < 0.12:  # A: fast movers, ordered most days
            demand, line = rng.uniform(8, 16), rng.uniform(0.6, 1.0)
        elif draw < 0.42:  # B
            demand, line = rng.uniform(2, 5), rng.uniform(0.4, 0.8)
        else:  # C: slow movers, an order now and then (intermittent demand)
            demand, line = rng.uniform(0.1, 1.0), rng.uniform(0.3, 0.6)
        profiles.append(
            Profile(
                catalog.products[sku],
                spec,
                _SUPPLIERS[spec.supplier_code],
                daily_demand=round(demand * plan.demand_factor, 2),
                line_size=max(1.0, round(spec.pack * line, 1)),
            )
        )
    return sorted(profiles, key=lambda p: (-p.daily_demand, p.product.sku))


def home_bins_assign(*, warehouse: Warehouse, profiles: list[Profile]) -> int:
    """Give the fastest movers a home bin on the pick face, nearest bins to the best sellers.

    Only bins without a home and products without one here are paired; returns how many.
    """
    pick_bins = Location.objects.filter(warehouse=warehouse, kind=Location.Kind.PICK)
    homed = set(pick_bins.exclude(home_product=None).values_list("home_product_id", flat=True))
    free = list(pick_bins.filter(home_product=None, is_blocked=False).order_by("pick_sequence"))
    if len(free) > 2 * FREE_PICK_SLOTS:
        free = free[:-FREE_PICK_SLOTS]
    movers = [p.product for p in profiles if p.product.pk not in homed and p.daily_demand >= 1]
    for location, product in zip(free, movers, strict=False):
        location_update(location=location, home_product=product)
    return min(len(free), len(movers))
