"""Counting over the API: a count task completed with the contract's fields (blind: the books'
quantity never appears in the floor's answers), and /api/v1/counts/ for the supervisor's
decisions, planning and record accuracy."""

import pytest

from tests.api.fixtures import error_code
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import BinCount, Quant, StockMove, Task, Zone
from warehouse.selectors.ledger import stock_drift
from warehouse.services.count_planning import count_flag_bin
from warehouse.services.intake import stock_receive

TASKS = "/api/v1/tasks/"
COUNTS = "/api/v1/counts/"
BOOKS = 7919  # a number nothing else in these answers is


@pytest.fixture
def site(db):
    warehouse = WarehouseFactory(code="MAIN")
    zone = Zone.objects.create(warehouse=warehouse, code="R1", name="Reserve 1")
    bin_ = LocationFactory(warehouse=warehouse, code="R1-01-01", zone=zone)
    other = LocationFactory(warehouse=warehouse, code="R1-01-02", zone=zone)
    bolt = ProductFactory(sku="BOLT")
    stock_receive(location=bin_, product_id=bolt.pk, quantity=BOOKS)
    (task,) = count_flag_bin(
        warehouse_id=warehouse.pk, location_id=bin_.pk, reason="test", user_id=None
    ).created
    return warehouse, bin_, other, bolt, task


def _complete(client, task, **body):
    data = {"location": task.source_location.code, "product": task.product.barcode} | body
    return client.post(f"{TASKS}{task.pk}/complete/", data, format="json")


def test_a_count_over_the_api_is_blind(api, site, floor_user):
    warehouse, bin_, _, bolt, task = site
    client = api(floor_user)
    shown = client.get(f"{TASKS}{task.pk}/")
    assert shown.status_code == 200
    assert shown.json()["kind"] == "count"
    assert str(BOOKS) not in shown.content.decode()
    listed = client.get(TASKS, {"kind": "count"})
    assert str(BOOKS) not in listed.content.decode()

    done = _complete(client, task, quantity=BOOKS - 1)

    assert done.status_code == 200, done.json()
    body = done.json()
    assert (body["status"], body["quantity"]) == ("done", 0)
    assert str(BOOKS) not in done.content.decode()
    assert "expected" not in done.content.decode()
    count = BinCount.objects.get(task=task)
    assert (count.expected_quantity, count.counted_quantity, count.status) == (
        BOOKS,
        BOOKS - 1,
        "pending",
    )
    # The floor may not look at the counts (they show the books).
    assert client.get(COUNTS).status_code == 403
    assert client.get(f"{COUNTS}{count.pk}/").status_code == 403


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"location": "R1-01-02", "quantity": 5}, "location", "wrong_location"),
        ({"location": "NOWHERE", "quantity": 5}, "location", "wrong_location"),
        ({"product": "NO-SUCH", "quantity": 5}, "product", "wrong_product"),
        ({"quantity": -1}, "quantity", "min_value"),
        ({"quantity": "twelve"}, "quantity", "invalid"),
        ({"quantity": 1.5}, "quantity", "invalid"),
        ({}, "quantity", "invalid_quantity"),
    ],
)
def test_bad_counts_are_refused_and_change_nothing(api, site, floor_user, body, field, code):
    warehouse, bin_, _, bolt, task = site
    response = _complete(api(floor_user), task, **body)
    assert response.status_code == 400, response.json()
    assert error_code(response, field) == code
    assert not BinCount.objects.exists()
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN


def test_another_product_is_a_wrong_product(api, site, floor_user):
    warehouse, bin_, _, bolt, task = site
    nut = ProductFactory(sku="NUT")
    response = _complete(api(floor_user), task, product=nut.sku, quantity=3)
    assert response.status_code == 400
    assert error_code(response, "product") == "wrong_product"
    assert "BOLT" in response.json()["detail"]


def test_the_supervisor_approves_with_a_reason(api, site, floor_user, supervisor):
    warehouse, bin_, _, bolt, task = site
    _complete(api(floor_user), task, quantity=BOOKS - 1)
    count = BinCount.objects.get(task=task)
    client = api(supervisor)

    listed = client.get(COUNTS, {"status": "pending", "warehouse": "MAIN"})
    assert listed.status_code == 200
    (row,) = listed.json()["results"]
    assert (row["id"], row["expected_quantity"], row["counted_quantity"], row["difference"]) == (
        count.pk,
        BOOKS,
        BOOKS - 1,
        -1,
    )
    assert (row["location"], row["product"], row["counted_by"]) == ("R1-01-01", "BOLT", "floor")

    no_reason = client.post(f"{COUNTS}{count.pk}/approve/", {}, format="json")
    assert no_reason.status_code == 400
    assert error_code(no_reason, "reason") == "required"
    floor_try = api(floor_user).post(f"{COUNTS}{count.pk}/approve/", {"reason": "mine"})
    assert floor_try.status_code == 403

    approved = client.post(f"{COUNTS}{count.pk}/approve/", {"reason": "Broken unit"})
    assert approved.status_code == 200, approved.json()
    data = approved.json()
    assert (data["status"], data["adjusted_quantity"], data["decided_by"]) == (
        "approved",
        -1,
        "sup",
    )
    move = StockMove.objects.get(pk=data["adjustment"])
    assert (move.kind, move.quantity, move.reason) == (
        "adjustment",
        1,
        f"Count #{count.pk}: Broken unit",
    )
    assert Quant.objects.get(location=bin_, product=bolt).quantity == BOOKS - 1
    assert stock_drift().is_clean

    twice = client.post(f"{COUNTS}{count.pk}/approve/", {"reason": "again"})
    assert twice.status_code == 409
    assert twice.json()["code"] == "count_decided"
    reject_now = client.post(f"{COUNTS}{count.pk}/reject/", {"reason": "too late"})
    assert reject_now.status_code == 409
    assert StockMove.objects.filter(kind="adjustment").count() == 1


def test_the_supervisor_rejects(api, site, floor_user, supervisor):
    warehouse, bin_, _, bolt, task = site
    _complete(api(floor_user), task, quantity=BOOKS + 1)
    count = BinCount.objects.get(task=task)
    response = api(supervisor).post(f"{COUNTS}{count.pk}/reject/", {"reason": "Miscounted"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["adjustment"]) == ("rejected", None)
    assert Quant.objects.get(location=bin_, product=bolt).quantity == BOOKS


def test_counts_of_other_warehouses_are_not_found(api, site, floor_user, scoped_supervisor):
    warehouse, bin_, _, bolt, task = site
    _complete(api(floor_user), task, quantity=BOOKS - 1)
    count = BinCount.objects.get(task=task)
    outsider = scoped_supervisor(WarehouseFactory(code="EAST"))
    client = api(outsider)
    assert client.get(COUNTS).json()["count"] == 0
    assert client.post(f"{COUNTS}{count.pk}/approve/", {"reason": "x"}).status_code == 404
    assert client.post(f"{COUNTS}999999/approve/", {"reason": "x"}).status_code == 404


def test_planning_counts_over_the_api(api, site, supervisor, floor_user):
    warehouse, bin_, other, bolt, task = site
    stock_receive(location=other, product_id=bolt.pk, quantity=3)
    client = api(supervisor)

    zone = client.post(f"{COUNTS}plan/", {"warehouse": "MAIN", "by": "zone", "zone": "R1"})
    assert zone.status_code == 201, zone.json()
    # R1-01-01 already has its count task: only R1-01-02 gets one.
    assert (zone.json()["created"], zone.json()["skipped"]) == (1, 1)
    assert Task.objects.get(pk=zone.json()["tasks"][0]).source_location == other

    flagged = client.post(
        f"{COUNTS}plan/",
        {"warehouse": "MAIN", "by": "bin", "location": "R1-01-02", "reason": "Spilled"},
    )
    assert (flagged.status_code, flagged.json()["created"]) == (201, 0)
    no_zone = client.post(f"{COUNTS}plan/", {"warehouse": "MAIN", "by": "zone", "zone": "ZZ"})
    assert (no_zone.status_code, error_code(no_zone, "zone")) == (400, "does_not_exist")
    no_reason = client.post(
        f"{COUNTS}plan/", {"warehouse": "MAIN", "by": "bin", "location": "R1-01-02"}
    )
    assert no_reason.status_code == 400
    assert (
        api(floor_user).post(f"{COUNTS}plan/", {"warehouse": "MAIN", "by": "class"}).status_code
        == 403
    )


def test_record_accuracy_over_the_api(api, site, floor_user, supervisor):
    warehouse, bin_, _, bolt, task = site
    _complete(api(floor_user), task, quantity=BOOKS)
    response = api(supervisor).get(f"{COUNTS}accuracy/", {"warehouse": "MAIN", "days": 7})
    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("counted", "exact", "share")} == {
        "counted": 1,
        "exact": 1,
        "share": 1.0,
    }
    bad = api(supervisor).get(f"{COUNTS}accuracy/", {"warehouse": "MAIN", "days": "many"})
    assert bad.status_code == 400
    assert api(supervisor).get(f"{COUNTS}accuracy/", {"warehouse": "NOPE"}).status_code == 404


def test_a_second_counter_cannot_take_a_held_count(api, site, floor_user):
    warehouse, bin_, _, bolt, task = site
    other = _user("floor2", "floor")
    assert _complete(api(floor_user), task, quantity=BOOKS).status_code == 200
    assert _complete(api(other), task, quantity=1).status_code == 403
    repeat = _complete(api(floor_user), task, quantity=1)  # done: the repeat changes nothing
    assert repeat.status_code == 200
    assert BinCount.objects.get().counted_quantity == BOOKS
