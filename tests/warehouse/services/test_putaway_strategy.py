"""The putaway strategy on its own: which bins it chooses, in which order, and how much room.

The dock of every test site is RECV-01 at (0, 0); bins are laid out by hand so that the
distances are obvious. A hypothesis test at the end throws random layouts and receipts at the
planner and checks that no bin is ever promised more than it can hold.
"""

import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, TaskFactory, dock
from warehouse.models import Location, Lot, Quant, Task
from warehouse.services.intake import stock_receive
from warehouse.services.layout import location_set_blocked, location_update
from warehouse.services.putaway import PutawayNeed, putaway_task_complete, putaway_tasks_plan
from warehouse.services.putaway_strategy import (
    CONSOLIDATE,
    HOME_BIN,
    NEAREST,
    NO_ROOM,
    PutawayStrategy,
)

STORAGE, PICK = Location.Kind.STORAGE, Location.Kind.PICK


@pytest.fixture
def warehouse(db):
    return WarehouseFactory()


def bin_at(warehouse, code, x, y=0.0, *, capacity=None, kind=STORAGE, home=None):
    return LocationFactory(
        warehouse=warehouse,
        code=code,
        x=x,
        y=y,
        capacity_units=capacity,
        kind=kind,
        home_product=home,
    )


def plan(warehouse, product, quantity, *, lot=None, origin=None):
    """The strategy's slots as (bin code or None, quantity, rule)."""
    strategy = PutawayStrategy(origin=origin or dock(warehouse), product_ids={product.pk})
    slots = strategy.plan(product_id=product.pk, lot_id=lot.pk if lot else None, quantity=quantity)
    return [(s.location.code if s.location else None, s.quantity, s.rule) for s in slots]


def put(location, product, quantity, lot=None):
    stock_receive(
        location=location, product_id=product.pk, quantity=quantity, lot_id=lot.pk if lot else None
    )


def lot_of(product, code):
    return Lot.objects.create(product=product, code=code)


# --- home bin --------------------------------------------------------------------------------


def test_the_home_bin_comes_first_even_when_other_bins_are_nearer(warehouse):
    product = ProductFactory()
    bin_at(warehouse, "NEAR", 1, capacity=100)
    bin_at(warehouse, "HOME", 40, capacity=20, kind=PICK, home=product)

    assert plan(warehouse, product, 12) == [("HOME", 12, HOME_BIN)]


def test_the_home_bin_takes_what_it_has_room_for_and_the_rest_goes_to_the_nearest(warehouse):
    product = ProductFactory()
    home = bin_at(warehouse, "HOME", 40, capacity=20, kind=PICK, home=product)
    bin_at(warehouse, "NEAR", 1, capacity=100)
    put(home, product, 15)

    assert plan(warehouse, product, 12) == [("HOME", 5, HOME_BIN), ("NEAR", 7, NEAREST)]


def test_a_full_home_bin_is_passed_over(warehouse):
    product = ProductFactory()
    home = bin_at(warehouse, "HOME", 2, capacity=20, home=product)
    bin_at(warehouse, "FAR", 30, capacity=100)
    put(home, product, 20)

    assert plan(warehouse, product, 4) == [("FAR", 4, NEAREST)]


def test_another_products_home_bin_is_not_a_home_for_this_one(warehouse):
    mine, theirs = ProductFactory(), ProductFactory()
    bin_at(warehouse, "THEIRS", 50, capacity=20, kind=PICK, home=theirs)
    bin_at(warehouse, "NEAR", 3, capacity=100)

    assert plan(warehouse, mine, 5) == [("NEAR", 5, NEAREST)]


# --- consolidation ---------------------------------------------------------------------------


def test_consolidates_into_a_bin_holding_the_same_product_and_lot(warehouse):
    product = ProductFactory(tracking="lot")
    l1, l2 = lot_of(product, "L1"), lot_of(product, "L2")
    bin_at(warehouse, "EMPTY", 1, capacity=100)
    same_lot = bin_at(warehouse, "SAME-LOT", 20, capacity=100)
    other_lot = bin_at(warehouse, "OTHER-LOT", 5, capacity=100)
    put(same_lot, product, 10, l1)
    put(other_lot, product, 10, l2)

    assert plan(warehouse, product, 30, lot=l1) == [("SAME-LOT", 30, CONSOLIDATE)]
    assert plan(warehouse, product, 30, lot=l2) == [("OTHER-LOT", 30, CONSOLIDATE)]


def test_another_lot_of_the_product_is_not_consolidated_with(warehouse):
    product = ProductFactory(tracking="lot")
    old, new = lot_of(product, "OLD"), lot_of(product, "NEW")
    holding_old = bin_at(warehouse, "OLD-LOT", 2, capacity=100)
    bin_at(warehouse, "EMPTY", 3, capacity=100)
    put(holding_old, product, 10, old)

    # OLD-LOT is still the nearest bin with room, but by distance, not as consolidation.
    assert plan(warehouse, product, 5, lot=new) == [("OLD-LOT", 5, NEAREST)]
    bin_at(warehouse, "NEARER", 1, capacity=100)
    assert plan(warehouse, product, 5, lot=new) == [("NEARER", 5, NEAREST)]


def test_consolidation_fills_the_nearest_bin_of_the_lot_first(warehouse):
    product = ProductFactory()  # untracked: every unit is the same "no lot"
    far = bin_at(warehouse, "FAR", 30, capacity=50)
    near = bin_at(warehouse, "NEAR", 10, capacity=50)
    bin_at(warehouse, "EMPTY", 1, capacity=500)
    put(far, product, 10)
    put(near, product, 40)

    assert plan(warehouse, product, 25) == [
        ("NEAR", 10, CONSOLIDATE),
        ("FAR", 15, CONSOLIDATE),
    ]


def test_home_bin_before_consolidation_before_nearest(warehouse):
    product = ProductFactory()
    home = bin_at(warehouse, "HOME", 50, capacity=10, kind=PICK, home=product)
    holding = bin_at(warehouse, "HOLDING", 30, capacity=20)
    bin_at(warehouse, "NEAR", 1, capacity=100)
    put(home, product, 5)
    put(holding, product, 5)

    assert plan(warehouse, product, 40) == [
        ("HOME", 5, HOME_BIN),
        ("HOLDING", 15, CONSOLIDATE),
        ("NEAR", 20, NEAREST),
    ]


# --- nearest bin -----------------------------------------------------------------------------


def test_the_nearest_storage_bin_by_distance_from_where_the_stock_waits(warehouse):
    product = ProductFactory()
    bin_at(warehouse, "D5", 3, 4, capacity=100)  # 5 m from the dock
    bin_at(warehouse, "D6", 0, 6, capacity=100)  # 6 m
    bin_at(warehouse, "D1", 1, 1, capacity=100)  # 1.4 m
    bench = Location.objects.get(warehouse=warehouse, kind=Location.Kind.QC)
    bench = location_update(location=bench, x=0, y=7)  # the QC bench sits next to D6

    assert plan(warehouse, product, 5) == [("D1", 5, NEAREST)]
    assert plan(warehouse, product, 5, origin=bench) == [("D6", 5, NEAREST)]


def test_a_part_filled_bin_of_another_product_counts_as_a_bin_with_room(warehouse):
    product, other = ProductFactory(), ProductFactory()
    part_filled = bin_at(warehouse, "PART", 1, capacity=10)
    bin_at(warehouse, "EMPTY", 2, capacity=10)
    put(part_filled, other, 6)

    assert plan(warehouse, product, 6) == [("PART", 4, NEAREST), ("EMPTY", 2, NEAREST)]


def test_unlimited_bins_take_everything(warehouse):
    product = ProductFactory()
    bin_at(warehouse, "FLOOR", 2)  # no capacity: a bulk floor area
    bin_at(warehouse, "SHELF", 5, capacity=10)

    assert plan(warehouse, product, 10_000) == [("FLOOR", 10_000, NEAREST)]


# --- splitting -------------------------------------------------------------------------------


def test_a_quantity_one_bin_cannot_hold_is_split_over_the_nearest_bins(warehouse):
    product = ProductFactory()
    for i in range(4):
        bin_at(warehouse, f"S{i}", 1 + i, capacity=10)

    assert plan(warehouse, product, 25) == [
        ("S0", 10, NEAREST),
        ("S1", 10, NEAREST),
        ("S2", 5, NEAREST),
    ]


def test_one_strategy_spends_room_across_the_lines_it_plans(warehouse):
    a, b = ProductFactory(), ProductFactory()
    bin_at(warehouse, "S0", 1, capacity=10)
    bin_at(warehouse, "S1", 2, capacity=10)
    strategy = PutawayStrategy(origin=dock(warehouse), product_ids={a.pk, b.pk})

    first = strategy.plan(product_id=a.pk, lot_id=None, quantity=8)
    second = strategy.plan(product_id=b.pk, lot_id=None, quantity=8)

    assert [(s.location.code, s.quantity) for s in first] == [("S0", 8)]
    assert [(s.location.code, s.quantity) for s in second] == [("S0", 2), ("S1", 6)]


def test_putaway_tasks_plan_makes_one_task_per_bin(warehouse):
    product = ProductFactory()
    bin_at(warehouse, "S0", 1, capacity=10)
    bin_at(warehouse, "S1", 2, capacity=10)
    put(dock(warehouse), product, 15)

    tasks = putaway_tasks_plan(
        origin=dock(warehouse),
        needs=[PutawayNeed(product_id=product.pk, lot_id=None, quantity=15, origin_key="t:1")],
    )

    assert [(t.destination_location.code, t.quantity, t.origin_key) for t in tasks] == [
        ("S0", 10, "t:1:0"),
        ("S1", 5, "t:1:1"),
    ]
    assert all(t.kind == Task.Kind.PUTAWAY and t.status == Task.Status.OPEN for t in tasks)


# --- blocked bins and pick faces -------------------------------------------------------------


def test_blocked_bins_are_never_chosen(warehouse):
    product = ProductFactory()
    home = bin_at(warehouse, "HOME", 1, capacity=50, kind=PICK, home=product)
    holding = bin_at(warehouse, "HOLDING", 2, capacity=50)
    nearest = bin_at(warehouse, "NEAREST", 3, capacity=50)
    bin_at(warehouse, "OPEN", 20, capacity=50)
    put(holding, product, 5)
    for location in (home, holding, nearest):
        location_set_blocked(location_id=location.pk, blocked=True, reason="damaged upright")

    assert plan(warehouse, product, 30) == [("OPEN", 30, NEAREST)]


def test_nothing_but_blocked_bins_leaves_everything_without_a_bin(warehouse):
    product = ProductFactory()
    only = bin_at(warehouse, "ONLY", 1)  # unlimited, but blocked
    location_set_blocked(location_id=only.pk, blocked=True, reason="sprinkler leak")

    assert plan(warehouse, product, 7) == [(None, 7, NO_ROOM)]


def test_pick_faces_are_used_only_as_home_bins(warehouse):
    product = ProductFactory()
    face = bin_at(warehouse, "FACE", 1, capacity=50, kind=PICK)  # nearest, but not a home
    bin_at(warehouse, "RESERVE", 10, capacity=50)
    put(face, product, 5)  # even holding the same product: no consolidation on a pick face

    assert plan(warehouse, product, 10) == [("RESERVE", 10, NEAREST)]


def test_docks_qc_quarantine_and_staging_are_never_storage(warehouse):
    product = ProductFactory()
    # Only the standard non-storage places exist (all unlimited); none of them is chosen.
    assert plan(warehouse, product, 3) == [(None, 3, NO_ROOM)]


# --- room already promised -------------------------------------------------------------------


def test_room_counts_open_putaway_tasks_already_heading_to_a_bin(warehouse):
    product, other = ProductFactory(), ProductFactory()
    target = bin_at(warehouse, "TARGET", 1, capacity=10)
    bin_at(warehouse, "NEXT", 2, capacity=100)
    put(target, other, 2)
    TaskFactory(
        warehouse=warehouse,
        kind=Task.Kind.PUTAWAY,
        product=other,
        quantity=5,
        source_location=dock(warehouse),
        destination_location=target,
    )

    # 10 capacity - 2 stored - 5 on their way = 3.
    assert plan(warehouse, product, 8) == [("TARGET", 3, NEAREST), ("NEXT", 5, NEAREST)]


def test_only_the_remaining_units_of_active_tasks_count(warehouse):
    product = ProductFactory()
    target = bin_at(warehouse, "TARGET", 1, capacity=20)
    bin_at(warehouse, "NEXT", 2, capacity=100)
    origin = dock(warehouse)

    def task(kind, quantity, **state):
        made = TaskFactory(
            warehouse=warehouse,
            kind=kind,
            product=product,
            quantity=quantity,
            source_location=origin,
            destination_location=target,
        )
        Task.objects.filter(pk=made.pk).update(**state)

    task(Task.Kind.REPLENISH, 4)  # open: 4 on the way
    task(Task.Kind.PUTAWAY, 10, quantity_done=7, status=Task.Status.OPEN)  # 3 left
    task(Task.Kind.PUTAWAY, 9, status=Task.Status.DONE, quantity_done=9)  # arrived already
    task(Task.Kind.PUTAWAY, 9, status=Task.Status.CANCELLED)  # never coming
    task(Task.Kind.PICK, 9)  # takes stock out, brings none

    # 20 - 4 - 3 = 13: only the replenishment and the rest of the half-done putaway count.
    assert plan(warehouse, product, 20) == [("TARGET", 13, NEAREST), ("NEXT", 7, NEAREST)]


def test_a_planned_receipt_takes_the_room_for_the_next_one(warehouse):
    product = ProductFactory()
    bin_at(warehouse, "S0", 1, capacity=10)
    bin_at(warehouse, "S1", 2, capacity=10)
    origin = dock(warehouse)
    put(origin, product, 16)

    def plan_need(key, quantity):
        return putaway_tasks_plan(
            origin=origin,
            needs=[
                PutawayNeed(product_id=product.pk, lot_id=None, quantity=quantity, origin_key=key)
            ],
        )

    first = plan_need("r:1", 8)
    second = plan_need("r:2", 8)

    assert [(t.destination_location.code, t.quantity) for t in first] == [("S0", 8)]
    assert [(t.destination_location.code, t.quantity) for t in second] == [("S0", 2), ("S1", 6)]


# --- no room ---------------------------------------------------------------------------------


def test_what_no_bin_can_hold_is_a_slot_without_a_bin(warehouse):
    product = ProductFactory()
    bin_at(warehouse, "S0", 1, capacity=10)
    bin_at(warehouse, "S1", 2, capacity=5)

    assert plan(warehouse, product, 22) == [
        ("S0", 10, NEAREST),
        ("S1", 5, NEAREST),
        (None, 7, NO_ROOM),
    ]


def test_the_no_room_remainder_becomes_a_task_without_a_destination(warehouse):
    product = ProductFactory()
    bin_at(warehouse, "S0", 1, capacity=10)
    origin = dock(warehouse)
    put(origin, product, 14)

    tasks = putaway_tasks_plan(
        origin=origin,
        needs=[PutawayNeed(product_id=product.pk, lot_id=None, quantity=14, origin_key="r:9")],
    )

    assert [(t.destination_location_id, t.quantity) for t in tasks] == [
        (Location.objects.get(code="S0", warehouse=warehouse).pk, 10),
        (None, 4),
    ]
    assert NO_ROOM in tasks[1].notes


def test_planning_the_same_need_twice_creates_nothing_new(warehouse):
    """A replayed plan sees its own first tasks taking the room; it must not re-split."""
    product = ProductFactory()
    bin_at(warehouse, "S0", 1, capacity=50)
    bin_at(warehouse, "S1", 2, capacity=50)
    origin = dock(warehouse)
    put(origin, product, 30)
    need = PutawayNeed(product_id=product.pk, lot_id=None, quantity=30, origin_key="release:1")

    first = putaway_tasks_plan(origin=origin, needs=[need])
    again = putaway_tasks_plan(origin=origin, needs=[need])

    assert [t.pk for t in again] == [t.pk for t in first]
    assert sum(t.quantity for t in Task.objects.filter(kind=Task.Kind.PUTAWAY)) == 30


# --- property: no bin is ever promised more than it holds ------------------------------------

_site_numbers = itertools.count()

bin_specs = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(1, 40)),  # capacity (None: unlimited)
        st.booleans(),  # blocked
        st.integers(0, 30),  # x
        st.integers(0, 30),  # y
        st.sampled_from([STORAGE, STORAGE, STORAGE, PICK]),
    ),
    min_size=1,
    max_size=8,
).filter(lambda bins: sum(1 for b in bins if b[0] is None) <= 1)  # mostly limited room
receipts = st.lists(
    st.tuples(
        st.integers(0, 2),  # product
        st.integers(0, 1),  # lot
        st.integers(1, 60),  # quantity
        st.sampled_from(["none", "some", "all"]),  # how much of the plan the floor completes
    ),
    min_size=1,
    max_size=5,
)


def _promised(warehouse):
    """Per limited bin: (capacity, stored, remaining units of active putaway/replenish tasks)."""
    result = {}
    for location in Location.objects.filter(warehouse=warehouse, capacity_units__isnull=False):
        stored = sum(Quant.objects.filter(location=location).values_list("quantity", flat=True))
        incoming = sum(
            t.quantity - t.quantity_done
            for t in Task.objects.filter(
                destination_location=location,
                status__in=Task.ACTIVE_STATUSES,
                kind__in=[Task.Kind.PUTAWAY, Task.Kind.REPLENISH],
            )
        )
        result[location.code] = (location.capacity_units, stored, incoming)
    return result


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(layout=bin_specs, arrivals=receipts, home_product=st.integers(-1, 2))
def test_random_receipts_never_promise_a_bin_more_than_its_capacity(layout, arrivals, home_product):
    n = next(_site_numbers)
    warehouse = WarehouseFactory(code=f"PUT{n}")
    origin = dock(warehouse)
    worker = _user(f"putter{n}", "floor")
    products = [ProductFactory(sku=f"PUT{n}-{i}", barcode=None, tracking="lot") for i in range(3)]
    lots = [[lot_of(p, f"L{n}-{p.pk}-{i}") for i in range(2)] for p in products]
    bins = []
    for i, (capacity, blocked, x, y, kind) in enumerate(layout):
        home = products[home_product] if home_product >= 0 and i == 0 else None
        location = bin_at(warehouse, f"P{n}-{i}", x, y, capacity=capacity, kind=kind, home=home)
        if blocked:
            location_set_blocked(location_id=location.pk, blocked=True, reason="test")
        bins.append(location)
    # Where each product may go: unblocked storage bins, and its own home bin even on a face.
    allowed = {
        product.pk: {
            b.pk
            for b, (_, blocked, *_xy, kind) in zip(bins, layout, strict=True)
            if not blocked and (kind == STORAGE or b.home_product_id == product.pk)
        }
        for product in products
    }

    for index, (p, lot, quantity, completion) in enumerate(arrivals):
        product, lot_obj = products[p], lots[p][lot]
        put(origin, product, quantity, lot_obj)
        with transaction.atomic():
            tasks = putaway_tasks_plan(
                origin=origin,
                needs=[
                    PutawayNeed(
                        product_id=product.pk,
                        lot_id=lot_obj.pk,
                        quantity=quantity,
                        origin_key=f"prop:{n}:{index}",
                    )
                ],
            )

        assert sum(t.quantity for t in tasks) == quantity
        assert all(
            t.destination_location_id is None or t.destination_location_id in allowed[product.pk]
            for t in tasks
        )
        if any(t.destination_location_id is None for t in tasks):
            # "No room" is the truth: every bin this product may use is promised full.
            promised = _promised(warehouse)
            for b in bins:
                if b.pk in allowed[product.pk]:
                    assert b.capacity_units is not None, f"{b.code} is unlimited"
                    capacity, stored, incoming = promised[b.code]
                    assert stored + incoming == capacity, (b.code, capacity, stored, incoming)
        for task in tasks:
            if completion == "none" or task.destination_location_id is None:
                continue
            part = task.quantity if completion == "all" else max(1, task.quantity // 2)
            putaway_task_complete(
                task_id=task.pk,
                user_id=worker.pk,
                scanned_location=origin.code,
                scanned_product=product.sku,
                quantity=part,
            )
        for code, (capacity, stored, incoming) in _promised(warehouse).items():
            assert stored + incoming <= capacity, (code, capacity, stored, incoming)
