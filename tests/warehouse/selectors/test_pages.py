"""The floor page's scan lookup (``scan_lookup``): a bin with its contents, or a product with
where it lies, resolved by the handheld's scan selectors (GS1 aware, exact barcode first)."""

from datetime import date

import pytest
from django.urls import reverse

from tests.factories.inventory import ProductFactory
from tests.factories.warehouse import LocationFactory
from tests.warehouse.views.inbound_scenario import gs1_label
from tests.warehouse.views.scenario import page_text, site_build
from warehouse.selectors.pages import scan_lookup

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def site(db):
    return site_build()


def test_a_gs1_label_finds_its_product_and_where_it_lies(site):
    label = gs1_label(site.milk, lot="MAIN-L2406", expiry=date(2031, 6, 30))

    scan = scan_lookup(warehouse=site.warehouse, code=label)

    assert scan.product == site.milk
    assert scan.location is None
    assert [q.location.code for q in scan.quants] == ["P-01-02"]
    assert scan.total == 24


def test_a_product_barcode_keyed_as_gtin_14_is_found(site):
    scan = scan_lookup(warehouse=site.warehouse, code=site.bolt.barcode.zfill(14))

    assert scan.product == site.bolt
    assert scan.total == 155


def test_a_bin_label_wins_over_another_bins_code(site):
    # R-01-01's label reads "C-07": so does another bin's code (its own label says otherwise).
    labelled = LocationFactory(warehouse=site.warehouse, code="R-01-01", barcode="C-07")
    coded = LocationFactory(warehouse=site.warehouse, code="C-07", barcode="C-07-LABEL")

    by_label = scan_lookup(warehouse=site.warehouse, code="C-07")
    by_hand = scan_lookup(warehouse=site.warehouse, code="c-07")  # typed, in another case

    assert by_label.location == labelled
    assert by_hand.location == coded


def test_a_product_barcode_wins_over_another_products_sku(site):
    other = ProductFactory(sku=site.bolt.barcode, name="SKU that looks like a barcode")

    scan = scan_lookup(warehouse=site.warehouse, code=site.bolt.barcode)

    assert scan.product == site.bolt
    assert scan.product != other


def test_an_unreadable_gs1_label_names_nothing(site):
    scan = scan_lookup(warehouse=site.warehouse, code="(01)12345")  # a GTIN cut short

    assert not scan.found


def test_a_bin_costs_two_queries_and_a_product_three(site, django_assert_num_queries):
    with django_assert_num_queries(2):
        scan_lookup(warehouse=site.warehouse, code="P-01-01")
    with django_assert_num_queries(3):
        scan_lookup(warehouse=site.warehouse, code=site.bolt.barcode)


def test_the_floor_page_finds_a_product_by_its_gs1_label(client, floor_user, site):
    label = gs1_label(site.milk, lot="MAIN-L2406", expiry=date(2031, 6, 30))
    client.force_login(floor_user)

    response = client.get(reverse("floor-scan"), {"code": label}, headers=HTMX)

    assert response.status_code == 200
    page = page_text(response)
    assert "MAIN-MILK-1L" in page
    assert "P-01-02" in page


def test_the_floor_page_says_an_unreadable_label_matches_nothing(client, floor_user, site):
    client.force_login(floor_user)

    response = client.get(reverse("floor-scan"), {"code": "(01)12345"}, headers=HTMX)

    assert response.status_code == 422
    assert "No bin or product matches “(01)12345” in MAIN." in page_text(response)
