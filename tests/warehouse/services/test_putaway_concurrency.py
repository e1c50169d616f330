"""Putaway under concurrency, on real PostgreSQL: threads with their own connections, released
at the same instant (tests/concurrency.py).

Two promises are at stake: a bin never physically holds more than ``capacity_units`` however
many workers reach it at once (completion locks the bin row), and two planners never promise
the same free room twice (planning takes turns per warehouse).
"""

from collections import defaultdict

import pytest
from django.db import transaction
from django.db.models import F, Sum

from inventory.errors import OverCapacity
from tests.concurrency import run_together
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, TaskFactory, dock
from warehouse.models import Location, Quant, ReceiptItem, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.inbound_planning import receipt_plan
from warehouse.services.intake import stock_receive
from warehouse.services.putaway import PutawayNeed, putaway_task_complete, putaway_tasks_plan
from warehouse.services.receiving import ReceivedEntry, receipt_create, receipt_receive


def stored(location) -> int:
    return Quant.objects.filter(location=location).aggregate(total=Sum("quantity"))["total"] or 0


def putaway_task(warehouse, product, quantity, destination, key):
    """Stock waiting on the dock and a task sending it to ``destination``."""
    stock_receive(location=dock(warehouse), product_id=product.pk, quantity=quantity)
    return TaskFactory(
        warehouse=warehouse,
        kind=Task.Kind.PUTAWAY,
        product=product,
        quantity=quantity,
        source_location=dock(warehouse),
        destination_location=destination,
        origin_key=key,
    )


def complete(task, user):
    def work():
        return putaway_task_complete(
            task_id=task.pk,
            user_id=user.pk,
            scanned_location=task.source_location.code,
            scanned_product=task.product.sku,
        )

    return work


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "same_product",
    [
        pytest.param(True, id="same-product"),  # also serialised by the product's level row
        pytest.param(False, id="different-products"),  # only the bin's row lock stands between
    ],
)
def test_two_workers_filling_the_last_room_of_a_bin_at_once_never_overfill_it(same_product):
    warehouse = WarehouseFactory()
    tight = LocationFactory(warehouse=warehouse, code="TIGHT", capacity_units=10)
    stock_receive(location=tight, product_id=ProductFactory().pk, quantity=6)  # room for 4
    first = ProductFactory()
    products = [first, first if same_product else ProductFactory()]
    tasks = [putaway_task(warehouse, p, 4, tight, f"t:{i}") for i, p in enumerate(products)]
    users = [_user(f"putter{i}", "floor") for i in range(2)]

    results = run_together([complete(t, u) for t, u in zip(tasks, users, strict=True)])

    done = [r for r in results if isinstance(r, Task)]
    refused = [r for r in results if isinstance(r, OverCapacity)]
    assert (len(done), len(refused)) == (1, 1), results
    assert refused[0].extra["room"] == 0
    assert stored(tight) == 10
    loser = tasks[results.index(refused[0])]
    loser.refresh_from_db()
    # The refusal rolled back everything, even the claim made on the way.
    assert (loser.status, loser.quantity_done, loser.assignee_id) == ("open", 0, None)
    assert StockMove.objects.filter(kind="putaway").count() == 1
    assert Quant.objects.get(location=dock(warehouse), product=loser.product).quantity == 4
    assert stock_drift().is_clean


@pytest.mark.django_db(transaction=True)
def test_many_workers_racing_for_one_bin_fill_it_exactly_and_no_further():
    warehouse = WarehouseFactory()
    bin_ = LocationFactory(warehouse=warehouse, code="RACE", capacity_units=10)
    products = [ProductFactory() for _ in range(6)]
    tasks = [putaway_task(warehouse, p, 3, bin_, f"race:{i}") for i, p in enumerate(products)]
    users = [_user(f"racer{i}", "floor") for i in range(6)]

    results = run_together([complete(t, u) for t, u in zip(tasks, users, strict=True)])

    done = [r for r in results if isinstance(r, Task)]
    assert len(done) == 3  # 3 x 3 = 9 fit into 10; a fourth would make 12
    assert all(isinstance(r, OverCapacity) for r in results if not isinstance(r, Task))
    assert stored(bin_) == 9
    assert StockMove.objects.filter(kind="putaway").count() == 3
    assert stock_drift().is_clean


@pytest.mark.django_db(transaction=True)
def test_two_workers_whose_units_both_fit_both_succeed():
    warehouse = WarehouseFactory()
    bin_ = LocationFactory(warehouse=warehouse, code="ROOMY", capacity_units=10)
    tasks = [putaway_task(warehouse, ProductFactory(), 5, bin_, f"fit:{i}") for i in range(2)]
    users = [_user(f"fitter{i}", "floor") for i in range(2)]

    results = run_together([complete(t, u) for t, u in zip(tasks, users, strict=True)])

    assert all(isinstance(r, Task) and r.status == Task.Status.DONE for r in results), results
    assert stored(bin_) == 10
    assert stock_drift().is_clean


# --- planners ----------------------------------------------------------------------------------


def promised_room(warehouse) -> dict[str, tuple[int, int, int]]:
    """Per limited bin: (capacity, stored, units active putaway tasks are bringing)."""
    incoming = dict(
        Task.objects.filter(
            warehouse=warehouse,
            kind=Task.Kind.PUTAWAY,
            status__in=Task.ACTIVE_STATUSES,
            destination_location__isnull=False,
        )
        .values_list("destination_location")
        .annotate(total=Sum(F("quantity") - F("quantity_done")))
    )
    return {
        b.code: (b.capacity_units, stored(b), incoming.get(b.pk, 0))
        for b in Location.objects.filter(warehouse=warehouse, capacity_units__isnull=False)
    }


@pytest.mark.django_db(transaction=True)
def test_two_planners_at_once_never_promise_the_same_room_twice():
    warehouse = WarehouseFactory()
    for i in range(3):
        LocationFactory(warehouse=warehouse, code=f"S{i}", capacity_units=10, x=1 + i, y=0)
    products = [ProductFactory() for _ in range(4)]
    receipts = []
    for pair in (products[:2], products[2:]):
        receipt = receipt_create(warehouse=warehouse)
        receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(p, 12) for p in pair])
        receipts.append(receipt)

    # A worker on the broker may plan these receipts as well; all planners take turns alike.
    results = run_together([lambda r=r: receipt_plan(receipt_id=r.pk) for r in receipts])

    assert not [r for r in results if isinstance(r, Exception)], results
    for code, (capacity, held, incoming) in promised_room(warehouse).items():
        assert held + incoming <= capacity, code
    # 48 units arrived, 30 fit: the bins are promised exactly full, the rest waits for a bin.
    assert sum(incoming for _, _, incoming in promised_room(warehouse).values()) == 30
    homeless = Task.objects.filter(warehouse=warehouse, destination_location__isnull=True)
    assert sum(homeless.values_list("quantity", flat=True)) == 18
    for item in ReceiptItem.objects.filter(line__receipt__warehouse=warehouse):
        assert item.planned_at is not None
        planned = item.tasks.aggregate(total=Sum("quantity"))["total"]
        assert planned == item.quantity, "an item was planned twice or not at all"


@pytest.mark.django_db(transaction=True)
def test_parallel_putaway_planning_in_one_warehouse_spends_each_unit_of_room_once():
    warehouse = WarehouseFactory()
    origin = dock(warehouse)
    for i in range(4):
        LocationFactory(warehouse=warehouse, code=f"S{i}", capacity_units=7, x=1 + i, y=0)
    products = [ProductFactory() for _ in range(6)]
    for product in products:
        stock_receive(location=origin, product_id=product.pk, quantity=9)

    def planner(product):
        def work():
            with transaction.atomic():
                return putaway_tasks_plan(
                    origin=origin,
                    needs=[
                        PutawayNeed(
                            product_id=product.pk,
                            lot_id=None,
                            quantity=9,
                            origin_key=f"par:{product.pk}",
                        )
                    ],
                )

        return work

    results = run_together([planner(p) for p in products])

    assert not [r for r in results if isinstance(r, Exception)], results
    per_bin: dict[int, int] = defaultdict(int)
    for tasks in results:
        assert sum(t.quantity for t in tasks) == 9
        for task in tasks:
            if task.destination_location_id:
                per_bin[task.destination_location_id] += task.quantity
    assert all(quantity <= 7 for quantity in per_bin.values()), per_bin
    assert sum(per_bin.values()) == 28  # 54 units, room for 4 x 7
