"""Pick-face replenishment: which faces get replenish tasks, from which reserve bins and lots,
how many units, and that the planner and its triggers are idempotent."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import StockLevel
from tests.concurrency import run_together
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Location, Lot, Quant, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.allocation import orders_allocate
from warehouse.services.intake import stock_receive
from warehouse.services.layout import location_set_blocked
from warehouse.services.moves import stock_move
from warehouse.services.orders import OrderLineInput, order_create
from warehouse.services.pick_faces import pick_face_rule_create, pick_face_rule_update
from warehouse.services.picking import pick_task_complete, pick_tasks_create
from warehouse.services.putaway import putaway_task_complete
from warehouse.services.replenish import pick_faces_replenish
from warehouse.services.tasks import task_cancel, task_create
from warehouse.services.waves import wave_release
from warehouse.tasks import pick_faces_replenish_task

K = Location.Kind


@pytest.fixture
def site(db):
    """A pick face (capacity 50) with a rule of 10-40 for ``product``, and four reserve bins."""
    warehouse = WarehouseFactory()
    face = LocationFactory(warehouse=warehouse, code="P-01", kind=K.PICK, capacity_units=50)
    reserve = [LocationFactory(warehouse=warehouse, code=f"R-0{i}") for i in range(1, 5)]
    product = ProductFactory()
    rule = pick_face_rule_create(
        location_id=face.pk, product_id=product.pk, min_quantity=10, max_quantity=40
    )
    return warehouse, face, reserve, product, rule


def receive(bin_, product, quantity, *, days_ago=0, lot=None):
    stock_receive(
        location=bin_,
        product_id=product.pk,
        quantity=quantity,
        lot_id=lot.pk if lot else None,
        received_at=timezone.now() - timedelta(days=days_ago),
    )


def plan(**kwargs) -> list[tuple[str, str, str | None, int]]:
    tasks = pick_faces_replenish(**kwargs)
    rows = Task.objects.filter(pk__in=[t.pk for t in tasks]).select_related(
        "source_location", "destination_location", "lot"
    )
    by_pk = {t.pk: t for t in rows}
    return [
        (
            by_pk[t.pk].source_location.code,
            by_pk[t.pk].destination_location.code,
            by_pk[t.pk].lot.code if by_pk[t.pk].lot else None,
            by_pk[t.pk].quantity,
        )
        for t in tasks
    ]


def open_replenish(face) -> list[Task]:
    return list(
        Task.objects.filter(
            kind=Task.Kind.REPLENISH,
            destination_location=face,
            status__in=Task.ACTIVE_STATUSES,
        ).order_by("pk")
    )


def face_units(face, product) -> int:
    return sum(
        Quant.objects.filter(location=face, product=product).values_list("quantity", flat=True)
    )


# --- which faces, how many units --------------------------------------------------------------


def test_a_face_below_min_gets_one_task_up_to_its_max(site):
    warehouse, face, reserve, product, rule = site
    receive(face, product, 5)
    receive(reserve[0], product, 100, days_ago=3)

    assert plan() == [("R-01", "P-01", None, 35)]

    (task,) = open_replenish(face)
    assert task.kind == Task.Kind.REPLENISH
    assert task.warehouse_id == warehouse.pk
    assert task.product_id == product.pk
    assert task.origin_key == f"replenish:{face.pk}:{product.pk}:1"
    assert task.priority == 3
    assert task.reference == "pick-face:P-01"
    rule.refresh_from_db()
    assert rule.replenishments == 1


def test_a_face_at_or_above_min_gets_nothing(site):
    _, face, reserve, product, _ = site
    receive(face, product, 10)
    receive(reserve[0], product, 100)

    assert plan() == []


def test_sources_are_taken_fifo_across_bins_and_lots(site):
    _, face, reserve, product, _ = site
    lots = {code: Lot.objects.create(product=product, code=code) for code in ("L1", "L2", "L3")}
    receive(reserve[0], product, 15, days_ago=2, lot=lots["L1"])
    receive(reserve[1], product, 20, days_ago=10, lot=lots["L2"])
    receive(reserve[2], product, 30, days_ago=5, lot=lots["L3"])

    # The face is empty: 40 units, the oldest receipts first, one task per bin and lot.
    assert plan() == [("R-02", "P-01", "L2", 20), ("R-03", "P-01", "L3", 20)]
    tasks = open_replenish(face)
    assert [t.priority for t in tasks] == [2, 2]  # an empty face stops picking: urgent
    assert [t.origin_key.rsplit(":", 1)[1] for t in tasks] == ["1", "2"]


def test_never_more_than_the_reserve_holds_and_nothing_from_an_empty_reserve(site):
    _, face, reserve, product, _ = site
    assert plan() == []  # no reserve at all
    assert not Task.objects.exists()

    receive(reserve[0], product, 7)
    assert plan() == [("R-01", "P-01", None, 7)]


def test_only_unblocked_storage_bins_of_the_warehouse_are_sources(site):
    warehouse, face, reserve, product, _ = site
    other_face = LocationFactory(warehouse=warehouse, code="P-02", kind=K.PICK)
    elsewhere = LocationFactory(warehouse=WarehouseFactory(), code="R-XX")
    dock = warehouse.locations.get(kind=K.RECEIVING)
    receive(other_face, product, 50, days_ago=20)  # another pick face: not reserve
    receive(elsewhere, product, 50, days_ago=20)  # another building
    receive(dock, product, 50, days_ago=20)  # not put away yet
    receive(reserve[0], product, 50, days_ago=9)
    receive(reserve[1], product, 50, days_ago=1)
    location_set_blocked(location_id=reserve[0].pk, blocked=True, reason="Damaged racking")

    assert plan() == [("R-02", "P-01", None, 40)]


def test_reserved_units_are_not_taken(site):
    warehouse, face, reserve, product, _ = site
    receive(reserve[0], product, 30, days_ago=5)
    order = order_create(
        warehouse=warehouse, reference="SO-1", lines=[OrderLineInput(product, 25)]
    ).order
    orders_allocate(order_ids=[order.pk])

    assert plan() == [("R-01", "P-01", None, 5)]


def test_expired_lots_stay_in_reserve(site):
    _, face, reserve, product, _ = site
    today = timezone.localdate()
    old = Lot.objects.create(product=product, code="OLD", expiry_date=today - timedelta(days=1))
    good = Lot.objects.create(product=product, code="OK", expiry_date=today + timedelta(days=90))
    receive(reserve[0], product, 40, days_ago=30, lot=old)
    receive(reserve[1], product, 40, days_ago=1, lot=good)

    assert plan() == [("R-02", "P-01", "OK", 40)]


def test_the_max_and_the_bins_room_are_respected(site):
    warehouse, face, reserve, product, _ = site
    receive(face, product, 8)
    receive(reserve[0], product, 1000)
    assert plan() == [("R-01", "P-01", None, 32)]  # up to the max of 40, not the 1000 there

    # A second product shares the face: its units take room the first cannot have.
    lodger = ProductFactory()
    face_b = LocationFactory(warehouse=warehouse, code="P-03", kind=K.PICK, capacity_units=30)
    pick_face_rule_create(
        location_id=face_b.pk, product_id=product.pk, min_quantity=10, max_quantity=30
    )
    receive(face_b, lodger, 25)
    assert plan() == [("R-01", "P-03", None, 5)]


def test_units_on_their_way_count_as_stock(site):
    warehouse, face, reserve, product, _ = site
    receive(face, product, 5)
    receive(reserve[0], product, 100)
    dock = warehouse.locations.get(kind=K.RECEIVING)
    receive(dock, product, 6)
    putaway = task_create(
        warehouse_id=warehouse.pk,
        kind=Task.Kind.PUTAWAY,
        product=product,
        quantity=6,
        source_location=dock,
        destination_location=face,
        origin_key="putaway:test",
    )
    assert plan() == []  # 5 there + 6 coming = 11, not below the minimum of 10

    task_cancel(task_id=putaway.pk)
    assert plan() == [("R-01", "P-01", None, 35)]


def test_inactive_rules_and_blocked_faces_get_nothing(site):
    _, face, reserve, product, rule = site
    receive(reserve[0], product, 100)
    pick_face_rule_update(rule_id=rule.pk, is_active=False)
    assert plan() == []

    pick_face_rule_update(rule_id=rule.pk, is_active=True)
    location_set_blocked(location_id=face.pk, blocked=True, reason="Label missing")
    assert plan() == []


def test_faces_sharing_a_reserve_emptiest_first_within_what_it_holds(site):
    warehouse, face, reserve, product, _ = site
    face_b = LocationFactory(warehouse=warehouse, code="P-02", kind=K.PICK)
    pick_face_rule_create(
        location_id=face_b.pk, product_id=product.pk, min_quantity=10, max_quantity=40
    )
    receive(face, product, 8)  # 80 % of its minimum
    receive(face_b, product, 2)  # 20 %: emptier, served first
    receive(reserve[0], product, 45)

    assert plan() == [("R-01", "P-02", None, 38), ("R-01", "P-01", None, 7)]


def test_scope_by_warehouse_and_by_location(site):
    warehouse, face, reserve, product, _ = site
    receive(reserve[0], product, 100)
    other = WarehouseFactory()
    other_face = LocationFactory(warehouse=other, code="P-09", kind=K.PICK)
    pick_face_rule_create(
        location_id=other_face.pk, product_id=product.pk, min_quantity=1, max_quantity=5
    )
    receive(LocationFactory(warehouse=other, code="R-09"), product, 100)

    assert plan(warehouse_id=other.pk) == [("R-09", "P-09", None, 5)]
    assert plan(location_ids=[reserve[1].pk]) == []  # not a face
    assert plan(location_ids=[face.pk]) == [("R-01", "P-01", None, 40)]


# --- idempotency ------------------------------------------------------------------------------


def test_a_repeat_plans_nothing_more(site):
    _, face, reserve, product, rule = site
    receive(reserve[0], product, 100)
    first = pick_faces_replenish()

    assert pick_faces_replenish() == []
    assert pick_faces_replenish_task() == 0  # the Celery task, called in process
    assert open_replenish(face) == first
    rule.refresh_from_db()
    assert rule.replenishments == 1


def test_an_open_task_keeps_its_face_out_until_done_then_the_next_need_is_numbered(site):
    warehouse, face, reserve, product, rule = site
    receive(face, product, 6)
    receive(reserve[0], product, 100)
    (task,) = pick_faces_replenish()
    assert task.quantity == 34

    # More is picked from the face while the task is open: still no second task.
    stock_move(
        product_id=product.pk,
        quantity=6,
        from_location_id=face.pk,
        to_location_id=warehouse.locations.get(kind=K.STAGING).pk,
    )
    assert pick_faces_replenish() == []

    worker = _user("mover", "floor")
    putaway_task_complete(
        task_id=task.pk,
        user_id=worker.pk,
        scanned_location="R-01",
        scanned_product=product.barcode,
    )
    assert face_units(face, product) == 34
    assert pick_faces_replenish() == []  # 34 is not below 10

    stock_move(
        product_id=product.pk,
        quantity=30,
        from_location_id=face.pk,
        to_location_id=warehouse.locations.get(kind=K.STAGING).pk,
    )
    (again,) = pick_faces_replenish()
    assert again.origin_key == f"replenish:{face.pk}:{product.pk}:2"
    assert again.quantity == 36


def test_a_replenish_task_is_completed_like_a_putaway(site):
    warehouse, face, reserve, product, _ = site
    lot = Lot.objects.create(product=product, code="L9")
    receive(face, product, 4)
    receive(reserve[0], product, 50, lot=lot)
    (task,) = pick_faces_replenish()
    worker = _user("mover", "floor")

    putaway_task_complete(
        task_id=task.pk,
        user_id=worker.pk,
        scanned_location="R-01",
        scanned_product=product.barcode,
        lot_code="L9",
    )

    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert face_units(face, product) == 40
    move = StockMove.objects.get(task=task)
    assert (move.kind, move.from_location_id, move.to_location_id, move.quantity) == (
        StockMove.Kind.REPLENISH,
        reserve[0].pk,
        face.pk,
        36,
    )
    assert StockLevel.objects.get(product=product, warehouse=warehouse).on_hand == 54
    drift = stock_drift()
    assert drift.quants == []
    assert drift.levels == []


def test_the_plan_is_a_fixed_number_of_statements(site):
    warehouse, _, reserve, product, _ = site
    for n in range(20):
        face = LocationFactory(warehouse=warehouse, code=f"P-1{n:02d}", kind=K.PICK)
        pick_face_rule_create(
            location_id=face.pk, product_id=product.pk, min_quantity=1, max_quantity=3
        )
    for bin_ in reserve:
        receive(bin_, product, 30)

    with CaptureQueriesContext(connection) as queries:
        tasks = pick_faces_replenish()

    # 21 faces want 40 + 20 x 3 = 100 units of the 120 in reserve; some split over two bins.
    assert sum(t.quantity for t in tasks) == 100
    assert len({t.destination_location_id for t in tasks}) == 21
    assert len(queries) <= 8, [q["sql"][:80] for q in queries]


# --- triggers ---------------------------------------------------------------------------------


def _pick_from_face(site, quantity, *, typed_sku=False):
    """An order for ``quantity`` allocated from the face (its stock is the oldest) and picked."""
    warehouse, face, reserve, product, _ = site
    order = order_create(
        warehouse=warehouse,
        reference=f"SO-{Task.objects.count()}",
        lines=[OrderLineInput(product, quantity)],
    ).order
    orders_allocate(order_ids=[order.pk])
    (pick,) = pick_tasks_create(order_ids=[order.pk])
    assert pick.source_location_id == face.pk
    picker = _user(f"picker{order.pk}", "floor")
    with CaptureQueriesContext(connection) as queries:
        done = pick_task_complete(
            task_id=pick.pk,
            user_id=picker.pk,
            scanned_location=face.barcode,
            scanned_product=product.sku if typed_sku else product.barcode,
        )
    one_trip = not any("warehouse_allocation" in q["sql"] for q in queries)
    assert one_trip is not typed_sku  # a GTIN scan takes the one-trip path, a typed SKU not
    return done


def _checks(callbacks) -> list[list[int]]:
    """The face checks enqueued on commit (location ids of each)."""
    return [
        cb.keywords["location_ids"]
        for cb in callbacks
        if getattr(getattr(getattr(cb, "func", None), "__self__", None), "name", "")
        == pick_faces_replenish_task.name
    ]


@pytest.mark.parametrize("typed_sku", [False, True], ids=["one-trip", "python-path"])
def test_a_pick_that_leaves_the_face_below_min_enqueues_a_check(
    site, django_capture_on_commit_callbacks, typed_sku
):
    warehouse, face, reserve, product, _ = site
    receive(face, product, 14, days_ago=30)
    receive(reserve[0], product, 100, days_ago=1)

    with django_capture_on_commit_callbacks() as callbacks:
        _pick_from_face(site, 3, typed_sku=typed_sku)  # 11 left: not below 10
    assert _checks(callbacks) == []

    with django_capture_on_commit_callbacks() as callbacks:
        done = _pick_from_face(site, 2, typed_sku=typed_sku)  # 9 left
    assert done.status == Task.Status.DONE
    assert _checks(callbacks) == [[face.pk]]


def test_a_pick_from_a_storage_bin_enqueues_nothing(site, django_capture_on_commit_callbacks):
    warehouse, face, reserve, product, _ = site
    receive(reserve[0], product, 5, days_ago=1)
    order = order_create(
        warehouse=warehouse, reference="SO-S", lines=[OrderLineInput(product, 5)]
    ).order
    orders_allocate(order_ids=[order.pk])
    (pick,) = pick_tasks_create(order_ids=[order.pk])
    picker = _user("picker", "floor")

    with django_capture_on_commit_callbacks() as callbacks:
        pick_task_complete(
            task_id=pick.pk,
            user_id=picker.pk,
            scanned_location="R-01",
            scanned_product=product.barcode,
        )
    assert _checks(callbacks) == []


def test_a_wave_release_enqueues_a_check_of_its_pick_faces(
    site, django_capture_on_commit_callbacks
):
    warehouse, face, reserve, product, _ = site
    receive(face, product, 20, days_ago=30)
    receive(reserve[0], product, 100, days_ago=1)
    order = order_create(
        warehouse=warehouse, reference="SO-W", lines=[OrderLineInput(product, 25)]
    ).order
    orders_allocate(order_ids=[order.pk])
    pick_tasks_create(order_ids=[order.pk])

    with django_capture_on_commit_callbacks() as callbacks:
        wave_release(warehouse_id=warehouse.pk)
    assert _checks(callbacks) == [[face.pk]]


@pytest.mark.django_db(transaction=True)
def test_planners_running_at_once_make_one_set_of_tasks():
    """Beat's run, a pick's check and a wave's check at the same moment, on three connections:
    they take turns on the warehouse's planning lock; the first plans, the others find the
    open tasks and the promised reserve units."""
    warehouse = WarehouseFactory()
    product = ProductFactory()
    faces = [LocationFactory(warehouse=warehouse, code=f"P-0{i}", kind=K.PICK) for i in range(1, 4)]
    for face in faces:
        pick_face_rule_create(
            location_id=face.pk, product_id=product.pk, min_quantity=5, max_quantity=20
        )
    reserve = LocationFactory(warehouse=warehouse, code="R-01")
    receive(reserve, product, 50)

    results = run_together(
        [
            lambda: pick_faces_replenish(),
            lambda: pick_faces_replenish(location_ids=[faces[0].pk]),
            lambda: pick_faces_replenish(warehouse_id=warehouse.pk),
        ]
    )

    assert all(isinstance(r, list) for r in results), results
    tasks = Task.objects.filter(kind=Task.Kind.REPLENISH).order_by("destination_location__code")
    # 50 units for three faces of 20: never more than the reserve holds, one need per face.
    assert [(t.destination_location.code, t.quantity) for t in tasks] == [
        ("P-01", 20),
        ("P-02", 20),
        ("P-03", 10),
    ]
