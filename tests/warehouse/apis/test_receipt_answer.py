"""POST /api/v1/receipts/ answers from what it wrote, without reading the receipt back: the
answer must be what reading it gives (GET /receipts/{id}/), field for field."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import Product
from inventory.services.purchasing import (
    OrderLineInput,
    purchase_order_create,
    purchase_order_send,
)
from tests.factories.inventory import ProductFactory, SupplierFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Location, Receipt

URL = "/api/v1/receipts/"

pytestmark = pytest.mark.django_db


def _posted_and_read(client, body):
    posted = client.post(URL, body, format="json")
    assert posted.status_code == 201, posted.json()
    read = client.get(f"{URL}{posted.json()['id']}/")
    assert read.status_code == 200
    return posted.json(), read.json()


def test_an_unplanned_delivery_answers_what_reading_it_gives(api, floor_user, warehouse):
    milk = ProductFactory(tracking=Product.Tracking.LOT_EXPIRY)
    bolt, checked = ProductFactory(), ProductFactory(requires_qc=True)
    expiry = timezone.localdate() + timedelta(days=40)
    body = {
        "warehouse": warehouse.code,
        "supplier": SupplierFactory(requires_qc=False).code,
        "lines": [
            {"product": bolt.sku, "quantity": 12},
            {"product": milk.sku, "quantity": 6, "lot": "L-1", "expiry": f"{expiry}"},
            {"product": checked.barcode, "quantity": 3},
        ],
    }

    posted, read = _posted_and_read(api(floor_user), body)

    assert posted == read
    assert [item["lot"] for item in posted["items"]] == [None, "L-1", None]
    assert [item["needs_qc"] for item in posted["items"]] == [False, False, True]
    assert posted["reference"] == f"RCV-{posted['id']:06d}"


def test_a_delivery_against_an_order_answers_every_line_of_the_order(api, floor_user, warehouse):
    bolt, nut, washer = ProductFactory(), ProductFactory(), ProductFactory()
    order = purchase_order_send(
        purchase_order_id=purchase_order_create(
            supplier=SupplierFactory(),
            warehouse=warehouse,
            lines=[OrderLineInput(bolt, 10), OrderLineInput(nut, 5), OrderLineInput(washer, 7)],
        ).pk
    )
    body = {
        "warehouse": warehouse.code,
        "purchase_order": order.pk,
        "close": True,
        "lines": [{"product": nut.sku, "quantity": 5}],
    }

    posted, read = _posted_and_read(api(floor_user), body)

    assert posted == read
    assert posted["status"] == "closed"
    assert posted["closed_at"] is not None
    assert [
        (ln["product"], ln["expected_quantity"], ln["received_quantity"]) for ln in posted["lines"]
    ] == [(bolt.sku, 10, 0), (nut.sku, 5, 5), (washer.sku, 7, 0)]


def test_a_named_dock_is_used_and_answered(api, floor_user, warehouse):
    second = LocationFactory(warehouse=warehouse, code="RECV-02", kind=Location.Kind.RECEIVING)
    body = {
        "warehouse": warehouse.code,
        "dock": "RECV-02",
        "lines": [{"product": ProductFactory().sku, "quantity": 1}],
    }

    posted, read = _posted_and_read(api(floor_user), body)

    assert posted == read
    assert (posted["dock"], posted["items"][0]["location_id"]) == ("RECV-02", second.pk)


def test_a_replayed_key_answers_the_first_receipt_read_again(api, floor_user, warehouse):
    client = api(floor_user)
    body = {
        "warehouse": warehouse.code,
        "lines": [{"product": ProductFactory().sku, "quantity": 2}],
    }
    headers = {"Idempotency-Key": "answer-once"}

    first = client.post(URL, body, format="json", headers=headers)
    again = client.post(URL, body, format="json", headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert Receipt.objects.count() == 1


@pytest.fixture
def receipt_ids_past_six_digits(db):
    """Receipt ids from 1,234,567 on, for one test; then the sequence as it was (the test's
    rows are rolled back, so no id it drew can collide)."""
    sequence = "pg_get_serial_sequence('warehouse_receipt', 'id')"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value, is_called FROM {Receipt._meta.db_table}_id_seq")
        last, called = cursor.fetchone()
        cursor.execute(f"SELECT setval({sequence}, 1234566)")
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval({sequence}, %s, %s)", [last, called])


@pytest.mark.usefixtures("receipt_ids_past_six_digits")
def test_the_reference_is_made_in_the_insert_and_never_cut(api, floor_user, warehouse):
    body = {
        "warehouse": warehouse.code,
        "lines": [{"product": ProductFactory().sku, "quantity": 1}],
    }

    with CaptureQueriesContext(connection) as captured:
        posted = api(floor_user).post(URL, body, format="json").json()

    assert (posted["id"], posted["reference"]) == (1234567, "RCV-1234567")
    statements = [" ".join(q["sql"].split()) for q in captured.captured_queries]
    assert not [sql for sql in statements if sql.startswith('UPDATE "warehouse_receipt"')]
    assert Receipt.objects.get(pk=1234567).reference == "RCV-1234567"
