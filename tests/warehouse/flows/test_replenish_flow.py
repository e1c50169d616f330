"""Pick-face replenishment end to end, with a real Celery worker process consuming from Redis.

A floor user picks from a pick face through the API; the pick's commit leaves the face below
its minimum and puts ``pick_faces_replenish_task`` on the broker; the worker plans the replenish
task on its own connection, with no one asking. The floor user then claims and completes it
through the API like a putaway, and the face is back at its maximum.
"""

import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Location, Order, Quant, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.intake import stock_receive
from warehouse.services.orders import OrderLineInput, order_create
from warehouse.services.pick_faces import pick_face_rule_create
from warehouse.services.waves import wave_release

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_worker_process"),
]

WORKER_TIMEOUT = 30  # seconds; the worker usually answers in well under one
T = TypeVar("T")


def wait_for(what: str, condition: Callable[[], T]) -> T:
    """Poll the database until ``condition`` holds (the worker commits on its own connection)."""
    deadline = time.monotonic() + WORKER_TIMEOUT
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(
                f"the worker did not {what} within {WORKER_TIMEOUT} s; "
                "see test-artifacts/celery-worker.log"
            )
        time.sleep(0.05)
    return value


def on_face(face, product) -> int:
    return sum(
        Quant.objects.filter(location=face, product=product).values_list("quantity", flat=True)
    )


def test_a_pick_empties_the_face_and_the_worker_replenishes_it_unasked():
    warehouse = WarehouseFactory(code="REPL")
    face = LocationFactory(
        warehouse=warehouse, code="P-01", kind=Location.Kind.PICK, capacity_units=60
    )
    reserve = LocationFactory(warehouse=warehouse, code="R-01", capacity_units=500)
    product = ProductFactory()
    pick_face_rule_create(
        location_id=face.pk, product_id=product.pk, min_quantity=10, max_quantity=40
    )
    now = timezone.now()
    stock_receive(
        location=face, product_id=product.pk, quantity=12, received_at=now - timedelta(days=9)
    )
    stock_receive(
        location=reserve, product_id=product.pk, quantity=100, received_at=now - timedelta(days=1)
    )
    picker = _user("picker", "floor")
    floor = APIClient()
    floor.force_authenticate(picker)

    # An order: the worker allocates it (FIFO: the face holds the oldest units) and makes the
    # pick; the supervisor releases the wave.
    order = order_create(
        warehouse=warehouse, reference="SO-REPL-1", lines=[OrderLineInput(product, 5)]
    ).order
    wait_for(
        "make the pick",
        lambda: Task.objects.filter(order=order, kind=Task.Kind.PICK).exists(),
    )
    wave_release(warehouse_id=warehouse.pk)

    claimed = floor.post("/api/v1/tasks/claim/", {"warehouse": "REPL", "kind": "pick"})
    assert claimed.status_code == 200, claimed.content
    pick = claimed.json()
    assert (pick["source_location"], pick["quantity"]) == ("P-01", 5)
    done = floor.post(
        f"/api/v1/tasks/{pick['id']}/complete/",
        {"location": "P-01", "product": product.barcode},
        format="json",
    )
    assert done.status_code == 200, done.content
    assert on_face(face, product) == 7  # below the minimum of 10

    # Nobody asks: the pick's commit enqueued the face's check, the worker plans the task.
    task = wait_for(
        "plan the replenish task",
        lambda: Task.objects.filter(kind=Task.Kind.REPLENISH, destination_location=face).first(),
    )
    assert (task.source_location_id, task.quantity, task.status) == (reserve.pk, 33, "open")
    assert task.origin_key == f"replenish:{face.pk}:{product.pk}:1"

    claimed = floor.post("/api/v1/tasks/claim/", {"warehouse": "REPL"})
    assert claimed.status_code == 200, claimed.content
    work = claimed.json()
    assert (work["id"], work["kind"], work["source_location"], work["destination_location"]) == (
        task.pk,
        "replenish",
        "R-01",
        "P-01",
    )
    wrong = floor.post(
        f"/api/v1/tasks/{task.pk}/complete/",
        {"location": "P-01", "product": product.barcode},
        format="json",
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "wrong_location"
    finished = floor.post(
        f"/api/v1/tasks/{task.pk}/complete/",
        {"location": "R-01", "product": product.barcode, "destination_location": "P-01"},
        format="json",
    )
    assert finished.status_code == 200, finished.content
    assert finished.json()["status"] == "done"

    assert on_face(face, product) == 40  # back at its maximum
    move = StockMove.objects.get(task_id=task.pk)
    assert (move.kind, move.from_location_id, move.to_location_id, move.quantity) == (
        "replenish",
        reserve.pk,
        face.pk,
        33,
    )
    assert Order.objects.get(pk=order.pk).status == Order.Status.PICKED
    # Putting the units into the face enqueued nothing more to do for it.
    time.sleep(0.5)
    assert Task.objects.filter(kind=Task.Kind.REPLENISH).count() == 1
    drift = stock_drift()
    assert drift.quants == []
    assert drift.levels == []
