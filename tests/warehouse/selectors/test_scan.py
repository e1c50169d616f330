"""Scans resolved to products and bins on the real database: every barcode form, one query."""

from datetime import date

import pytest

from inventory.gs1 import InvalidBarcode
from inventory.models import Product
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Location
from warehouse.selectors.scan import scan_location, scan_product

GS = "\x1d"
EAN13 = "9501101530003"  # GS1's example; its GTIN-14 is 09501101530003


@pytest.fixture
def product(db) -> Product:
    return ProductFactory(sku="MILK-1L", barcode=EAN13, tracking=Product.Tracking.LOT_EXPIRY)


# --- products --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        EAN13,
        "]E0" + EAN13 + "\r\n",
        "09501101530003",  # the same GTIN keyed as GTIN-14
        "(01)09501101530003",
        "]C10109501101530003",
    ],
)
def test_a_product_stored_as_ean13_is_found_from_any_form_of_its_gtin(product, raw):
    found = scan_product(raw=raw)

    assert found is not None
    assert found.product == product
    assert (found.lot_code, found.expiry) == (None, None)


@pytest.mark.parametrize(
    "raw",
    [
        "(01)09501101530003(17)270300(10)L-2291",
        "]C101095011015300031727030010L-2291",
        "]d210L-2291" + GS + "0109501101530003" + "17270300",
        "]Q3010950110153000310L-2291" + GS + "17270300" + "\r\n",
    ],
)
def test_a_gs1_label_gives_the_product_with_its_lot_and_expiry(product, raw):
    found = scan_product(raw=raw)

    assert found is not None
    assert found.product == product
    assert (found.lot_code, found.expiry) == ("L-2291", date(2027, 3, 31))
    assert found.scan.kind == "gs1"
    assert found.scan.raw == raw


def test_upc_a_and_ean8_barcodes_are_found_from_a_gtin14(db):
    upc = ProductFactory(barcode="036000291452")
    ean8 = ProductFactory(barcode="96385074")

    assert scan_product(raw="(01)00036000291452").product == upc
    assert scan_product(raw="0036000291452").product == upc  # as EAN-13
    assert scan_product(raw="]C10100000096385074").product == ean8


def test_a_case_gtin_does_not_find_the_each(product):
    # indicator digit 1: a case of the product, a different trade item
    assert scan_product(raw="(01)19501101530000") is None


@pytest.mark.parametrize("raw", ["MILK-1L", "milk-1l", "  Milk-1L\r\n", "]C0MILK-1L"])
def test_typed_text_finds_the_sku_in_any_case(product, raw):
    found = scan_product(raw=raw)

    assert found is not None
    assert found.product == product
    assert found.scan.kind == "text"


def test_digits_that_are_a_sku_find_that_product_unless_a_barcode_says_otherwise(db):
    numeric_sku = ProductFactory(sku="96385074", barcode=None)
    assert scan_product(raw="96385074").product == numeric_sku

    by_barcode = ProductFactory(sku="OTHER", barcode="96385074")
    assert scan_product(raw="96385074").product == by_barcode


def test_a_numeric_sku_with_a_bad_check_digit_is_found_as_text(db):
    sku = ProductFactory(sku="4006381333932", barcode=None)

    assert scan_product(raw="4006381333932").product == sku


@pytest.mark.parametrize(
    "raw", ["4006381333931", "(01)04006381333931(10)X", "NO-SUCH-SKU", "MILK-1L-X"]
)
def test_an_unknown_scan_finds_nothing(product, raw):
    assert scan_product(raw=raw) is None


def test_a_product_lookup_is_one_query(product, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert scan_product(raw="]C10109501101530003" + "10L1").product == product
    with django_assert_num_queries(1):
        assert scan_product(raw="milk-1l").product == product


@pytest.mark.parametrize("raw", ["", "  \r\n", "(00)106141411234567897"])
def test_empty_scans_and_labels_without_a_gtin_find_nothing_without_a_query(
    product, raw, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert scan_product(raw=raw) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("(01)09501101530004", "(01) GTIN 09501101530004 has a wrong check digit"),
        ("(01)09501101530003(17)261345", "(17) expiry date 261345: there is no month 13."),
        ("]C10109501101530003" + "10" + "L" * 21, "(10) lot is 21 characters long"),
        ("]C1010950110153", "(01) GTIN is cut short"),
    ],
)
def test_an_invalid_gs1_label_is_refused_not_guessed(product, raw, message):
    with pytest.raises(InvalidBarcode) as caught:
        scan_product(raw=raw)

    assert caught.value.code == "invalid_barcode"
    assert caught.value.message.startswith(message)


# --- locations -------------------------------------------------------------------------------


@pytest.fixture
def warehouse(db):
    return WarehouseFactory()


def test_a_bin_is_found_by_code_in_any_case_and_by_its_label(warehouse):
    bin_ = LocationFactory(warehouse=warehouse, code="A-01-02", barcode="LBL0001020")

    assert scan_location(warehouse_id=warehouse.pk, raw="A-01-02") == bin_
    assert scan_location(warehouse_id=warehouse.pk, raw="a-01-02") == bin_
    assert scan_location(warehouse_id=warehouse.pk, raw="LBL0001020") == bin_
    assert scan_location(warehouse_id=warehouse.pk, raw="]C0LBL0001020\r\n") == bin_
    assert scan_location(warehouse_id=warehouse.pk, raw="  A-01-02\n") == bin_
    assert scan_location(warehouse_id=warehouse.pk, raw="lbl0001020") is None  # labels exact


def test_a_bin_with_a_numeric_label_is_found_even_when_it_looks_like_a_barcode(warehouse):
    # Bin labels are whatever the site printed: here a valid EAN-13 and a broken GS1 string.
    ean_bin = LocationFactory(warehouse=warehouse, barcode="4006381333931")
    gs1_bin = LocationFactory(warehouse=warehouse, barcode="0109501101530003" + "17261345")

    assert scan_location(warehouse_id=warehouse.pk, raw="4006381333931") == ean_bin
    assert scan_location(warehouse_id=warehouse.pk, raw="010950110153000317261345") == gs1_bin


def test_an_exact_label_or_code_wins_over_another_bins_code_in_another_case(warehouse):
    upper = LocationFactory(warehouse=warehouse, code="B-01-01")
    lower = LocationFactory(warehouse=warehouse, code="b-01-01")
    labelled = LocationFactory(warehouse=warehouse, code="C-09-09", barcode="c-01-01")
    coded = LocationFactory(warehouse=warehouse, code="C-01-01")

    assert scan_location(warehouse_id=warehouse.pk, raw="B-01-01") == upper
    assert scan_location(warehouse_id=warehouse.pk, raw="b-01-01") == lower
    assert scan_location(warehouse_id=warehouse.pk, raw="c-01-01") == labelled
    assert scan_location(warehouse_id=warehouse.pk, raw="C-01-01") == coded


def test_standard_locations_are_scannable_but_virtual_ones_never(warehouse):
    virtual = Location.objects.filter(warehouse=warehouse, kind__in=Location.VIRTUAL_KINDS)

    assert scan_location(warehouse_id=warehouse.pk, raw="recv-01").kind == "receiving"
    assert virtual.count() == len(Location.VIRTUAL_KINDS)
    for location in virtual:
        assert scan_location(warehouse_id=warehouse.pk, raw=location.code) is None
        assert scan_location(warehouse_id=warehouse.pk, raw=location.barcode) is None


def test_a_bin_of_another_warehouse_is_not_found(warehouse):
    LocationFactory(warehouse=WarehouseFactory(), code="Z-01-01")

    assert scan_location(warehouse_id=warehouse.pk, raw="Z-01-01") is None


def test_a_location_lookup_is_one_query_and_an_empty_scan_none(
    warehouse, django_assert_num_queries
):
    LocationFactory(warehouse=warehouse, code="A-01-01")

    with django_assert_num_queries(1):
        found = scan_location(warehouse_id=warehouse.pk, raw="a-01-01")
        assert (found.warehouse.code, found.zone) == (warehouse.code, None)
    with django_assert_num_queries(0):
        assert scan_location(warehouse_id=warehouse.pk, raw=" \r\n") is None
