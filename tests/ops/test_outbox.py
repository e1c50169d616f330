"""Redis down while orders and receipts are committed: nothing is lost (wms/outbox.py).

The web side runs as a process of its own pointed at a dead Redis port (nothing listens
there), against the session's database: its request must succeed and the order be saved.
Then "Redis is back": the sweeper sends what the outbox kept, and a worker of the test's own
(on the faults queue, tests/ops/test_faults.py) does the work exactly once.
"""

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Now

from tests.conftest import _user
from tests.factories.inventory import ProductFactory
from tests.ops.helpers import BASE_DIR, free_port, session_database_url
from tests.ops.test_faults import Workers, on_faults_queue, wait_for
from tests.warehouse.apis.outbound_state import make_site, receive
from warehouse.models import Allocation, Order, OrderLine, OutboxMessage, ReceiptItem, Task
from warehouse.services.receiving import receipt_create
from warehouse.tasks import order_allocate_task
from wms.outbox import enqueue_on_commit, outbox_sweep, outbox_sweep_task

pytestmark = pytest.mark.django_db(transaction=True)

# Run in a process whose REDIS_URL points at a port nothing listens on.
WEB_SIDE = """
import json, sys
from functools import partial

import django

django.setup()
from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.test import APIClient

mode, arg = sys.argv[1], json.loads(sys.argv[2])
if mode == "order-api":
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=arg["user"]))
    response = client.post("/api/v1/orders/", arg["body"], format="json", HTTP_HOST="localhost")
    print(json.dumps({"status": response.status_code, "body": response.json()}))
elif mode == "receipt-receive":
    from inventory.models import Product
    from warehouse.services.receiving import ReceivedEntry, receipt_receive

    product = Product.objects.get(pk=arg["product"])
    receipt_receive(receipt_id=arg["receipt"], entries=[ReceivedEntry(product, arg["quantity"])])
    print(json.dumps({"status": "received"}))
elif mode == "plain-on-commit":
    # What the services did before the outbox: send after the commit, straight to Redis.
    from warehouse.models import Order
    from warehouse.tasks import order_allocate_task

    with transaction.atomic():
        order = Order.objects.get(pk=arg["order"])
        transaction.on_commit(partial(order_allocate_task.delay, order_id=order.pk))
"""


def web_side(mode: str, arg: dict, *, redis_port: int | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wms.settings",
        "DATABASE_URL": session_database_url(),
        # By default nothing listens there: Redis is down.
        "REDIS_URL": f"redis://127.0.0.1:{redis_port or free_port()}/0",
    }
    return subprocess.run(
        [sys.executable, "-c", WEB_SIDE, mode, json.dumps(arg)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def crew(transactional_db, request) -> Iterator[Workers]:
    crew = Workers(request.node.name)
    try:
        with on_faults_queue():
            yield crew
        if any(proc.poll() is None for proc in crew.procs):
            wait_for("the worker finishes its queue", crew.drained)
    finally:
        crew.stop()
        if not crew.drained():
            crew.forget_messages()


def outage_ended() -> None:
    """Redis was down for a minute: the kept rows are old enough for the sweeper."""
    OutboxMessage.objects.update(created_at=Now() - timedelta(minutes=1))


def test_a_plain_on_commit_delay_raises_after_the_commit_when_redis_is_down():
    """Why the outbox exists: the change commits, then the send fails and the work is lost."""
    warehouse, _ = make_site(1)
    order = Order.objects.create(warehouse=warehouse, reference="SO-PLAIN")

    done = web_side("plain-on-commit", {"order": order.pk})

    assert done.returncode != 0
    assert ", in delay\n" in done.stderr, done.stderr[-2000:]  # .delay raised after the commit
    assert OutboxMessage.objects.count() == 0  # and nothing anywhere remembers it


def test_an_order_taken_while_redis_is_down_is_allocated_once_when_it_is_back(crew):
    warehouse, bins = make_site(2)
    bolt = ProductFactory()
    receive(bins[0], bolt, 10)
    supervisor = _user("outbox-supervisor", "supervisor")
    body = {
        "reference": "SO-OUTAGE",
        "warehouse": warehouse.code,
        "lines": [{"product": bolt.sku, "quantity": 4}],
    }

    taken = web_side("order-api", {"user": supervisor.username, "body": body})

    assert taken.returncode == 0, taken.stderr[-3000:]
    response = json.loads(taken.stdout.strip().splitlines()[-1])
    assert response["status"] == 201, response
    order = Order.objects.get(reference="SO-OUTAGE")
    assert OrderLine.objects.get(order=order).allocated_quantity == 0
    kept = OutboxMessage.objects.get()
    assert (kept.task_name, kept.kwargs) == (order_allocate_task.name, {"order_id": order.pk})
    assert "not sent, left for the sweeper" in taken.stderr

    # Redis is back: the beat's sweep runs in the worker and sends what was kept.
    outage_ended()
    crew.start()
    outbox_sweep_task.apply_async()
    wait_for("the order is allocated", lambda: Task.objects.filter(order=order).exists())
    wait_for("the worker finishes its queue", crew.drained)
    assert OutboxMessage.objects.count() == 0

    # A second send of the same work (a sweep that raced the hook) changes nothing.
    OutboxMessage.objects.create(task_name=order_allocate_task.name, kwargs={"order_id": order.pk})
    outage_ended()
    assert outbox_sweep() == 1
    wait_for("the worker finishes its queue", crew.drained)
    assert OrderLine.objects.get(order=order).allocated_quantity == 4
    assert Allocation.objects.filter(line__order=order).aggregate(n=Sum("quantity"))["n"] == 4
    assert Task.objects.filter(order=order).aggregate(n=Sum("quantity"))["n"] == 4
    assert OutboxMessage.objects.count() == 0


@pytest.fixture
def hung_redis() -> Iterator[int]:
    """A port that takes connections (the kernel's backlog) and never answers: a hung Redis."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


def test_an_order_taken_while_redis_hangs_is_answered_in_seconds_and_kept(hung_redis):
    """Without socket timeouts the send after the commit waits forever and so does the
    handheld; with them (REDIS_SOCKET_TIMEOUT, 2 s, one retry) the order is answered."""
    warehouse, bins = make_site(2)
    bolt = ProductFactory()
    receive(bins[0], bolt, 10)
    supervisor = _user("hung-supervisor", "supervisor")
    body = {
        "reference": "SO-HUNG",
        "warehouse": warehouse.code,
        "lines": [{"product": bolt.sku, "quantity": 4}],
    }

    started = time.monotonic()
    taken = web_side(
        "order-api", {"user": supervisor.username, "body": body}, redis_port=hung_redis
    )
    seconds = time.monotonic() - started

    assert taken.returncode == 0, taken.stderr[-3000:]
    assert json.loads(taken.stdout.strip().splitlines()[-1])["status"] == 201
    assert seconds < 15, f"the request waited {seconds:.1f} s on a hung Redis"
    order = Order.objects.get(reference="SO-HUNG")
    kept = OutboxMessage.objects.get()
    assert (kept.task_name, kept.kwargs) == (order_allocate_task.name, {"order_id": order.pk})
    assert "not sent, left for the sweeper" in taken.stderr


def test_a_receipt_closed_while_redis_is_down_is_planned_when_it_is_back(crew):
    warehouse, _ = make_site(2)
    bolt = ProductFactory()
    receipt = receipt_create(warehouse=warehouse)  # an unplanned delivery

    received = web_side(
        "receipt-receive", {"receipt": receipt.pk, "product": bolt.pk, "quantity": 6}
    )

    assert received.returncode == 0, received.stderr[-3000:]
    assert ReceiptItem.objects.filter(line__receipt=receipt).aggregate(n=Sum("quantity"))["n"] == 6
    assert OutboxMessage.objects.filter(kwargs={"receipt_id": receipt.pk}).exists()

    outage_ended()
    crew.start()
    outbox_sweep_task.apply_async()
    wait_for(
        "the putaway is planned",
        lambda: Task.objects.filter(receipt_item__line__receipt=receipt).exists(),
    )
    wait_for("the worker finishes its queue", crew.drained)
    assert OutboxMessage.objects.count() == 0
    assert (
        Task.objects.filter(receipt_item__line__receipt=receipt).aggregate(n=Sum("quantity"))["n"]
        == 6
    )


def test_a_rolled_back_change_leaves_nothing_to_send():
    warehouse, _ = make_site(1)
    order = Order.objects.create(warehouse=warehouse, reference="SO-ROLLBACK")

    def change_that_fails() -> None:
        with transaction.atomic():
            enqueue_on_commit(order_allocate_task, order_id=order.pk)
            raise RuntimeError("the business change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()

    assert OutboxMessage.objects.count() == 0


def test_the_sweeper_leaves_young_rows_to_their_own_commit_hook():
    OutboxMessage.objects.create(task_name=order_allocate_task.name, kwargs={"order_id": 0})

    assert outbox_sweep() == 0
    assert OutboxMessage.objects.count() == 1


def test_the_sweeper_is_on_the_beat():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["outbox-sweep"]
    assert entry["task"] == outbox_sweep_task.name
    assert 30 <= entry["schedule"] <= 60
