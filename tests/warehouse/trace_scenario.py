"""A lot's life through the real services, for the trace tests: ordered from a supplier,
received at the dock, put away over two bins, picked for two customer orders (one shipped in
two packages, one picked and packed but not yet shipped), with a second lot of the same
product alongside that must never show up in the first one's trace."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from inventory.models import Product, PurchaseOrder, Supplier, Warehouse
from inventory.services.purchasing import (
    OrderLineInput as PurchaseLine,
)
from inventory.services.purchasing import (
    purchase_order_create,
    purchase_order_send,
)
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, dock
from warehouse.models import Location, Lot, Order, Receipt, Task
from warehouse.services.allocation import orders_allocate
from warehouse.services.inbound_planning import receipt_plan
from warehouse.services.orders import OrderLineInput, order_create
from warehouse.services.picking import pick_task_complete, pick_tasks_create
from warehouse.services.putaway import putaway_task_complete
from warehouse.services.receiving import ReceivedEntry, receipt_create, receipt_receive
from warehouse.services.shipping import PackedItem, order_ship, package_close
from warehouse.services.tasks import task_claim
from warehouse.services.waves import wave_release


@dataclass
class TraceSite:
    warehouse: Warehouse
    bins: list[Location]
    product: Product
    supplier: Supplier
    purchase_order: PurchaseOrder
    receipt: Receipt
    lot: Lot
    other_lot: Lot
    receiver: object
    putter: object
    picker: object
    boss: object
    shipped: Order
    packed: Order


def _put_away(site_receipt: Receipt, putter, warehouse: Warehouse, product: Product) -> None:
    # After receipt_plan every item is planned, by this call or by a worker that got there
    # first (browser tests run one): take the tasks from the database either way.
    receipt_plan(receipt_id=site_receipt.pk)
    tasks = Task.objects.filter(
        kind=Task.Kind.PUTAWAY,
        status=Task.Status.OPEN,
        receipt_item__line__receipt=site_receipt,
    ).select_related("destination_location", "lot")
    for task in tasks.order_by("pk"):
        putaway_task_complete(
            task_id=task.pk,
            user_id=putter.pk,
            scanned_location=dock(warehouse).code,
            scanned_product=product.barcode,
            destination=task.destination_location.code,
            lot_code=task.lot.code,
        )


def _pick_everything(warehouse: Warehouse, picker) -> None:
    while (
        task := task_claim(user_id=picker.pk, warehouse_id=warehouse.pk, kinds=["pick"])
    ) is not None:
        pick_task_complete(
            task_id=task.pk,
            user_id=picker.pk,
            scanned_location=task.source_location.code,
            scanned_product=task.product.barcode,
            lot_code=task.lot.code if task.lot else None,
        )


def trace_site_build(
    *, customer_a: str = "Corner Shop Ltd", customer_b: str = "Deli & Co"
) -> TraceSite:
    warehouse = WarehouseFactory(code="TRC")
    bins = [
        LocationFactory(warehouse=warehouse, code=f"B-0{i}", capacity_units=20, x=5 + i, y=0)
        for i in range(4)
    ]
    product = ProductFactory(sku="MILK-1L", name="Whole milk 1 l", tracking="lot_expiry")
    supplier = SupplierFactory(code="DAIRY", name="Green Valley Dairy")
    receiver, putter = _user("receiver", "floor"), _user("putter", "floor")
    picker, boss = _user("picker", "floor"), _user("boss", "supervisor")
    order = purchase_order_create(
        supplier=supplier, warehouse=warehouse, lines=[PurchaseLine(product, 60)]
    )
    order = purchase_order_send(purchase_order_id=order.pk)
    receipt = receipt_create(warehouse=warehouse, purchase_order=order, created_by_id=receiver.pk)
    soon = timezone.localdate() + timedelta(days=30)
    later = timezone.localdate() + timedelta(days=90)
    receipt_receive(
        receipt_id=receipt.pk,
        entries=[
            ReceivedEntry(product, 25, "L-2406", soon),
            ReceivedEntry(product, 15, "L-2406", soon),  # a second scan of the same lot
            ReceivedEntry(product, 10, "L-2407", later),
        ],
        user_id=receiver.pk,
    )
    _put_away(receipt, putter, warehouse, product)  # 40 of L-2406 over two bins of 20
    shipped = order_create(
        warehouse=warehouse,
        reference="SO-1",
        customer=customer_a,
        lines=[OrderLineInput(product, 25)],
    ).order
    packed = order_create(
        warehouse=warehouse,
        reference="SO-2",
        customer=customer_b,
        lines=[OrderLineInput(product, 8)],
    ).order
    orders_allocate(order_ids=[shipped.pk, packed.pk])  # FEFO: all from L-2406
    pick_tasks_create(order_ids=[shipped.pk, packed.pk])
    wave_release(warehouse_id=warehouse.pk, released_by_id=boss.pk)
    _pick_everything(warehouse, picker)
    lot = Lot.objects.get(product=product, code="L-2406")
    package_close(
        order_id=shipped.pk, user_id=picker.pk, items=[PackedItem(product.pk, lot.pk, 20)]
    )
    package_close(order_id=shipped.pk, user_id=picker.pk, items=[PackedItem(product.pk, lot.pk, 5)])
    order_ship(order_id=shipped.pk, user_id=boss.pk)
    package_close(order_id=packed.pk, user_id=picker.pk, items=[PackedItem(product.pk, lot.pk, 8)])
    assert not Task.objects.filter(status__in=Task.ACTIVE_STATUSES, kind="pick").exists()
    return TraceSite(
        warehouse=warehouse,
        bins=bins,
        product=product,
        supplier=supplier,
        purchase_order=order,
        receipt=receipt,
        lot=lot,
        other_lot=Lot.objects.get(product=product, code="L-2407"),
        receiver=receiver,
        putter=putter,
        picker=picker,
        boss=boss,
        shipped=Order.objects.get(pk=shipped.pk),
        packed=Order.objects.get(pk=packed.pk),
    )
