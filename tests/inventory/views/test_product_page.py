"""One product's stock page (in the warehouse app, since it shows bins and the ledger): levels
with every bucket per warehouse, bins and lots, the last 20 moves, rules and forecast, open
suggestions and orders; for purchasers and supervisors, scoped to their warehouses."""

import pytest
from django.urls import reverse

from inventory.services.purchasing import OrderLineInput, purchase_order_create
from inventory.services.replenishment import reorder_review
from tests.factories.inventory import SupplierFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from tests.inventory.replenishment_setup import forecast, offer, rule
from tests.inventory.views.purchasing_scenario import scoped_purchaser
from tests.warehouse.views.scenario import page_text, site_build
from warehouse.models import Location
from warehouse.services.intake import stock_receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    """MAIN with bolts in A-01-01 (120), P-01-01 (35) and 3 in quarantine; WEST with 40
    bolts of its own; a forecast-driven rule in MAIN, its forecast, an open suggestion and a
    draft purchase order."""
    site = site_build()
    quarantine = Location.objects.get(warehouse=site.warehouse, kind=Location.Kind.QUARANTINE)
    stock_receive(location=quarantine, product_id=site.bolt.pk, quantity=3)
    site.west = WarehouseFactory(code="WEST", name="West depot")
    stock_receive(
        location=LocationFactory(warehouse=site.west, code="W-01"),
        product_id=site.bolt.pk,
        quantity=40,
    )
    acme = SupplierFactory(code="ACME", name="Acme Wholesale", lead_time_days=6)
    offer(acme, site.bolt, "0.0450", moq=100, pack=50)
    rule(site.bolt, site.warehouse, 200, 500, policy="forecast")
    forecast(site.bolt, site.warehouse, average=12.5, point=180, up_to=260, lead=6, safety=35.2)
    reorder_review()
    site.order = purchase_order_create(
        supplier=acme, warehouse=site.warehouse, lines=[OrderLineInput(site.bolt, 250)]
    )
    return site


def _url(site) -> str:
    return reverse("product-stock", args=[site.bolt.pk])


def test_the_product_page_shows_its_stock_everywhere_the_user_works(client, purchaser, site):
    client.force_login(purchaser)

    response = client.get(_url(site))

    assert response.status_code == 200
    text = page_text(response)
    assert "MAIN-BOLT-M8 Hex bolt M8 x 40, zinc" in text
    # on hand, reserved, on dock, in QC, quarantined, available, on order
    assert "MAIN Main warehouse 158 0 0 0 3 155 0" in text
    assert "WEST West depot 40 0 0 0 0 40 0" in text
    assert "All 198 0 0 0 3 195 0" in text
    assert "MAIN A-01-01 Storage bin — — 120 0" in text
    assert "WEST W-01 Storage bin — — 40 0" in text
    assert "Forecast-driven min 200 · max 500" in text
    assert "12.50 ± 0.00 C (0.90) 6 d 35.2 180 260" in text
    # The open suggestion: up to 500 from 155, rounded to MOQ 100 and packs of 50.
    assert "MAIN : order 350 Soon" in text
    assert f"{site.order.number} Draft ACME → MAIN: 0 of 250 received" in text
    assert "ACME 0.045 6 d lead time · MOQ 100 · packs of 50" in text


def test_the_last_twenty_moves_newest_first(client, supervisor, site):
    client.force_login(supervisor)
    for n in range(25):
        stock_receive(location=site.bins["A-01-02"], product_id=site.bolt.pk, quantity=n + 1)

    moves = client.get(_url(site)).context["moves"]

    assert [move.quantity for move in moves] == list(range(25, 5, -1))


def test_a_purchaser_of_one_warehouse_sees_only_its_stock(client, site):
    client.force_login(scoped_purchaser("west-buyer", site.west))

    response = client.get(_url(site))

    text = page_text(response)
    assert [level.warehouse.code for level in response.context["levels"]] == ["WEST"]
    assert [quant.location.code for quant in response.context["quants"]] == ["W-01"]
    assert {move.warehouse.code for move in response.context["moves"]} == {"WEST"}
    assert "MAIN" not in text.replace("MAIN-BOLT-M8", "")


def test_floor_staff_may_not_open_it(client, floor_user, site):
    client.force_login(floor_user)

    assert client.get(_url(site)).status_code == 403


def test_an_unknown_product_is_404(client, purchaser, site):
    client.force_login(purchaser)

    assert client.get(reverse("product-stock", args=[999999])).status_code == 404


def test_queries_do_not_grow_with_bins_and_moves(
    client, purchaser, site, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(purchaser)
    client.get(_url(site))  # the first page of a session stores the current warehouse
    with django_assert_max_num_queries(22) as few:
        client.get(_url(site))
    for n in range(8):
        location = LocationFactory(warehouse=site.warehouse, code=f"B-01-{n:02d}")
        stock_receive(location=location, product_id=site.bolt.pk, quantity=n + 1)

    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get(_url(site)).context["quants"]) == 4 + 8
