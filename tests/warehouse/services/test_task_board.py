"""The supervisor's task control (warehouse.services.task_board): assign, reprioritise,
release and cancel, each recorded in the audit trail with who, what, before and after; the
refusals (finished tasks, workers of other warehouses or roles, bad priorities, kinds that
cannot be cancelled) change nothing; a pick's cancel releases its reservation and finds the
units elsewhere or backorders them; a reassignment racing a worker's completion ends with
one consistent winner.

``board_build`` is the site the task-board tests share (services, API, pages, browser).
"""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from inventory.errors import Conflict, NotAllowed, NothingToRelease
from inventory.models import AuditEvent, Product, StockLevel, UserScope, Warehouse
from tests.concurrency import run_together
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, TaskFactory, dock
from warehouse.models import Allocation, Location, Order, Quant, StockMove, Task, Zone
from warehouse.selectors.ledger import stock_drift
from warehouse.selectors.tasks import tasks_for_worker
from warehouse.services.allocation import orders_allocate
from warehouse.services.intake import stock_receive
from warehouse.services.orders import OrderLineInput, order_create
from warehouse.services.picking import pick_task_complete, pick_tasks_create
from warehouse.services.putaway import putaway_task_complete
from warehouse.services.task_board import (
    InvalidAssignee,
    InvalidPriority,
    NotCancellable,
    TaskFinished,
    task_board_apply_many,
    task_board_assign,
    task_board_cancel,
    task_board_priority_set,
    task_board_release,
)
from warehouse.services.tasks import task_claim
from wms.roles import FLOOR, PURCHASER, SUPERVISOR


@dataclass
class Board:
    warehouse: Warehouse
    bins: dict[str, Location]
    bolt: Product
    glove: Product
    floor1: object
    floor2: object
    boss: object
    putaway: Task
    pick: Task
    order: Order
    count: Task
    replenish: Task


def board_build(code: str = "MAIN", *, users: bool = True) -> Board:
    """One warehouse with two zones: bolts in A-01 (older) and A-02, gloves on the dock; an
    urgent putaway of the gloves, a real pick of 4 bolts for order SO-<code>-1 (FIFO: from
    A-01), a count and a replenishment; workers floor1 and floor2, supervisor boss."""
    warehouse = WarehouseFactory(code=code, name=f"{code} warehouse")
    zones = {
        z: Zone.objects.create(warehouse=warehouse, code=z, name=name)
        for z, name in (("A", "Reserve"), ("P", "Pick face"))
    }
    bins = {
        c: LocationFactory(warehouse=warehouse, zone=zones[c[0]], code=c, kind=kind)
        for c, kind in (
            ("A-01", Location.Kind.STORAGE),
            ("A-02", Location.Kind.STORAGE),
            ("A-03", Location.Kind.STORAGE),
            ("P-01", Location.Kind.PICK),
        )
    }
    bolt = ProductFactory(sku=f"{code}-BOLT", name="Hex bolt M8")
    glove = ProductFactory(sku=f"{code}-GLOVE", name="Nitrile gloves")
    stock_receive(
        location=bins["A-01"],
        product_id=bolt.pk,
        quantity=10,
        received_at=timezone.now() - timedelta(days=5),
    )
    stock_receive(location=bins["A-02"], product_id=bolt.pk, quantity=10)
    stock_receive(location=dock(warehouse), product_id=glove.pk, quantity=30)
    putaway = TaskFactory(
        warehouse=warehouse,
        kind=Task.Kind.PUTAWAY,
        product=glove,
        quantity=30,
        source_location=dock(warehouse),
        destination_location=bins["A-03"],
        priority=1,
        reference="receipt:1",
    )
    order = order_create(
        warehouse=warehouse, reference=f"SO-{code}-1", lines=[OrderLineInput(bolt, 4)]
    ).order
    orders_allocate(order_ids=[order.pk])
    (pick,) = pick_tasks_create(order_ids=[order.pk])
    count = TaskFactory(
        warehouse=warehouse,
        kind=Task.Kind.COUNT,
        product=bolt,
        source_location=bins["A-02"],
        priority=3,
    )
    replenish = TaskFactory(
        warehouse=warehouse,
        kind=Task.Kind.REPLENISH,
        product=bolt,
        quantity=5,
        source_location=bins["A-02"],
        destination_location=bins["P-01"],
        priority=3,
    )
    people = {}
    if users:
        people = {
            "floor1": _user(f"floor1-{code}".lower(), FLOOR),
            "floor2": _user(f"floor2-{code}".lower(), FLOOR),
            "boss": _user(f"boss-{code}".lower(), SUPERVISOR),
        }
    return Board(
        warehouse=warehouse,
        bins=bins,
        bolt=bolt,
        glove=glove,
        floor1=people.get("floor1"),
        floor2=people.get("floor2"),
        boss=people.get("boss"),
        putaway=putaway,
        pick=pick,
        order=order,
        count=count,
        replenish=replenish,
    )


def scoped_user(username: str, role: str, *warehouses):
    """A user of ``role`` who works in ``warehouses`` only."""
    user = get_user_model().objects.create_user(username=username, password="pw")
    user.groups.add(Group.objects.get(name=role))
    UserScope.objects.create(user=user).warehouses.set(warehouses)
    return user


def task_events(task: Task) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(object_type="task", object_id=task.pk)
        .order_by("id")
        .values_list("action", "actor__username", "changes")
    )


def snapshot() -> dict:
    """What a refused action must leave as it was."""
    return {
        "tasks": sorted(
            Task.objects.values_list(
                "id", "status", "assignee_id", "priority", "quantity", "notes", "batch_id"
            )
        ),
        "allocations": sorted(Allocation.objects.values_list("id", "quantity")),
        "quants": sorted(Quant.objects.values_list("id", "quantity", "reserved")),
        "levels": sorted(StockLevel.objects.values_list("id", "reserved", "available")),
        "orders": sorted(Order.objects.values_list("id", "status")),
        "audit": AuditEvent.objects.filter(object_type="task").count(),
    }


@pytest.fixture
def board(db) -> Board:
    return board_build()


# --- assign --------------------------------------------------------------------------------


def test_assigning_an_open_task_gives_it_to_the_worker_and_is_recorded(board):
    task = task_board_assign(
        task_id=board.putaway.pk, assignee=board.floor2.username, actor_id=board.boss.pk
    )

    assert (task.status, task.assignee_id) == (Task.Status.ASSIGNED, board.floor2.pk)
    assert task.assigned_at is not None
    mine = tasks_for_worker(user_id=board.floor2.pk, warehouse_id=board.warehouse.pk)
    assert [t.pk for t in mine] == [board.putaway.pk]
    event = AuditEvent.objects.get(object_type="task", object_id=board.putaway.pk)
    assert (event.action, event.actor_id, event.warehouse_id) == (
        "task_assign",
        board.boss.pk,
        board.warehouse.pk,
    )
    assert event.changes == {
        "assignee": [None, board.floor2.username],
        "status": ["open", "assigned"],
    }
    assert event.object_label == f"Putaway #{board.putaway.pk}"
    assert event.at is not None


def test_reassigning_moves_the_task_from_one_worker_to_the_other(board):
    claimed = task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)
    assert claimed.pk == board.putaway.pk  # priority 1: first in the queue

    task_board_assign(task_id=claimed.pk, assignee=board.floor2.pk, actor_id=board.boss.pk)

    assert not tasks_for_worker(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)
    assert [
        t.pk for t in tasks_for_worker(user_id=board.floor2.pk, warehouse_id=board.warehouse.pk)
    ] == [claimed.pk]
    assert task_events(claimed) == [
        (
            "task_assign",
            board.boss.username,
            {"assignee": [board.floor1.username, board.floor2.username]},
        )
    ]


def test_giving_a_task_to_whoever_holds_it_changes_and_records_nothing(board):
    task_board_assign(task_id=board.count.pk, assignee=board.floor1.pk, actor_id=board.boss.pk)
    before = snapshot()

    task_board_assign(
        task_id=board.count.pk, assignee=board.floor1.username, actor_id=board.boss.pk
    )

    assert snapshot() == before


@pytest.mark.parametrize("who", ["purchaser", "other_site", "inactive", "nobody", "digits"])
def test_only_workers_of_the_tasks_warehouse_can_be_given_it(board, who):
    other = WarehouseFactory(code="EAST")
    assignee = {
        "purchaser": lambda: _user("buyer", PURCHASER).username,
        "other_site": lambda: scoped_user("east-only", FLOOR, other).username,
        "inactive": lambda: _inactive(board).username,
        "nobody": lambda: "no-such-user",
        "digits": lambda: "999999",
    }[who]()
    before = snapshot()

    with pytest.raises(InvalidAssignee) as refused:
        task_board_assign(task_id=board.putaway.pk, assignee=assignee, actor_id=board.boss.pk)

    assert refused.value.field == "assignee"
    assert refused.value.code == "invalid_assignee"
    assert assignee in refused.value.message
    assert snapshot() == before


def _inactive(board):
    user = _user("gone", FLOOR)
    user.is_active = False
    user.save(update_fields=["is_active"])
    return user


def test_a_worker_scoped_to_the_warehouse_and_a_supervisor_may_be_given_tasks(board):
    local = scoped_user("main-only", FLOOR, board.warehouse)

    task_board_assign(task_id=board.count.pk, assignee=local.username, actor_id=board.boss.pk)
    task_board_assign(task_id=board.replenish.pk, assignee=board.boss.pk, actor_id=board.boss.pk)

    assert Task.objects.get(pk=board.count.pk).assignee == local
    assert Task.objects.get(pk=board.replenish.pk).assignee == board.boss


@pytest.mark.parametrize("state", ["done", "cancelled"])
def test_a_finished_task_cannot_be_assigned(board, state):
    if state == "done":
        task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)
        _putaway_done(board, board.floor1)
    else:
        Task.objects.filter(pk=board.putaway.pk).update(status=Task.Status.CANCELLED)
    before = snapshot()

    with pytest.raises(TaskFinished) as refused:
        task_board_assign(
            task_id=board.putaway.pk, assignee=board.floor2.username, actor_id=board.boss.pk
        )

    assert refused.value.http_status == 409
    assert f"#{board.putaway.pk} is {state}" in refused.value.message
    assert snapshot() == before


def _putaway_done(board, worker):
    return putaway_task_complete(
        task_id=board.putaway.pk,
        user_id=worker.pk,
        scanned_location="RECV-01",
        scanned_product=board.glove.barcode,
    )


# --- priority ------------------------------------------------------------------------------


def test_priority_changes_are_recorded_and_claims_follow_them(board):
    task_board_priority_set(task_id=board.count.pk, priority=1, actor_id=board.boss.pk)
    task_board_priority_set(task_id=board.putaway.pk, priority=7, actor_id=board.boss.pk)

    assert task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk).pk == board.count.pk
    assert task_events(board.putaway) == [
        ("task_priority", board.boss.username, {"priority": [1, 7]})
    ]
    before = snapshot()
    task_board_priority_set(task_id=board.putaway.pk, priority=7, actor_id=board.boss.pk)
    assert snapshot() == before  # the same priority: nothing to record


@pytest.mark.parametrize("bad", [0, 10, -1, "3", 2.5, True, None])
def test_a_priority_outside_one_to_nine_is_refused_by_name(board, bad):
    before = snapshot()
    with pytest.raises(InvalidPriority) as refused:
        task_board_priority_set(task_id=board.count.pk, priority=bad, actor_id=board.boss.pk)
    assert (refused.value.field, refused.value.code) == ("priority", "invalid_priority")
    assert snapshot() == before


def test_a_done_task_keeps_its_priority(board):
    task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)
    _putaway_done(board, board.floor1)
    with pytest.raises(TaskFinished):
        task_board_priority_set(task_id=board.putaway.pk, priority=3, actor_id=board.boss.pk)


# --- release -------------------------------------------------------------------------------


def test_releasing_a_held_task_puts_it_back_in_the_queue(board):
    task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)

    task = task_board_release(task_id=board.putaway.pk, actor_id=board.boss.pk)

    assert (task.status, task.assignee_id, task.assigned_at) == (Task.Status.OPEN, None, None)
    assert task_events(task) == [
        (
            "task_release",
            board.boss.username,
            {"status": ["assigned", "open"], "assignee": [board.floor1.username, None]},
        )
    ]
    # Anyone may claim it now.
    assert task_claim(user_id=board.floor2.pk, warehouse_id=board.warehouse.pk).pk == task.pk


def test_a_partly_done_task_keeps_what_was_done_when_released(board):
    task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)
    putaway_task_complete(
        task_id=board.putaway.pk,
        user_id=board.floor1.pk,
        scanned_location="RECV-01",
        scanned_product=board.glove.barcode,
        quantity=10,
    )

    task = task_board_release(task_id=board.putaway.pk, actor_id=board.boss.pk)

    assert (task.status, task.quantity_done) == (Task.Status.OPEN, 10)
    assert Quant.objects.get(location=board.bins["A-03"], product=board.glove).quantity == 10


def test_an_open_task_has_nothing_to_release(board):
    before = snapshot()
    with pytest.raises(NothingToRelease) as refused:
        task_board_release(task_id=board.count.pk, actor_id=board.boss.pk)
    assert refused.value.http_status == 409
    assert snapshot() == before


# --- cancel --------------------------------------------------------------------------------


def test_cancelling_a_pick_reallocates_it_from_another_bin(board):
    assert board.pick.source_location == board.bins["A-01"]  # FIFO: the older receipt
    before_levels = StockLevel.objects.get(product=board.bolt, warehouse=board.warehouse)
    assert before_levels.reserved == 4

    task = task_board_cancel(task_id=board.pick.pk, actor_id=board.boss.pk, reason="bin damaged")

    assert task.status == Task.Status.CANCELLED
    assert task.cancelled_at is not None
    # The reservation in A-01 is gone; the 4 are promised from A-02 by a new pick.
    assert Quant.objects.get(location=board.bins["A-01"], product=board.bolt).reserved == 0
    assert Quant.objects.get(location=board.bins["A-02"], product=board.bolt).reserved == 4
    (new_pick,) = Task.objects.filter(
        kind=Task.Kind.PICK, order=board.order, status=Task.Status.OPEN
    )
    assert (new_pick.source_location, new_pick.quantity) == (board.bins["A-02"], 4)
    level = StockLevel.objects.get(product=board.bolt, warehouse=board.warehouse)
    assert level.reserved == 4
    board.order.refresh_from_db()
    assert board.order.status == Order.Status.ALLOCATED
    assert Allocation.objects.filter(line__order=board.order).aggregate(n=Sum("quantity"))["n"] == 4
    (event,) = AuditEvent.objects.filter(object_type="task", object_id=task.pk)
    assert (event.action, event.changes) == ("task_cancel", {"status": ["open", "cancelled"]})
    assert event.note == (
        f"bin damaged; 4 reserved in A-01 released; 4 allocated elsewhere (pick #{new_pick.pk})"
    )
    assert stock_drift().is_clean


def test_cancelling_a_pick_with_no_other_stock_backorders_the_line(board):
    # The only other bolts are blocked away.
    from warehouse.services.layout import location_set_blocked

    location_set_blocked(location_id=board.bins["A-02"].pk, blocked=True, reason="rack check")

    task_board_cancel(task_id=board.pick.pk, actor_id=board.boss.pk)

    board.order.refresh_from_db()
    assert board.order.status == Order.Status.BACKORDERED
    assert board.order.lines.get().allocated_quantity == 0
    assert not Task.objects.filter(order=board.order, status__in=Task.ACTIVE_STATUSES).exists()
    level = StockLevel.objects.get(product=board.bolt, warehouse=board.warehouse)
    assert level.reserved == 0
    assert "4 backordered on SO-MAIN-1" in AuditEvent.objects.get(object_id=board.pick.pk).note
    assert stock_drift().is_clean


def test_cancelling_a_held_pick_takes_it_from_the_picker(board):
    task_board_assign(task_id=board.pick.pk, assignee=board.floor1.pk, actor_id=board.boss.pk)

    task_board_cancel(task_id=board.pick.pk, actor_id=board.boss.pk)

    assert board.pick.pk not in [
        t.pk for t in tasks_for_worker(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)
    ]
    with pytest.raises(Conflict) as late:  # the picker comes too late: 409, nothing moves
        pick_task_complete(
            task_id=board.pick.pk,
            user_id=board.floor1.pk,
            scanned_location="A-01",
            scanned_product=board.bolt.barcode,
        )
    assert late.value.http_status == 409
    assert not StockMove.objects.filter(task=board.pick).exists()


@pytest.mark.parametrize("kind", ["count", "replenish"])
def test_counts_and_replenishments_are_simply_withdrawn(board, kind):
    task = getattr(board, kind)
    quants = sorted(Quant.objects.values_list("id", "quantity", "reserved"))

    cancelled = task_board_cancel(task_id=task.pk, actor_id=board.boss.pk, reason="not needed")

    assert cancelled.status == Task.Status.CANCELLED
    assert cancelled.notes == "cancelled: not needed"
    assert sorted(Quant.objects.values_list("id", "quantity", "reserved")) == quants
    assert task_events(task) == [
        ("task_cancel", board.boss.username, {"status": ["open", "cancelled"]})
    ]


@pytest.mark.parametrize("kind", ["putaway", "qc"])
def test_putaway_and_qc_cannot_be_cancelled(board, kind):
    task = board.putaway
    if kind == "qc":
        task = TaskFactory(
            warehouse=board.warehouse,
            kind=Task.Kind.QC,
            product=board.glove,
            quantity=30,
            source_location=dock(board.warehouse),
        )
    before = snapshot()

    with pytest.raises(NotCancellable) as refused:
        task_board_cancel(task_id=task.pk, actor_id=board.boss.pk)

    assert refused.value.http_status == 409
    assert "would stay at RECV-01 with no task to move them" in refused.value.message
    assert snapshot() == before


def test_cancelling_twice_changes_and_records_once(board):
    task_board_cancel(task_id=board.count.pk, actor_id=board.boss.pk)
    before = snapshot()
    again = task_board_cancel(task_id=board.count.pk, actor_id=board.boss.pk)
    assert again.status == Task.Status.CANCELLED
    assert snapshot() == before


def test_a_done_task_cannot_be_cancelled(board):
    task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)
    _putaway_done(board, board.floor1)
    count_done = Task.objects.filter(pk=board.count.pk)
    count_done.update(status=Task.Status.DONE)
    before = snapshot()
    with pytest.raises(TaskFinished):
        task_board_cancel(task_id=board.count.pk, actor_id=board.boss.pk)
    assert snapshot() == before


# --- many at once --------------------------------------------------------------------------


def test_many_tasks_at_once_each_on_its_own(board):
    task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)
    _putaway_done(board, board.floor1)  # done: refused, the others go ahead
    ids = [board.putaway.pk, board.count.pk, board.replenish.pk]

    outcomes = task_board_apply_many(
        task_ids=ids,
        action=lambda task_id: task_board_assign(
            task_id=task_id, assignee=board.floor2.username, actor_id=board.boss.pk
        ),
    )

    assert [(o.task_id, o.ok) for o in outcomes] == [
        (board.putaway.pk, False),
        (board.count.pk, True),
        (board.replenish.pk, True),
    ]
    assert "is done" in outcomes[0].error
    held = tasks_for_worker(user_id=board.floor2.pk, warehouse_id=board.warehouse.pk)
    assert {t.pk for t in held} == {board.count.pk, board.replenish.pk}


# --- the audit trail is append-only ---------------------------------------------------------


def test_audit_records_cannot_be_rewritten_or_deleted(board):
    task_board_priority_set(task_id=board.count.pk, priority=2, actor_id=board.boss.pk)
    event = AuditEvent.objects.get(object_type="task")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(note="nothing happened")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).note == ""


# --- a reassignment racing the worker -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_reassign_racing_a_putaway_completion_has_one_winner():
    """The supervisor gives the task to floor2 while floor1 completes it: either floor1's
    completion wins (the task is done, the stock moved, the reassignment is refused with 409),
    or the reassignment wins (floor2 holds it, nothing moved, floor1 is refused with 403)."""
    outcomes = []
    for round_ in range(6):
        board = board_build(code=f"R{round_}")
        task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)
        results = run_together(
            [
                lambda b=board: _putaway_done(b, b.floor1),
                lambda b=board: task_board_assign(
                    task_id=b.putaway.pk, assignee=b.floor2.username, actor_id=b.boss.pk
                ),
            ]
        )
        outcomes.append(_one_winner(board, results, moved_to=board.bins["A-03"]))
    assert set(outcomes) <= {"completed", "reassigned"}
    assert stock_drift().is_clean


@pytest.mark.django_db(transaction=True)
def test_reassign_racing_a_pick_confirmation_has_one_winner():
    """The same for the usual pick, confirmed in one database round trip (ADR 0006)."""
    for round_ in range(6):
        board = board_build(code=f"P{round_}")
        task_board_assign(task_id=board.pick.pk, assignee=board.floor1.pk, actor_id=board.boss.pk)
        results = run_together(
            [
                lambda b=board: pick_task_complete(
                    task_id=b.pick.pk,
                    user_id=b.floor1.pk,
                    scanned_location="A-01",
                    scanned_product=b.bolt.barcode,
                ),
                lambda b=board: task_board_assign(
                    task_id=b.pick.pk, assignee=b.floor2.username, actor_id=b.boss.pk
                ),
            ]
        )
        staging = Location.objects.get(warehouse=board.warehouse, kind=Location.Kind.STAGING)
        _one_winner(board, results, task=board.pick, moved_to=staging, already_assigned=True)
    assert stock_drift().is_clean


def _one_winner(board, results, *, moved_to, task=None, already_assigned=False) -> str:
    task = Task.objects.get(pk=(task or board.putaway).pk)
    completed, reassigned = results
    moved = StockMove.objects.filter(task=task).aggregate(n=Sum("quantity"))["n"] or 0
    assigns = [
        e
        for e in task_events(task)
        if e[2].get("assignee", [None, None])[1] == board.floor2.username
    ]
    if not isinstance(completed, Exception):
        assert isinstance(reassigned, TaskFinished), results
        assert (task.status, task.assignee_id) == (Task.Status.DONE, board.floor1.pk)
        assert moved == task.quantity
        assert Quant.objects.get(location=moved_to, product=task.product).quantity == task.quantity
        assert assigns == []
        return "completed"
    assert isinstance(completed, NotAllowed), results
    assert not isinstance(reassigned, Exception), results
    assert (task.status, task.assignee_id) == (Task.Status.ASSIGNED, board.floor2.pk)
    assert moved == 0
    assert len(assigns) == 1
    return "reassigned"


def test_a_worker_whose_task_was_reassigned_is_told_so(board):
    task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)
    task_board_assign(task_id=board.putaway.pk, assignee=board.floor2.pk, actor_id=board.boss.pk)

    with pytest.raises(NotAllowed) as refused:
        _putaway_done(board, board.floor1)

    assert refused.value.message == f"Task {board.putaway.pk} is assigned to someone else."
    assert not StockMove.objects.filter(task=board.putaway).exists()
