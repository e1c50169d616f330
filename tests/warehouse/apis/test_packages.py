"""/api/v1/orders/{id}/packages/: closing packages of picked items, then shipping them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.fixtures import idempotency_key
from tests.conftest import _user
from tests.factories.inventory import ProductFactory
from tests.warehouse.apis.outbound_state import (
    ORDERS,
    allocated_order,
    codes_in,
    make_site,
    outbound_state,
    receive,
)
from warehouse.models import Lot, Package
from warehouse.services.picking import pick_task_complete
from warehouse.services.tasks import task_claim
from warehouse.services.waves import wave_release


@pytest.fixture
def picked(db):
    """An order of 5 bolts and 4 lot-tracked milk (lot M-1), all picked and waiting in staging."""
    warehouse, bins = make_site()
    bolt, milk = ProductFactory(), ProductFactory(tracking="lot_expiry")
    lot = Lot.objects.create(
        product=milk, code="M-1", expiry_date=timezone.localdate() + timedelta(days=60)
    )
    receive(bins[0], bolt, 10)
    receive(bins[4], milk, 10, lot=lot)
    order = allocated_order(warehouse, (bolt, 5), (milk, 4), reference="SO-PK")
    picker = _user("picker", "floor")
    wave_release(warehouse_id=warehouse.pk)
    while task := task_claim(user_id=picker.pk, warehouse_id=warehouse.pk, kinds=["pick"]):
        pick_task_complete(
            task_id=task.pk,
            user_id=picker.pk,
            scanned_location=task.source_location.code,
            scanned_product=task.product.sku,
        )
    return {"order": order, "bolt": bolt, "milk": milk, "lot": lot}


def url(order) -> str:
    return f"{ORDERS}{order.pk}/packages/"


def item(product, quantity, lot=None) -> dict:
    return {"product": product.sku, "quantity": quantity, **({"lot": lot} if lot else {})}


@pytest.mark.django_db
def test_packing_in_two_packages_then_shipping(api, floor_user, picked):
    order, bolt, milk = picked["order"], picked["bolt"], picked["milk"]
    client = api(floor_user)

    first = client.post(url(order), {"items": [item(bolt, 3), item(milk, 4, "M-1")]}, format="json")
    second = client.post(
        url(order), {"items": [{"product": bolt.barcode, "quantity": 2}]}, format="json"
    )

    assert (first.status_code, second.status_code) == (201, 201), first.json()
    data = first.json()
    assert (data["order_id"], data["number"], data["packed_by"]) == (order.pk, 1, "floor")
    assert [(i["product"], i["lot"], i["quantity"]) for i in data["items"]] == [
        (bolt.sku, None, 3),
        (milk.sku, "M-1", 4),
    ]
    assert second.json()["number"] == 2
    shown = client.get(f"{ORDERS}{order.pk}/").json()["packages"]
    assert [p["number"] for p in shown] == [1, 2]
    assert client.post(f"{ORDERS}{order.pk}/ship/").json()["status"] == "shipped"


@pytest.mark.django_db
def test_a_gs1_label_names_the_lot(api, floor_user, picked):
    milk = picked["milk"]
    label = f"(01){int(milk.barcode):014d}(10)M-1"
    response = api(floor_user).post(
        url(picked["order"]), {"items": [{"product": label, "quantity": 4}]}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["items"][0]["lot"] == "M-1"


@pytest.mark.django_db
def test_the_same_idempotency_key_closes_one_package(api, floor_user, picked):
    client = api(floor_user)
    key = idempotency_key()
    given = {"items": [item(picked["bolt"], 1)]}
    first = client.post(url(picked["order"]), given, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(url(picked["order"]), given, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.json() == first.json()
    assert Package.objects.count() == 1


REFUSALS = [
    # (id, items, field, code)
    ("more-than-picked", lambda p: [item(p["bolt"], 6)], "items", "invalid_quantity"),
    (
        "more-than-picked-over-two-items",
        lambda p: [item(p["bolt"], 3), item(p["bolt"], 3)],
        "items",
        "invalid_quantity",
    ),
    ("not-on-the-order", lambda p: [item(ProductFactory(), 1)], "items", "invalid_quantity"),
    ("unknown-product", lambda p: [{"product": "NOPE", "quantity": 1}], "items", "does_not_exist"),
    ("no-lot", lambda p: [item(p["milk"], 1)], "items", "required"),
    ("unknown-lot", lambda p: [item(p["milk"], 1, "M-9")], "items", "does_not_exist"),
    ("lot-on-untracked", lambda p: [item(p["bolt"], 1, "X")], "items", "invalid"),
    (
        "label-contradicts-lot",
        lambda p: [
            {"product": f"(01){int(p['milk'].barcode):014d}(10)M-1", "lot": "M-2", "quantity": 1}
        ],
        "items",
        "invalid",
    ),
    ("zero", lambda p: [item(p["bolt"], 0)], "items", "min_value"),
    ("text-quantity", lambda p: [item(p["bolt"], "two")], "items", "invalid"),
    ("empty", lambda p: [], "items", "empty"),
    ("null", lambda p: None, "items", "null"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("items", "field", "code"),
    [refusal[1:] for refusal in REFUSALS],
    ids=[refusal[0] for refusal in REFUSALS],
)
def test_refused_packages_change_nothing(api, floor_user, picked, items, field, code):
    before = outbound_state()
    response = api(floor_user).post(url(picked["order"]), {"items": items(picked)}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert code in codes_in(response.json()["fields"][field])
    assert outbound_state() == before


@pytest.mark.django_db
def test_a_shipped_order_takes_no_package(api, floor_user, picked):
    client = api(floor_user)
    assert client.post(f"{ORDERS}{picked['order'].pk}/ship/").status_code == 200
    before = outbound_state()
    response = client.post(
        url(picked["order"]), {"items": [item(picked["bolt"], 1)]}, format="json"
    )
    assert response.status_code == 409
    assert outbound_state() == before


@pytest.mark.django_db
def test_purchasers_cannot_pack(api, purchaser, picked):
    before = outbound_state()
    response = api(purchaser).post(
        url(picked["order"]), {"items": [item(picked["bolt"], 1)]}, format="json"
    )
    assert response.status_code == 403
    assert outbound_state() == before
