"""The handheld's receiving scan answers from the receipt as the service left it (no second
read): the lines and progress it shows are those a fresh page of the receipt shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories.inventory import ProductFactory
from tests.warehouse.views.inbound_scenario import expected_receipt
from tests.warehouse.views.scenario import page_text, site_build
from warehouse.models import Receipt, StockMove
from warehouse.services.receiving import receipt_create

HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return site_build()


def _receive(client, receipt, product, quantity, key="c" * 32, **fields):
    data = {"product": product.sku, "quantity": str(quantity), "lot": "", "expiry": "", "key": key}
    return client.post(
        reverse("floor-receipt-receive", args=[receipt.pk]), {**data, **fields}, headers=HTMX
    )


def _shown(response):
    rows = [
        (r.line.pk, r.line.product.sku, r.line.received_quantity, r.percent, r.remaining, r.state)
        for r in response.context["rows"]
    ]
    return response.context["receipt"].status, response.context["progress"], rows


def _page(client, receipt):
    return client.get(reverse("floor-receipt", args=[receipt.pk]))


def test_the_answer_to_a_scan_shows_what_a_fresh_page_shows(client, floor_user, site):
    receipt = expected_receipt(site.warehouse, (site.bolt, 40), (site.glove, 12))
    client.force_login(floor_user)

    first = _receive(client, receipt, site.bolt, 25, key="a" * 32)
    assert _shown(first) == _shown(_page(client, receipt))
    second = _receive(client, receipt, site.bolt, 15, key="b" * 32)

    assert second.status_code == 200
    assert _shown(second) == _shown(_page(client, receipt))
    status, progress, rows = _shown(second)
    assert status == Receipt.Status.RECEIVING
    assert (progress.lines, progress.lines_done, progress.units_received, progress.missing) == (
        2,
        1,
        40,
        12,
    )
    assert "Received 15 × " in second.content.decode()


def test_an_unplanned_receipt_shows_the_line_the_scan_made(client, floor_user, site):
    receipt = receipt_create(warehouse=site.warehouse)
    client.force_login(floor_user)

    response = _receive(client, receipt, site.glove, 7)

    assert _shown(response) == _shown(_page(client, receipt))
    assert [row[1:3] for row in _shown(response)[2]] == [(site.glove.sku, 7)]


def test_a_double_tap_books_once_and_shows_the_receipt(client, floor_user, site):
    receipt = expected_receipt(site.warehouse, (site.bolt, 40))
    client.force_login(floor_user)

    first = _receive(client, receipt, site.bolt, 10)
    again = _receive(client, receipt, site.bolt, 10)

    assert (first.status_code, again.status_code) == (200, 200)
    assert StockMove.objects.filter(reference=receipt.reference).count() == 1
    assert _shown(again) == _shown(first) == _shown(_page(client, receipt))


def test_a_receipt_of_another_warehouse_is_not_found_and_nothing_is_booked(
    client, floor_user, site
):
    other = site_build(code="OTHER", name="Another site")
    theirs = expected_receipt(other.warehouse, (other.bolt, 5))
    client.force_login(floor_user)
    _page(client, expected_receipt(site.warehouse, (site.bolt, 5)))  # working in MAIN

    response = _receive(client, theirs, other.bolt, 5)

    assert response.status_code == 404
    assert not StockMove.objects.filter(reference=theirs.reference).exists()


def test_a_refused_scan_still_shows_the_receipt(client, floor_user, site):
    receipt = expected_receipt(site.warehouse, (site.bolt, 40))
    client.force_login(floor_user)

    response = _receive(client, receipt, ProductFactory(), 1)  # not on the order

    assert response.status_code == 422
    assert "is not on" in response.content.decode()
    assert _shown(response) == _shown(_page(client, receipt))


def test_only_the_lines_that_received_goods_are_written(client, floor_user, site):
    receipt = expected_receipt(site.warehouse, (site.bolt, 40), (site.glove, 12))
    client.force_login(floor_user)
    _page(client, receipt)
    bolt_line = receipt.lines.get(product=site.bolt)

    with CaptureQueriesContext(connection) as captured:
        _receive(client, receipt, site.bolt, 3)

    (update,) = [
        q["sql"] for q in captured.captured_queries if "UPDATE warehouse_receiptline" in q["sql"]
    ]
    assert f"'{{{bolt_line.pk}}}'" in update


def test_a_plain_form_post_gets_the_whole_page_from_the_same_receipt(client, floor_user, site):
    receipt = expected_receipt(site.warehouse, (site.bolt, 40), (site.glove, 12))
    client.force_login(floor_user)

    response = client.post(
        reverse("floor-receipt-receive", args=[receipt.pk]),
        {"product": site.glove.sku, "quantity": "12", "lot": "", "expiry": "", "key": "d" * 32},
    )

    assert response.status_code == 200
    assert _shown(response) == _shown(_page(client, receipt))
    assert f"Received 12 × {site.glove.sku}" in page_text(response)
