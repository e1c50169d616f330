"""The dashboard's figures against a known warehouse, tile by tile, and its fixed query count.

The state is made through the real services (receipts into bins, orders allocated and picked
on the floor, a short pick, scans refused, a bin blocked); only what no service does on demand
(a task finished at a chosen time, an order's later status) is set on the rows directly.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import ReorderSuggestion
from tests.factories.inventory import WarehouseFactory
from tests.factories.warehouse import LocationFactory, TaskFactory, dock
from tests.warehouse.views.outbound_scenario import (
    allocated,
    claimed_batch,
    outbound_site,
    picked_order,
    take,
)
from warehouse.models import BinCount, Location, Order, Receipt, Task
from warehouse.selectors.dashboard import dashboard_get, day_start
from warehouse.services.intake import stock_receive
from warehouse.services.layout import location_set_blocked
from warehouse.services.pick_faces import pick_face_rule_create
from warehouse.services.picking import pick_task_complete
from warehouse.services.receiving import ExpectedLine, receipt_create
from warehouse.services.scan_refusals import scan_refusal_record
from warehouse.services.tasks import tasks_create_many

pytestmark = pytest.mark.django_db


def _noon():
    """Noon of the database's today: far from midnight, so "today" holds the moves this test
    writes (stamped with the transaction's time) and the times it sets by hand."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        db_now = cursor.fetchone()[0]
    return db_now, timezone.localtime(db_now).replace(hour=12, minute=0, second=0, microsecond=0)


def _done(task: Task, *, by, at, quantity_done=None) -> None:
    Task.objects.filter(pk=task.pk).update(
        status=Task.Status.DONE,
        assignee=by,
        completed_at=at,
        quantity_done=task.quantity if quantity_done is None else quantity_done,
    )


@pytest.fixture
def main(db, floor_user, supervisor):
    """MAIN: bins in two aisles with 92 units received today, an order picked in full (5
    gloves), an order picked short (3 of 4 bolts: the missing one reallocated to a new pick in
    the picker's hands, and a count of the bin), and the other tiles' state."""
    site = outbound_site("MAIN")
    picked_order(site, floor_user, (site.glove, 5), reference="SO-1")
    short = allocated(site, (site.bolt, 4), reference="SO-2")
    first = claimed_batch(site, floor_user, short)
    pick_task_complete(
        task_id=first.pk,
        user_id=floor_user.pk,
        scanned_location=first.source_location.code,
        scanned_product=site.bolt.sku,
        quantity=3,
    )
    return site


def _rest_of_the_day(site, floor_user, supervisor, noon):
    wh = site.warehouse
    today = noon.date()
    # Tasks: a QC waiting; a putaway the supervisor finished an hour ago; yesterday's count and
    # a cancelled task, which count nowhere.
    stock_receive(location=dock(wh), product_id=site.glove.pk, quantity=12)
    TaskFactory(
        warehouse=wh,
        kind=Task.Kind.QC,
        product=site.glove,
        quantity=12,
        source_location=dock(wh),
    )
    putaway = TaskFactory(warehouse=wh, kind=Task.Kind.PUTAWAY, product=site.glove, quantity=10)
    _done(putaway, by=supervisor, at=noon - timedelta(hours=1))
    old = TaskFactory(warehouse=wh, kind=Task.Kind.COUNT, product=site.glove)
    _done(old, by=floor_user, at=day_start(noon) - timedelta(minutes=1))
    gone = TaskFactory(warehouse=wh, kind=Task.Kind.PICK, product=site.glove)
    Task.objects.filter(pk=gone.pk).update(status=Task.Status.CANCELLED)
    # Orders: due today by date or by cut-off, late by date or by cut-off, later, backordered,
    # shipped (closed).
    line = (site.glove, 1)
    take(site, line, reference="O-DUE", requested_ship_date=today)
    take(site, line, reference="O-CUT", carrier_cutoff_at=noon + timedelta(hours=1))
    take(site, line, reference="O-LATE", requested_ship_date=today - timedelta(days=1))
    take(
        site,
        line,
        reference="O-MISSED",
        requested_ship_date=today,
        carrier_cutoff_at=noon - timedelta(hours=1),
    )
    take(site, line, reference="O-LATER", requested_ship_date=today + timedelta(days=2))
    back = take(site, line, reference="O-BACK")
    Order.objects.filter(pk=back.pk).update(status=Order.Status.BACKORDERED)
    sent = take(site, line, reference="O-SENT", requested_ship_date=today - timedelta(days=3))
    Order.objects.filter(pk=sent.pk).update(status=Order.Status.SHIPPED)
    # Receipts: expected today; being received and overdue; closed.
    lines = [ExpectedLine(site.glove, 10)]
    receipt_create(warehouse=wh, expected=lines, expected_date=today)
    late = receipt_create(warehouse=wh, expected=lines, expected_date=today - timedelta(days=2))
    Receipt.objects.filter(pk=late.pk).update(status=Receipt.Status.RECEIVING)
    closed = receipt_create(warehouse=wh, expected=lines, expected_date=today)
    Receipt.objects.filter(pk=closed.pk).update(status=Receipt.Status.CLOSED)
    # QC bench and quarantine.
    bench = Location.objects.get(warehouse=wh, kind=Location.Kind.QC)
    cage = Location.objects.get(warehouse=wh, kind=Location.Kind.QUARANTINE)
    stock_receive(location=bench, product_id=site.glove.pk, quantity=7)
    stock_receive(location=cage, product_id=site.bolt.pk, quantity=4)
    stock_receive(location=cage, product_id=site.glove.pk, quantity=2)
    # A pick face below its minimum and one above; a replenish task on its way.
    face = LocationFactory(warehouse=wh, code="P-01-01", kind=Location.Kind.PICK)
    full = LocationFactory(warehouse=wh, code="P-01-02", kind=Location.Kind.PICK)
    stock_receive(location=face, product_id=site.bolt.pk, quantity=3)
    stock_receive(location=full, product_id=site.glove.pk, quantity=30)
    pick_face_rule_create(
        location_id=face.pk, product_id=site.bolt.pk, min_quantity=5, max_quantity=20
    )
    pick_face_rule_create(
        location_id=full.pk, product_id=site.glove.pk, min_quantity=5, max_quantity=40
    )
    TaskFactory(
        warehouse=wh,
        kind=Task.Kind.REPLENISH,
        product=site.bolt,
        quantity=17,
        source_location=site.bins["B-01-02"],
        destination_location=face,
    )
    # Purchase suggestions: one critical (nothing available), one later, one dismissed.
    for product, available, cover, status in (
        (site.bolt, 0, 0.0, "open"),
        (site.glove, 80, 40.0, "open"),
        (site.milk, 0, 0.0, "dismissed"),
    ):
        ReorderSuggestion.objects.create(
            product=product,
            warehouse=wh,
            status=status,
            suggested_quantity=10,
            unit_cost=Decimal("1.00"),
            available=available,
            days_of_cover=cover,
            lead_time_days=5,
            reason="below the reorder point",
        )
    # Exceptions: three scans refused today; a blocked bin.
    for code in ("wrong_location", "wrong_location", "wrong_lot"):
        scan_refusal_record(warehouse_id=wh.pk, user_id=floor_user.pk, code=code, scanned="X-1")
    location_set_blocked(location_id=site.bins["B-01-04"].pk, blocked=True, reason="damaged")
    # Record accuracy: three bin counts this month, two exact; one old; one a recount asked.
    for expected, counted, age, status in (
        (10, 10, 1, BinCount.Status.EXACT),
        (8, 8, 2, BinCount.Status.EXACT),
        (5, 4, 3, BinCount.Status.PENDING),
        (6, 6, 45, BinCount.Status.EXACT),
        (9, 7, 1, BinCount.Status.RECOUNT),
    ):
        task = TaskFactory(
            warehouse=wh,
            kind=Task.Kind.COUNT,
            product=site.bolt,
            source_location=site.bins["A-01-01"],
        )
        Task.objects.filter(pk=task.pk).update(status=Task.Status.CANCELLED)
        BinCount.objects.create(
            task=task,
            warehouse=wh,
            location=site.bins["A-01-01"],
            product=site.bolt,
            expected_quantity=expected,
            counted_quantity=counted,
            status=status,
            counted_at=noon - timedelta(days=age),
        )


def _west(floor_user):
    """Another warehouse busy with the same kinds of thing: none of it may show in MAIN."""
    west = WarehouseFactory(code="WEST", name="West depot")
    bin_ = LocationFactory(warehouse=west, code="W-01-01")
    location_set_blocked(location_id=bin_.pk, blocked=True, reason="leak")
    scan_refusal_record(warehouse_id=west.pk, user_id=floor_user.pk, code="wrong_product")
    done = TaskFactory(warehouse=west, kind=Task.Kind.PICK)
    return west, done


def test_every_tile_against_a_known_day(main, floor_user, supervisor):
    db_now, noon = _noon()
    _rest_of_the_day(main, floor_user, supervisor, noon)
    west, west_task = _west(floor_user)
    _done(west_task, by=floor_user, at=noon)

    d = dashboard_get(warehouse_id=main.warehouse.pk, now=noon)

    tasks = {cell.kind: (cell.open, cell.assigned, cell.done_today) for cell in d.tasks}
    assert tasks == {
        "putaway": (0, 0, 1),
        "pick": (0, 1, 2),  # the reallocated bolt is in the picker's hands
        "qc": (1, 0, 0),
        "replenish": (1, 0, 0),
        "count": (1, 0, 0),  # the short-picked bin; yesterday's count is not today's
    }
    assert (d.tasks_open, d.tasks_assigned, d.tasks_done_today) == (3, 1, 3)

    o = d.orders
    # SO-1 and SO-2 are being picked; the seven others are O-... (O-SENT shipped).
    assert (o.open, o.due_today, o.late, o.cutoff_soon, o.backordered) == (8, 2, 2, 1, 1)

    r = d.receipts
    assert (r.waiting, r.receiving, r.expected_today, r.overdue) == (2, 1, 1, 1)
    assert r.dock_units == 12  # the QC task's gloves

    h = d.holds
    assert (h.qc_tasks, h.qc_units, h.quarantine_units, h.quarantine_lines) == (1, 7, 6, 2)

    p = d.replenishment
    assert (p.replenish_open, p.faces_below_min) == (1, 1)
    assert (p.suggestions_open, p.suggestions_critical) == (2, 1)

    e = d.exceptions
    assert (e.short_picks, e.wrong_scans, e.blocked_bins) == (1, 3, 1)
    assert e.wrong_scans_by_code == {
        "wrong_location": 2,
        "wrong_product": 0,
        "wrong_lot": 1,
        "invalid_barcode": 0,
    }

    t = d.throughput
    # Received: 10 + 20 bolts, 50 gloves, 6 + 6 milk, 12 on the dock, 7 + 4 + 2 in QC and
    # quarantine, 3 + 30 on the faces; picked: 5 gloves and 3 bolts in two lines.
    assert (t.units_received, t.units_picked, t.lines_picked, t.units_shipped) == (
        150,
        8,
        2,
        0,
    )
    hour = timezone.localtime(db_now).hour
    busy = [h for h in t.hours if h.units_received or h.units_picked]
    assert [(h.hour, h.units_picked, h.lines_picked, h.units_received) for h in busy] == [
        (hour, 8, 2, 150)
    ]

    workers = [(w.name, w.done, w.units, w.short_picks) for w in d.workers]
    assert workers == [("floor", 2, 8, 1), ("sup", 1, 10, 0)]
    floor_kinds = {k.kind: (k.done, k.units) for k in d.workers[0].kinds}
    assert floor_kinds["pick"] == (2, 8)
    assert floor_kinds["putaway"] == (0, 0)

    a = d.accuracy
    assert (a.counted, a.exact) == (3, 2)
    assert a.share == pytest.approx(2 / 3)


def test_tomorrow_starts_from_nothing(main, floor_user):
    """The same warehouse seen from tomorrow: today's picks, receipts and work are history."""
    db_now, noon = _noon()

    d = dashboard_get(warehouse_id=main.warehouse.pk, now=noon + timedelta(days=1))

    assert (d.throughput.units_received, d.throughput.units_picked) == (0, 0)
    assert d.workers == []
    assert d.tasks_done_today == 0
    assert d.exceptions.short_picks == 0
    # What is still open is still open.
    assert d.tasks_assigned == 1


def test_an_empty_warehouse_shows_zeros_and_no_accuracy(db):
    warehouse = WarehouseFactory(code="NEW", name="New site")

    d = dashboard_get(warehouse_id=warehouse.pk)

    assert d.tasks_open == d.tasks_assigned == d.tasks_done_today == 0
    assert d.orders.open == d.receipts.waiting == d.exceptions.blocked_bins == 0
    assert d.accuracy.share is None
    assert d.workers == []
    assert len(d.throughput.hours) == 24


def _many_tasks(warehouse, users, count: int, noon) -> None:
    """``count`` tasks of every kind; a third done today by one of ``users``."""
    kinds = list(Task.Kind.values)
    tasks = [
        Task(
            warehouse_id=warehouse.pk,
            kind=kinds[n % len(kinds)],
            quantity=2,
            origin_key=f"dash:{warehouse.pk}:{n}",
        )
        for n in range(count)
    ]
    made = tasks_create_many(tasks=tasks)
    for n, task in enumerate(made):
        if n % 3 == 0:
            _done(task, by=users[n // 3 % len(users)], at=noon - timedelta(minutes=n))


def _queries(warehouse_id: int, now) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        dashboard_get(warehouse_id=warehouse_id, now=now)
    return [query["sql"] for query in captured.captured_queries]


def test_the_query_count_does_not_grow_with_the_tasks(floor_user, supervisor, purchaser):
    _, noon = _noon()
    small = WarehouseFactory(code="SMALL", name="Small")
    big = WarehouseFactory(code="BIG", name="Big")
    _many_tasks(small, [floor_user], 10, noon)
    _many_tasks(big, [floor_user, supervisor, purchaser], 200, noon)

    few = _queries(small.pk, noon)
    many = _queries(big.pk, noon)

    assert len(few) == len(many) == 11
    assert len(dashboard_get(warehouse_id=big.pk, now=noon).workers) == 3
