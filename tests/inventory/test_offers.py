"""Supplier offers: the services refuse every bad value by name, one offer per supplier and
product (409, also when two create it at the same moment), deactivation and reactivation, and
the reorder review choosing the cheaper offer once a purchaser adds one through the API."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from inventory.errors import Conflict, DomainError
from inventory.models import ReorderSuggestion, SupplierProduct
from inventory.services.catalog import product_update, supplier_update
from inventory.services.offers import (
    OfferExists,
    supplier_offer_create,
    supplier_offer_update,
)
from inventory.services.replenishment import reorder_review
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.inventory.replenishment_setup import level_set, rule

OFFERS = "/api/v1/supplier-offers/"


@pytest.fixture
def supplier(db):
    return SupplierFactory(code="ACME", lead_time_days=5)


@pytest.fixture
def product(db):
    return ProductFactory(sku="BOLT", unit_cost="2.50")


def make(supplier, product, **fields) -> SupplierProduct:
    return supplier_offer_create(supplier=supplier, product=product, **fields)


# --- create ------------------------------------------------------------------------------------


def test_create_keeps_the_values_and_normalises_them(supplier, product):
    offer = make(
        supplier,
        product,
        supplier_sku="  AC-100  ",
        unit_cost="1.2",
        lead_time_days=3,
        min_order_quantity=50,
        pack_multiple=10,
    )

    offer.refresh_from_db()
    assert (offer.supplier_id, offer.product_id, offer.supplier_sku) == (
        supplier.pk,
        product.pk,
        "AC-100",
    )
    assert (offer.unit_cost, offer.lead_time_days) == (Decimal("1.2000"), 3)
    assert (offer.min_order_quantity, offer.pack_multiple, offer.is_active) == (50, 10, True)


def test_create_by_ids_with_the_defaults(supplier, product):
    offer = supplier_offer_create(supplier_id=supplier.pk, product_id=product.pk)

    assert (offer.unit_cost, offer.lead_time_days, offer.min_order_quantity) == (0, None, 1)
    assert (offer.pack_multiple, offer.supplier_sku, offer.supplier.code) == (1, "", "ACME")


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"unit_cost": "-0.01"}, "unit_cost", "invalid_cost"),
        ({"unit_cost": "1.23456"}, "unit_cost", "invalid_cost"),
        ({"unit_cost": "cheap"}, "unit_cost", "invalid_cost"),
        ({"unit_cost": "NaN"}, "unit_cost", "invalid_cost"),
        ({"unit_cost": "Infinity"}, "unit_cost", "invalid_cost"),
        ({"unit_cost": None}, "unit_cost", "invalid_cost"),
        ({"unit_cost": True}, "unit_cost", "invalid_cost"),
        ({"unit_cost": Decimal("100000000")}, "unit_cost", "invalid_cost"),
        ({"unit_cost": "1e30"}, "unit_cost", "invalid_cost"),
        ({"unit_cost": "1e-30"}, "unit_cost", "invalid_cost"),
        ({"lead_time_days": -1}, "lead_time_days", "invalid"),
        ({"lead_time_days": 3651}, "lead_time_days", "invalid"),
        ({"lead_time_days": "5"}, "lead_time_days", "invalid"),
        ({"min_order_quantity": 0}, "min_order_quantity", "invalid_quantity"),
        ({"min_order_quantity": 2.5}, "min_order_quantity", "invalid_quantity"),
        ({"min_order_quantity": True}, "min_order_quantity", "invalid_quantity"),
        ({"min_order_quantity": 10**9}, "min_order_quantity", "invalid_quantity"),
        ({"pack_multiple": 0}, "pack_multiple", "invalid_quantity"),
        ({"pack_multiple": -12}, "pack_multiple", "invalid_quantity"),
        ({"supplier_sku": "X" * 61}, "supplier_sku", "invalid"),
        ({"supplier_sku": 12}, "supplier_sku", "invalid"),
        ({"is_active": "yes"}, "is_active", "invalid"),
    ],
)
def test_bad_values_are_refused_naming_the_field(supplier, product, fields, field, code):
    with pytest.raises(DomainError) as raised:
        make(supplier, product, **fields)

    assert (raised.value.field, raised.value.code, raised.value.http_status) == (field, code, 400)
    assert raised.value.message
    assert not SupplierProduct.objects.exists()


def test_the_messages_say_what_is_wrong(supplier, product):
    with pytest.raises(DomainError, match=r"^The unit cost may have at most 4 decimal places"):
        make(supplier, product, unit_cost="0.00001")
    with pytest.raises(DomainError, match=r"^The unit cost must not be negative, not -1\.$"):
        make(supplier, product, unit_cost=-1)
    with pytest.raises(DomainError, match=r"^The pack multiple must be at least 1, not 0\.$"):
        make(supplier, product, pack_multiple=0)
    with pytest.raises(DomainError, match=r"^The lead time \(days\) must be at least 0, not -2"):
        make(supplier, product, lead_time_days=-2)


def test_four_decimals_and_trailing_zeros_are_fine(supplier, product):
    offer = make(supplier, product, unit_cost="0.123400")

    assert offer.unit_cost == Decimal("0.1234")


def test_a_missing_or_unknown_supplier_or_product(supplier, product):
    cases = [
        ({"product": product}, "supplier", "Choose a supplier."),
        ({"supplier": supplier}, "product", "Choose a product."),
        ({"supplier": None, "product": product}, "supplier", "Choose a supplier."),
        ({"supplier_id": 0, "product": product}, "supplier", "There is no supplier 0."),
        ({"supplier": supplier, "product_id": -4}, "product", "There is no product -4."),
    ]
    for given, field, message in cases:
        with pytest.raises(DomainError) as raised:
            supplier_offer_create(**given)
        assert (raised.value.field, raised.value.code, str(raised.value)) == (
            field,
            "invalid",
            message,
        )


def test_unknown_fields_and_both_object_and_id_are_refused(supplier, product):
    with pytest.raises(DomainError, match="Unknown fields: price"):
        make(supplier, product, price=1)
    with pytest.raises(DomainError, match="Give product or product_id, not both") as raised:
        supplier_offer_create(supplier=supplier, product=product, product_id=product.pk)
    assert raised.value.field == "product"


def test_an_inactive_supplier_or_product_gets_no_offer(supplier, product):
    gone = SupplierFactory(code="GONE", is_active=False)
    retired = ProductFactory(sku="OLD", is_active=False)

    with pytest.raises(DomainError) as no_supplier:
        make(gone, product)
    with pytest.raises(DomainError) as no_product:
        make(supplier, retired)

    assert (no_supplier.value.code, no_supplier.value.field) == ("supplier_inactive", "supplier")
    assert str(no_supplier.value) == "Supplier GONE is not active."
    assert (no_product.value.code, no_product.value.field) == ("product_inactive", "product")
    assert str(no_product.value) == "Product OLD is not active."


def test_a_second_offer_for_the_pair_is_a_409_naming_the_first(supplier, product):
    first = make(supplier, product, unit_cost="1.00")

    with pytest.raises(OfferExists) as raised:
        make(supplier, product, unit_cost="0.90")

    error = raised.value
    assert isinstance(error, Conflict)
    assert (error.code, error.http_status, error.field) == ("offer_exists", 409, "product")
    assert error.extra == {"offer": first.pk}
    assert str(error) == "Supplier ACME already has an offer for BOLT; change that one."
    assert SupplierProduct.objects.get().unit_cost == Decimal("1.0000")


def test_the_409_for_a_withdrawn_offer_says_to_reactivate_it(supplier, product):
    supplier_offer_update(offer=make(supplier, product), is_active=False)

    with pytest.raises(OfferExists, match=r"reactivate that one \(is_active\)"):
        make(supplier, product)


def test_other_suppliers_and_products_may_have_offers(supplier, product):
    make(supplier, product)
    make(SupplierFactory(), product)
    make(supplier, ProductFactory())

    assert SupplierProduct.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_creating_the_same_offer_at_once_get_one_offer_and_a_409():
    """The second insert waits on the first's unique index entry; when the first commits it
    fails on ``offer_unique``, which the service turns into OfferExists, not a server error."""
    supplier, product = SupplierFactory(code="RACE"), ProductFactory(sku="RACE-1")
    inserted, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                SupplierProduct.objects.create(supplier=supplier, product=product)
                inserted.set()
                release.wait(10)
        finally:
            connections.close_all()

    def second() -> None:
        try:
            outcome["offer"] = make(supplier, product)
        except Exception as error:  # noqa: BLE001 - the test inspects what was raised
            outcome["error"] = error
        finally:
            connections.close_all()

    one = threading.Thread(target=first)
    one.start()
    assert inserted.wait(10)
    two = threading.Thread(target=second)
    two.start()
    _wait_for_a_lock_wait()
    release.set()
    one.join(10)
    two.join(10)

    assert isinstance(outcome.get("error"), OfferExists), outcome
    assert outcome["error"].extra == {"offer": SupplierProduct.objects.get().pk}


def _wait_for_a_lock_wait() -> None:
    """Until another backend waits on a lock (the second insert on the first's row)."""
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    pytest.fail("the second create never waited for the first")


# --- update ------------------------------------------------------------------------------------


def test_update_changes_the_given_fields_only(supplier, product):
    offer = make(supplier, product, unit_cost="2.00", lead_time_days=4, supplier_sku="A1")

    changed = supplier_offer_update(offer=offer, unit_cost="1.75", lead_time_days=None)

    assert (changed.unit_cost, changed.lead_time_days, changed.supplier_sku) == (
        Decimal("1.7500"),
        None,
        "A1",
    )
    offer.refresh_from_db()
    assert offer.unit_cost == Decimal("1.7500")


def test_update_validates_like_create(supplier, product):
    offer = make(supplier, product, unit_cost="2.00")

    with pytest.raises(DomainError) as raised:
        supplier_offer_update(offer=offer, pack_multiple=0)

    assert (raised.value.field, raised.value.code) == ("pack_multiple", "invalid_quantity")
    offer.refresh_from_db()
    assert offer.pack_multiple == 1


@pytest.mark.parametrize("name", ["supplier", "product", "supplier_id", "product_id"])
def test_supplier_and_product_of_an_offer_are_fixed(supplier, product, name):
    offer = make(supplier, product)
    value = SupplierFactory() if name == "supplier" else ProductFactory()

    with pytest.raises(DomainError, match="cannot change; make a new offer") as raised:
        supplier_offer_update(offer=offer, **{name: value if "_id" not in name else value.pk})

    assert raised.value.field == name.removesuffix("_id")


def test_deactivate_and_reactivate(supplier, product):
    offer = make(supplier, product)

    assert supplier_offer_update(offer=offer, is_active=False).is_active is False
    assert supplier_offer_update(offer=offer, is_active=True).is_active is True


def test_no_reactivation_once_the_supplier_or_product_is_inactive(supplier, product):
    offer = supplier_offer_update(offer=make(supplier, product), is_active=False)
    supplier_update(supplier=supplier, is_active=False)

    with pytest.raises(DomainError) as raised:
        supplier_offer_update(offer=offer, is_active=True)
    assert raised.value.code == "supplier_inactive"

    supplier_update(supplier=supplier, is_active=True)
    product_update(product=product, is_active=False)
    with pytest.raises(DomainError) as raised:
        supplier_offer_update(offer=offer, is_active=True)
    assert raised.value.code == "product_inactive"
    offer.refresh_from_db()
    assert offer.is_active is False


def test_an_active_offer_of_an_inactive_supplier_may_still_be_edited_and_withdrawn(
    supplier, product
):
    offer = make(supplier, product)
    supplier_update(supplier=supplier, is_active=False)

    changed = supplier_offer_update(offer=offer, unit_cost="3.00", is_active=False)

    assert (changed.unit_cost, changed.is_active) == (Decimal("3.0000"), False)


# --- the review uses them ----------------------------------------------------------------------


def test_the_review_picks_the_cheaper_offer_a_purchaser_adds(purchaser):
    """Given a need met by ACME at 2.00, a purchaser adds CHEAP at 1.50 (MOQ 50, packs of 20):
    the next review orders from CHEAP with its MOQ and pack; withdrawn, ACME again."""
    wh, product = WarehouseFactory(code="MAIN"), ProductFactory(sku="BOLT", unit_cost="3.00")
    acme, cheap = SupplierFactory(code="ACME", lead_time_days=5), SupplierFactory(code="CHEAP")
    make(acme, product, unit_cost="2.00")
    rule(product, wh, 10, 40)
    level_set(product, wh, available=4)
    reorder_review()
    before = ReorderSuggestion.objects.get(status="open")
    assert (before.supplier_id, before.unit_cost, before.suggested_quantity) == (
        acme.pk,
        Decimal("2.0000"),
        36,
    )

    client = APIClient()
    client.force_authenticate(purchaser)
    response = client.post(
        OFFERS,
        {
            "supplier": "CHEAP",
            "product": "BOLT",
            "unit_cost": "1.50",
            "lead_time_days": 9,
            "min_order_quantity": 50,
            "pack_multiple": 20,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    result = reorder_review()

    after = ReorderSuggestion.objects.get(status="open")
    assert (result.opened, result.updated, result.closed) == (0, 1, 0)
    assert after.pk == before.pk  # the one open suggestion, updated
    assert (after.supplier_id, after.unit_cost, after.lead_time_days) == (
        cheap.pk,
        Decimal("1.5000"),
        9,
    )
    assert after.suggested_quantity == 60  # need 36 -> MOQ 50 -> packs of 20

    withdrawn = client.patch(
        f"{OFFERS}{response.json()['id']}/", {"is_active": False}, format="json"
    )
    assert withdrawn.status_code == 200, withdrawn.json()
    reorder_review()
    again = ReorderSuggestion.objects.get(status="open")
    assert (again.supplier_id, again.unit_cost, again.suggested_quantity) == (
        acme.pk,
        Decimal("2.0000"),
        36,
    )
