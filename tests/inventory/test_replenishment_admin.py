"""Django admin for replenishment: offers and rules are written through their services (a
service's refusal shows on the form, never a 500), forecasts and suggestions are read-only."""

from decimal import Decimal

import pytest

from inventory.models import ReorderRule, ReorderSuggestion, SupplierProduct
from inventory.services.offers import supplier_offer_create
from inventory.services.replenishment import reorder_review
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.inventory.replenishment_setup import forecast, level_set, rule

pytestmark = pytest.mark.django_db

ADMIN = "/admin/inventory"


def offer_form(supplier, product, **fields) -> dict[str, str]:
    return {
        "supplier": str(supplier.pk),
        "product": str(product.pk),
        "supplier_sku": "",
        "unit_cost": "1.50",
        "lead_time_days": "",
        "min_order_quantity": "1",
        "pack_multiple": "1",
        "is_active": "on",
        **fields,
    }


def rule_form(product, warehouse, **fields) -> dict[str, str]:
    return {
        "product": str(product.pk),
        "warehouse": str(warehouse.pk),
        "policy": "min_max",
        "min_quantity": "10",
        "max_quantity": "40",
        "supplier": "",
        "min_order_quantity": "",
        "pack_multiple": "",
        "service_level": "",
        "is_active": "on",
        **fields,
    }


def form_errors(response) -> dict[str, list[str]]:
    return {
        name: list(errors) for name, errors in response.context["adminform"].form.errors.items()
    }


def test_add_and_change_an_offer_through_the_service(admin_client):
    supplier, product = SupplierFactory(code="ACME"), ProductFactory(sku="BOLT")

    added = admin_client.post(
        f"{ADMIN}/supplierproduct/add/", offer_form(supplier, product, supplier_sku=" AC-1 ")
    )

    assert added.status_code == 302, form_errors(added)
    offer = SupplierProduct.objects.get()
    assert (offer.supplier_sku, offer.unit_cost) == ("AC-1", Decimal("1.5000"))  # stripped
    changed = admin_client.post(
        f"{ADMIN}/supplierproduct/{offer.pk}/change/",
        {
            "supplier_sku": "AC-1",
            "unit_cost": "1.2500",
            "lead_time_days": "4",
            "min_order_quantity": "10",
            "pack_multiple": "5",
        },  # is_active left out: unticked, the offer is withdrawn
    )
    assert changed.status_code == 302, form_errors(changed)
    offer.refresh_from_db()
    assert (offer.unit_cost, offer.lead_time_days, offer.pack_multiple, offer.is_active) == (
        Decimal("1.2500"),
        4,
        5,
        False,
    )


def test_the_services_refusal_shows_on_the_field(admin_client):
    gone, product = SupplierFactory(code="GONE", is_active=False), ProductFactory()

    response = admin_client.post(f"{ADMIN}/supplierproduct/add/", offer_form(gone, product))

    assert response.status_code == 200
    assert form_errors(response) == {"supplier": ["Supplier GONE is not active."]}
    assert not SupplierProduct.objects.exists()


def test_a_second_offer_for_the_pair_is_a_form_error(admin_client):
    supplier, product = SupplierFactory(), ProductFactory()
    supplier_offer_create(supplier=supplier, product=product)

    response = admin_client.post(f"{ADMIN}/supplierproduct/add/", offer_form(supplier, product))

    assert response.status_code == 200
    assert form_errors(response)
    assert SupplierProduct.objects.count() == 1


def test_offers_cannot_be_deleted(admin_client):
    offer = supplier_offer_create(supplier=SupplierFactory(), product=ProductFactory())

    response = admin_client.post(f"{ADMIN}/supplierproduct/{offer.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert SupplierProduct.objects.filter(pk=offer.pk).exists()


def test_add_and_change_a_rule_through_the_service(admin_client):
    wh, product = WarehouseFactory(), ProductFactory()
    gone = SupplierFactory(code="GONE", is_active=False)

    added = admin_client.post(
        f"{ADMIN}/reorderrule/add/", rule_form(product, wh, service_level="0.97")
    )
    assert added.status_code == 302, form_errors(added)
    created = ReorderRule.objects.get()
    assert (created.min_quantity, created.max_quantity, created.service_level) == (
        10,
        40,
        Decimal("0.9700"),
    )

    refused = admin_client.post(
        f"{ADMIN}/reorderrule/{created.pk}/change/",
        {**rule_form(product, wh, max_quantity="60", supplier=str(gone.pk))},
    )
    assert refused.status_code == 200
    assert form_errors(refused) == {"supplier": ["Supplier GONE is not active."]}
    changed = admin_client.post(
        f"{ADMIN}/reorderrule/{created.pk}/change/", rule_form(product, wh, max_quantity="60")
    )
    assert changed.status_code == 302, form_errors(changed)
    created.refresh_from_db()
    assert (created.max_quantity, created.supplier_id) == (60, None)


def test_a_rule_with_min_above_max_is_a_form_error(admin_client):
    response = admin_client.post(
        f"{ADMIN}/reorderrule/add/",
        rule_form(ProductFactory(), WarehouseFactory(), min_quantity="50", max_quantity="20"),
    )

    assert response.status_code == 200
    assert form_errors(response)
    assert not ReorderRule.objects.exists()


@pytest.fixture
def replenished():
    """A rule, a forecast and an open suggestion, so every list has a row."""
    wh, product = WarehouseFactory(code="MAIN"), ProductFactory(sku="BOLT")
    supplier_offer_create(supplier=SupplierFactory(code="ACME"), product=product, unit_cost="1")
    rule(product, wh, 10, 40)
    forecast(product, wh, average=2.0, point=12, up_to=30)
    level_set(product, wh, available=3)
    reorder_review()
    return ReorderSuggestion.objects.get()


@pytest.mark.parametrize(
    "path",
    [
        "supplierproduct/?q=BOLT&is_active__exact=1",
        "reorderrule/?q=BOLT&policy__exact=min_max",
        "demandforecast/?q=BOLT&abc_class__exact=C",
        "reordersuggestion/?q=BOLT&status__exact=open",
    ],
)
def test_the_lists_search_and_filter(admin_client, replenished, path):
    response = admin_client.get(f"{ADMIN}/{path}")

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_forecasts_and_suggestions_are_read_only(admin_client, replenished):
    forecast_pk = replenished.product.forecasts.get().pk

    for model, pk in (("demandforecast", forecast_pk), ("reordersuggestion", replenished.pk)):
        assert admin_client.get(f"{ADMIN}/{model}/add/").status_code == 403
        assert admin_client.get(f"{ADMIN}/{model}/{pk}/change/").status_code == 200  # a view
        assert admin_client.post(f"{ADMIN}/{model}/{pk}/change/", {}).status_code == 403
        assert admin_client.post(f"{ADMIN}/{model}/{pk}/delete/", {"post": "yes"}).status_code == (
            403
        )
    replenished.refresh_from_db()
    assert replenished.status == "open"
