"""Outbound states for the page tests, made through the real services: a warehouse with stock
in two aisles, orders allocated with their picks, waves released, batches claimed."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from inventory.models import Product, Warehouse
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Location, Lot, Order, Task
from warehouse.services.allocation import orders_allocate
from warehouse.services.intake import stock_receive
from warehouse.services.lots import lot_resolve
from warehouse.services.orders import OrderLineInput, order_create
from warehouse.services.picking import pick_task_complete, pick_tasks_create
from warehouse.services.tasks import task_claim
from warehouse.services.waves import wave_release


@dataclass
class Outbound:
    warehouse: Warehouse
    bins: dict[str, Location]
    bolt: Product
    glove: Product
    milk: Product
    lot_a: Lot
    lot_b: Lot


def outbound_site(code: str = "MAIN") -> Outbound:
    """Bins in two aisles (A-01-0n at x=2, B-01-0n at x=6); bolts in A-01-01 (received long
    ago) and B-01-02 (lately), gloves in A-01-02, milk of two lots (A expires first) in
    A-01-03 and B-01-03."""
    warehouse = WarehouseFactory(code=code, name=f"{code} warehouse")
    bins = {}
    for aisle, x in (("A", 2.0), ("B", 6.0)):
        for n in range(1, 5):
            bin_code = f"{aisle}-01-{n:02d}"
            bins[bin_code] = LocationFactory(
                warehouse=warehouse,
                code=bin_code,
                aisle=aisle,
                x=x,
                y=float(n * 2),
                pick_sequence=n,
            )
    bolt = ProductFactory(sku=f"{code}-BOLT", name="Hex bolt M8 x 40, zinc")
    glove = ProductFactory(sku=f"{code}-GLOVE", name="Nitrile gloves, size L")
    milk = ProductFactory(
        sku=f"{code}-MILK", name="Whole milk 1 l", tracking=Product.Tracking.LOT_EXPIRY
    )
    lot_a = lot_resolve(product=milk, code="LA", expiry_date=date(2031, 3, 31), create=True)
    lot_b = lot_resolve(product=milk, code="LB", expiry_date=date(2031, 9, 30), create=True)
    old = timezone.now() - timedelta(days=30)
    stock_receive(location=bins["A-01-01"], product_id=bolt.pk, quantity=10, received_at=old)
    stock_receive(location=bins["B-01-02"], product_id=bolt.pk, quantity=20)
    stock_receive(location=bins["A-01-02"], product_id=glove.pk, quantity=50)
    stock_receive(location=bins["A-01-03"], product_id=milk.pk, quantity=6, lot_id=lot_a.pk)
    stock_receive(location=bins["B-01-03"], product_id=milk.pk, quantity=6, lot_id=lot_b.pk)
    return Outbound(warehouse, bins, bolt, glove, milk, lot_a, lot_b)


def take(site: Outbound, *lines: tuple[Product, int], reference: str, **extra) -> Order:
    return order_create(
        warehouse=site.warehouse,
        reference=reference,
        lines=[OrderLineInput(product, quantity) for product, quantity in lines],
        **extra,
    ).order


def allocated(site: Outbound, *lines: tuple[Product, int], reference: str, **extra) -> Order:
    """An order allocated with its pick tasks, as the worker leaves it."""
    order = take(site, *lines, reference=reference, **extra)
    orders_allocate(order_ids=[order.pk])
    pick_tasks_create(order_ids=[order.pk])
    order.refresh_from_db()
    return order


def claimed_batch(site: Outbound, user, *orders: Order, picks_per_batch: int = 20) -> Task:
    """The orders released as one wave and its (first) batch claimed by ``user``: the first
    pick in route order."""
    wave_release(
        warehouse_id=site.warehouse.pk,
        order_ids=[o.pk for o in orders],
        picks_per_batch=picks_per_batch,
    )
    task = task_claim(user_id=user.pk, warehouse_id=site.warehouse.pk, kinds=[Task.Kind.PICK])
    assert task is not None
    return task


def pick_all(site: Outbound, user) -> None:
    """The user picks every pick they hold, in full."""
    while True:
        task = (
            Task.objects.filter(assignee=user, kind=Task.Kind.PICK, status=Task.Status.ASSIGNED)
            .select_related("source_location", "product")
            .order_by("route_sequence", "id")
            .first()
        )
        if task is None:
            return
        pick_task_complete(
            task_id=task.pk,
            user_id=user.pk,
            scanned_location=task.source_location.code,
            scanned_product=task.product.sku,
            lot_code=task.lot.code if task.lot_id else None,
        )


def picked_order(site: Outbound, user, *lines, reference: str) -> Order:
    order = allocated(site, *lines, reference=reference)
    claimed_batch(site, user, order)
    pick_all(site, user)
    order.refresh_from_db()
    return order


def gs1(product: Product, lot: str, expiry: date = date(2031, 3, 31)) -> str:
    return f"(01){product.barcode.zfill(14)}(17){expiry:%y%m%d}(10){lot}"
