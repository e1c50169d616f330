"""Faults with real processes: a Celery worker SIGKILLed in the middle of its work, its database
connection cut under it, a scan submitted twice at once. The work completes exactly once and
the ledger stays whole.

How a task is caught "in the middle", deterministically and without a hook in the product:
before the worker starts, the test holds a row lock (FOR NO KEY UPDATE, from a connection of
its own) on the row the task writes LAST. The worker then does all its other writes in its
transaction and waits for that lock; the test sees it waiting in pg_stat_activity (with a
transaction id, so it has written), and only then strikes.

The workers here run as production runs them (prefork pool, acks late, reject on worker
lost), but on a queue of their own (tests/ops/fault_settings.py), so the session's worker
never takes the task a test is about to kill. A whole worker is killed as when its machine
dies (a restarted worker takes the message back after the visibility timeout, shortened here
to 1 s), a pool child as the OOM killer would (the main process requeues the message at once).
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import psutil
import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from rest_framework.test import APIClient

from inventory.models import StockLevel
from tests.concurrency import run_together
from tests.conftest import ARTIFACTS_DIR, _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from tests.ops.fault_settings import FAULTS_QUEUE
from tests.ops.helpers import BASE_DIR, session_database_url
from tests.warehouse.apis.outbound_state import make_site, receive, take_order
from warehouse.models import Allocation, OrderLine, Quant, ReceiptItem, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.inbound_planning import receipt_plan
from warehouse.services.receipt_api import delivery_receive
from warehouse.services.receiving import ReceivedEntry, receipt_create, receipt_receive
from warehouse.tasks import order_allocate_task, pick_tasks_create_task, receipt_plan_task
from wms.celery import app

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 20  # seconds for any one thing a worker or the database should do
LINES = 40  # order lines / receipt lines in one task: many rows, each must come out once
T = TypeVar("T")


def wait_for(what: str, condition: Callable[[], T], timeout: float = TIMEOUT) -> T:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s (logs in test-artifacts/faults/)")
        time.sleep(0.05)
    return value


# --- the fault tests' own workers -------------------------------------------------------------


@contextmanager
def on_faults_queue() -> Iterator[None]:
    """What this process enqueues (on commit, by the services) goes to the faults queue."""
    before = app.conf.task_default_queue
    app.conf.task_default_queue = FAULTS_QUEUE
    try:
        yield
    finally:
        app.conf.task_default_queue = before


class Workers:
    def __init__(self, name: str) -> None:
        self.name = name
        self.procs: list[subprocess.Popen] = []
        self.logs = ARTIFACTS_DIR() / "faults"
        self.logs.mkdir(exist_ok=True)
        self.broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    def start(self, *, redeliver_after: float = 3600) -> subprocess.Popen:
        """A `celery worker` as production runs it (prefork pool; one child is enough), on the
        faults queue, in a process group of its own so that the whole worker can be killed at
        once. ``redeliver_after``: seconds after which it takes back a message delivered to a
        worker that died."""
        number = len(self.procs) + 1
        node = f"faults-{os.getpid()}-{number}@localhost"
        env = {
            **os.environ,
            "DATABASE_URL": session_database_url(),
            "DJANGO_SETTINGS_MODULE": "tests.ops.fault_settings",
            "WMS_FAULTS_REDELIVER_AFTER": str(redeliver_after),
        }
        log = self.log(number).open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "wms", "worker", "--concurrency=1"]
            + ["--without-gossip", "--without-mingle", "--loglevel=INFO", "-n", node],
            cwd=BASE_DIR,
            start_new_session=True,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.procs.append(proc)
        wait_for(
            f"worker {node} starts",
            lambda: proc.poll() is not None or f"{node} ready." in self.log(number).read_text(),
        )
        assert proc.poll() is None, self.log(number).read_text()
        return proc

    @staticmethod
    def kill(proc: subprocess.Popen) -> None:
        """SIGKILL the whole worker, main process and pool child, as when its machine dies:
        no warm shutdown, no reject; its message stays delivered and unacknowledged."""
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    @staticmethod
    def kill_child(proc: subprocess.Popen) -> int:
        """SIGKILL the pool child running the task, as the OOM killer would; the main process
        lives on. Returns the child's pid."""
        (child,) = psutil.Process(proc.pid).children()
        child.kill()
        child.wait(10)
        return child.pid

    def log(self, number: int):
        return self.logs / f"{self.name}-worker-{number}.log"

    def queued(self) -> int:
        return sum(
            self.broker.llen(key)
            for key in self.broker.scan_iter(match=f"{FAULTS_QUEUE}*")
            if self.broker.type(key) == b"list"
        )

    def drained(self) -> bool:
        """Nothing waits on the faults queue, nothing delivered is unacknowledged."""
        return self.queued() == 0 and self.broker.hlen("unacked") == 0

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)

    def forget_messages(self) -> None:
        """After a failed test: drop its messages so the session's worker check is not stuck
        waiting an hour for a dead worker's message to come back."""
        for key in self.broker.scan_iter(match=f"{FAULTS_QUEUE}*"):
            self.broker.delete(key)
        for tag, payload in self.broker.hgetall("unacked").items():
            if json.loads(payload)[2] == FAULTS_QUEUE:
                self.broker.hdel("unacked", tag)
                self.broker.zrem("unacked_index", tag)


@pytest.fixture
def workers(transactional_db, request) -> Iterator[Workers]:
    """Torn down before the tables are emptied: the workers finish, then stop."""
    crew = Workers(request.node.name)
    try:
        with on_faults_queue():
            yield crew
        if any(proc.poll() is None for proc in crew.procs):
            wait_for("the workers finish their queue", crew.drained)
    finally:
        crew.stop()
        if not crew.drained():
            crew.forget_messages()


# --- the database side of a fault ------------------------------------------------------------


@contextmanager
def row_held(table: str, row_id: int) -> Iterator[int]:
    """Hold a row lock from a connection of the test's own, as a slow colleague would; yields
    that connection's backend pid. FOR NO KEY UPDATE: it stops an UPDATE of the row, not an
    insert that refers to it."""
    with psycopg.connect(session_database_url()) as holder:
        holder.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR NO KEY UPDATE", [row_id])
        yield holder.info.backend_pid
        holder.rollback()


def backend_waiting_on(holder_pid: int) -> tuple[int, str]:
    """The worker's backend once it waits for the held row: (pid, statement). It has written
    (it has a transaction id), so killing it now leaves a half-done transaction."""

    def waiting() -> tuple[int, str] | None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid, query FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"
                " AND backend_xid IS NOT NULL",
                [holder_pid],
            )
            return cursor.fetchone()

    return wait_for("the worker waits for the held row", waiting)


def backend_gone(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = %s)", [pid])
        return cursor.fetchone()[0]


# --- what the work leaves behind ---------------------------------------------------------------


def allocation_state(order) -> dict[str, object]:
    return {
        "lines": sorted(
            OrderLine.objects.filter(order=order).values_list("id", "allocated_quantity")
        ),
        "allocations": sorted(
            Allocation.objects.values_list("id", "line_id", "quant_id", "quantity")
        ),
        "quants": sorted(Quant.objects.values_list("id", "quantity", "reserved")),
        "levels": sorted(StockLevel.objects.values_list("id", "on_hand", "reserved")),
        "tasks": sorted(Task.objects.values_list("id", "kind", "product_id", "quantity")),
        "moves": StockMove.objects.count(),
    }


def big_order(warehouse, bins, reference: str):
    """LINES products, 10 of each in a bin; an order of 7 of each."""
    products = [ProductFactory() for _ in range(LINES)]
    for i, product in enumerate(products):
        receive(bins[i % len(bins)], product, 10)
    return take_order(warehouse, *[(p, 7) for p in products], reference=reference)


def allocated_and_picked(order) -> bool:
    order.refresh_from_db()
    return order.status == "allocated" and Task.objects.filter(kind="pick").count() >= LINES


def first_task_id(log: str) -> str:
    return re.search(r"_task\[([0-9a-f-]+)\] received", log)[1]


def redelivered(workers: "Workers") -> bool:
    """The message the first worker took is the one the second worker ran."""
    task_id = first_task_id(workers.log(1).read_text())
    return f"[{task_id}] succeeded" in workers.log(2).read_text()


def assert_allocated_exactly_once(order) -> None:
    order.refresh_from_db()
    assert order.status == "allocated"
    lines = list(OrderLine.objects.filter(order=order))
    allocated = dict(
        Allocation.objects.values("line_id").annotate(n=Sum("quantity")).values_list("line_id", "n")
    )
    assert {line.pk: line.allocated_quantity for line in lines} == {ln.pk: 7 for ln in lines}
    assert allocated == {line.pk: 7 for line in lines}
    reserved = Quant.objects.values("product_id").annotate(n=Sum("reserved"))
    assert {row["n"] for row in reserved} == {7}
    assert set(StockLevel.objects.values_list("reserved", flat=True)) == {7}
    picks = Task.objects.filter(kind="pick").values("product_id").annotate(n=Sum("quantity"))
    assert len(picks) == LINES
    assert {row["n"] for row in picks} == {7}
    assert stock_drift().is_clean


# --- 1. a worker SIGKILLed in the middle ----------------------------------------------------------


def test_a_worker_killed_mid_allocation_is_redelivered_and_allocates_once(workers):
    warehouse, bins = make_site()
    order = big_order(warehouse, bins, "SO-KILLED")
    last_line = OrderLine.objects.filter(order=order).latest("id")

    with row_held("warehouse_orderline", last_line.pk) as holder:
        first = workers.start()
        pid, statement = backend_waiting_on(holder)
        assert "warehouse_orderline" in statement  # reservations, levels, allocations written
        workers.kill(first)
        assert Allocation.objects.count() == 0  # nothing of the dead worker's is visible
    wait_for("the dead worker's transaction is rolled back", lambda: backend_gone(pid))
    assert not Quant.objects.filter(reserved__gt=0).exists()
    assert stock_drift().is_clean

    workers.start(redeliver_after=1)
    wait_for("the task is redelivered and done", lambda: allocated_and_picked(order))
    wait_for("the workers finish their queue", workers.drained)
    assert redelivered(workers)
    assert_allocated_exactly_once(order)

    # A redelivery after the work is done (a worker killed between commit and ack) adds nothing.
    before = allocation_state(order)
    assert order_allocate_task.delay(order_id=order.pk).get(timeout=TIMEOUT) == 0
    assert pick_tasks_create_task.delay(order_ids=[order.pk]).get(timeout=TIMEOUT) == 0
    assert allocation_state(order) == before
    assert stock_drift().is_clean


def test_a_worker_killed_mid_putaway_planning_plans_each_item_once(workers):
    warehouse = WarehouseFactory()
    for i in range(4):
        LocationFactory(warehouse=warehouse, code=f"B-{i}", capacity_units=100, x=5 + i, y=0)
    products = [ProductFactory() for _ in range(LINES)]
    receipt = receipt_create(warehouse=warehouse)
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(p, 5) for p in products])
    items = ReceiptItem.objects.filter(line__receipt=receipt)
    assert items.count() == LINES

    with row_held("warehouse_receiptitem", items.latest("id").pk) as holder:
        first = workers.start()
        pid, statement = backend_waiting_on(holder)
        assert "warehouse_receiptitem" in statement  # every putaway task inserted by now
        workers.kill(first)
        assert not Task.objects.exists()
    wait_for("the dead worker's transaction is rolled back", lambda: backend_gone(pid))

    workers.start(redeliver_after=1)
    wait_for(
        "the task is redelivered and done",
        lambda: not items.filter(planned_at__isnull=True).exists(),
    )
    wait_for("the workers finish their queue", workers.drained)
    assert redelivered(workers)
    tasks = Task.objects.filter(kind="putaway")
    assert sorted(tasks.values_list("receipt_item_id", flat=True)) == sorted(
        items.values_list("id", flat=True)
    )
    assert dict(
        tasks.values("product_id").annotate(n=Sum("quantity")).values_list("product_id", "n")
    ) == {p.pk: 5 for p in products}
    assert stock_drift().is_clean

    before = sorted(
        Task.objects.values_list("id", "product_id", "quantity", "destination_location_id")
    )
    assert receipt_plan_task.delay(receipt_id=receipt.pk).get(timeout=TIMEOUT) == 0
    assert (
        sorted(Task.objects.values_list("id", "product_id", "quantity", "destination_location_id"))
        == before
    )


def test_a_pool_child_killed_mid_allocation_is_requeued_and_allocates_once(workers):
    warehouse, bins = make_site()
    order = big_order(warehouse, bins, "SO-OOM")
    last_line = OrderLine.objects.filter(order=order).latest("id")

    with row_held("warehouse_orderline", last_line.pk) as holder:
        worker = workers.start()
        pid, _ = backend_waiting_on(holder)
        workers.kill_child(worker)
        assert Allocation.objects.count() == 0
    wait_for("the dead child's transaction is rolled back", lambda: backend_gone(pid))

    # CELERY_TASK_REJECT_ON_WORKER_LOST: the main process puts the message back at once, and
    # a new child of the same worker runs it; nobody waits for the visibility timeout.
    wait_for("the task is requeued and done", lambda: allocated_and_picked(order))
    wait_for("the worker finishes its queue", workers.drained)
    assert worker.poll() is None
    log = workers.log(1).read_text()
    assert "WorkerLostError" in log
    assert f"[{first_task_id(log)}] succeeded" in log
    assert_allocated_exactly_once(order)


# --- 2. the database connection cut under a running worker ------------------------------------


def test_a_connection_cut_mid_allocation_is_retried_and_allocates_once(workers):
    warehouse, bins = make_site()
    order = big_order(warehouse, bins, "SO-CUT")
    last_line = OrderLine.objects.filter(order=order).latest("id")

    with row_held("warehouse_orderline", last_line.pk) as holder:
        workers.start()
        pid, _ = backend_waiting_on(holder)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        wait_for("the cut connection is gone", lambda: backend_gone(pid))
        assert Allocation.objects.count() == 0
        assert not Quant.objects.filter(reserved__gt=0).exists()
    wait_for("the task is retried and done", lambda: allocated_and_picked(order))
    wait_for("the workers finish their queue", workers.drained)

    assert_allocated_exactly_once(order)
    log = workers.log(1).read_text()
    assert "terminating connection due to administrator command" in log
    assert "Retry in" in log


# --- 3. one scan submitted twice at once, with one Idempotency-Key ------------------------------


def test_one_putaway_scan_sent_twice_at_once_with_one_key_moves_once(transactional_db):
    warehouse = WarehouseFactory()
    LocationFactory(warehouse=warehouse, code="B-0", capacity_units=50, x=5, y=0)
    floor = _user("double-tap", "floor")
    receipt = delivery_receive(warehouse=warehouse, entries=[ReceivedEntry(ProductFactory(), 12)])
    (task,) = receipt_plan(receipt_id=receipt.pk)
    url = f"/api/v1/tasks/{task.pk}/complete/"
    body = {"location": task.source_location.code, "product": task.product.barcode}
    key = str(uuid.uuid4())  # the replay cache lives in Redis, which outlives the database

    def submit():
        client = APIClient()
        client.force_authenticate(floor)
        return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)

    answers = run_together([submit, submit, submit])
    replay = submit()

    codes = sorted(answer.status_code for answer in answers)
    assert codes[0] == 200, [a.content for a in answers]
    assert set(codes) <= {200, 409}  # 409: the same key while the first is still running
    assert replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == next(a.json() for a in answers if a.status_code == 200)
    assert StockMove.objects.filter(kind="putaway").count() == 1
    assert Quant.objects.get(location__code="B-0").quantity == 12
    assert stock_drift().is_clean
