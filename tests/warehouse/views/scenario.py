"""A small, realistic warehouse for the page tests, built through the real services."""

from dataclasses import dataclass
from datetime import date

from inventory.models import Product, Warehouse
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, TaskFactory, dock
from warehouse.models import Location, Task, Zone
from warehouse.services.intake import stock_receive
from warehouse.services.lots import lot_resolve


@dataclass
class Site:
    warehouse: Warehouse
    reserve: Zone
    pick: Zone
    bins: dict[str, Location]
    bolt: Product
    milk: Product
    glove: Product
    putaway: Task
    pick_task: Task


def site_build(*, code: str = "MAIN", name: str = "Main warehouse") -> Site:
    """Two zones, four bins, three products (one tracked by lot and expiry), stock in the
    bins and on the dock, an urgent putaway and a pick waiting in the queue."""
    warehouse = WarehouseFactory(code=code, name=name)
    # No service makes zones outside warehouse_setup yet; a zone is plain master data.
    reserve = Zone.objects.create(warehouse=warehouse, code="A", name="Reserve racking")
    pick = Zone.objects.create(warehouse=warehouse, code="P", name="Pick face")
    bins = {
        "A-01-01": LocationFactory(
            warehouse=warehouse, zone=reserve, code="A-01-01", pick_sequence=10
        ),
        "A-01-02": LocationFactory(
            warehouse=warehouse, zone=reserve, code="A-01-02", pick_sequence=11, capacity_units=200
        ),
        "P-01-01": LocationFactory(
            warehouse=warehouse, zone=pick, code="P-01-01", kind=Location.Kind.PICK, pick_sequence=1
        ),
        "P-01-02": LocationFactory(
            warehouse=warehouse, zone=pick, code="P-01-02", kind=Location.Kind.PICK, pick_sequence=2
        ),
    }
    bolt = ProductFactory(sku=f"{code}-BOLT-M8", name="Hex bolt M8 x 40, zinc")
    milk = ProductFactory(
        sku=f"{code}-MILK-1L", name="Whole milk 1 l", tracking=Product.Tracking.LOT_EXPIRY
    )
    glove = ProductFactory(sku=f"{code}-GLOVE-L", name="Nitrile gloves, size L")
    lot = lot_resolve(
        product=milk, code=f"{code}-L2406", expiry_date=date(2031, 6, 30), create=True
    )
    stock_receive(location=bins["A-01-01"], product_id=bolt.pk, quantity=120)
    stock_receive(location=bins["P-01-01"], product_id=bolt.pk, quantity=35)
    stock_receive(location=bins["P-01-02"], product_id=milk.pk, quantity=24, lot_id=lot.pk)
    stock_receive(location=dock(warehouse), product_id=glove.pk, quantity=60)
    putaway = TaskFactory(
        warehouse=warehouse,
        kind=Task.Kind.PUTAWAY,
        product=glove,
        quantity=60,
        source_location=dock(warehouse),
        destination_location=bins["A-01-02"],
        priority=1,
        reference="receipt:1",
    )
    pick_task = TaskFactory(
        warehouse=warehouse,
        kind=Task.Kind.PICK,
        product=bolt,
        quantity=5,
        source_location=bins["P-01-01"],
        destination_location=Location.objects.get(warehouse=warehouse, code="STAGE-01"),
        priority=5,
        reference="order:SO-1001",
    )
    return Site(
        warehouse=warehouse,
        reserve=reserve,
        pick=pick,
        bins=bins,
        bolt=bolt,
        milk=milk,
        glove=glove,
        putaway=putaway,
        pick_task=pick_task,
    )


def page_text(response) -> str:
    """The visible text of a response: tags dropped, whitespace collapsed."""
    import re
    from html import unescape

    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())
