"""The purchaser's stock levels page: buckets per product, search, sort, pages."""

import pytest
from django.urls import reverse

from tests.factories.inventory import ProductFactory
from tests.warehouse.views.scenario import page_text, site_build
from warehouse.models import Location
from warehouse.services.intake import stock_receive

HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    site = site_build()
    qc = Location.objects.get(warehouse=site.warehouse, kind=Location.Kind.QC)
    quarantine = Location.objects.get(warehouse=site.warehouse, kind=Location.Kind.QUARANTINE)
    stock_receive(location=qc, product_id=site.bolt.pk, quantity=7)
    stock_receive(location=quarantine, product_id=site.bolt.pk, quantity=3)
    return site


def _skus(response) -> list[str]:
    return [level.product.sku for level in response.context["page"].object_list]


def test_purchaser_lands_on_stock_levels(client, purchaser, site):
    client.force_login(purchaser)

    response = client.get("/", follow=True)

    assert response.redirect_chain == [(reverse("purchaser-home"), 302)]
    assert _skus(response) == ["MAIN-BOLT-M8", "MAIN-GLOVE-L", "MAIN-MILK-1L"]
    bolt = response.context["page"].object_list[0]
    assert (bolt.on_hand, bolt.reserved, bolt.available, bolt.in_qc, bolt.quarantined) == (
        165,
        0,
        155,
        7,
        3,
    )
    assert "MAIN-BOLT-M8 Hex bolt M8 x 40, zinc 165 0 155 0 7 3 0" in page_text(response)


def test_stock_on_the_dock_is_not_available_and_is_flagged(client, purchaser, site):
    client.force_login(purchaser)

    response = client.get(reverse("purchaser-home"), {"q": "GLOVE"})

    assert "MAIN-GLOVE-L Nitrile gloves, size L 60 0 Out 0 60 0 0 0" in page_text(response)


def test_supervisor_may_open_purchasing_too(client, supervisor, site):
    client.force_login(supervisor)

    assert client.get(reverse("purchaser-home")).status_code == 200


def test_floor_worker_may_not_open_purchasing(client, floor_user, site):
    client.force_login(floor_user)

    assert client.get(reverse("purchaser-home")).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("purchaser-home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/purchasing/"


@pytest.mark.parametrize(
    ("query", "expected"),
    [("milk", ["MAIN-MILK-1L"]), ("main-bolt", ["MAIN-BOLT-M8"]), ("zzz", [])],
)
def test_search_by_sku_or_name(client, purchaser, site, query, expected):
    client.force_login(purchaser)

    response = client.get(reverse("purchaser-home"), {"q": query})

    assert _skus(response) == expected


def test_search_by_barcode(client, purchaser, site):
    client.force_login(purchaser)

    response = client.get(reverse("purchaser-home"), {"q": site.milk.barcode})

    assert _skus(response) == ["MAIN-MILK-1L"]


def test_a_search_that_finds_nothing_says_so(client, purchaser, site):
    client.force_login(purchaser)

    response = client.get(reverse("purchaser-home"), {"q": "zzz"})

    assert "No product matches “zzz”." in page_text(response)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("sku", ["MAIN-BOLT-M8", "MAIN-GLOVE-L", "MAIN-MILK-1L"]),
        ("-sku", ["MAIN-MILK-1L", "MAIN-GLOVE-L", "MAIN-BOLT-M8"]),
        ("available", ["MAIN-GLOVE-L", "MAIN-MILK-1L", "MAIN-BOLT-M8"]),
        ("-available", ["MAIN-BOLT-M8", "MAIN-MILK-1L", "MAIN-GLOVE-L"]),
    ],
)
def test_sort_by_sku_or_available(client, purchaser, site, sort, expected):
    client.force_login(purchaser)

    response = client.get(reverse("purchaser-home"), {"sort": sort})

    assert _skus(response) == expected


def test_an_unknown_sort_is_reported_and_sku_order_used(client, purchaser, site):
    client.force_login(purchaser)

    response = client.get(reverse("purchaser-home"), {"sort": "price", "q": "MAIN"})

    assert response.status_code == 200
    assert "Sort by: Select a valid choice. price is not one of the available choices." in (
        page_text(response)
    )
    assert _skus(response) == ["MAIN-BOLT-M8", "MAIN-GLOVE-L", "MAIN-MILK-1L"]


def test_sort_headers_toggle_direction_and_keep_the_search(client, purchaser, site):
    client.force_login(purchaser)

    body = client.get(reverse("purchaser-home"), {"q": "MAIN", "sort": "available"}).content
    body = body.decode()

    assert 'href="?q=MAIN&amp;sort=-available"' in body
    assert 'href="?q=MAIN&amp;sort=sku"' in body
    assert 'aria-sort="ascending"' in body


def test_htmx_search_swaps_only_the_results(client, purchaser, site):
    client.force_login(purchaser)

    response = client.get(reverse("purchaser-home"), {"q": "milk"}, headers=HTMX)

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="levels-results"')
    assert "MAIN-MILK-1L" in body
    assert "MAIN-BOLT-M8" not in body


def test_levels_are_paginated_by_fifty(client, purchaser, site):
    for n in range(50):
        product = ProductFactory(sku=f"P-{n:03d}")
        stock_receive(location=site.bins["A-01-02"], product_id=product.pk, quantity=1)
    client.force_login(purchaser)

    first = client.get(reverse("purchaser-home"))
    second = client.get(reverse("purchaser-home"), {"page": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 3
    assert "Page 2 of 2" in page_text(second)


def test_only_the_current_warehouse_is_listed(client, purchaser, site):
    site_build(code="WEST", name="West depot")
    client.force_login(purchaser)

    response = client.get(reverse("purchaser-home"))

    assert all(level.warehouse.code == "MAIN" for level in response.context["page"].object_list)


def test_the_page_costs_the_same_queries_whatever_the_rows(
    client, purchaser, site, django_assert_num_queries
):
    client.force_login(purchaser)
    client.get(reverse("purchaser-home"))
    # The user with roles and warehouses (1), the page of levels with its count (1), the open
    # suggestions by urgency (1); the session comes from Redis (tests/test_statement_budget.py).
    with django_assert_num_queries(3) as few:
        client.get(reverse("purchaser-home"))
    for n in range(30):
        product = ProductFactory(sku=f"P-{n:03d}")
        stock_receive(location=site.bins["A-01-02"], product_id=product.pk, quantity=1)

    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("purchaser-home"))
