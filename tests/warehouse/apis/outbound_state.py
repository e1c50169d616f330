"""What an outbound request could change, to assert that a refused one changed nothing; and
the building blocks of the outbound API tests (a site with stock, orders allocated and
released as the worker and a supervisor would)."""

from datetime import timedelta

from django.utils import timezone

from tests.factories.inventory import WarehouseFactory
from tests.factories.warehouse import LocationFactory
from tests.warehouse.apis.inbound_state import inbound_state
from warehouse.models import (
    Allocation,
    Order,
    OrderLine,
    Package,
    PackageItem,
    PickBatch,
    Task,
    Wave,
)
from warehouse.services.allocation import orders_allocate
from warehouse.services.intake import stock_receive
from warehouse.services.orders import OrderLineInput, order_create
from warehouse.services.picking import pick_tasks_create

ORDERS = "/api/v1/orders/"
WAVES = "/api/v1/waves/"
TASKS = "/api/v1/tasks/"


def outbound_state() -> dict[str, object]:
    return {
        **inbound_state(),
        "sales_orders": sorted(
            Order.objects.values_list("id", "reference", "status", "wave_id", "cancelled_at")
        ),
        "sales_lines": sorted(
            OrderLine.objects.values_list(
                "id", "quantity", "allocated_quantity", "picked_quantity", "shipped_quantity"
            )
        ),
        "allocations": sorted(
            Allocation.objects.values_list("id", "quant_id", "quantity", "picked_quantity")
        ),
        "task_routes": sorted(
            Task.objects.values_list("id", "kind", "quantity", "batch_id", "route_sequence")
        ),
        "waves": sorted(Wave.objects.values_list("id", "status")),
        "batches": sorted(PickBatch.objects.values_list("id", "assignee_id")),
        "packages": Package.objects.count(),
        "package_items": PackageItem.objects.count(),
    }


def make_site(codes: int = 6):
    """A warehouse with bins in aisles of three: P-0..P-2 in aisle 0, P-3..P-5 in aisle 1..."""
    warehouse = WarehouseFactory()
    bins = [
        LocationFactory(
            warehouse=warehouse, code=f"P-{i}", aisle=str(i // 3), x=(i // 3) * 3.0, y=i % 3
        )
        for i in range(codes)
    ]
    return warehouse, bins


def receive(bin_, product, quantity, *, days_ago=0, lot=None):
    return stock_receive(
        location=bin_,
        product_id=product.pk,
        quantity=quantity,
        lot_id=lot.pk if lot else None,
        received_at=timezone.now() - timedelta(days=days_ago),
    )


def take_order(warehouse, *lines, reference, priority=5, **extra) -> Order:
    """An order as the API takes it; nothing allocated (that is the worker's job)."""
    return order_create(
        warehouse=warehouse,
        reference=reference,
        priority=priority,
        lines=[OrderLineInput(product, quantity) for product, quantity in lines],
        **extra,
    ).order


def allocated_order(warehouse, *lines, reference, **extra) -> Order:
    """An order allocated and with its pick tasks, as the worker leaves it."""
    order = take_order(warehouse, *lines, reference=reference, **extra)
    orders_allocate(order_ids=[order.pk])
    pick_tasks_create(order_ids=[order.pk])
    order.refresh_from_db()
    return order


def codes_in(errors: object) -> set[str]:
    """Every error code under a field, however nested (per-line errors: {"0": {...}})."""
    if isinstance(errors, dict):
        if isinstance(errors.get("code"), str):
            return {errors["code"]}
        return set().union(*(codes_in(value) for value in errors.values()))
    if isinstance(errors, list):
        return set().union(*(codes_in(value) for value in errors))
    return set()
