"""Picking through /api/v1/tasks/: claim a released batch, complete picks by scan, short picks;
wrong scans, another picker's task and double submits change nothing."""

import pytest

from inventory.models import StockLevel
from tests.api.fixtures import error_code, idempotency_key
from tests.concurrency import run_together
from tests.conftest import _user
from tests.factories.inventory import ProductFactory
from tests.warehouse.apis.outbound_state import (
    ORDERS,
    TASKS,
    allocated_order,
    make_site,
    outbound_state,
    receive,
)
from warehouse.models import Location, Quant, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.waves import wave_release

CLAIM = f"{TASKS}claim/"


def complete_url(task_id: int) -> str:
    return f"{TASKS}{task_id}/complete/"


def in_bin(code: str) -> int:
    return sum(Quant.objects.filter(location__code=code).values_list("quantity", flat=True))


def build(days=(5, 1)):
    """Bolts: 5 in P-0 (older), 5 in P-4; an order of 5 (all from P-0), allocated, released."""
    warehouse, bins = make_site()
    bolt = ProductFactory()
    receive(bins[0], bolt, 5, days_ago=days[0])
    receive(bins[4], bolt, 5, days_ago=days[1])
    order = allocated_order(warehouse, (bolt, 5), reference="SO-PICK")
    wave_release(warehouse_id=warehouse.pk)
    return warehouse, bolt, order


@pytest.fixture
def released(db):
    return build()


def claim(client, warehouse):
    response = client.post(CLAIM, {"warehouse": warehouse.code, "kind": "pick"}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def scans(task: dict, product, **extra) -> dict:
    return {"location": task["source_location"], "product": product.barcode, **extra}


@pytest.mark.django_db
def test_picks_wait_for_their_wave(api, floor_user, db):
    warehouse, bins = make_site()
    bolt = ProductFactory()
    receive(bins[0], bolt, 5)
    allocated_order(warehouse, (bolt, 2), reference="SO-WAIT")
    client = api(floor_user)
    body = {"warehouse": warehouse.code, "kind": "pick"}
    assert client.post(CLAIM, body, format="json").status_code == 204
    wave_release(warehouse_id=warehouse.pk)
    assert client.post(CLAIM, body, format="json").status_code == 200


@pytest.mark.django_db
def test_claim_and_complete_a_pick(api, floor_user, released):
    warehouse, bolt, order = released
    client = api(floor_user)

    task = claim(client, warehouse)
    assert (task["kind"], task["status"], task["assignee"]) == ("pick", "assigned", "floor")
    assert (task["order"], task["order_id"], task["source_location"]) == (
        "SO-PICK",
        order.pk,
        "P-0",
    )
    assert (task["destination_location"], task["quantity"]) == ("STAGE-01", 5)
    assert task["batch"]
    assert task["route_sequence"] == 1
    response = client.post(complete_url(task["id"]), scans(task, bolt), format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["quantity_done"]) == ("done", 5)
    assert (in_bin("P-0"), in_bin("STAGE-01")) == (0, 5)
    shown = client.get(f"{ORDERS}{order.pk}/").json()
    assert shown["status"] == "picked"
    assert shown["lines"][0]["picked_quantity"] == 5
    assert [(a["quantity"], a["picked_quantity"]) for a in shown["lines"][0]["allocations"]] == [
        (0, 5)
    ]
    assert shown["pick_tasks"][0]["assignee"] == "floor"
    assert client.post(CLAIM, {"warehouse": warehouse.code}, format="json").status_code == 204
    assert stock_drift().is_clean


@pytest.mark.django_db
def test_a_short_pick_is_reallocated_and_the_bin_counted(api, floor_user, released):
    warehouse, bolt, order = released
    client = api(floor_user)
    task = claim(client, warehouse)

    response = client.post(complete_url(task["id"]), scans(task, bolt, quantity=3), format="json")

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["quantity_done"]) == ("done", 3)
    replacement = claim(client, warehouse)  # the same picker finishes the batch
    assert (replacement["source_location"], replacement["quantity"]) == ("P-4", 2)
    assert replacement["batch"] == task["batch"]
    count = Task.objects.get(kind="count")
    assert (count.source_location.code, count.status) == ("P-0", "open")
    line = client.get(f"{ORDERS}{order.pk}/").json()["lines"][0]
    assert (line["allocated_quantity"], line["picked_quantity"], line["backordered_quantity"]) == (
        5,
        3,
        0,
    )
    done = client.post(complete_url(replacement["id"]), scans(replacement, bolt), format="json")
    assert done.status_code == 200
    assert client.get(f"{ORDERS}{order.pk}/").json()["status"] == "picked"
    assert stock_drift().is_clean


@pytest.mark.django_db
def test_a_pick_of_nothing_found_backorders_when_no_other_stock(api, floor_user, db):
    warehouse, bins = make_site()
    bolt = ProductFactory()
    receive(bins[0], bolt, 5)
    order = allocated_order(warehouse, (bolt, 4), reference="SO-ZERO")
    wave_release(warehouse_id=warehouse.pk)
    client = api(floor_user)
    task = claim(client, warehouse)

    response = client.post(complete_url(task["id"]), scans(task, bolt, quantity=0), format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["quantity_done"] == 0
    shown = client.get(f"{ORDERS}{order.pk}/").json()
    assert shown["status"] == "backordered"
    assert shown["lines"][0]["backordered_quantity"] == 4
    level = StockLevel.objects.get(product=bolt, warehouse=warehouse)
    assert level.reserved == 0
    assert Task.objects.filter(kind="count").count() == 1
    assert StockMove.objects.filter(kind="pick").count() == 0
    assert stock_drift().is_clean


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"location": "P-4"}, "location", "wrong_location"),
        ({"location": "NOWHERE"}, "location", "wrong_location"),
        ({"product": "SKU-NOPE"}, "product", "wrong_product"),
        ({"quantity": 6}, "quantity", "invalid_quantity"),
        ({"quantity": -1}, "quantity", "min_value"),
        ({"quantity": "all"}, "quantity", "invalid"),
        ({"location": None}, "location", "null"),
        ({"product": ""}, "product", "blank"),
    ],
)
def test_wrong_scans_change_nothing(api, floor_user, released, change, field, code):
    warehouse, bolt, _ = released
    client = api(floor_user)
    task = claim(client, warehouse)
    before = outbound_state()

    response = client.post(complete_url(task["id"]), {**scans(task, bolt), **change}, format="json")

    assert response.status_code == 400, response.json()
    assert error_code(response, field) == code
    assert outbound_state() == before


@pytest.mark.django_db
def test_another_pickers_task_is_403(api, floor_user, released):
    warehouse, bolt, _ = released
    task = claim(api(floor_user), warehouse)
    other = api(_user("floor-2", "floor"))
    before = outbound_state()

    response = other.post(complete_url(task["id"]), scans(task, bolt), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert outbound_state() == before
    assert other.post(CLAIM, {"warehouse": warehouse.code}, format="json").status_code == 204


@pytest.mark.django_db
def test_completing_a_pick_twice_moves_the_stock_once(api, floor_user, released):
    warehouse, bolt, _ = released
    client = api(floor_user)
    task = claim(client, warehouse)

    first = client.post(complete_url(task["id"]), scans(task, bolt, quantity=3), format="json")
    again = client.post(complete_url(task["id"]), scans(task, bolt, quantity=3), format="json")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert StockMove.objects.filter(kind="pick").count() == 1
    assert Task.objects.filter(kind="pick").count() == 2  # one replacement, not two
    assert in_bin("STAGE-01") == 3


@pytest.mark.django_db
def test_a_replayed_idempotency_key_answers_the_first_result(api, floor_user, released):
    warehouse, bolt, _ = released
    client = api(floor_user)
    task = claim(client, warehouse)
    key = idempotency_key()
    given = scans(task, bolt)
    first = client.post(complete_url(task["id"]), given, format="json", HTTP_IDEMPOTENCY_KEY=key)
    replay = client.post(complete_url(task["id"]), given, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert StockMove.objects.filter(kind="pick").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_pick_once(api):
    warehouse, bolt, _ = build()
    picker = _user("twin-taps", "floor")
    task = claim(api(picker), warehouse)

    def complete():
        return (
            api(picker)
            .post(complete_url(task["id"]), scans(task, bolt, quantity=4), format="json")
            .status_code
        )

    assert run_together([complete, complete, complete]) == [200, 200, 200]
    assert StockMove.objects.filter(kind="pick").count() == 1
    assert Task.objects.filter(kind="pick").count() == 2
    assert in_bin("STAGE-01") == 4
    assert stock_drift().is_clean


@pytest.mark.django_db
def test_tasks_filter_by_order_reference_or_id(api, supervisor, released):
    warehouse, bolt, order = released
    receive(Location.objects.get(warehouse=warehouse, code="P-2"), bolt, 3)
    other = allocated_order(warehouse, (bolt, 1), reference=str(order.pk))  # digits, as an id
    client = api(supervisor)

    def ids(query):
        response = client.get(TASKS + query)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    mine = set(Task.objects.filter(order=order).values_list("pk", flat=True))
    theirs = set(Task.objects.filter(order=other).values_list("pk", flat=True))
    assert mine
    assert theirs
    assert ids("?order=SO-PICK") == mine
    assert ids(f"?order={order.pk}") == theirs  # a reference wins over an id
    assert ids(f"?order={other.pk}") == theirs
    assert ids("?order=SO-NONE&kind=pick") == set()
    row = client.get(f"{TASKS}{min(mine)}/").json()
    assert (row["order"], row["order_id"]) == ("SO-PICK", order.pk)
