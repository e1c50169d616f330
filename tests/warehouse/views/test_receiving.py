"""Receiving at the dock on the handheld: the open receipts, finding and starting one,
scanning products, counting them in, refusals that change nothing, closing."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import PurchaseOrder, StockLevel
from inventory.services.purchasing import OrderLineInput, purchase_order_create
from tests.factories.inventory import ProductFactory, SupplierFactory
from tests.warehouse.views.inbound_scenario import expected_receipt, gs1_label, sent_order
from tests.warehouse.views.scenario import page_text, site_build
from warehouse.models import Quant, Receipt, StockMove
from warehouse.services.receiving import receipt_close, receipt_create

HTMX = {"HX-Request": "true"}
KEY = "0123456789abcdef0123456789abcdef"

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return site_build()


@pytest.fixture
def receipt(site):
    """A receipt for a sent PO of 40 bolts and 12 milk (lot and expiry tracked)."""
    return expected_receipt(site.warehouse, (site.bolt, 40), (site.milk, 12))


def _dock_quantity(product) -> int:
    quant = Quant.objects.filter(product=product, location__kind="receiving").first()
    return quant.quantity if quant else 0


def _receive(client, receipt, **fields):
    data = {"product": "", "quantity": "1", "lot": "", "expiry": "", "key": KEY, **fields}
    return client.post(reverse("floor-receipt-receive", args=[receipt.pk]), data, headers=HTMX)


def _nothing_received(receipt) -> bool:
    return (
        not StockMove.objects.filter(
            kind=StockMove.Kind.RECEIPT, reference=receipt.reference
        ).exists()
        and not receipt.lines.filter(received_quantity__gt=0).exists()
    )


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_open_receipts_with_supplier_po_and_progress(
    client, floor_user, site, receipt
):
    closed = receipt_create(warehouse=site.warehouse)
    receipt_close(receipt_id=closed.pk)
    client.force_login(floor_user)

    response = client.get(reverse("floor-receiving"))

    assert response.status_code == 200
    page = page_text(response)
    assert receipt.reference in page
    assert receipt.purchase_order.number in page
    assert "Acme Fasteners" in page
    assert "0 of 2 lines done · 0 / 52 units" in page
    assert closed.reference not in page
    assert "Start unplanned delivery" in page
    assert "data-scan-input" in response.content.decode()


def test_the_list_shows_progress_once_goods_arrive(client, floor_user, site, receipt):
    client.force_login(floor_user)
    _receive(client, receipt, product=site.bolt.sku, quantity="40")

    response = client.get(reverse("floor-receiving"))

    assert "1 of 2 lines done · 40 / 52 units" in page_text(response)
    assert "Receiving" in page_text(response)


def test_the_list_costs_the_same_queries_for_one_or_many_receipts(
    client, floor_user, site, receipt, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(floor_user)
    client.get(reverse("floor-receiving"))  # the session learns the current warehouse
    with django_assert_max_num_queries(10) as one:
        client.get(reverse("floor-receiving"))
    for _ in range(5):
        expected_receipt(site.warehouse, (site.bolt, 3), (site.glove, 4))

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("floor-receiving"))

    assert len(response.context["receipts"]) == 6


def test_orders_on_the_way_without_a_receipt_can_be_started_from_the_list(
    client, floor_user, site, receipt
):
    waiting = sent_order(site.warehouse, (site.glove, 30))
    client.force_login(floor_user)

    response = client.get(reverse("floor-receiving"))

    page = page_text(response)
    assert f"Start receiving {waiting.number}" in page
    assert f"Start receiving {receipt.purchase_order.number}" not in page  # it has its receipt
    ((order, key),) = response.context["orders"]
    started = client.post(reverse("floor-receipt-start"), {"purchase_order": order.pk, "key": key})
    made = Receipt.objects.get(purchase_order=waiting)
    assert started["Location"] == reverse("floor-receipt", args=[made.pk])
    assert not client.get(reverse("floor-receiving")).context["orders"]


def test_a_purchaser_may_not_receive(client, purchaser, site):
    client.force_login(purchaser)

    assert client.get(reverse("floor-receiving")).status_code == 403


def test_a_supervisor_may_receive(client, supervisor, site, receipt):
    client.force_login(supervisor)

    assert client.get(reverse("floor-receipt", args=[receipt.pk])).status_code == 200


# --- finding and starting a receipt ---------------------------------------------------------


@pytest.mark.parametrize("code", ["reference", "po"])
def test_a_scanned_receipt_or_po_number_opens_the_receipt(client, floor_user, receipt, code):
    client.force_login(floor_user)
    typed = receipt.reference if code == "reference" else receipt.purchase_order.number

    response = client.get(reverse("floor-receipt-find"), {"code": typed.lower()}, headers=HTMX)

    assert response["HX-Redirect"] == reverse("floor-receipt", args=[receipt.pk])


def test_find_without_htmx_redirects(client, floor_user, receipt):
    client.force_login(floor_user)

    response = client.get(reverse("floor-receipt-find"), {"code": receipt.reference})

    assert response.status_code == 302
    assert response["Location"] == reverse("floor-receipt", args=[receipt.pk])


def test_a_po_without_a_receipt_offers_to_start_one_and_a_double_tap_starts_one(
    client, floor_user, site
):
    order = sent_order(site.warehouse, (site.bolt, 10))
    client.force_login(floor_user)

    offer = client.get(reverse("floor-receipt-find"), {"code": order.number}, headers=HTMX)
    assert f"Start receiving {order.number}" in page_text(offer)
    key = re.search(r'name="key" value="([0-9a-f]{32})"', offer.content.decode()).group(1)
    data = {"purchase_order": order.pk, "key": key}
    first = client.post(reverse("floor-receipt-start"), data, headers=HTMX)
    again = client.post(reverse("floor-receipt-start"), data, headers=HTMX)

    receipt = Receipt.objects.get(purchase_order=order)
    assert (
        first["HX-Redirect"] == again["HX-Redirect"] == reverse("floor-receipt", args=[receipt.pk])
    )
    assert receipt.lines.get().expected_quantity == 10


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda site: "NOPE-1", "No receipt or purchase order matches “NOPE-1”."),
        (lambda site: _closed(site), "is closed."),
        (lambda site: _draft(site), "goods are received only against sent orders."),
        (lambda site: _elsewhere(site), "is for WEST, not this warehouse."),
    ],
)
def test_codes_that_name_nothing_to_receive_are_explained(client, floor_user, site, make, message):
    code = make(site)
    client.force_login(floor_user)

    response = client.get(reverse("floor-receipt-find"), {"code": code}, headers=HTMX)

    assert response.status_code == 422
    assert message in page_text(response)
    assert 'data-feedback="error"' in response.content.decode()
    assert not Receipt.objects.filter(status="expected").exists()


def _closed(site):
    receipt = receipt_create(warehouse=site.warehouse)
    receipt_close(receipt_id=receipt.pk)
    return receipt.reference


def _draft(site):
    order = purchase_order_create(
        supplier=SupplierFactory(), warehouse=site.warehouse, lines=[OrderLineInput(site.bolt, 5)]
    )
    return order.number


def _elsewhere(site):
    west = site_build(code="WEST", name="West depot")
    return sent_order(west.warehouse, (west.bolt, 5)).number


def test_an_unplanned_delivery_starts_with_or_without_a_supplier(client, floor_user, site):
    supplier = SupplierFactory(name="Corner Dairy")
    client.force_login(floor_user)

    named = client.post(reverse("floor-receipt-start"), {"supplier": supplier.pk, "key": KEY})
    unknown = client.post(reverse("floor-receipt-start"), {"key": KEY.replace("0", "1")})

    first, second = Receipt.objects.order_by("id")
    assert named["Location"] == reverse("floor-receipt", args=[first.pk])
    assert unknown["Location"] == reverse("floor-receipt", args=[second.pk])
    assert (first.kind, first.supplier) == (Receipt.Kind.UNPLANNED, supplier)
    assert (second.kind, second.supplier) == (Receipt.Kind.UNPLANNED, None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"supplier": "999999", "key": KEY}, "That supplier is not in the list"),
        ({"supplier": ""}, "This form is out of date"),
        ({"purchase_order": "abc", "key": KEY}, "Enter a whole number"),
    ],
)
def test_a_bad_start_is_refused_and_makes_nothing(client, floor_user, site, data, message):
    client.force_login(floor_user)

    response = client.post(reverse("floor-receipt-start"), data, headers=HTMX)

    assert response.status_code == 422
    assert message in page_text(response)
    assert not Receipt.objects.exists()


def test_a_po_of_another_warehouse_cannot_be_started_here(client, floor_user, site):
    west = site_build(code="WEST", name="West depot")
    order = sent_order(west.warehouse, (west.bolt, 5))
    client.force_login(floor_user)

    response = client.post(
        reverse("floor-receipt-start"), {"purchase_order": order.pk, "key": KEY}, headers=HTMX
    )

    assert response.status_code == 422
    assert "not for this warehouse" in page_text(response)
    assert not Receipt.objects.exists()


# --- the receipt screen: scanning ---------------------------------------------------------------


def test_the_receipt_screen_shows_each_line_and_a_scan_field(client, floor_user, site, receipt):
    client.force_login(floor_user)

    response = client.get(reverse("floor-receipt", args=[receipt.pk]))

    page = page_text(response)
    assert f"{receipt.reference} Expected" in page
    assert "MAIN-BOLT-M8" in page
    assert "0 / 40" in page
    assert "40 to go" in page
    assert "Scan a product" in page
    assert "Close receipt" in page


def test_scanning_an_ean_opens_the_count_form(client, floor_user, site, receipt):
    client.force_login(floor_user)

    response = client.get(
        reverse("floor-receipt-scan", args=[receipt.pk]), {"code": site.bolt.barcode}, headers=HTMX
    )

    assert response.status_code == 200
    form = response.context["receive"]
    assert form.initial["quantity"] == 1
    assert form.initial["product"] == "MAIN-BOLT-M8"
    assert len(form.initial["key"]) == 32
    page = page_text(response)
    assert "Expected 40 · received 0 · 40 to go" in page
    assert "All 40" in page
    html = response.content.decode()
    assert 'name="lot"' not in html  # not tracked: no lot or expiry to fill in
    assert 'name="expiry"' not in html


def test_a_gs1_label_fills_in_lot_expiry_and_count(client, floor_user, site, receipt):
    client.force_login(floor_user)
    label = gs1_label(site.milk, lot="L-77", expiry=date(2031, 3, 31), count=6)

    response = client.get(
        reverse("floor-receipt-scan", args=[receipt.pk]), {"code": label}, headers=HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="lot"' in html
    assert 'value="L-77"' in html
    assert 'value="2031-03-31"' in html
    assert response.context["receive"].initial["quantity"] == 6


def test_a_raw_gs1_scan_with_group_separators_is_understood(client, floor_user, site, receipt):
    client.force_login(floor_user)
    raw = f"]C101{site.milk.barcode.zfill(14)}10L-78\x1d17310331"

    response = client.get(
        reverse("floor-receipt-scan", args=[receipt.pk]), {"code": raw}, headers=HTMX
    )

    assert response.status_code == 200
    assert response.context["receive"].initial["lot"] == "L-78"
    assert response.context["receive"].initial["expiry"] == date(2031, 3, 31)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (lambda site: ProductFactory(sku="NOT-ORDERED").sku, "NOT-ORDERED (Product"),
        (lambda site: "UNKNOWN-42", "No product matches “UNKNOWN-42”"),
        (lambda site: "(01)12345678901234", "This label cannot be read"),
        (
            lambda site: gs1_label(
                site.milk, lot="OLD", expiry=timezone.localdate() - timedelta(days=2)
            ),
            "expired goods are refused at the dock",
        ),
        (lambda site: "   ", "Scan the label, or type the code"),
    ],
)
def test_scans_that_cannot_be_received_say_why(client, floor_user, site, receipt, code, message):
    client.force_login(floor_user)

    response = client.get(
        reverse("floor-receipt-scan", args=[receipt.pk]), {"code": code(site)}, headers=HTMX
    )

    assert response.status_code == 422
    assert message in page_text(response)
    assert 'data-feedback="error"' in response.content.decode()
    assert "receive" not in response.context or response.context["receive"] is None


def test_a_product_not_on_the_po_is_named_with_what_to_do(client, floor_user, site, receipt):
    client.force_login(floor_user)

    response = client.get(
        reverse("floor-receipt-scan", args=[receipt.pk]), {"code": site.glove.barcode}, headers=HTMX
    )

    assert response.status_code == 422
    assert (
        f"MAIN-GLOVE-L (Nitrile gloves, size L) is not on {receipt.purchase_order.number}. "
        "Set it aside and receive it on an unplanned receipt." in page_text(response)
    )


# --- the receipt screen: receiving ------------------------------------------------------------


def test_receiving_puts_stock_on_the_dock_and_updates_the_po(client, floor_user, site, receipt):
    client.force_login(floor_user)

    response = _receive(client, receipt, product=site.bolt.sku, quantity="15")

    assert response.status_code == 200
    page = page_text(response)
    assert "Received 15 × MAIN-BOLT-M8." in page
    assert "25 to go" in page
    assert 'data-feedback="success"' in response.content.decode()
    assert response.context["receive"] is None  # the form is done: back to scanning
    assert _dock_quantity(site.bolt) == 15
    level = StockLevel.objects.get(product=site.bolt, warehouse=site.warehouse)
    assert (level.in_receiving, level.on_order) == (15, 25)
    order = PurchaseOrder.objects.get(pk=receipt.purchase_order_id)
    assert order.status == PurchaseOrder.Status.PARTIALLY_RECEIVED
    assert StockMove.objects.get(reference=receipt.reference).actor == floor_user


def test_a_double_tap_receives_once(client, floor_user, site, receipt):
    client.force_login(floor_user)

    _receive(client, receipt, product=site.bolt.sku, quantity="5")
    again = _receive(client, receipt, product=site.bolt.sku, quantity="5")

    assert again.status_code == 200
    assert "Received 5 × MAIN-BOLT-M8." in page_text(again)
    assert _dock_quantity(site.bolt) == 5
    assert receipt.lines.get(product=site.bolt).received_quantity == 5


def test_a_tracked_product_is_received_with_its_lot_and_expiry(client, floor_user, site, receipt):
    client.force_login(floor_user)

    response = _receive(
        client, receipt, product=site.milk.sku, quantity="12", lot="L-9", expiry="2031-05-01"
    )

    assert response.status_code == 200
    assert "Received 12 × MAIN-MILK-1L, lot L-9." in page_text(response)
    quant = Quant.objects.get(product=site.milk, location__kind="receiving")
    assert (quant.quantity, quant.lot.code, quant.lot.expiry_date) == (12, "L-9", date(2031, 5, 1))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"quantity": "45"}, "ordered 40 (up to 44 with the tolerance)"),
        ({"quantity": "abc"}, "Enter the quantity as a whole number"),
        ({"quantity": "0"}, "The quantity must be at least 1"),
        ({"quantity": "-3"}, "The quantity must be at least 1"),
        ({"quantity": ""}, "Enter how many units"),
        ({"lot": "L-1"}, "not tracked by lot"),
        ({"key": "not-a-key"}, "This form is out of date"),
        ({"product": "NO-SUCH-SKU"}, "Scan the product again."),
    ],
)
def test_refused_counts_say_why_and_change_nothing(
    client, floor_user, site, receipt, fields, message
):
    client.force_login(floor_user)

    response = _receive(client, receipt, **{"product": site.bolt.sku, **fields})

    assert response.status_code == 422
    assert message in page_text(response)
    assert 'data-feedback="error"' in response.content.decode()
    assert _nothing_received(receipt)
    assert StockLevel.objects.get(product=site.bolt, warehouse=site.warehouse).on_order == 40


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"lot": "", "expiry": "2031-05-01"}, "tracked by lot; give the lot code"),
        ({"lot": "L-1", "expiry": ""}, "give its expiry date"),
        ({"lot": "L-1", "expiry": "yesterday"}, "Enter the expiry date like 2031-06-30."),
        ({"lot": "L-1", "expiry": "2020-01-01"}, "expired goods are refused at the dock"),
    ],
)
def test_tracked_goods_without_a_good_lot_or_expiry_are_refused(
    client, floor_user, site, receipt, fields, message
):
    client.force_login(floor_user)

    response = _receive(client, receipt, product=site.milk.sku, quantity="3", **fields)

    assert response.status_code == 422
    assert message in page_text(response)
    assert 'name="lot"' in response.content.decode()  # the form stays, ready to correct
    assert _nothing_received(receipt)


def test_an_unplanned_receipt_takes_any_product(client, floor_user, site):
    unplanned = receipt_create(warehouse=site.warehouse)
    client.force_login(floor_user)

    scan = client.get(
        reverse("floor-receipt-scan", args=[unplanned.pk]), {"code": site.glove.sku}, headers=HTMX
    )
    response = _receive(client, unplanned, product=site.glove.sku, quantity="7")

    assert "Not announced" in page_text(scan)
    assert "Received 7 × MAIN-GLOVE-L." in page_text(response)
    assert unplanned.lines.get().received_quantity == 7


def test_a_receipt_of_another_warehouse_is_not_found(client, floor_user, site):
    west = site_build(code="WEST", name="West depot")
    other = receipt_create(warehouse=west.warehouse)
    client.force_login(floor_user)

    assert client.get(reverse("floor-receipt", args=[other.pk])).status_code == 404
    response = _receive(client, other, product=west.bolt.sku)
    assert response.status_code == 404
    assert not StockMove.objects.filter(reference=other.reference).exists()


def test_without_htmx_the_whole_page_answers(client, floor_user, site, receipt):
    client.force_login(floor_user)

    response = client.post(
        reverse("floor-receipt-receive", args=[receipt.pk]),
        {"product": site.bolt.sku, "quantity": "2", "key": KEY},
    )

    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert "Received 2 × MAIN-BOLT-M8." in page_text(response)


# --- closing ------------------------------------------------------------------------------------


def test_closing_leaves_the_rest_open_on_the_po(client, floor_user, site, receipt):
    client.force_login(floor_user)
    _receive(client, receipt, product=site.bolt.sku, quantity="30")

    response = client.post(reverse("floor-receipt-close", args=[receipt.pk]), follow=True)

    assert response.redirect_chain == [(reverse("floor-receiving"), 302)]
    assert (
        f"Receipt {receipt.reference} is closed. 22 units stay open on "
        f"{receipt.purchase_order.number}." in page_text(response)
    )
    receipt.refresh_from_db()
    assert receipt.status == Receipt.Status.CLOSED
    assert StockLevel.objects.get(product=site.bolt, warehouse=site.warehouse).on_order == 10


def test_a_closed_receipt_takes_nothing_more(client, floor_user, site, receipt):
    receipt_close(receipt_id=receipt.pk)
    client.force_login(floor_user)

    page = client.get(reverse("floor-receipt", args=[receipt.pk]))
    scan = client.get(
        reverse("floor-receipt-scan", args=[receipt.pk]), {"code": site.bolt.sku}, headers=HTMX
    )
    receive = _receive(client, receipt, product=site.bolt.sku, quantity="1")

    assert "nothing more can be received on it" in page_text(page)
    assert 'name="code"' not in page.content.decode()
    assert scan.status_code == 422
    assert f"Receipt {receipt.reference} is closed." in page_text(scan)
    assert receive.status_code == 422
    assert f"Receipt {receipt.reference} is closed." in page_text(receive)
    assert _nothing_received(receipt)


def test_receive_and_close_only_answer_post(client, floor_user, receipt):
    client.force_login(floor_user)

    assert client.get(reverse("floor-receipt-receive", args=[receipt.pk])).status_code == 405
    assert client.get(reverse("floor-receipt-close", args=[receipt.pk])).status_code == 405
