"""/api/v1/tasks/{id}/complete/: putaway and QC by scans; wrong scans change nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.models import StockLevel
from tests.api.fixtures import error_code, idempotency_key
from tests.concurrency import run_together
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, TaskFactory
from tests.warehouse.apis.inbound_state import inbound_state
from warehouse.models import QcInspection, Quant, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.inbound_planning import qc_inspection_plan, receipt_plan
from warehouse.services.layout import location_set_blocked
from warehouse.services.receipt_api import delivery_receive
from warehouse.services.receiving import ReceivedEntry
from warehouse.services.tasks import task_cancel

URL = "/api/v1/tasks/"


def complete_url(task) -> str:
    return f"{URL}{task.pk}/complete/"


def make_site():
    warehouse = WarehouseFactory()
    bins = [
        LocationFactory(warehouse=warehouse, code=f"B-{i}", capacity_units=50, x=5 + i, y=0)
        for i in range(4)
    ]
    return warehouse, bins


@pytest.fixture
def site(db):
    return make_site()


def received_tasks(warehouse, product, quantity, lot=None, expiry=None) -> list[Task]:
    """Goods received on the dock and planned as the worker would: their QC or putaway tasks."""
    receipt = delivery_receive(
        warehouse=warehouse, entries=[ReceivedEntry(product, quantity, lot, expiry)]
    )
    return receipt_plan(receipt_id=receipt.pk)


def scans(task, **extra) -> dict:
    return {
        "location": task.source_location.code,
        "product": task.product.barcode,
        **extra,
    }


def in_bin(code: str) -> int:
    return sum(Quant.objects.filter(location__code=code).values_list("quantity", flat=True))


# --- putaway ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_putaway_moves_the_stock_into_the_suggested_bin(api, floor_user, site):
    warehouse, _ = site
    product = ProductFactory()
    (task,) = received_tasks(warehouse, product, 30)
    assert task.destination_location.code == "B-0"

    response = api(floor_user).post(complete_url(task), scans(task), format="json")

    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["id"], data["status"], data["quantity_done"], data["assignee"]) == (
        task.pk,
        "done",
        30,
        "floor",
    )
    assert data["completed_at"]
    assert (in_bin("B-0"), in_bin("RECV-01")) == (30, 0)
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (level.in_receiving, level.available) == (0, 30)
    move = StockMove.objects.get(kind="putaway")
    assert (move.task_id, move.actor, move.reason) == (task.pk, floor_user, "")
    assert stock_drift().is_clean


@pytest.mark.django_db
def test_another_bin_with_room_is_accepted_and_recorded(api, floor_user, site):
    warehouse, _ = site
    product = ProductFactory()
    (task,) = received_tasks(warehouse, product, 5)

    response = api(floor_user).post(
        complete_url(task), scans(task, destination_location="b-3"), format="json"
    )

    assert response.status_code == 200, response.json()
    assert in_bin("B-3") == 5
    assert StockMove.objects.get(kind="putaway").reason == (
        "put into B-3 instead of the suggested B-0"
    )


@pytest.mark.django_db
def test_completing_twice_moves_the_stock_once(api, floor_user, site):
    warehouse, _ = site
    product = ProductFactory()
    (task,) = received_tasks(warehouse, product, 8)
    client = api(floor_user)

    first = client.post(complete_url(task), scans(task), format="json")
    again = client.post(complete_url(task), scans(task), format="json")

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["status"] == "done"
    assert StockMove.objects.filter(kind="putaway").count() == 1
    assert in_bin("B-0") == 8


@pytest.mark.django_db
def test_a_part_quantity_leaves_the_rest_and_a_replayed_key_moves_once(api, floor_user, site):
    warehouse, _ = site
    product = ProductFactory()
    (task,) = received_tasks(warehouse, product, 10)
    client = api(floor_user)
    key = idempotency_key()

    first = client.post(
        complete_url(task), scans(task, quantity=4), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    replay = client.post(
        complete_url(task), scans(task, quantity=4), format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    assert first.status_code == 200, first.json()
    assert (first.json()["status"], first.json()["quantity_done"]) == ("assigned", 4)
    assert replay.json() == first.json()
    assert in_bin("B-0") == 4
    rest = client.post(complete_url(task), scans(task), format="json")
    assert (rest.json()["status"], rest.json()["quantity_done"]) == ("done", 10)
    assert in_bin("B-0") == 10


@pytest.mark.django_db(transaction=True)
def test_two_threads_completing_one_task_move_the_stock_once(api):
    warehouse, _ = make_site()
    floor = _user("twin-hands", "floor")
    product = ProductFactory()
    (task,) = received_tasks(warehouse, product, 12)

    def complete():
        return api(floor).post(complete_url(task), scans(task), format="json").status_code

    results = run_together([complete, complete, complete])

    assert results == [200, 200, 200]
    assert StockMove.objects.filter(kind="putaway").count() == 1
    assert in_bin("B-0") == 12
    task.refresh_from_db()
    assert (task.status, task.quantity_done) == ("done", 12)
    assert stock_drift().is_clean


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_task_move_the_stock_once(api):
    warehouse, _ = make_site()
    first, second = _user("racer-1", "floor"), _user("racer-2", "floor")
    product = ProductFactory()
    (task,) = received_tasks(warehouse, product, 12)

    def complete(user):
        return lambda: api(user).post(complete_url(task), scans(task), format="json").status_code

    results = run_together([complete(first), complete(second)])

    assert sorted(results) == [200, 403]
    assert StockMove.objects.filter(kind="putaway").count() == 1
    assert in_bin("B-0") == 12
    assert stock_drift().is_clean


# --- refusals --------------------------------------------------------------------------------


@pytest.fixture
def putaway(site, receive):
    """An open putaway task of 5 lot-tracked units suggested into B-0; B-1 full, B-2 blocked."""
    warehouse, bins = site
    product = ProductFactory(tracking="lot")
    receive(bins[1], ProductFactory(), 50)  # B-1 is full
    (task,) = received_tasks(warehouse, product, 5, lot="LOT-A")
    location_set_blocked(location_id=bins[2].pk, blocked=True, reason="Racking damaged")
    assert task.destination_location.code == "B-0"
    return task


WRONG = [
    # (id, changes to good scans, status, field, code)
    ("source", {"location": "B-0"}, 400, "location", "wrong_location"),
    ("unknown-source", {"location": "NOWHERE"}, 400, "location", "wrong_location"),
    ("product", {"product": "{other}"}, 400, "product", "wrong_product"),
    ("unknown-product", {"product": "NO-SUCH-SKU"}, 400, "product", "wrong_product"),
    ("bad-label", {"product": "(01)02000000000019"}, 400, "product", "invalid_barcode"),
    ("lot", {"lot": "LOT-B"}, 400, "lot", "wrong_lot"),
    ("lot-in-label", {"product": "{label_lot_b}"}, 400, "lot", "wrong_lot"),
    ("full-bin", {"destination_location": "B-1"}, 400, "destination_location", "over_capacity"),
    (
        "blocked-bin",
        {"destination_location": "B-2"},
        400,
        "destination_location",
        "location_blocked",
    ),
    (
        "unknown-bin",
        {"destination_location": "Z-9"},
        400,
        "destination_location",
        "wrong_location",
    ),
    ("not-a-bin", {"destination_location": "QC-01"}, 400, "destination_location", "invalid"),
    ("too-many", {"quantity": 6}, 400, "quantity", "invalid_quantity"),
    ("negative", {"quantity": -1}, 400, "quantity", "min_value"),
    ("text-quantity", {"quantity": "five"}, 400, "quantity", "invalid"),
    ("no-location", {"location": None}, 400, "location", "null"),
    ("blank-product", {"product": ""}, 400, "product", "blank"),
    ("long-scan", {"product": "7" * 201}, 400, "product", "max_length"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "status", "field", "code"),
    [wrong[1:] for wrong in WRONG],
    ids=[wrong[0] for wrong in WRONG],
)
def test_wrong_scans_are_refused_and_change_nothing(
    api, floor_user, putaway, change, status, field, code
):
    other = ProductFactory()
    label_b = f"(01)0{putaway.product.barcode}(10)LOT-B"
    body = scans(putaway)
    for key, value in change.items():
        if isinstance(value, str):
            value = value.format(other=other.barcode, label_lot_b=label_b)
        body[key] = value
    before = inbound_state()

    response = api(floor_user).post(complete_url(putaway), body, format="json")

    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert error_code(response, field) == code
    assert inbound_state() == before  # not even claimed
    assert stock_drift().is_clean


@pytest.mark.django_db
def test_the_right_lot_in_a_label_is_accepted(api, floor_user, putaway):
    label = f"]C101{putaway.product.barcode.zfill(14)}10LOT-A"
    response = api(floor_user).post(complete_url(putaway), scans(putaway, product=label))
    assert response.status_code == 200, response.json()
    assert in_bin("B-0") == 5


@pytest.mark.django_db
def test_another_workers_task_is_403_and_changes_nothing(api, floor_user, putaway):
    other = _user("other-hands", "floor")
    api(other).post(f"{URL}claim/", {"warehouse": putaway.warehouse.code}, format="json")
    before = inbound_state()

    response = api(floor_user).post(complete_url(putaway), scans(putaway), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert inbound_state() == before


@pytest.mark.django_db
def test_a_cancelled_task_is_409(api, floor_user, putaway):
    task_cancel(task_id=putaway.pk, reason="Delivery sent back")
    before = inbound_state()
    response = api(floor_user).post(complete_url(putaway), scans(putaway), format="json")
    assert response.status_code == 409
    assert inbound_state() == before


@pytest.mark.django_db
def test_who_and_where(api, purchaser, scoped_supervisor, floor_user, putaway):
    body = scans(putaway)
    before = inbound_state()
    assert api().post(complete_url(putaway), body, format="json").status_code == 401
    denied = api(purchaser).post(complete_url(putaway), body, format="json")
    assert (denied.status_code, denied.json()["code"]) == (403, "permission_denied")
    elsewhere = api(scoped_supervisor(WarehouseFactory()))
    assert elsewhere.post(complete_url(putaway), body, format="json").status_code == 404
    assert api(floor_user).post(f"{URL}999999/complete/", body, format="json").status_code == 404
    assert inbound_state() == before


@pytest.mark.django_db
def test_count_tasks_are_routed_to_counting(api, floor_user, warehouse, bin_):
    # Counts complete here too (warehouse.services.counting; tests/warehouse/apis/
    # test_counts_api.py): without the counted quantity they are refused.
    count = TaskFactory(warehouse=warehouse, kind="count", source_location=bin_)
    response = api(floor_user).post(
        complete_url(count), {"location": bin_.code, "product": "X"}, format="json"
    )
    assert response.status_code == 400
    assert error_code(response, "quantity") == "invalid_quantity"


# --- QC --------------------------------------------------------------------------------------


@pytest.fixture
def inspection(site):
    """An open QC task: 10 units of a product that needs inspection, on the dock."""
    warehouse, _ = site
    expiry = timezone.localdate() + timedelta(days=90)
    product = ProductFactory(requires_qc=True, tracking="lot_expiry")
    (task,) = received_tasks(warehouse, product, 10, lot="QC-LOT", expiry=expiry)
    assert (task.kind, task.destination_location.code) == ("qc", "QC-01")
    return task


@pytest.mark.django_db
def test_qc_pass_sends_everything_on_to_putaway(api, floor_user, inspection):
    response = api(floor_user).post(
        complete_url(inspection), scans(inspection, result="pass"), format="json"
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["kind"]) == ("done", "qc")
    record = QcInspection.objects.get(task=inspection)
    assert (record.passed_quantity, record.failed_quantity, record.inspector) == (
        10,
        0,
        floor_user,
    )
    assert in_bin("QC-01") == 10
    tasks = qc_inspection_plan(inspection_id=record.pk)  # what the worker runs after commit
    assert [(t.kind, t.source_location.code, t.quantity) for t in tasks] == [
        ("putaway", "QC-01", 10)
    ]


@pytest.mark.django_db
def test_a_partial_qc_fail_quarantines_the_failed_units(api, floor_user, inspection):
    response = api(floor_user).post(
        complete_url(inspection),
        scans(inspection, result="fail", failed_quantity=3, reason="Crushed cartons"),
        format="json",
    )

    assert response.status_code == 200, response.json()
    record = QcInspection.objects.get(task=inspection)
    assert (record.passed_quantity, record.failed_quantity, record.reason) == (
        7,
        3,
        "Crushed cartons",
    )
    assert (in_bin("QUAR-01"), in_bin("QC-01")) == (3, 7)
    level = StockLevel.objects.get(product=inspection.product)
    assert (level.quarantined, level.in_qc, level.available) == (3, 7, 0)
    move = StockMove.objects.get(kind="quarantine")
    assert move.reason == "failed QC: Crushed cartons"


@pytest.mark.django_db
def test_a_qc_fail_quantity_may_come_as_quantity(api, floor_user, inspection):
    response = api(floor_user).post(
        complete_url(inspection),
        scans(inspection, result="fail", quantity=10, reason="Wrong product in the cartons"),
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert in_bin("QUAR-01") == 10


QC_WRONG = [
    ({}, "result", "invalid"),
    ({"result": "maybe"}, "result", "invalid_choice"),
    ({"result": "fail"}, "reason", "invalid"),
    ({"result": "fail", "reason": "   "}, "reason", "invalid"),
    (
        {"result": "fail", "reason": "Torn", "failed_quantity": 11},
        "failed_quantity",
        "invalid_quantity",
    ),
    ({"result": "fail", "reason": "Torn", "failed_quantity": 0}, "failed_quantity", "min_value"),
    ({"result": "pass", "failed_quantity": 2}, "failed_quantity", "invalid_quantity"),
    ({"result": "pass", "reason": "x" * 201}, "reason", "max_length"),
    ({"result": "pass", "location": "B-0"}, "location", "wrong_location"),
    ({"result": "pass", "product": "NO-SUCH"}, "product", "wrong_product"),
    ({"result": "pass", "lot": "OTHER-LOT"}, "lot", "wrong_lot"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field", "code"), QC_WRONG)
def test_bad_qc_input_is_400_and_changes_nothing(api, floor_user, inspection, change, field, code):
    before = inbound_state()

    response = api(floor_user).post(complete_url(inspection), scans(inspection, **change))

    assert response.status_code == 400, response.json()
    assert error_code(response, field) == code
    assert inbound_state() == before
