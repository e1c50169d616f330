"""Outbound properties: which lot and bin an order line gets (FIFO, FEFO), and a property-based
proof that random sequences of outbound work keep every stock and order invariant.

The first half pins the allocation rules down case by case: lots received out of order and into
different bins, ties on receipt time and on expiry, expired lots, the minimum remaining shelf
life, stock that is not allocatable, several lines of one order, several orders by urgency.

The second half drives the real services (orders, allocation, wave release, claims, full and
short picks, cancels, packing and shipping, receipts with backorder retries, putaway of returned
goods, bins blocked and released) in random order with Hypothesis and checks after every step
that nothing is negative, nothing is promised twice, the ledger, quants and levels agree, every
reservation belongs to an open allocation, and every order line's progress adds up.
"""

import itertools
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from inventory.errors import Conflict, DomainError, LocationBlocked, WrongLocation, WrongProduct
from inventory.models import StockLevel
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Allocation, Location, Lot, Order, OrderLine, Quant, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.allocation import backorders_allocate, order_status_of, orders_allocate
from warehouse.services.intake import stock_receive
from warehouse.services.layout import location_set_blocked
from warehouse.services.orders import OrderLineInput, order_cancel, order_create
from warehouse.services.picking import pick_task_complete, pick_tasks_create
from warehouse.services.putaway import putaway_task_complete
from warehouse.services.routing import Layout, Stop, s_shape, walk
from warehouse.services.shipping import PackedItem, order_ship, order_unpacked, package_close
from warehouse.services.tasks import task_cancel, task_claim
from warehouse.services.waves import wave_release

# --- FIFO and FEFO, case by case ----------------------------------------------------------------


@pytest.fixture
def site(db):
    warehouse = WarehouseFactory()
    bins = [
        LocationFactory(
            warehouse=warehouse, code=f"P-{i}", aisle=str(i // 4), x=i // 4 * 3, y=i % 4
        )
        for i in range(12)
    ]
    return warehouse, bins


def receive(bin_, product, quantity, *, days_ago=0.0, lot=None, at=None):
    """Book stock straight into a bin, received ``days_ago`` (or exactly ``at``)."""
    return stock_receive(
        location=bin_,
        product_id=product.pk,
        quantity=quantity,
        lot_id=lot.pk if lot else None,
        received_at=at or timezone.now() - timedelta(days=days_ago),
    )


def make_order(warehouse, *lines, reference, priority=5, ship_in_days=None):
    return order_create(
        warehouse=warehouse,
        reference=reference,
        priority=priority,
        requested_ship_date=(
            timezone.localdate() + timedelta(days=ship_in_days)
            if ship_in_days is not None
            else None
        ),
        lines=[OrderLineInput(product, quantity) for product, quantity in lines],
    ).order


def taken(allocations):
    """(bin code, lot code, units) of each allocation, in the order they were made."""
    return [(a.location.code, a.lot.code if a.lot else None, a.quantity) for a in allocations]


def expiring_product(*, min_shelf_life_days=0):
    product = ProductFactory(tracking="lot_expiry")
    product.min_shelf_life_days = min_shelf_life_days
    product.save(update_fields=["min_shelf_life_days"])
    return product


def lot(product, code, *, expires_in_days=None):
    expiry = (
        timezone.localdate() + timedelta(days=expires_in_days)
        if expires_in_days is not None
        else None
    )
    return Lot.objects.create(product=product, code=code, expiry_date=expiry)


def test_fifo_follows_receipt_time_not_the_order_stock_was_booked_in(site):
    warehouse, bins = site
    product = ProductFactory()
    # Booked newest first, each into another bin: the oldest receipt is booked last.
    for bin_, days in zip(bins[:5], [1, 3, 2, 9, 6], strict=True):
        receive(bin_, product, 4, days_ago=days)
    so = make_order(warehouse, (product, 11), reference="FIFO-1")

    allocations = orders_allocate(order_ids=[so.pk])

    assert taken(allocations) == [("P-3", None, 4), ("P-4", None, 4), ("P-1", None, 3)]


def test_fifo_ties_on_receipt_time_go_to_the_quant_booked_first(site):
    warehouse, bins = site
    product = ProductFactory()
    same_moment = timezone.now() - timedelta(days=2)
    receive(bins[7], product, 3, at=same_moment)  # booked first: the lower quant id
    receive(bins[2], product, 3, at=same_moment)
    receive(bins[5], product, 3, days_ago=1)
    so = make_order(warehouse, (product, 5), reference="TIE-1")

    allocations = orders_allocate(order_ids=[so.pk])

    assert taken(allocations) == [("P-7", None, 3), ("P-2", None, 2)]


def test_a_bin_topped_up_with_newer_units_keeps_its_oldest_receipt_time(site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[0], product, 2, days_ago=10)
    receive(bins[1], product, 5, days_ago=5)
    receive(bins[0], product, 5, days_ago=0)  # newer units join the oldest bin
    so = make_order(warehouse, (product, 6), reference="TOPUP-1")

    allocations = orders_allocate(order_ids=[so.pk])

    # FIFO per bin: the whole bin counts as old as its oldest units.
    assert taken(allocations) == [("P-0", None, 6)]


def test_fifo_for_lot_tracked_products_is_by_receipt_across_lots_and_bins(site):
    warehouse, bins = site
    product = ProductFactory(tracking="lot")
    new, old, middle = lot(product, "L-NEW"), lot(product, "L-OLD"), lot(product, "L-MID")
    receive(bins[0], product, 5, days_ago=1, lot=new)
    receive(bins[1], product, 5, days_ago=20, lot=old)
    receive(bins[2], product, 5, days_ago=8, lot=middle)
    receive(bins[3], product, 5, days_ago=15, lot=middle)  # the same lot, older, in another bin
    so = make_order(warehouse, (product, 12), reference="LOTS-1")

    allocations = orders_allocate(order_ids=[so.pk])

    assert taken(allocations) == [("P-1", "L-OLD", 5), ("P-3", "L-MID", 5), ("P-2", "L-MID", 2)]


def test_fefo_takes_earliest_expiry_first_whatever_the_receipt_order(site):
    warehouse, bins = site
    product = expiring_product()
    lots = {
        code: lot(product, code, expires_in_days=d)
        for code, d in [("E60", 60), ("E20", 20), ("E90", 90)]
    }
    # The latest expiry arrived first; FIFO would take it, FEFO must not.
    receive(bins[0], product, 4, days_ago=30, lot=lots["E90"])
    receive(bins[1], product, 4, days_ago=1, lot=lots["E20"])
    receive(bins[2], product, 4, days_ago=10, lot=lots["E60"])
    so = make_order(warehouse, (product, 6), reference="FEFO-1")

    allocations = orders_allocate(order_ids=[so.pk])

    assert taken(allocations) == [("P-1", "E20", 4), ("P-2", "E60", 2)]


def test_fefo_ties_on_expiry_go_to_the_older_receipt(site):
    warehouse, bins = site
    product = expiring_product()
    first, second = lot(product, "A", expires_in_days=30), lot(product, "B", expires_in_days=30)
    receive(bins[4], product, 3, days_ago=2, lot=first)
    receive(bins[8], product, 3, days_ago=7, lot=second)
    receive(bins[6], product, 3, days_ago=5, lot=first)
    so = make_order(warehouse, (product, 7), reference="FEFO-TIE")

    allocations = orders_allocate(order_ids=[so.pk])

    assert taken(allocations) == [("P-8", "B", 3), ("P-6", "A", 3), ("P-4", "A", 1)]


def test_fefo_never_allocates_expired_lots_but_allows_one_expiring_today(site):
    warehouse, bins = site
    product = expiring_product()
    gone, today, later = (
        lot(product, "GONE", expires_in_days=-1),
        lot(product, "TODAY", expires_in_days=0),
        lot(product, "LATER", expires_in_days=5),
    )
    receive(bins[0], product, 10, days_ago=40, lot=gone)
    receive(bins[1], product, 2, days_ago=3, lot=today)
    receive(bins[2], product, 2, days_ago=3, lot=later)
    so = make_order(warehouse, (product, 9), reference="EXP-1")

    allocations = orders_allocate(order_ids=[so.pk])

    assert taken(allocations) == [("P-1", "TODAY", 2), ("P-2", "LATER", 2)]
    so.refresh_from_db()
    line = so.lines.get()
    assert (so.status, line.allocated_quantity, line.backordered_quantity) == (
        Order.Status.PARTIALLY_ALLOCATED,
        4,
        5,
    )
    assert Quant.objects.get(location=bins[0]).reserved == 0


def test_fefo_respects_the_minimum_remaining_shelf_life_boundary(site):
    warehouse, bins = site
    product = expiring_product(min_shelf_life_days=14)
    short, edge, long_ = (
        lot(product, "D13", expires_in_days=13),
        lot(product, "D14", expires_in_days=14),
        lot(product, "D40", expires_in_days=40),
    )
    receive(bins[0], product, 5, days_ago=9, lot=short)
    receive(bins[1], product, 5, days_ago=1, lot=long_)
    receive(bins[2], product, 5, days_ago=1, lot=edge)
    so = make_order(warehouse, (product, 12), reference="SHELF-1")

    allocations = orders_allocate(order_ids=[so.pk])

    # 13 days left is too short for a 14-day minimum; exactly 14 is enough.
    assert taken(allocations) == [("P-2", "D14", 5), ("P-1", "D40", 5)]
    assert so.lines.get().backordered_quantity == 2


def test_only_unblocked_storage_and_pick_bins_are_allocated(site):
    warehouse, bins = site
    product = ProductFactory()
    staged = {
        kind: Location.objects.get(warehouse=warehouse, kind=kind)
        for kind in ("receiving", "qc", "quarantine", "staging", "shipping")
    }
    for days, location in enumerate(staged.values(), start=50):
        receive(location, product, 10, days_ago=days)  # old stock, but not where it may be taken
    face = LocationFactory(warehouse=warehouse, code="FACE-1", kind="pick", x=0, y=9)
    receive(bins[0], product, 10, days_ago=30)
    location_set_blocked(location_id=bins[0].pk, blocked=True, reason="rack inspection")
    receive(face, product, 3, days_ago=2)
    receive(bins[1], product, 4, days_ago=1)
    so = make_order(warehouse, (product, 20), reference="KINDS-1")

    allocations = orders_allocate(order_ids=[so.pk])

    assert taken(allocations) == [("FACE-1", None, 3), ("P-1", None, 4)]
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (level.reserved, level.available) == (7, 0)


def test_reserved_units_are_not_offered_to_the_next_order(site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[0], product, 5, days_ago=5)
    receive(bins[1], product, 5, days_ago=1)
    first = make_order(warehouse, (product, 3), reference="R-1")
    second = make_order(warehouse, (product, 5), reference="R-2")
    orders_allocate(order_ids=[first.pk])

    allocations = orders_allocate(order_ids=[second.pk])

    # The oldest bin still has 2 unpromised units: they go first, then the next bin.
    assert taken(allocations) == [("P-0", None, 2), ("P-1", None, 3)]
    assert list(
        Quant.objects.filter(product=product)
        .order_by("location__code")
        .values_list("reserved", flat=True)
    ) == [5, 3]


def test_each_line_of_one_order_gets_its_own_fifo_and_fefo_stock(site):
    warehouse, bins = site
    plain, tracked = ProductFactory(), expiring_product(min_shelf_life_days=3)
    receive(bins[0], plain, 6, days_ago=1)
    receive(bins[1], plain, 6, days_ago=4)
    soon, late = lot(tracked, "SOON", expires_in_days=10), lot(tracked, "LATE", expires_in_days=50)
    receive(bins[2], tracked, 6, days_ago=20, lot=late)
    receive(bins[3], tracked, 6, days_ago=2, lot=soon)
    other = ProductFactory()  # nothing of it in stock
    so = make_order(warehouse, (plain, 8), (tracked, 7), (other, 2), reference="MULTI-1")

    allocations = orders_allocate(order_ids=[so.pk])

    by_line = defaultdict(list)
    for allocation in allocations:
        by_line[allocation.line.product_id].append(allocation)
    assert taken(by_line[plain.pk]) == [("P-1", None, 6), ("P-0", None, 2)]
    assert taken(by_line[tracked.pk]) == [("P-3", "SOON", 6), ("P-2", "LATE", 1)]
    assert other.pk not in by_line
    so.refresh_from_db()
    assert so.status == Order.Status.PARTIALLY_ALLOCATED
    assert {ln.product_id: ln.backordered_quantity for ln in so.lines.all()} == {
        plain.pk: 0,
        tracked.pk: 0,
        other.pk: 2,
    }


def test_scarce_stock_goes_to_the_most_urgent_orders_first(site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[0], product, 4, days_ago=3)
    receive(bins[1], product, 4, days_ago=1)
    # Created least urgent first, so creation order cannot be what decides.
    late = make_order(warehouse, (product, 3), reference="U-LATE", priority=5, ship_in_days=9)
    soon = make_order(warehouse, (product, 3), reference="U-SOON", priority=5, ship_in_days=1)
    rush = make_order(warehouse, (product, 3), reference="U-RUSH", priority=1, ship_in_days=20)
    undated = make_order(warehouse, (product, 3), reference="U-NODATE", priority=5)

    orders_allocate(order_ids=[undated.pk, late.pk, soon.pk, rush.pk])

    got = {
        o.reference: o.lines.get().allocated_quantity
        for o in Order.objects.filter(warehouse=warehouse)
    }
    # priority first, then the earliest requested ship date; no date sorts last.
    assert got == {"U-RUSH": 3, "U-SOON": 3, "U-LATE": 2, "U-NODATE": 0}
    rush_bins = taken(Allocation.objects.filter(line__order=rush).order_by("pk"))
    assert rush_bins == [("P-0", None, 3)]  # the most urgent order also gets the oldest stock


def test_equal_urgency_goes_to_the_order_taken_first(site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[0], product, 5)
    first = make_order(warehouse, (product, 4), reference="EQ-1")
    second = make_order(warehouse, (product, 4), reference="EQ-2")

    orders_allocate(order_ids=[second.pk, first.pk])

    assert first.lines.get().allocated_quantity == 4
    assert second.lines.get().allocated_quantity == 1


def test_backorders_are_filled_most_urgent_first_when_stock_arrives(site):
    warehouse, bins = site
    product = ProductFactory()
    normal = make_order(warehouse, (product, 4), reference="B-NORMAL", priority=5)
    urgent = make_order(warehouse, (product, 4), reference="B-URGENT", priority=2)
    orders_allocate(order_ids=[normal.pk, urgent.pk])
    assert {normal.lines.get().allocated_quantity, urgent.lines.get().allocated_quantity} == {0}

    receive(bins[3], product, 6)
    backorders_allocate(product_id=product.pk, warehouse_id=warehouse.pk)

    assert urgent.lines.get().allocated_quantity == 4
    assert normal.lines.get().allocated_quantity == 2
    normal.refresh_from_db()
    assert normal.status == Order.Status.PARTIALLY_ALLOCATED


def test_a_bin_found_short_is_not_promised_again_until_counted(site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[0], product, 5, days_ago=9)
    receive(bins[1], product, 5, days_ago=1)
    picker = _user("picker", "floor")
    first = make_order(warehouse, (product, 5), reference="GAP-1")
    orders_allocate(order_ids=[first.pk])
    (task,) = pick_tasks_create(order_ids=[first.pk])
    # Only 1 of 5 on the shelf: the other 4 come from the next bin, and the bin gets a count.
    pick_task_complete(
        task_id=task.pk,
        user_id=picker.pk,
        scanned_location="P-0",
        scanned_product=product.sku,
        quantity=1,
    )
    count = Task.objects.get(kind=Task.Kind.COUNT, parent=task)
    second = make_order(warehouse, (product, 5), reference="GAP-2")

    # P-0 still has 4 units on the books, the oldest: FIFO would send the next picker there.
    taken_second = taken(orders_allocate(order_ids=[second.pk]))

    assert taken_second == [("P-1", None, 1)]
    assert Quant.objects.get(location=bins[0]).reserved == 0
    # Once the count is settled (here: called off), the bin's units can be promised again.
    task_cancel(task_id=count.pk, reason="counted: 4 found behind the shelf")
    assert taken(orders_allocate(order_ids=[second.pk])) == [("P-0", None, 4)]


def test_allocating_an_allocated_order_again_changes_nothing(site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[0], product, 10)
    so = make_order(warehouse, (product, 4), reference="AGAIN-1")
    orders_allocate(order_ids=[so.pk])

    assert orders_allocate(order_ids=[so.pk]) == []
    assert Allocation.objects.filter(line__order=so).count() == 1
    assert StockLevel.objects.get(product=product, warehouse=warehouse).reserved == 4


# --- walking distances ----------------------------------------------------------------------------

LAYOUT = Layout(front=4.0, back=12.0, depot=(20.0, 1.0))  # the depot in front of the racks
in_an_aisle = st.builds(
    lambda k, y: (3.0 * k, y, f"A{k}"), st.integers(0, 20), st.floats(4, 12, allow_nan=False)
)
# Off the aisles, beyond the cross aisles too (as the depot is).
elsewhere = st.tuples(
    st.floats(0, 60, allow_nan=False), st.floats(0, 16, allow_nan=False), st.none()
)
points = st.one_of(in_an_aisle, elsewhere)


def test_walking_from_a_depot_in_front_of_the_racks_crosses_to_the_front_aisle():
    # Depot (20, 1) to a bin at (5, 6): 3 m up to the front cross aisle, 15 m along it, 2 m in.
    assert walk((20.0, 1.0, None), (5.0, 6.0, "A"), LAYOUT) == 20.0


@given(a=points, b=points)
def test_a_walk_is_never_shorter_than_the_straight_rectilinear_distance(a, b):
    metres = walk(a, b, LAYOUT)
    assert metres >= abs(a[0] - b[0]) + abs(a[1] - b[1]) - 1e-9
    assert metres == pytest.approx(walk(b, a, LAYOUT))


@given(
    stops=st.lists(
        st.tuples(st.integers(0, 7), st.floats(4, 12, allow_nan=False)), min_size=1, max_size=30
    )
)
def test_the_s_shape_visits_every_stop_once_aisle_by_aisle(stops):
    given_stops = [
        Stop(key=i, aisle=f"A{aisle}", x=aisle * 3.0, y=y) for i, (aisle, y) in enumerate(stops)
    ]
    route = s_shape(given_stops, LAYOUT)
    assert sorted(s.key for s in route) == list(range(len(stops)))
    aisles = [s.aisle for s in route]
    # Each aisle entered once, left to right, walked up then down alternately.
    visited = [aisle for aisle, _ in itertools.groupby(aisles)]
    assert visited == sorted(set(aisles), key=lambda a: int(a[1:]))
    for n, aisle in enumerate(visited):
        ys = [s.y for s in route if s.aisle == aisle]
        assert ys == sorted(ys, reverse=n % 2 == 1)


# --- the property-based machine -----------------------------------------------------------------

_run = itertools.count()
units = st.integers(min_value=1, max_value=12)


class OutboundMachine(RuleBasedStateMachine):
    """Random outbound work on a small site: 6 bins in 3 aisles, 3 products (plain, lot,
    lot with expiry and a minimum shelf life), 2 pickers."""

    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a block rolled back at teardown, so every sequence starts from
        # an empty building and the checks stay as cheap at the last example as at the first.
        # Marked like the block Django's TestCase wraps a test in, so the services' durable
        # blocks nest inside it (as savepoints) just as they do in any other test.
        self._example = transaction.atomic()
        self._example._from_testcase = True
        self._example.__enter__()
        n = next(_run)
        self.n = n
        self.warehouse = WarehouseFactory(code=f"OUT{n}")
        self.bins = [
            LocationFactory(
                warehouse=self.warehouse,
                code=f"O{n}-{i}",
                aisle=str(i // 2),
                x=float(i // 2 * 3),
                y=float(i % 2 * 4),
            )
            for i in range(6)
        ]
        plain = ProductFactory(sku=f"OUT{n}-PLAIN")
        by_lot = ProductFactory(sku=f"OUT{n}-LOT", tracking="lot")
        fresh = ProductFactory(sku=f"OUT{n}-FRESH", tracking="lot_expiry")
        fresh.min_shelf_life_days = 3
        fresh.save(update_fields=["min_shelf_life_days"])
        self.products = [plain, by_lot, fresh]
        today = timezone.localdate()
        self.lots = {
            plain.pk: [None],
            by_lot.pk: [Lot.objects.create(product=by_lot, code=f"L{n}-{i}") for i in range(2)],
            fresh.pk: [
                Lot.objects.create(
                    product=fresh, code=f"F{n}-{d}", expiry_date=today + timedelta(d)
                )
                for d in (-2, 2, 10, 40)  # expired, too short-lived, fine, fine
            ],
        }
        self.pickers = [_user(f"picker{n}-{i}", "floor") for i in range(2)]
        self.received: dict[int, int] = defaultdict(int)  # product id -> units booked in
        self.shipped: dict[int, int] = defaultdict(int)  # product id -> units that left
        self.orders: list[int] = []

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    # --- helpers ----------------------------------------------------------------------------

    def _order(self, pick: int) -> Order:
        return Order.objects.get(pk=self.orders[pick % len(self.orders)])

    def _tasks(self, **filters) -> list[Task]:
        return list(
            Task.objects.filter(warehouse=self.warehouse, **filters)
            .select_related("product", "lot", "source_location")
            .order_by("pk")
        )

    def _snapshot(self) -> tuple:
        """Everything a refused step must leave as it was."""
        return (
            list(
                Quant.objects.filter(warehouse=self.warehouse)
                .order_by("pk")
                .values_list("quantity", "reserved")
            ),
            list(
                OrderLine.objects.filter(order__warehouse=self.warehouse)
                .order_by("pk")
                .values_list("allocated_quantity", "picked_quantity", "shipped_quantity")
            ),
            list(
                Task.objects.filter(warehouse=self.warehouse)
                .order_by("pk")
                .values_list("status", "quantity_done", "assignee_id")
            ),
            StockMove.objects.filter(warehouse=self.warehouse).count(),
        )

    def _check_fifo_fefo(self, allocations: list[Allocation]) -> None:
        """The quants one allocation call took are, per product, a prefix of its FIFO/FEFO
        order: no usable quant still free sorts before one that was taken, and none was
        expired, too short-lived or in a blocked bin."""
        today = timezone.localdate()
        for product in self.products:
            mine = [a for a in allocations if a.line.product_id == product.pk]
            if not mine:
                continue
            quants = Quant.objects.filter(
                product=product,
                warehouse=self.warehouse,
                location__kind__in=Location.ALLOCATABLE_KINDS,
                location__is_blocked=False,
            ).select_related("lot", "location")

            def key(q: Quant, tracked: bool = product.tracks_expiry) -> tuple:
                if tracked:
                    return (q.lot.expiry_date, q.received_at, q.pk)
                return (q.received_at, q.pk)

            usable_from = today + timedelta(days=product.min_shelf_life_days)
            held = set(
                Task.objects.filter(
                    kind=Task.Kind.COUNT, status__in=Task.ACTIVE_STATUSES, product=product
                ).values_list("source_location_id", flat=True)
            )  # bins found short, until counted
            usable = [
                q
                for q in quants
                if (not product.tracks_expiry or q.lot.expiry_date >= usable_from)
                and q.location_id not in held
            ]
            taken_ids = {a.quant_id for a in mine}
            for allocation in mine:
                quant = allocation.quant
                assert quant.location.is_allocatable, "allocated from a blocked or wrong bin"
                if product.tracks_expiry:
                    assert quant.lot.expiry_date >= usable_from, (
                        "allocated a lot too close to expiry"
                    )
            last_taken = max(key(q) for q in usable if q.pk in taken_ids)
            still_free = [key(q) for q in usable if q.quantity > q.reserved]
            assert all(k >= last_taken for k in still_free), "FIFO/FEFO order broken"

    # --- rules ------------------------------------------------------------------------------

    @initialize(
        orders=st.lists(
            st.lists(
                st.tuples(st.integers(0, 2), units),
                min_size=1,
                max_size=3,
                unique_by=lambda t: t[0],
            ),
            min_size=1,
            max_size=4,
        )
    )
    def opening_day(self, orders: list[list[tuple[int, int]]]) -> None:
        """Some stock of every product in two bins and a released wave of orders, so that
        every sequence has work on the floor from its first step."""
        for index, product in enumerate(self.products):
            lots = self.lots[product.pk]
            for offset in (0, 3):
                lot_obj = lots[(index + offset) % len(lots)]
                stock_receive(
                    location=self.bins[(index + offset) % len(self.bins)],
                    product_id=product.pk,
                    quantity=8,
                    lot_id=lot_obj.pk if lot_obj else None,
                    received_at=timezone.now() - timedelta(days=offset + index),
                )
                self.received[product.pk] += 8
        for priority, lines in enumerate(orders, start=1):
            self.take_order(lines, priority)
        self.release_wave("priority", 3)

    @rule(
        product=st.integers(0, 2),
        where=st.integers(0, 5),
        quantity=units,
        lot=st.integers(0, 3),
        days_ago=st.integers(0, 30),
    )
    def receive(self, product: int, where: int, quantity: int, lot: int, days_ago: int) -> None:
        chosen = self.products[product]
        lots = self.lots[chosen.pk]
        lot_obj = lots[lot % len(lots)]
        stock_receive(
            location=self.bins[where],
            product_id=chosen.pk,
            quantity=quantity,
            lot_id=lot_obj.pk if lot_obj else None,
            received_at=timezone.now() - timedelta(days=days_ago),
        )
        self.received[chosen.pk] += quantity
        # Stock arrived: the retry the putaway would enqueue, run here directly.
        allocations = backorders_allocate(product_id=chosen.pk, warehouse_id=self.warehouse.pk)
        if allocations:
            event("backorder filled on receipt")
        self._check_fifo_fefo(allocations)

    @rule(
        lines=st.lists(
            st.tuples(st.integers(0, 2), units), min_size=1, max_size=3, unique_by=lambda t: t[0]
        ),
        priority=st.integers(1, 9),
    )
    def take_order(self, lines: list[tuple[int, int]], priority: int) -> None:
        order = order_create(
            warehouse=self.warehouse,
            reference=f"PBT{self.n}-{len(self.orders)}",
            priority=priority,
            lines=[OrderLineInput(self.products[p], q) for p, q in lines],
        ).order
        self.orders.append(order.pk)
        # What the worker does once the order commits: allocate, then make its pick tasks.
        self._check_fifo_fefo(orders_allocate(order_ids=[order.pk]))
        pick_tasks_create(order_ids=[order.pk])

    @precondition(lambda self: self.orders)
    @rule(picks=st.lists(st.integers(0, 50), min_size=1, max_size=3))
    def allocate_again(self, picks: list[int]) -> None:
        """A retry of several orders at once (a redelivered task, a supervisor's retry)."""
        order_ids = sorted({self._order(p).pk for p in picks})
        allocations = orders_allocate(order_ids=order_ids)
        self._check_fifo_fefo(allocations)
        pick_tasks_create(order_ids=order_ids)

    @precondition(lambda self: self.orders)
    @rule(by=st.sampled_from(["priority", "ship_date", "cutoff"]), size=st.integers(1, 6))
    def release_wave(self, by: str, size: int) -> None:
        try:
            wave_release(warehouse_id=self.warehouse.pk, by=by, picks_per_batch=size)
        except DomainError as error:
            refused = error.message
        else:
            event("wave released")
            return
        assert "No allocated orders" in refused

    @rule(who=st.integers(0, 1))
    def claim(self, who: int) -> None:
        self._claim(who)

    def _claim(self, who: int) -> Task | None:
        picker = self.pickers[who]
        task = task_claim(user_id=picker.pk, warehouse_id=self.warehouse.pk, kinds=["pick"])
        if task is not None:
            assert task.assignee_id == picker.pk
            assert task.status == Task.Status.ASSIGNED
        return task

    @rule(
        picks=st.lists(
            st.tuples(
                st.integers(0, 50),
                st.one_of(st.just(0), st.just(0), st.integers(1, 12)),  # units short
                st.sampled_from([None, None, None, None, "bin", "product"]),  # a wrong scan
            ),
            min_size=1,
            max_size=5,
        )
    )
    def confirm_picks(self, picks: list[tuple[int, int, str | None]]) -> None:
        """A picker works through a few picks of a batch: most right, some short, some with
        a wrong scan first."""
        for pick, short_by, wrong in picks:
            self._confirm_pick(pick, short_by, wrong)

    def _confirm_pick(self, pick: int, short_by: int, wrong: str | None) -> None:
        assigned = self._tasks(kind=Task.Kind.PICK, status=Task.Status.ASSIGNED)
        if not assigned:  # a picker with empty hands asks for work, the supervisor releases
            if not self._claim(pick % 2):
                self.release_wave("priority", 1 + pick % 6)
                self._claim(pick % 2)
            assigned = self._tasks(kind=Task.Kind.PICK, status=Task.Status.ASSIGNED)
        if not assigned:
            return
        task = assigned[pick % len(assigned)]
        user_id = task.assignee_id
        location, product = task.source_location.code, task.product.sku
        if wrong:
            before = self._snapshot()
            other_bin = next(b for b in self.bins if b.pk != task.source_location_id)
            other_product = next(p for p in self.products if p.pk != task.product_id)
            with pytest.raises(WrongLocation if wrong == "bin" else WrongProduct):
                pick_task_complete(
                    task_id=task.pk,
                    user_id=user_id,
                    scanned_location=other_bin.code if wrong == "bin" else location,
                    scanned_product=other_product.sku if wrong == "product" else product,
                )
            assert self._snapshot() == before, "a wrong scan changed something"
            return
        quantity = max(0, task.quantity - short_by)
        done = pick_task_complete(
            task_id=task.pk,
            user_id=user_id,
            scanned_location=location,
            scanned_product=product,
            quantity=quantity,
            lot_code=task.lot.code if task.lot else None,
        )
        assert (done.status, done.quantity_done) == (Task.Status.DONE, quantity)
        before = self._snapshot()
        # A double tap: the same submission again changes nothing.
        pick_task_complete(
            task_id=task.pk,
            user_id=user_id,
            scanned_location=location,
            scanned_product=product,
            quantity=quantity,
        )
        assert self._snapshot() == before, "a repeated pick confirmation changed something"
        if quantity < task.quantity:
            event("short pick")
            assert Task.objects.filter(kind=Task.Kind.COUNT, parent=task).count() == 1
        else:
            event("full pick")

    @precondition(lambda self: self.orders)
    @rule(pick=st.integers(0, 50))
    def cancel(self, pick: int) -> None:
        order = self._order(pick)
        try:
            order_cancel(order_id=order.pk, reason="property test")
        except Conflict:
            assert order.status == Order.Status.SHIPPED
            return
        order.refresh_from_db()
        assert order.status == Order.Status.CANCELLED
        if Task.objects.filter(order=order, kind=Task.Kind.PICK, status=Task.Status.DONE).exists():
            event("cancelled after picking")
        assert not Allocation.objects.filter(line__order=order, quantity__gt=0).exists()
        assert not Task.objects.filter(
            order=order, kind=Task.Kind.PICK, status__in=Task.ACTIVE_STATUSES
        ).exists()

    @precondition(lambda self: self.orders)
    @rule(pick=st.integers(0, 50), finish=st.booleans(), pack=st.booleans())
    def ship(self, pick: int, finish: bool, pack: bool) -> None:
        """Ship an order, mostly one with stock promised to it, after (with ``finish``) its
        remaining picks are confirmed in full by whoever holds them."""
        promised = list(
            Order.objects.filter(pk__in=self.orders, lines__allocated_quantity__gt=0)
            .exclude(status__in=Order.CLOSED_STATUSES)
            .distinct()
            .values_list("pk", flat=True)
        )
        order = (
            Order.objects.get(pk=promised[pick % len(promised)])
            if promised and pick % 4
            else self._order(pick)
        )
        if finish:
            for task in self._tasks(
                order=order, kind=Task.Kind.PICK, status__in=Task.ACTIVE_STATUSES
            ):
                pick_task_complete(
                    task_id=task.pk,
                    user_id=task.assignee_id or self.pickers[0].pk,
                    scanned_location=task.source_location.code,
                    scanned_product=task.product.barcode or task.product.sku,
                )
            order.refresh_from_db()
        lines_before = {ln.product_id: ln.picked_quantity for ln in order.lines.all()}
        if pack and not order.is_closed and (unpacked := order_unpacked(order=order)):
            package_close(
                order_id=order.pk,
                user_id=self.pickers[0].pk,
                items=[PackedItem(p, lot_id, q) for (p, lot_id), q in unpacked.items()],
            )
        open_picks = Task.objects.filter(
            order=order, kind=Task.Kind.PICK, status__in=Task.ACTIVE_STATUSES
        ).exists()
        try:
            shipped = order_ship(order_id=order.pk, user_id=self.pickers[0].pk)
        except Conflict:
            assert order.status != Order.Status.SHIPPED
            assert order.is_closed or open_picks or not any(lines_before.values())
            return
        if order.status == Order.Status.SHIPPED:
            return  # shipped before: nothing more
        assert not open_picks
        assert shipped.status == Order.Status.SHIPPED
        event("order shipped")
        for product_id, picked in lines_before.items():
            self.shipped[product_id] += picked

    @rule()
    def put_back(self) -> None:
        """Goods of cancelled orders go back from staging to storage (and free backorders)."""
        task = task_claim(
            user_id=self.pickers[1].pk, warehouse_id=self.warehouse.pk, kinds=["putaway"]
        )
        if task is None:
            return
        event("returned goods put away")
        scans = {
            "task_id": task.pk,
            "user_id": self.pickers[1].pk,
            "scanned_location": task.source_location.code,
            "scanned_product": task.product.sku,
            "lot_code": task.lot.code if task.lot else None,
        }
        destination = Location.objects.get(pk=task.destination_location_id)
        if destination.is_blocked:
            # Blocked after the putaway was planned: refused, nothing moves; the worker takes
            # the goods to another bin instead.
            event("putaway bin blocked since planning")
            with pytest.raises(LocationBlocked):
                putaway_task_complete(**scans)
            open_bins = Location.objects.filter(
                pk__in=[b.pk for b in self.bins], is_blocked=False
            ).order_by("pk")
            other = open_bins.first()
            if other is None:
                return  # every bin blocked: the goods wait at staging, the task stays claimed
            putaway_task_complete(**scans, destination=other.code)
        else:
            putaway_task_complete(**scans)
        self._check_fifo_fefo(
            backorders_allocate(product_id=task.product_id, warehouse_id=self.warehouse.pk)
        )

    @rule(where=st.integers(0, 5), blocked=st.booleans())
    def block(self, where: int, blocked: bool) -> None:
        location_set_blocked(
            location_id=self.bins[where].pk, blocked=blocked, reason="damaged upright"
        )

    # --- invariants -------------------------------------------------------------------------
    # One invariant reading everything once (eight indexed queries and the ledger check), then
    # checking in Python: the same checks as separate invariants, at a third of the cost.

    @invariant()
    def everything_adds_up(self) -> None:
        drift = stock_drift()
        assert drift.is_clean, drift  # ledger == quants, levels == quants
        quants = list(
            Quant.objects.filter(warehouse=self.warehouse).values_list(
                "pk", "product_id", "quantity", "reserved"
            )
        )
        levels = list(StockLevel.objects.filter(warehouse=self.warehouse))
        orders = dict(Order.objects.filter(pk__in=self.orders).values_list("pk", "status"))
        lines = list(OrderLine.objects.filter(order_id__in=self.orders))
        allocations = list(
            Allocation.objects.filter(line_id__in=[ln.pk for ln in lines]).values_list(
                "pk", "quant_id", "line_id", "quantity", "picked_quantity"
            )
        )
        picks = list(
            Task.objects.filter(warehouse=self.warehouse, kind=Task.Kind.PICK).values_list(
                "pk",
                "status",
                "allocation_id",
                "quantity",
                "quantity_done",
                "assignee_id",
                "batch__assignee_id",
                "completed_at",
            )
        )
        pick_moves = list(
            StockMove.objects.filter(
                warehouse=self.warehouse, kind=StockMove.Kind.PICK
            ).values_list("task_id", flat=True)
        )
        self._stock_checks(quants, levels)
        self._reservation_checks(quants, levels, lines, allocations, orders)
        self._line_checks(lines, allocations, orders)
        self._pick_checks(picks, allocations, pick_moves)

    def _stock_checks(self, quants: list[tuple], levels: list[StockLevel]) -> None:
        """Nothing negative, nothing reserved beyond what is there, and on hand is what came
        in less what left."""
        for _, _, quantity, reserved in quants:
            assert quantity >= 0
            assert 0 <= reserved <= quantity
        on_hand = {level.product_id: level.on_hand for level in levels}
        for level in levels:
            assert level.on_hand >= 0
            assert level.available >= 0
        for product in self.products:
            came, left = self.received[product.pk], self.shipped[product.pk]
            assert on_hand.get(product.pk, 0) == came - left

    def _reservation_checks(self, quants, levels, lines, allocations, orders) -> None:
        """Every reserved unit is an open allocation's, per quant and per level, and no closed
        order holds one."""
        product_of_line = {line.pk: line.product_id for line in lines}
        order_of_line = {line.pk: line.order_id for line in lines}
        per_quant: dict[int, int] = defaultdict(int)
        per_product: dict[int, int] = defaultdict(int)
        for _, quant_id, line_id, quantity, _ in allocations:
            if quantity:
                per_quant[quant_id] += quantity
                per_product[product_of_line[line_id]] += quantity
                assert orders[order_of_line[line_id]] not in Order.CLOSED_STATUSES
        assert per_quant == {pk: reserved for pk, _, _, reserved in quants if reserved}
        for level in levels:
            assert level.reserved == per_product[level.product_id]

    def _line_checks(self, lines, allocations, orders) -> None:
        """Each line's progress is ordered and is the sum of its allocations; each open order's
        status follows from its lines."""
        given: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for _, _, line_id, quantity, picked in allocations:
            given[line_id][0] += quantity
            given[line_id][1] += picked
        by_order: dict[int, list[OrderLine]] = defaultdict(list)
        for line in lines:
            progress = (line.shipped_quantity, line.picked_quantity, line.allocated_quantity)
            assert 0 <= progress[0] <= progress[1] <= progress[2] <= line.quantity
            by_order[line.order_id].append(line)
            status = orders[line.order_id]
            if status == Order.Status.CANCELLED:
                assert progress == (0, 0, 0)
                continue
            reserved, picked = given[line.pk]
            assert line.picked_quantity == picked
            assert line.allocated_quantity == reserved + picked
            if status == Order.Status.SHIPPED:
                assert line.shipped_quantity == line.picked_quantity
                assert reserved == 0
        for order_id, status in orders.items():
            if status not in Order.CLOSED_STATUSES and status != Order.Status.OPEN:
                assert status == order_status_of(by_order[order_id], status)

    def _pick_checks(self, picks, allocations, pick_moves) -> None:
        """One active pick per allocation, asking for what is reserved; a claimed batch is one
        picker's; a pick moved stock at most once."""
        reserved_of = {pk: quantity for pk, _, _, quantity, _ in allocations}
        active: dict[int, int] = defaultdict(int)
        for _, status, allocation_id, quantity, done, assignee, batch_assignee, completed in picks:
            assert done <= quantity
            if status in Task.ACTIVE_STATUSES:
                active[allocation_id] += 1
                assert quantity == reserved_of[allocation_id], (
                    "a pick asks for other than is reserved"
                )
                if status == Task.Status.ASSIGNED and batch_assignee:
                    assert assignee == batch_assignee, "a batch split between pickers"
            elif status == Task.Status.DONE:
                assert completed is not None
        assert all(count == 1 for count in active.values()), "an allocation picked twice"
        assert len(pick_moves) == len(set(pick_moves)), "a pick moved stock twice"


@pytest.mark.django_db
def test_random_outbound_work_keeps_every_invariant():
    run_state_machine_as_test(
        OutboundMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
