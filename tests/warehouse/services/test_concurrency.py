"""Concurrency on real PostgreSQL: threads with their own connections, started together."""

import threading
from collections import Counter

import pytest
from django.db import connection

from inventory.errors import InsufficientStock
from inventory.models import StockLevel
from tests.concurrency import run_together
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, TaskFactory, dock
from warehouse.models import Quant, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.intake import stock_receive
from warehouse.services.moves import MoveLine, moves_apply, stock_move
from warehouse.services.tasks import task_claim


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_never_hand_out_the_same_task():
    warehouse = WarehouseFactory()
    tasks = [TaskFactory(warehouse=warehouse, priority=1 + i % 3) for i in range(30)]
    users = [_user(f"picker{i}", "floor") for i in range(6)]

    def claim_all(user_id: int) -> list[int]:
        claimed = []
        while True:
            task = task_claim(user_id=user_id, warehouse_id=warehouse.pk)
            if task is None:
                return claimed
            claimed.append(task.pk)
            # Finish it so the next claim takes a new one (a held task is handed back).
            Task.objects.filter(pk=task.pk).update(status=Task.Status.DONE)

    results = run_together([lambda u=u: claim_all(u.pk) for u in users])

    claimed = [task_id for result in results for task_id in result]
    assert Counter(claimed).most_common(1)[0][1] == 1, "a task was claimed twice"
    assert sorted(claimed) == sorted(t.pk for t in tasks)
    assert sum(1 for result in results if result) > 1, "claims did not run side by side"


@pytest.mark.django_db(transaction=True)
def test_claim_skips_a_task_another_transaction_holds_without_waiting():
    """While another handheld's transaction holds the first task, a claim returns the next
    one at once (SKIP LOCKED) instead of waiting for the lock."""
    from django.db import transaction

    warehouse = WarehouseFactory()
    first, second = TaskFactory(warehouse=warehouse), TaskFactory(warehouse=warehouse)
    user = _user("b", "floor")
    held, release = threading.Event(), threading.Event()

    def hold_first() -> None:
        with transaction.atomic():
            list(Task.objects.select_for_update().filter(pk=first.pk))
            held.set()
            release.wait(30)
        connection.close()

    holder = threading.Thread(target=hold_first)
    holder.start()
    try:
        assert held.wait(10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")  # waiting would fail, not hang
        claimed = task_claim(user_id=user.pk, warehouse_id=warehouse.pk)
    finally:
        release.set()
        holder.join(30)
    assert claimed.pk == second.pk
    assert claimed.assignee_id == user.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_never_take_more_than_the_bin_holds():
    warehouse = WarehouseFactory()
    product = ProductFactory()
    source = LocationFactory(warehouse=warehouse)
    target = LocationFactory(warehouse=warehouse)
    stock_receive(location=source, product_id=product.pk, quantity=10)

    results = run_together(
        [
            lambda: stock_move(
                product_id=product.pk,
                quantity=3,
                from_location_id=source.pk,
                to_location_id=target.pk,
            )
            for _ in range(8)
        ]
    )

    moved = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(moved) == 3
    assert all(isinstance(r, InsufficientStock) for r in refused)
    assert Quant.objects.get(location=source).quantity == 1
    assert Quant.objects.get(location=target).quantity == 9
    assert StockLevel.objects.get(product=product, warehouse=warehouse).on_hand == 10
    assert stock_drift().is_clean


@pytest.mark.django_db(transaction=True)
def test_opposite_order_multi_line_moves_do_not_deadlock():
    """Lines named in opposite orders still lock in one global order: all succeed."""
    warehouse = WarehouseFactory()
    products = [ProductFactory() for _ in range(3)]
    left, right = LocationFactory(warehouse=warehouse), LocationFactory(warehouse=warehouse)
    for product in products:
        stock_receive(location=left, product_id=product.pk, quantity=100)
        stock_receive(location=right, product_id=product.pk, quantity=100)

    def shuffle(forward: bool) -> None:
        from django.db import transaction

        ordered = products if forward else list(reversed(products))
        src, dst = (left, right) if forward else (right, left)
        for _ in range(10):
            with transaction.atomic():
                moves_apply(
                    lines=[MoveLine(p.pk, 1, src.pk, dst.pk) for p in ordered], kind="transfer"
                )

    results = run_together([lambda f=f: shuffle(f) for f in (True, False, True, False)])

    assert [r for r in results if isinstance(r, Exception)] == []
    assert stock_drift().is_clean
    for product in products:
        assert StockLevel.objects.get(product=product, warehouse=warehouse).on_hand == 200


@pytest.mark.django_db(transaction=True)
def test_concurrent_putaways_into_one_bin_never_exceed_its_capacity():
    warehouse = WarehouseFactory()
    bin_ = LocationFactory(warehouse=warehouse, capacity_units=10)
    products = [ProductFactory() for _ in range(6)]
    for product in products:
        stock_receive(location=dock(warehouse), product_id=product.pk, quantity=4)

    results = run_together(
        [
            lambda p=p: stock_move(
                product_id=p.pk,
                quantity=4,
                from_location_id=dock(warehouse).pk,
                to_location_id=bin_.pk,
            )
            for p in products
        ]
    )

    assert sum(1 for r in results if not isinstance(r, Exception)) == 2
    assert sum(q.quantity for q in Quant.objects.filter(location=bin_)) == 8
    assert stock_drift().is_clean
