"""Two warehouses of a purchasing desk, built through the real services: suppliers and offers,
reorder rules, stock levels, eight weeks of demand, and the review's open suggestions.

MAIN needs bolts (critical: nothing available), gloves (soon) and tape (later, no demand) from
ACME, and cable from BOLTCO; EAST needs bolts too. A product without any offer (NOSUP) gets a
suggestion without a supplier.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from inventory.models import Product, ReorderSuggestion, Supplier, UserScope, Warehouse
from inventory.services.replenishment import reorder_review
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.inventory.replenishment_setup import demand, forecast, level_set, offer, rule
from wms.roles import PURCHASER


@dataclass
class Desk:
    main: Warehouse
    east: Warehouse
    acme: Supplier
    boltco: Supplier
    products: dict[str, Product] = field(default_factory=dict)

    def suggestion(self, sku: str, warehouse: Warehouse | None = None) -> ReorderSuggestion:
        return ReorderSuggestion.objects.get(
            product__sku=sku, warehouse=warehouse or self.main, status="open"
        )


def weekly_demand(product: Product, warehouse: Warehouse, per_week: list[int]) -> None:
    """``per_week`` units shipped in each of the last weeks (oldest first), on one day each."""
    today = timezone.localdate()
    weeks = len(per_week)
    demand(
        product,
        warehouse,
        {
            today - timedelta(days=7 * (weeks - 1 - i) + 3): units
            for i, units in enumerate(per_week)
            if units
        },
    )


def desk_build() -> Desk:
    desk = Desk(
        main=WarehouseFactory(code="MAIN", name="Main warehouse"),
        east=WarehouseFactory(code="EAST", name="East depot"),
        acme=SupplierFactory(code="ACME", name="Acme Wholesale", lead_time_days=7),
        boltco=SupplierFactory(code="BOLTCO", name="Bolt & Co", lead_time_days=3),
    )
    catalogue = [
        # sku, name, supplier, cost, moq, pack
        ("BOLT-M8", "Hex bolt M8 x 40, zinc", desk.acme, "0.0450", 100, 50),
        ("GLOVE-L", "Nitrile gloves, size L", desk.acme, "4.20", 1, 1),
        ("TAPE-48", "Packing tape 48 mm", desk.acme, "1.15", 1, 6),
        ("CABLE-5M", "Patch cable Cat 6, 5 m", desk.boltco, "3.99", 1, 1),
        ("NOSUP-1", "Gadget nobody sells", None, "0", 1, 1),
    ]
    for sku, name, supplier, cost, moq, pack in catalogue:
        product = ProductFactory(sku=sku, name=name, unit_cost="2.00")
        desk.products[sku] = product
        if supplier is not None:
            offer(supplier, product, cost, moq=moq, pack=pack)
    p = desk.products
    # MAIN: bolts out of stock (critical), gloves for ~9 days (soon), tape without demand.
    rule(p["BOLT-M8"], desk.main, 200, 1000)
    level_set(p["BOLT-M8"], desk.main, available=0, on_order=0)
    weekly_demand(p["BOLT-M8"], desk.main, [140, 150, 120, 160, 170, 150, 180, 210])
    rule(p["GLOVE-L"], desk.main, 40, 120)
    level_set(p["GLOVE-L"], desk.main, available=30, on_order=5)
    weekly_demand(p["GLOVE-L"], desk.main, [20, 25, 22, 24, 26, 21, 23, 25])
    rule(p["TAPE-48"], desk.main, 10, 50)
    level_set(p["TAPE-48"], desk.main, available=4)
    rule(p["CABLE-5M"], desk.main, 20, 60)
    level_set(p["CABLE-5M"], desk.main, available=12)
    weekly_demand(p["CABLE-5M"], desk.main, [0, 3, 0, 4, 2, 0, 5, 1])
    rule(p["NOSUP-1"], desk.main, 5, 10)
    # EAST: bolts too, for the scoping tests.
    rule(p["BOLT-M8"], desk.east, 100, 400)
    level_set(p["BOLT-M8"], desk.east, available=20)
    # Average daily demand as the nightly forecast gives it (days of cover = available / it).
    for sku, average in (("BOLT-M8", 22.0), ("GLOVE-L", 3.3), ("CABLE-5M", 0.5)):
        forecast(p[sku], desk.main, average=average)
    reorder_review()
    return desk


def scoped_purchaser(username: str, *warehouses: Warehouse):
    """A purchaser who works in the given warehouses only."""
    user = get_user_model().objects.create_user(username=username, password="pw")
    user.groups.add(Group.objects.get(name=PURCHASER))
    scope = UserScope.objects.create(user=user, all_warehouses=False)
    scope.warehouses.set(warehouses)
    return user
