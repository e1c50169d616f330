"""Cycle counts, through the real services: blind counts, recounts over tolerance, the
supervisor's approval (ledger and levels) or rejection, stock moved between count and
approval, the short-pick exclusion ending, and every bad input refused without a trace."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.errors import (
    Conflict,
    DomainError,
    InsufficientStock,
    InvalidQuantity,
    NotAllowed,
    WrongLocation,
    WrongLot,
    WrongProduct,
)
from inventory.models import DemandForecast, StockLevel
from tests.concurrency import run_together
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from tests.warehouse.views.outbound_scenario import allocated, claimed_batch, outbound_site
from warehouse.models import BinCount, Order, Quant, StockMove, Task
from warehouse.selectors.counts import record_accuracy
from warehouse.selectors.ledger import stock_drift
from warehouse.services.allocation import _short_bins, backorders_allocate
from warehouse.services.count_planning import (
    CountTarget,
    count_flag_bin,
    count_tasks_plan,
    counts_plan_by_class,
)
from warehouse.services.counting import (
    CountDecided,
    count_approve,
    count_reject,
    count_task_complete,
)
from warehouse.services.intake import stock_receive
from warehouse.services.lots import lot_resolve
from warehouse.services.moves import stock_move
from warehouse.services.picking import pick_task_complete
from warehouse.services.task_board import task_board_cancel
from warehouse.tasks import backorders_allocate_task, counts_plan_nightly_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelf(db):
    """A bin holding 40 bolts, and an empty bin next to it."""
    warehouse = WarehouseFactory(code="MAIN")
    bin_ = LocationFactory(warehouse=warehouse, code="A-01-01")
    other = LocationFactory(warehouse=warehouse, code="A-01-02")
    bolt = ProductFactory(sku="BOLT", name="Hex bolt")
    stock_receive(location=bin_, product_id=bolt.pk, quantity=40)
    return warehouse, bin_, other, bolt


@pytest.fixture
def counter(db):
    return _user("counter2", "floor")


def _count_task(bin_, product, lot=None) -> Task:
    (task,) = count_flag_bin(
        warehouse_id=bin_.warehouse_id,
        location_id=bin_.pk,
        product=product,
        reason="test",
        user_id=None,
    ).created
    assert task.lot_id == (lot.pk if lot else None)
    return task


def _count(task, user, quantity, *, where=None, what=None, lot=None) -> BinCount:
    return count_task_complete(
        task_id=task.pk,
        user_id=user.pk,
        scanned_location=where or task.source_location.code,
        scanned_product=what or task.product.sku,
        quantity=quantity,
        lot_code=lot,
    )


def _on_hand(bin_, product) -> int:
    quant = Quant.objects.filter(location=bin_, product=product).first()
    return quant.quantity if quant else 0


def _level(warehouse, product) -> StockLevel:
    return StockLevel.objects.get(warehouse=warehouse, product=product)


# --- counting ------------------------------------------------------------------------------


def test_a_count_that_matches_closes_with_nothing_to_decide(shelf, floor_user):
    warehouse, bin_, _, bolt = shelf
    task = _count_task(bin_, bolt)
    assert task.quantity == 0  # the task itself never carries the books' quantity
    moves = StockMove.objects.count()

    count = _count(task, floor_user, 40)

    task.refresh_from_db()
    assert (task.status, task.assignee_id) == (Task.Status.DONE, floor_user.pk)
    assert not task.origin_key.startswith("count:open:")  # the pair may be planned again
    assert (count.status, count.expected_quantity, count.counted_quantity) == ("exact", 40, 40)
    assert StockMove.objects.count() == moves
    with pytest.raises(CountDecided):
        count_approve(count_id=count.pk, user_id=floor_user.pk, reason="nothing to do")


def test_a_small_difference_waits_for_the_supervisor(shelf, floor_user, supervisor):
    warehouse, bin_, _, bolt = shelf
    count = _count(_count_task(bin_, bolt), floor_user, 39)  # 1 unit: within tolerance
    assert count.status == BinCount.Status.PENDING
    assert not Task.objects.filter(kind="count", status__in=Task.ACTIVE_STATUSES).exists()
    assert _on_hand(bin_, bolt) == 40  # nothing changes before the decision

    approved = count_approve(count_id=count.pk, user_id=supervisor.pk, reason="Found broken box")

    assert (approved.status, approved.adjusted_quantity) == ("approved", -1)
    assert (approved.decided_by_id, approved.decision_reason) == (supervisor.pk, "Found broken box")
    move = StockMove.objects.get(pk=approved.adjustment_id)
    assert (move.kind, move.quantity, move.from_location_id, move.actor_id) == (
        "adjustment",
        1,
        bin_.pk,
        supervisor.pk,
    )
    assert move.reason == f"Count #{count.pk}: Found broken box"
    assert _on_hand(bin_, bolt) == 39
    assert _level(warehouse, bolt).on_hand == 39
    assert stock_drift().is_clean


def test_a_difference_over_tolerance_is_recounted_blind_first(
    shelf, floor_user, counter, supervisor
):
    warehouse, bin_, _, bolt = shelf
    first_task = _count_task(bin_, bolt)
    first = _count(first_task, floor_user, 31)

    assert first.status == BinCount.Status.RECOUNT
    recount_task = Task.objects.get(parent=first_task)
    assert (recount_task.kind, recount_task.status, recount_task.quantity) == ("count", "open", 0)
    assert (recount_task.source_location_id, recount_task.product_id) == (bin_.pk, bolt.pk)
    assert recount_task.priority <= 2
    with pytest.raises(CountDecided, match="recounted"):
        count_approve(count_id=first.pk, user_id=supervisor.pk, reason="too early")

    second = _count(recount_task, counter, 32)  # still off: a recount is never recounted
    assert (second.status, second.recount_of_id, second.counted_by_id) == (
        "pending",
        first.pk,
        counter.pk,
    )
    assert not Task.objects.filter(parent=recount_task).exists()
    count_approve(count_id=second.pk, user_id=supervisor.pk, reason="Recount confirms")
    assert _on_hand(bin_, bolt) == 32
    assert stock_drift().is_clean


def test_a_cancelled_recount_sends_the_first_count_to_the_supervisor(shelf, floor_user, supervisor):
    _, bin_, _, bolt = shelf
    first_task = _count_task(bin_, bolt)
    first = _count(first_task, floor_user, 31)
    recount_task = Task.objects.get(parent=first_task)

    task_board_cancel(task_id=recount_task.pk, actor_id=supervisor.pk, reason="counter off sick")

    first.refresh_from_db()
    assert first.status == BinCount.Status.PENDING
    count_approve(count_id=first.pk, user_id=supervisor.pk, reason="First count stands")
    assert _on_hand(bin_, bolt) == 31
    assert stock_drift().is_clean


def test_a_recount_that_matches_the_books_settles_it(shelf, floor_user, counter):
    warehouse, bin_, _, bolt = shelf
    first_task = _count_task(bin_, bolt)
    _count(first_task, floor_user, 4)  # a slip: 4 typed for 40
    second = _count(Task.objects.get(parent=first_task), counter, 40)
    assert second.status == BinCount.Status.EXACT
    accuracy = record_accuracy(warehouse_id=warehouse.pk, since=timezone.now() - timedelta(1))
    assert (accuracy.counted, accuracy.exact, accuracy.share) == (1, 1, 1.0)


def test_rejection_keeps_the_books(shelf, floor_user, supervisor):
    warehouse, bin_, _, bolt = shelf
    count = _count(_count_task(bin_, bolt), floor_user, 41)
    moves = StockMove.objects.count()

    with pytest.raises(DomainError, match="reason"):
        count_reject(count_id=count.pk, user_id=supervisor.pk, reason="  ")
    rejected = count_reject(count_id=count.pk, user_id=supervisor.pk, reason="Miscounted")

    assert (rejected.status, rejected.decision_reason, rejected.adjustment_id) == (
        "rejected",
        "Miscounted",
        None,
    )
    assert StockMove.objects.count() == moves
    assert _on_hand(bin_, bolt) == 40
    with pytest.raises(CountDecided, match="rejected already by sup"):
        count_approve(count_id=count.pk, user_id=supervisor.pk, reason="changed my mind")


def test_approving_twice_adjusts_once(shelf, floor_user, supervisor):
    warehouse, bin_, _, bolt = shelf
    count = _count(_count_task(bin_, bolt), floor_user, 39)
    count_approve(count_id=count.pk, user_id=supervisor.pk, reason="ok")
    with pytest.raises(CountDecided, match="approved already"):
        count_approve(count_id=count.pk, user_id=supervisor.pk, reason="ok")
    assert _on_hand(bin_, bolt) == 39
    assert StockMove.objects.filter(kind="adjustment").count() == 1


def test_stock_moved_after_the_count_stays_moved(shelf, floor_user, supervisor, settings):
    """Approval applies the count's difference to what the bin holds now."""
    settings.WMS_COUNT_TOLERANCE_UNITS = 10
    warehouse, bin_, other, bolt = shelf
    count = _count(_count_task(bin_, bolt), floor_user, 37)  # 3 missing
    stock_move(
        product_id=bolt.pk, quantity=5, from_location_id=bin_.pk, to_location_id=other.pk
    )  # 5 moved out after the count

    approved = count_approve(count_id=count.pk, user_id=supervisor.pk, reason="3 missing")

    assert approved.adjusted_quantity == -3
    assert _on_hand(bin_, bolt) == 32  # 40 - 5 moved - 3 missing
    assert _on_hand(other, bolt) == 5
    assert _level(warehouse, bolt).on_hand == 37
    assert stock_drift().is_clean


def test_approval_is_refused_when_the_bin_now_holds_too_little(
    shelf, floor_user, supervisor, settings
):
    settings.WMS_COUNT_TOLERANCE_UNITS = 50
    warehouse, bin_, other, bolt = shelf
    count = _count(_count_task(bin_, bolt), floor_user, 30)  # 10 missing
    stock_move(product_id=bolt.pk, quantity=35, from_location_id=bin_.pk, to_location_id=other.pk)
    moves = StockMove.objects.count()

    with pytest.raises(InsufficientStock, match="Count again"):
        count_approve(count_id=count.pk, user_id=supervisor.pk, reason="10 missing")

    count.refresh_from_db()
    assert count.status == BinCount.Status.PENDING
    assert StockMove.objects.count() == moves
    assert _on_hand(bin_, bolt) == 5


def test_a_newer_count_supersedes_one_waiting_for_a_decision(shelf, floor_user, supervisor):
    warehouse, bin_, _, bolt = shelf
    older = _count(_count_task(bin_, bolt), floor_user, 39)
    newer = _count(_count_task(bin_, bolt), floor_user, 41)
    older.refresh_from_db()
    assert (older.status, newer.status) == ("rejected", "pending")
    assert "Superseded" in older.decision_reason
    with pytest.raises(CountDecided):
        count_approve(count_id=older.pk, user_id=supervisor.pk, reason="old")


def test_a_lot_is_counted_per_lot(db, floor_user):
    warehouse = WarehouseFactory()
    bin_ = LocationFactory(warehouse=warehouse)
    milk = ProductFactory(tracking="lot")
    lot = lot_resolve(product=milk, code="L1", create=True)
    stock_receive(location=bin_, product_id=milk.pk, quantity=12, lot_id=lot.pk)
    task = _count_task(bin_, milk, lot)

    with pytest.raises(WrongLot):
        _count(task, floor_user, 12, lot="L2")
    count = _count(task, floor_user, 12, lot="L1")
    assert (count.lot_id, count.status) == (lot.pk, "exact")


def test_a_bin_count_without_a_product_counts_what_is_found(shelf, floor_user):
    warehouse, _, other, bolt = shelf
    (task,) = count_flag_bin(
        warehouse_id=warehouse.pk, location_id=other.pk, reason="looks full", user_id=None
    ).created
    assert task.product_id is None
    count = count_task_complete(
        task_id=task.pk,
        user_id=floor_user.pk,
        scanned_location=other.code,
        scanned_product=bolt.sku,
        quantity=3,
    )
    assert (count.product_id, count.expected_quantity, count.status) == (bolt.pk, 0, "recount")


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"where": "A-01-02"}, WrongLocation, "location"),
        ({"where": "NOWHERE"}, WrongLocation, "location"),
        ({"what": "NO-SUCH-SKU"}, WrongProduct, "product"),
        ({"quantity": -1}, InvalidQuantity, "quantity"),
        ({"quantity": None}, InvalidQuantity, "quantity"),
        ({"lot": "L1"}, DomainError, "lot"),  # not lot-tracked
    ],
)
def test_bad_input_changes_nothing(shelf, floor_user, change, error, field):
    warehouse, bin_, _, bolt = shelf
    task = _count_task(bin_, bolt)
    quantity = change.pop("quantity", 40)
    with pytest.raises(error) as raised:
        _count(task, floor_user, quantity, **change)
    assert raised.value.field == field
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN
    assert not BinCount.objects.exists()


def test_the_wrong_product_is_refused(shelf, floor_user):
    warehouse, bin_, _, bolt = shelf
    nut = ProductFactory(sku="NUT")
    task = _count_task(bin_, bolt)
    with pytest.raises(WrongProduct, match="this count is for BOLT"):
        _count(task, floor_user, 40, what="NUT")
    assert nut.pk
    assert not BinCount.objects.exists()


def test_another_counters_task_and_a_repeat(shelf, floor_user, counter):
    warehouse, bin_, _, bolt = shelf
    task = _count_task(bin_, bolt)
    count = _count(task, floor_user, 39)
    with pytest.raises(NotAllowed):
        _count(task, counter, 39)
    assert _count(task, floor_user, 12).pk == count.pk  # a repeat changes nothing
    assert BinCount.objects.get().counted_quantity == 39


def test_a_cancelled_count_cannot_be_counted(shelf, floor_user):
    from warehouse.services.tasks import task_cancel

    warehouse, bin_, _, bolt = shelf
    task = _count_task(bin_, bolt)
    task_cancel(task_id=task.pk)
    with pytest.raises(Conflict):
        _count(task, floor_user, 40)


# --- planning ------------------------------------------------------------------------------


def test_never_two_active_count_tasks_for_one_bin_and_product(shelf, floor_user):
    warehouse, bin_, other, bolt = shelf
    stock_receive(location=other, product_id=bolt.pk, quantity=2)
    target = CountTarget(bin_.pk, bolt.pk)
    first = count_tasks_plan(warehouse_id=warehouse.pk, targets=[target, target])
    assert (len(first.created), first.skipped) == (1, 1)
    again = _plan_both(warehouse, bin_, other, bolt)
    assert len(again.created) == 1
    assert again.created[0].source_location_id == other.pk
    _count(first.created[0], floor_user, 40)
    after = count_tasks_plan(warehouse_id=warehouse.pk, targets=[target])
    assert len(after.created) == 1  # counted: the pair can be planned again
    assert after.created[0].pk != first.created[0].pk


def _plan_both(warehouse, bin_, other, bolt):
    return count_tasks_plan(
        warehouse_id=warehouse.pk,
        targets=[CountTarget(bin_.pk, bolt.pk), CountTarget(other.pk, bolt.pk)],
    )


# --- the short-pick exclusion ----------------------------------------------------------------


def test_counting_a_short_picked_bin_lets_allocation_use_it_again(
    db, floor_user, counter, django_capture_on_commit_callbacks
):
    site = outbound_site()
    order = allocated(site, (site.glove, 50), reference="SO-1")  # all of A-01-02
    pick = claimed_batch(site, floor_user, order)
    pick_task_complete(
        task_id=pick.pk,
        user_id=floor_user.pk,
        scanned_location="A-01-02",
        scanned_product=site.glove.sku,
        quantity=0,  # nothing found: short, and backordered (no other gloves)
    )
    bin_ = site.bins["A-01-02"]
    key = (site.glove.pk, site.warehouse.pk)
    assert (site.glove.pk, bin_.pk) in _short_bins({key})
    backorders_allocate(product_id=site.glove.pk, warehouse_id=site.warehouse.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.BACKORDERED  # the bin is kept out until counted

    count_task = Task.objects.get(kind="count", source_location=bin_)
    with django_capture_on_commit_callbacks() as callbacks:
        count = _count(count_task, counter, 50)  # they were there after all

    assert count.status == BinCount.Status.EXACT
    assert _short_bins({key}) == set()
    assert any(
        getattr(callback, "func", None) == backorders_allocate_task.delay for callback in callbacks
    )
    backorders_allocate(product_id=site.glove.pk, warehouse_id=site.warehouse.pk)
    order.refresh_from_db()
    assert order.status != Order.Status.BACKORDERED
    assert stock_drift().is_clean


def test_a_short_picked_bin_stays_out_while_it_is_recounted(db, floor_user, counter):
    site = outbound_site()
    order = allocated(site, (site.glove, 50), reference="SO-1")
    pick = claimed_batch(site, floor_user, order)
    pick_task_complete(
        task_id=pick.pk,
        user_id=floor_user.pk,
        scanned_location="A-01-02",
        scanned_product=site.glove.sku,
        quantity=0,
    )
    bin_ = site.bins["A-01-02"]
    key = (site.glove.pk, site.warehouse.pk)
    first = _count(Task.objects.get(kind="count", source_location=bin_), counter, 0)
    assert first.status == BinCount.Status.RECOUNT
    assert (site.glove.pk, bin_.pk) in _short_bins({key})  # still in doubt
    recount = Task.objects.get(kind="count", status="open", source_location=bin_)
    second = _count(recount, floor_user, 0)
    assert second.status == BinCount.Status.PENDING
    assert _short_bins({key}) == set()


# --- record accuracy -------------------------------------------------------------------------


def test_record_accuracy_of_a_known_set(shelf, floor_user, counter, supervisor):
    warehouse, bin_, other, bolt = shelf
    nut = ProductFactory(sku="NUT")
    washer = ProductFactory(sku="WASHER")
    for product, bin_code in ((nut, other), (washer, other)):
        stock_receive(location=bin_code, product_id=product.pk, quantity=10)
    _count(_count_task(bin_, bolt), floor_user, 40)  # exact
    _count(_count_task(other, nut), floor_user, 10)  # exact
    pending = _count(_count_task(other, washer), floor_user, 9)  # off by one: pending
    count_approve(count_id=pending.pk, user_id=supervisor.pk, reason="ok")
    first_task = _count_task(bin_, bolt)
    _count(first_task, floor_user, 20)  # recount asked: not a result of its own
    _count(Task.objects.get(parent=first_task), counter, 40)  # exact on recount
    elsewhere = WarehouseFactory(code="EAST")
    far = LocationFactory(warehouse=elsewhere)
    stock_receive(location=far, product_id=bolt.pk, quantity=1)
    _count(_count_task(far, bolt), floor_user, 5)  # another warehouse

    since = timezone.now() - timedelta(days=1)
    accuracy = record_accuracy(warehouse_id=warehouse.pk, since=since)
    assert (accuracy.counted, accuracy.exact) == (4, 3)
    assert accuracy.share == pytest.approx(0.75)
    later = record_accuracy(warehouse_id=warehouse.pk, since=timezone.now() + timedelta(1))
    assert (later.counted, later.exact, later.share) == (0, 0, None)


# --- the ABC schedule ------------------------------------------------------------------------


@pytest.fixture
def racks(db):
    """31 bins of a class A product and 3 bins of a product without a forecast (class C)."""
    warehouse = WarehouseFactory(code="MAIN")
    fast = ProductFactory(sku="FAST")
    slow = ProductFactory(sku="SLOW")
    DemandForecast.objects.create(product=fast, warehouse=warehouse, abc_class="A")
    for n in range(34):
        bin_ = LocationFactory(warehouse=warehouse, code=f"R-{n:02d}", pick_sequence=n)
        stock_receive(location=bin_, product_id=(fast if n < 31 else slow).pk, quantity=5)
    return warehouse, fast, slow


def test_the_abc_schedule_spreads_each_class_over_its_period(racks, floor_user):
    warehouse, fast, slow = racks
    today = timezone.localdate()

    first = counts_plan_by_class(warehouse_id=warehouse.pk, today=today)

    # A: 31 records over 30 days = 2 a day; C: 3 over 365 days = 1 a day.
    planned = sorted((t.product_id, t.source_location.code) for t in first.created)
    assert planned == [(fast.pk, "R-00"), (fast.pk, "R-01"), (slow.pk, "R-31")]
    assert counts_plan_by_class(warehouse_id=warehouse.pk, today=today).created == []
    for task in first.created:
        _count(task, floor_user, 5)

    tomorrow = counts_plan_by_class(warehouse_id=warehouse.pk, today=today + timedelta(1))

    planned = sorted((t.product_id, t.source_location.code) for t in tomorrow.created)
    assert planned == [(fast.pk, "R-02"), (fast.pk, "R-03"), (slow.pk, "R-32")]
    # Bins never counted come before those counted (yesterday's are still being counted).
    later = counts_plan_by_class(warehouse_id=warehouse.pk, today=today + timedelta(31))
    assert {t.source_location.code for t in later.created if t.product_id == fast.pk} == {
        "R-04",
        "R-05",
    }


@pytest.mark.django_db(transaction=True)
def test_the_nightly_beat_entry_runs_the_schedule_in_the_worker(
    racks, settings, celery_worker_process
):
    warehouse, fast, slow = racks
    entry = settings.CELERY_BEAT_SCHEDULE["cycle-counts-nightly"]
    assert entry["task"] == counts_plan_nightly_task.name

    result = counts_plan_nightly_task.apply_async()

    assert result.get(timeout=30) == {"MAIN": 3}
    assert Task.objects.filter(kind="count", status="open").count() == 3


# --- concurrency -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_deciding_at_once_adjust_once(shelf, floor_user, supervisor):
    warehouse, bin_, _, bolt = shelf
    count = _count(_count_task(bin_, bolt), floor_user, 39)
    other = _user("sup2", "supervisor")

    results = run_together(
        [
            lambda: count_approve(count_id=count.pk, user_id=supervisor.pk, reason="a"),
            lambda: count_approve(count_id=count.pk, user_id=other.pk, reason="b"),
            lambda: count_reject(count_id=count.pk, user_id=other.pk, reason="c"),
        ]
    )

    decided = [r for r in results if isinstance(r, BinCount)]
    assert len(decided) == 1
    assert all(isinstance(r, CountDecided) for r in results if r not in decided)
    expected = 39 if decided[0].status == "approved" else 40
    assert _on_hand(bin_, bolt) == expected
    assert StockMove.objects.filter(kind="adjustment").count() == (expected == 39)
    assert stock_drift().is_clean


@pytest.mark.django_db(transaction=True)
def test_a_new_count_and_an_approval_at_once_never_apply_two_differences(
    shelf, floor_user, counter, supervisor, settings
):
    settings.WMS_COUNT_TOLERANCE_UNITS = 5  # both counts go straight to the supervisor
    warehouse, bin_, _, bolt = shelf
    older = _count(_count_task(bin_, bolt), floor_user, 39)
    task = _count_task(bin_, bolt)

    results = run_together(
        [
            lambda: count_approve(count_id=older.pk, user_id=supervisor.pk, reason="ok"),
            lambda: _count(task, counter, 38),
        ]
    )

    assert not any(isinstance(r, Exception) and not isinstance(r, CountDecided) for r in results)
    older.refresh_from_db()
    newer = BinCount.objects.get(task=task)
    if older.status == "approved":  # the approval went first: the new count saw 39 on the books
        assert (newer.expected_quantity, newer.status) == (39, "pending")
    else:  # the new count went first and set the older one aside
        assert (older.status, newer.expected_quantity) == ("rejected", 40)
        assert isinstance(results[0], CountDecided)
    assert BinCount.objects.filter(status="pending").count() == 1
    assert stock_drift().is_clean


def test_a_count_planned_before_a_short_pick_answers_the_short_picks_count(
    db, floor_user, counter, django_capture_on_commit_callbacks
):
    site = outbound_site()
    bin_ = site.bins["A-01-02"]
    planned = _count_task(bin_, site.glove)
    order = allocated(site, (site.glove, 50), reference="SO-1")
    pick = claimed_batch(site, floor_user, order)
    pick_task_complete(
        task_id=pick.pk,
        user_id=floor_user.pk,
        scanned_location="A-01-02",
        scanned_product=site.glove.sku,
        quantity=0,
    )
    short = Task.objects.get(kind="count", origin_key__startswith="count:short:")
    key = (site.glove.pk, site.warehouse.pk)
    assert (site.glove.pk, bin_.pk) in _short_bins({key})

    with django_capture_on_commit_callbacks() as callbacks:
        _count(planned, counter, 50)

    short.refresh_from_db()
    assert (short.status, short.notes) == ("done", f"Counted with task #{planned.pk}.")
    assert _short_bins({key}) == set()
    assert any(getattr(c, "func", None) == backorders_allocate_task.delay for c in callbacks)
