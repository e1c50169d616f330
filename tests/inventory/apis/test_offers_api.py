"""/api/v1/supplier-offers/: create (idempotent), read, filter, change and withdraw; who may
write (purchasers and supervisors) and who may not (floor staff: 403); bad input is a 400
naming the field; a second offer for a supplier and product is a 409."""

from decimal import Decimal

import pytest

from inventory.models import SupplierProduct
from inventory.services.offers import supplier_offer_create
from tests.api.fixtures import error_code, idempotency_key
from tests.factories.inventory import ProductFactory, SupplierFactory

OFFERS = "/api/v1/supplier-offers/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    return SupplierFactory(code="ACME", name="Acme Ltd", lead_time_days=5)


@pytest.fixture
def bolt(db):
    return ProductFactory(sku="BOLT", name="Bolt M8")


BODY = {"supplier": "ACME", "product": "BOLT", "unit_cost": "1.25"}


# --- create ------------------------------------------------------------------------------------


def test_a_purchaser_creates_an_offer(api, purchaser, acme, bolt):
    response = api(purchaser).post(
        OFFERS,
        {
            **BODY,
            "supplier_sku": "AC-8",
            "lead_time_days": None,
            "min_order_quantity": 100,
            "pack_multiple": 25,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    data = response.json()
    offer = SupplierProduct.objects.get()
    assert data["id"] == offer.pk
    assert (data["supplier"], data["supplier_id"], data["supplier_name"]) == (
        "ACME",
        acme.pk,
        "Acme Ltd",
    )
    assert (data["product"], data["product_id"], data["product_name"]) == (
        "BOLT",
        bolt.pk,
        "Bolt M8",
    )
    assert (data["supplier_sku"], data["unit_cost"], data["is_active"]) == ("AC-8", "1.2500", True)
    assert (data["lead_time_days"], data["effective_lead_time_days"]) == (None, 5)
    assert (data["min_order_quantity"], data["pack_multiple"]) == (100, 25)
    assert (offer.unit_cost, offer.min_order_quantity) == (Decimal("1.2500"), 100)


def test_a_supervisor_may_write_offers_too(api, supervisor, acme, bolt):
    response = api(supervisor).post(OFFERS, BODY, format="json")

    assert response.status_code == 201, response.json()


def test_the_same_idempotency_key_and_body_create_once(api, purchaser, acme, bolt):
    client, key = api(purchaser), idempotency_key()

    first = client.post(OFFERS, BODY, format="json", headers={"Idempotency-Key": key})
    again = client.post(OFFERS, BODY, format="json", headers={"Idempotency-Key": key})
    other = client.post(
        OFFERS, {**BODY, "unit_cost": "9"}, format="json", headers={"Idempotency-Key": key}
    )

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (other.status_code, error_code(other, "Idempotency-Key")) == (
        400,
        "idempotency_key_reused",
    )
    assert SupplierProduct.objects.count() == 1


def test_a_second_offer_for_the_pair_is_409(api, purchaser, acme, bolt):
    existing = supplier_offer_create(supplier=acme, product=bolt, unit_cost="2.00")

    response = api(purchaser).post(OFFERS, BODY, format="json")

    assert response.status_code == 409
    data = response.json()
    assert (data["code"], data["offer"]) == ("offer_exists", existing.pk)
    assert data["detail"] == "Supplier ACME already has an offer for BOLT; change that one."
    assert error_code(response, "product") == "offer_exists"
    assert SupplierProduct.objects.get().unit_cost == Decimal("2.0000")


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"unit_cost": "-1"}, "unit_cost", "invalid_cost"),
        ({"unit_cost": "0.00001"}, "unit_cost", "invalid_cost"),
        ({"unit_cost": "100000000"}, "unit_cost", "invalid_cost"),
        ({"unit_cost": "1e30"}, "unit_cost", "invalid_cost"),
        ({"unit_cost": 10**40}, "unit_cost", "invalid_cost"),
        ({"unit_cost": "cheap"}, "unit_cost", "invalid"),
        ({"unit_cost": "NaN"}, "unit_cost", "invalid"),
        ({"lead_time_days": -1}, "lead_time_days", "invalid"),
        ({"lead_time_days": 5000}, "lead_time_days", "invalid"),
        ({"lead_time_days": "soon"}, "lead_time_days", "invalid"),
        ({"min_order_quantity": 0}, "min_order_quantity", "invalid_quantity"),
        ({"min_order_quantity": 10**12}, "min_order_quantity", "invalid_quantity"),
        ({"pack_multiple": 0}, "pack_multiple", "invalid_quantity"),
        ({"pack_multiple": 1.5}, "pack_multiple", "invalid"),
        ({"supplier_sku": "X" * 61}, "supplier_sku", "invalid"),
        ({"is_active": "maybe"}, "is_active", "invalid"),
        ({"supplier": "NOBODY"}, "supplier", "does_not_exist"),
        ({"product": "NOPE"}, "product", "does_not_exist"),
        ({"supplier": "GONE"}, "supplier", "supplier_inactive"),
        ({"product": "OLD"}, "product", "product_inactive"),
        ({"supplier": None}, "supplier", "null"),
        ({"product": ""}, "product", "blank"),
    ],
)
def test_bad_offers_are_400_naming_the_field(api, purchaser, acme, bolt, change, field, code):
    SupplierFactory(code="GONE", is_active=False)
    ProductFactory(sku="OLD", is_active=False)

    response = api(purchaser).post(OFFERS, {**BODY, **change}, format="json")

    assert response.status_code == 400, response.json()
    assert error_code(response, field) == code
    assert response.json()["fields"][field][0]["message"]
    assert not SupplierProduct.objects.exists()


@pytest.mark.parametrize("missing", ["supplier", "product"])
def test_supplier_and_product_are_required(api, purchaser, acme, bolt, missing):
    body = {key: value for key, value in BODY.items() if key != missing}

    response = api(purchaser).post(OFFERS, body, format="json")

    assert (response.status_code, error_code(response, missing)) == (400, "required")


def test_the_cost_message_says_what_is_wrong(api, purchaser, acme, bolt):
    response = api(purchaser).post(OFFERS, {**BODY, "unit_cost": "1.23456"}, format="json")

    assert response.json()["detail"] == (
        "The unit cost may have at most 4 decimal places, not 1.23456."
    )


# --- permissions -------------------------------------------------------------------------------


def test_floor_staff_may_neither_read_nor_write_offers(api, floor_user, acme, bolt):
    offer = supplier_offer_create(supplier=acme, product=bolt)
    client = api(floor_user)

    assert client.get(OFFERS).status_code == 403
    assert client.get(f"{OFFERS}{offer.pk}/").status_code == 403
    assert client.post(OFFERS, BODY, format="json").status_code == 403
    response = client.patch(f"{OFFERS}{offer.pk}/", {"unit_cost": "5"}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    offer.refresh_from_db()
    assert offer.unit_cost == 0
    assert SupplierProduct.objects.count() == 1


def test_anonymous_is_401(client):
    assert client.get(OFFERS).status_code == 401
    assert client.post(OFFERS, BODY, content_type="application/json").status_code == 401


def test_put_and_delete_are_not_offered(api, purchaser, acme, bolt):
    offer = supplier_offer_create(supplier=acme, product=bolt)
    client = api(purchaser)

    assert client.put(f"{OFFERS}{offer.pk}/", BODY, format="json").status_code == 405
    assert client.delete(f"{OFFERS}{offer.pk}/").status_code == 405
    assert SupplierProduct.objects.filter(pk=offer.pk).exists()


# --- read and filter ---------------------------------------------------------------------------


@pytest.fixture
def catalogue(acme, bolt):
    """ACME and FAST offer BOLT (FAST dearer but quicker), ACME offers NUT; one withdrawn."""
    fast = SupplierFactory(code="FAST", lead_time_days=1)
    nut = ProductFactory(sku="NUT")
    return {
        "acme-bolt": supplier_offer_create(supplier=acme, product=bolt, unit_cost="1.00"),
        "fast-bolt": supplier_offer_create(supplier=fast, product=bolt, unit_cost="1.10"),
        "acme-nut": supplier_offer_create(
            supplier=acme, product=nut, unit_cost="0.10", lead_time_days=12, is_active=False
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["acme-bolt", "fast-bolt", "acme-nut"]),
        ({"product": "BOLT"}, ["acme-bolt", "fast-bolt"]),
        ({"supplier": "ACME"}, ["acme-bolt", "acme-nut"]),
        ({"supplier": "ACME", "product": "NUT"}, ["acme-nut"]),
        ({"is_active": "true"}, ["acme-bolt", "fast-bolt"]),
        ({"is_active": "false"}, ["acme-nut"]),
        ({"supplier": "NOBODY"}, []),
        ({"product": "NOPE"}, []),
    ],
)
def test_list_filters_each_product_cheapest_first(api, purchaser, catalogue, params, expected):
    response = api(purchaser).get(OFFERS, params)

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["count"] == len(expected)
    assert [row["id"] for row in data["results"]] == [catalogue[name].pk for name in expected]


def test_a_bad_filter_is_400_naming_the_parameter(api, purchaser, catalogue):
    response = api(purchaser).get(OFFERS, {"is_active": "perhaps"})

    assert (response.status_code, error_code(response, "is_active")) == (400, "invalid")


def test_the_list_and_detail_read_with_a_fixed_number_of_queries(
    api, purchaser, catalogue, django_assert_max_num_queries
):
    client = api(purchaser)
    # Authentication and permissions cost a few queries; the offers with supplier and product
    # one page query and one count, however many rows.
    with django_assert_max_num_queries(8):
        listed = client.get(OFFERS)
    assert listed.status_code == 200
    one = client.get(f"{OFFERS}{catalogue['acme-nut'].pk}/").json()
    assert (one["product"], one["lead_time_days"], one["effective_lead_time_days"]) == (
        "NUT",
        12,
        12,
    )
    assert client.get(f"{OFFERS}999999/").status_code == 404


# --- change ------------------------------------------------------------------------------------


def test_patch_changes_some_fields(api, purchaser, catalogue):
    offer = catalogue["acme-bolt"]

    response = api(purchaser).patch(
        f"{OFFERS}{offer.pk}/",
        {"unit_cost": "0.95", "lead_time_days": 3, "pack_multiple": 6},
        format="json",
    )

    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["unit_cost"], data["lead_time_days"], data["effective_lead_time_days"]) == (
        "0.9500",
        3,
        3,
    )
    assert (data["pack_multiple"], data["min_order_quantity"]) == (6, 1)
    offer.refresh_from_db()
    assert (offer.unit_cost, offer.pack_multiple) == (Decimal("0.9500"), 6)


def test_withdraw_and_bring_back(api, purchaser, catalogue):
    offer, client = catalogue["acme-bolt"], api(purchaser)

    off = client.patch(f"{OFFERS}{offer.pk}/", {"is_active": False}, format="json")
    on = client.patch(f"{OFFERS}{offer.pk}/", {"is_active": True}, format="json")

    assert (off.status_code, off.json()["is_active"]) == (200, False)
    assert (on.status_code, on.json()["is_active"]) == (200, True)


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"supplier": "FAST"}, "supplier", "read_only"),
        ({"product": "NUT"}, "product", "read_only"),
        ({"unit_cost": "-0.5"}, "unit_cost", "invalid_cost"),
        ({"min_order_quantity": 0}, "min_order_quantity", "invalid_quantity"),
        ({"lead_time_days": -3}, "lead_time_days", "invalid"),
    ],
)
def test_a_bad_patch_is_400_naming_the_field_and_changes_nothing(
    api, purchaser, catalogue, change, field, code
):
    offer = catalogue["acme-bolt"]

    response = api(purchaser).patch(f"{OFFERS}{offer.pk}/", change, format="json")

    assert response.status_code == 400, response.json()
    assert error_code(response, field) == code
    offer.refresh_from_db()
    assert (offer.unit_cost, offer.supplier.code, offer.min_order_quantity) == (
        Decimal("1.0000"),
        "ACME",
        1,
    )


def test_no_bringing_back_an_offer_of_an_inactive_supplier(api, purchaser, catalogue, acme):
    offer = catalogue["acme-nut"]
    api(purchaser).patch(f"/api/v1/suppliers/{acme.pk}/", {"is_active": False}, format="json")
    acme.refresh_from_db()
    assert acme.is_active is False

    response = api(purchaser).patch(f"{OFFERS}{offer.pk}/", {"is_active": True}, format="json")

    assert (response.status_code, error_code(response, "supplier")) == (400, "supplier_inactive")


def test_the_schema_documents_the_endpoint(api, purchaser):
    response = api(purchaser).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths["/api/v1/supplier-offers/"]) >= {"get", "post"}
    assert set(paths["/api/v1/supplier-offers/{id}/"]) >= {"get", "patch"}
