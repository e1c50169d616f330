"""Replenishment through the real Celery worker: nobody asks for a review, yet one happens.

An order commits; the worker allocates it (``order_allocate_task``); the allocation's level
write finds that available + on order fell to the reorder point and enqueues
``reorder_review_task`` on commit; the worker reviews and opens the suggestion. The test only
waits for the suggestion in the database, with a timeout.
"""

import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

import pytest
from django.db import transaction

from inventory.models import DemandForecast, ReorderSuggestion, StockLevel
from inventory.tasks import demand_forecasts_task
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from tests.inventory.replenishment_setup import demand, offer, rule
from warehouse.models import Order
from warehouse.services.intake import stock_receive
from warehouse.services.orders import OrderLineInput, order_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker_process"),
]

WORKER_TIMEOUT = 30  # seconds; the worker usually answers in well under one
T = TypeVar("T")


def wait_for(what: str, condition: Callable[[], T]) -> T:
    deadline = time.monotonic() + WORKER_TIMEOUT
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(
                f"the worker did not {what} within {WORKER_TIMEOUT} s; "
                "see test-artifacts/celery-worker.log"
            )
        time.sleep(0.05)
    return value


def open_suggestion(product, warehouse) -> Callable[[], ReorderSuggestion | None]:
    return lambda: ReorderSuggestion.objects.filter(
        product=product, warehouse=warehouse, status="open"
    ).first()


def test_an_allocation_below_the_reorder_point_opens_a_suggestion_by_itself():
    warehouse = WarehouseFactory()
    bin_ = LocationFactory(warehouse=warehouse)
    product, calm = ProductFactory(sku="RUNNING-LOW"), ProductFactory(sku="PLENTY")
    supplier = SupplierFactory(code="ACME", lead_time_days=4)
    offer(supplier, product, "1.10", pack=10)
    offer(supplier, calm)
    stock_receive(location=bin_, product_id=product.pk, quantity=40)
    stock_receive(location=bin_, product_id=calm.pk, quantity=400)
    rule(product, warehouse, 30, 100)
    rule(calm, warehouse, 30, 100)

    order = order_create(
        warehouse=warehouse,
        reference="SO-REPL-1",
        lines=[OrderLineInput(product, 15), OrderLineInput(calm, 15)],
    ).order

    suggestion = wait_for("open a suggestion", open_suggestion(product, warehouse))
    assert Order.objects.get(pk=order.pk).status == "allocated"
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (level.available, level.reserved) == (25, 15)
    # 100 - 25 = 75, in packs of 10: 80.
    assert (suggestion.available, suggestion.suggested_quantity) == (25, 80)
    assert (suggestion.supplier_id, suggestion.lead_time_days) == (supplier.pk, 4)
    assert suggestion.reason.startswith("Available 25 + on order 0 is at or below the minimum 30.")
    # 385 available: far above its point, so no review was even asked for it.
    assert not ReorderSuggestion.objects.filter(product=calm).exists()


def test_the_nightly_task_forecasts_then_reviews_in_the_worker():
    from datetime import timedelta

    from django.utils import timezone

    warehouse = WarehouseFactory()
    product = ProductFactory()
    offer(SupplierFactory(lead_time_days=5), product)
    rule(product, warehouse, 0, 0, policy="forecast")
    yesterday = timezone.localdate() - timedelta(days=1)
    demand(product, warehouse, {yesterday - timedelta(days=age): 6 for age in range(40)})

    with transaction.atomic():
        transaction.on_commit(partial(demand_forecasts_task.delay))

    suggestion = wait_for("forecast and review", open_suggestion(product, warehouse))
    forecast = DemandForecast.objects.get(product=product, warehouse=warehouse)
    # 6 a day, no deviation: 6 x 5 = 30, up to 30 + 6 x 7 = 72; nothing in stock: order 72.
    assert (forecast.reorder_point, forecast.order_up_to) == (30, 72)
    assert (suggestion.reorder_point, suggestion.suggested_quantity) == (30, 72)
    assert suggestion.days_of_cover == 0
