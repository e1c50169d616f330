"""Outbound under concurrency, on real PostgreSQL: threads on their own connections, released
at the same instant (tests/concurrency.py), each calling the real services.

No oversell whatever the interleaving: allocations racing each other, receipts and backorder
retries; a pick confirmed twice at once moves stock once; two pickers cannot both take a task;
a cancel or a ship racing a pick leaves one consistent outcome. After each race: every unit
promised exists, the levels' reserved equals the open allocations, the ledger and the levels
agree with the quants.

The tests commit (``transaction=True``); an order's commit also puts ``order_allocate_task``
on the broker. If the session's Celery worker is up (the flow tests start it), it allocates
those orders too: one more concurrent allocator, which the totals below must survive as well.
"""

import random
import time
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from inventory.errors import Conflict, NotAllowed
from inventory.models import StockLevel
from tests.concurrency import run_together
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Allocation, Lot, Order, OrderLine, Quant, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.allocation import backorders_allocate, orders_allocate
from warehouse.services.intake import stock_receive
from warehouse.services.orders import OrderLineInput, order_cancel, order_create
from warehouse.services.picking import pick_task_complete, pick_tasks_create
from warehouse.services.shipping import order_ship
from warehouse.services.tasks import task_claim
from warehouse.services.waves import wave_release

pytestmark = pytest.mark.django_db(transaction=True)


def receive(bin_, product, quantity, *, days_ago=0, lot=None):
    return stock_receive(
        location=bin_,
        product_id=product.pk,
        quantity=quantity,
        lot_id=lot.pk if lot else None,
        received_at=timezone.now() - timedelta(days=days_ago),
    )


def new_order(warehouse, reference, *lines, priority=5):
    return order_create(
        warehouse=warehouse,
        reference=reference,
        priority=priority,
        lines=[OrderLineInput(product, quantity) for product, quantity in lines],
    ).order


def no_errors(results):
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors


def stock_of(product, warehouse) -> int:
    return (
        Quant.objects.filter(
            product=product, warehouse=warehouse, location__kind__in=["storage", "pick"]
        ).aggregate(n=Sum("quantity"))["n"]
        or 0
    )


def allocated_of(product) -> int:
    return Allocation.objects.filter(line__product=product).aggregate(n=Sum("quantity"))["n"] or 0


def assert_promises_are_backed(warehouse, products):
    """Reserved == the open allocations, per quant and per level; lines add up; ledger clean."""
    for quant in Quant.objects.filter(warehouse=warehouse):
        assert 0 <= quant.reserved <= quant.quantity
        promised = quant.allocations.aggregate(n=Sum("quantity"))["n"] or 0
        assert quant.reserved == promised, quant
    for product in products:
        level = StockLevel.objects.get(product=product, warehouse=warehouse)
        assert level.reserved == allocated_of(product)
        assert level.available >= 0
    for line in OrderLine.objects.filter(order__warehouse=warehouse).select_related("order"):
        if line.order.status == Order.Status.CANCELLED:
            # Its picked units are on their way back; the line itself holds nothing any more.
            assert line.allocated_quantity == line.picked_quantity == 0
            continue
        given = line.allocations.aggregate(n=Sum("quantity"), p=Sum("picked_quantity"))
        assert line.allocated_quantity == (given["n"] or 0) + (given["p"] or 0) <= line.quantity
    drift = stock_drift()
    assert drift.is_clean, drift


# --- no oversell --------------------------------------------------------------------------------


@pytest.mark.parametrize("round_", range(3))
def test_ten_threads_allocating_more_than_exists_promise_exactly_the_stock(round_):
    """10 threads, 4 orders each, three products (one FEFO): 40 orders want 4x the stock."""
    rng = random.Random(round_)
    warehouse = WarehouseFactory()
    bins = [LocationFactory(warehouse=warehouse) for _ in range(6)]
    plain, by_lot = ProductFactory(), ProductFactory(tracking="lot")
    fresh = ProductFactory(tracking="lot_expiry")
    today = timezone.localdate()
    for i, bin_ in enumerate(bins[:3]):
        receive(bin_, plain, 10, days_ago=i)
    for i, bin_ in enumerate(bins[2:5]):
        receive(bin_, by_lot, 7, days_ago=i, lot=Lot.objects.create(product=by_lot, code=f"L{i}"))
    for i, bin_ in enumerate(bins[3:]):
        lot = Lot.objects.create(product=fresh, code=f"F{i}", expiry_date=today + timedelta(9 + i))
        receive(bin_, fresh, 5, days_ago=i, lot=lot)
    expired = Lot.objects.create(product=fresh, code="GONE", expiry_date=today - timedelta(1))
    receive(bins[0], fresh, 50, lot=expired)  # never to be promised
    products = [plain, by_lot, fresh]
    stock = {plain.pk: 30, by_lot.pk: 21, fresh.pk: 15}
    orders = []
    for i in range(40):
        lines = [(p, rng.randint(1, 5)) for p in rng.sample(products, k=rng.randint(1, 3))]
        orders.append(new_order(warehouse, f"R{round_}-{i}", *lines, priority=rng.randint(1, 9)))
    demand = defaultdict(int)
    for line in OrderLine.objects.filter(order__in=orders):
        demand[line.product_id] += line.quantity
    assert all(demand[p] > stock[p] for p in stock)  # more is asked than exists
    shares = [orders[i::10] for i in range(10)]

    def allocate_one_by_one(mine):
        return [len(orders_allocate(order_ids=[o.pk])) for o in mine]

    no_errors(run_together([lambda mine=mine: allocate_one_by_one(mine) for mine in shares]))

    for product in products:
        assert allocated_of(product) == stock[product.pk], product.sku  # all of it, no more
    assert not Allocation.objects.filter(lot=expired).exists()
    assert_promises_are_backed(warehouse, products)
    for order in Order.objects.filter(pk__in=[o.pk for o in orders]):
        assert order.status in (
            Order.Status.ALLOCATED,
            Order.Status.PARTIALLY_ALLOCATED,
            Order.Status.BACKORDERED,
        )


def test_allocations_receipts_and_backorder_retries_racing_leave_nothing_idle_or_oversold():
    """Allocators, receivers with their backorder retries and a multi-order allocator all at
    once; when the dust settles every unit in stock is promised, since demand exceeds it."""
    warehouse = WarehouseFactory()
    bins = [LocationFactory(warehouse=warehouse) for _ in range(8)]
    product = ProductFactory()
    receive(bins[0], product, 12, days_ago=3)
    orders = [new_order(warehouse, f"RB-{i}", (product, 5)) for i in range(16)]  # 80 wanted

    def allocate(mine):
        return orders_allocate(order_ids=[o.pk for o in mine])

    def arrive(bin_, quantity):
        receive(bin_, product, quantity)
        return backorders_allocate(product_id=product.pk, warehouse_id=warehouse.pk)

    workers = [lambda o=o: allocate([o]) for o in orders[:8]]
    workers += [lambda b=b: arrive(b, 9) for b in bins[1:6]]  # 45 more arrive meanwhile
    workers += [lambda: allocate(orders[8:])]
    no_errors(run_together(workers))
    backorders_allocate(product_id=product.pk, warehouse_id=warehouse.pk)  # the last arrival's

    assert stock_of(product, warehouse) == 57
    assert allocated_of(product) == 57
    assert_promises_are_backed(warehouse, [product])


def test_short_picks_reallocating_while_new_orders_allocate_never_oversell():
    warehouse = WarehouseFactory()
    bins = [LocationFactory(warehouse=warehouse) for _ in range(5)]
    product = ProductFactory()
    for i, bin_ in enumerate(bins):
        receive(bin_, product, 6, days_ago=10 - i)  # 30 in all
    pickers = [_user(f"picker{i}", "floor") for i in range(3)]
    first = [new_order(warehouse, f"SP-{i}", (product, 6)) for i in range(3)]
    orders_allocate(order_ids=[o.pk for o in first])
    pick_tasks_create(order_ids=[o.pk for o in first])
    tasks = list(Task.objects.filter(order__in=first, kind="pick").order_by("order_id"))
    late = [new_order(warehouse, f"LATE-{i}", (product, 4)) for i in range(4)]  # 16 for 12 left

    def short(task, picker):
        # Only 2 of 6 found: 4 go back, to be reallocated elsewhere or backordered.
        return pick_task_complete(
            task_id=task.pk,
            user_id=picker.pk,
            scanned_location=task.source_location.code,
            scanned_product=task.product.sku,
            quantity=2,
        )

    workers = [lambda t=t, p=p: short(t, p) for t, p in zip(tasks, pickers, strict=True)]
    workers += [lambda o=o: orders_allocate(order_ids=[o.pk]) for o in late]
    no_errors(run_together(workers))

    # 6 picked; 24 left on the books, of which the 12 in the three short bins wait for their
    # counts and are promised to nobody. The other 12 are promised exactly once, whatever came
    # first (a retry, as arriving stock would trigger, finds nothing more to give).
    assert stock_of(product, warehouse) == 24
    assert_promises_are_backed(warehouse, [product])
    backorders_allocate(product_id=product.pk, warehouse_id=warehouse.pk)
    assert allocated_of(product) == 12
    short_bins = [t.source_location_id for t in tasks]
    assert not Quant.objects.filter(location__in=short_bins, reserved__gt=0).exists()
    assert Task.objects.filter(kind="count").count() == 3
    assert_promises_are_backed(warehouse, [product])


# --- picks confirmed twice, by one picker or two -------------------------------------------------


@pytest.fixture
def one_pick():
    """An order of 5 units from a bin of 8 (another bin holds 4 more), its pick released and
    claimed by ``picker``."""
    warehouse = WarehouseFactory()
    bins = [LocationFactory(warehouse=warehouse) for _ in range(2)]
    product = ProductFactory()
    receive(bins[0], product, 8, days_ago=2)
    receive(bins[1], product, 4, days_ago=1)
    picker = _user("picker", "floor")
    order = new_order(warehouse, "ONE-1", (product, 5))
    orders_allocate(order_ids=[order.pk])
    pick_tasks_create(order_ids=[order.pk])
    wave_release(warehouse_id=warehouse.pk)
    task = task_claim(user_id=picker.pk, warehouse_id=warehouse.pk, kinds=["pick"])
    return warehouse, product, picker, order, task


def confirm(task, user, quantity=None):
    return pick_task_complete(
        task_id=task.pk,
        user_id=user.pk,
        scanned_location=task.source_location.code,
        scanned_product=task.product.barcode,
        quantity=quantity,
    )


@pytest.mark.parametrize("quantity", [5, 3], ids=["full", "short"])
def test_a_pick_confirmed_twice_at_the_same_instant_moves_stock_once(one_pick, quantity):
    warehouse, product, picker, order, task = one_pick

    results = run_together([lambda: confirm(task, picker, quantity)] * 2)

    no_errors(results)
    assert all(r.status == Task.Status.DONE for r in results)
    assert StockMove.objects.filter(kind="pick", task=task).count() == 1
    line = order.lines.get()
    assert (line.picked_quantity, line.allocated_quantity) == (quantity, 5)
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (level.on_hand, level.in_outbound, level.reserved) == (12, quantity, 5 - quantity)
    # A short pick: one count task, one replacement pick for the 2 missing, not two of each.
    assert Task.objects.filter(kind="count").count() == (1 if quantity < 5 else 0)
    replacements = Task.objects.filter(kind="pick").exclude(pk=task.pk)
    assert sum(t.quantity for t in replacements) == 5 - quantity
    assert replacements.count() == (1 if quantity < 5 else 0)
    assert_promises_are_backed(warehouse, [product])


@pytest.mark.parametrize("quantity", [5, 3], ids=["full", "short"])
def test_a_pick_confirmed_again_later_changes_nothing(one_pick, quantity):
    warehouse, product, picker, order, task = one_pick
    confirm(task, picker, quantity)

    def state():
        return (
            list(Quant.objects.order_by("pk").values_list("quantity", "reserved")),
            list(Task.objects.order_by("pk").values_list("status", "quantity", "quantity_done")),
            list(OrderLine.objects.values_list("allocated_quantity", "picked_quantity")),
            StockMove.objects.count(),
            Allocation.objects.count(),
        )

    before = state()
    again = confirm(task, picker, quantity)  # a double tap
    other = confirm(task, picker, 1)  # a stale screen posting another quantity

    assert again.quantity_done == other.quantity_done == quantity
    assert state() == before


def test_two_pickers_on_one_open_task_at_once_only_one_gets_it():
    warehouse = WarehouseFactory()
    bin_ = LocationFactory(warehouse=warehouse)
    product = ProductFactory()
    receive(bin_, product, 5)
    order = new_order(warehouse, "TWO-1", (product, 5))
    orders_allocate(order_ids=[order.pk])
    (task,) = pick_tasks_create(order_ids=[order.pk]) or Task.objects.filter(order=order)
    ann, bob = _user("ann", "floor"), _user("bob", "floor")

    results = run_together([lambda: confirm(task, ann), lambda: confirm(task, bob)])

    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 1
    assert isinstance(refused[0], NotAllowed)
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert StockMove.objects.filter(kind="pick").count() == 1
    assert order.lines.get().picked_quantity == 5
    assert_promises_are_backed(warehouse, [product])


def test_pickers_claiming_at_once_each_get_a_whole_batch_of_their_own():
    warehouse = WarehouseFactory()
    bins = [LocationFactory(warehouse=warehouse) for _ in range(9)]
    products = [ProductFactory() for _ in range(9)]
    for product, bin_ in zip(products, bins, strict=True):
        receive(bin_, product, 10)
    orders = [
        new_order(warehouse, f"B-{i}", *[(p, 1) for p in products[i * 3 : i * 3 + 3]])
        for i in range(3)
    ]
    orders_allocate(order_ids=[o.pk for o in orders])
    wave = wave_release(warehouse_id=warehouse.pk, picks_per_batch=3)
    assert wave.batches.count() == 3
    pickers = [_user(f"p{i}", "floor") for i in range(6)]

    results = run_together(
        [lambda u=u: task_claim(user_id=u.pk, warehouse_id=warehouse.pk) for u in pickers]
    )

    no_errors(results)
    got = [r for r in results if r is not None]
    assert len(got) == 3
    assert len({t.batch_id for t in got}) == 3
    for batch in wave.batches.all():
        holders = set(batch.tasks.values_list("assignee_id", flat=True))
        assert len(holders) == 1
        assert holders == {batch.assignee_id}


# --- a cancel or a ship racing a pick -----------------------------------------------------------


def later(seconds, work):
    """``work`` after a head start for the other thread (0: both at once)."""

    def run():
        time.sleep(seconds)
        return work()

    return run


# Who starts first: both at once (PostgreSQL decides), or one with a 50 ms head start, so that
# each outcome is seen, not only the one the scheduler happens to favour.
HEAD_STARTS = {"together": (0, 0), "pick first": (0, 0.05), "cancel first": (0.05, 0)}


@pytest.mark.parametrize("start", list(HEAD_STARTS))
def test_a_cancel_racing_a_pick_ends_in_one_consistent_outcome(start):
    pick_delay, cancel_delay = HEAD_STARTS[start]
    warehouse = WarehouseFactory()
    bins = [LocationFactory(warehouse=warehouse) for _ in range(2)]
    a, b = ProductFactory(), ProductFactory()
    receive(bins[0], a, 6)
    receive(bins[1], b, 6)
    picker = _user("picker", "floor")
    order = new_order(warehouse, "CX-1", (a, 4), (b, 2))
    orders_allocate(order_ids=[order.pk])
    pick_tasks_create(order_ids=[order.pk])
    wave_release(warehouse_id=warehouse.pk)
    task = task_claim(user_id=picker.pk, warehouse_id=warehouse.pk, kinds=["pick"])

    pick, cancel = run_together(
        [
            later(pick_delay, lambda: confirm(task, picker)),
            later(cancel_delay, lambda: order_cancel(order_id=order.pk, reason="race")),
        ]
    )

    assert not isinstance(cancel, Exception), cancel
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert StockLevel.objects.filter(warehouse=warehouse, reserved__gt=0).count() == 0
    if isinstance(pick, Exception):  # the cancel came first: the pick finds its task cancelled
        assert isinstance(pick, Conflict)
        assert not StockMove.objects.filter(kind="pick").exists()
        assert not Task.objects.filter(kind="putaway").exists()
    else:  # the pick came first: what it moved to staging goes back by a putaway task
        moved = StockMove.objects.get(kind="pick")
        back = Task.objects.get(kind="putaway")
        assert (back.product_id, back.quantity) == (moved.product_id, moved.quantity)
        assert back.source_location_id == moved.to_location_id
    assert not Task.objects.filter(kind="pick", status__in=["open", "assigned"]).exists()
    assert_promises_are_backed(warehouse, [a, b])


@pytest.mark.parametrize("start", ["together", "ship first", "cancel first"])
def test_a_ship_racing_a_cancel_lets_exactly_one_win(start):
    ship_delay, cancel_delay = {"together": (0, 0), "ship first": (0, 0.05)}.get(start, (0.05, 0))
    warehouse = WarehouseFactory()
    bin_ = LocationFactory(warehouse=warehouse)
    product = ProductFactory()
    receive(bin_, product, 6)
    picker = _user("picker", "floor")
    order = new_order(warehouse, "SX-1", (product, 4))
    orders_allocate(order_ids=[order.pk])
    pick_tasks_create(order_ids=[order.pk])
    wave_release(warehouse_id=warehouse.pk)
    confirm(task_claim(user_id=picker.pk, warehouse_id=warehouse.pk), picker)

    ship, cancel = run_together(
        [
            later(ship_delay, lambda: order_ship(order_id=order.pk, user_id=picker.pk)),
            later(cancel_delay, lambda: order_cancel(order_id=order.pk)),
        ]
    )

    order.refresh_from_db()
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    if isinstance(cancel, Exception):
        assert isinstance(cancel, Conflict)
        assert order.status == Order.Status.SHIPPED
        assert (level.on_hand, level.in_outbound) == (2, 0)
        assert not Task.objects.filter(kind="putaway").exists()
    else:
        assert isinstance(ship, Conflict)
        assert order.status == Order.Status.CANCELLED
        assert (level.on_hand, level.in_outbound) == (6, 4)  # waiting in staging to go back
        assert Task.objects.get(kind="putaway").quantity == 4
    assert_promises_are_backed(warehouse, [product])
