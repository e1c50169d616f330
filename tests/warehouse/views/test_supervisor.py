"""The supervisor's stock page: search, zone filter, pages, totals, the task board."""

import pytest
from django.urls import reverse

from tests.factories.inventory import ProductFactory
from tests.factories.warehouse import LocationFactory
from tests.warehouse.views.scenario import page_text, site_build
from warehouse.models import Location
from warehouse.services.intake import stock_receive
from warehouse.services.reservations import quant_reserve
from warehouse.services.tasks import task_claim

HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return site_build()


def _rows(response) -> list[tuple[str, str]]:
    """(bin, sku) of each row on the page."""
    return [(q.location.code, q.product.sku) for q in response.context["page"].object_list]


def test_the_stock_page_lists_stock_in_pick_path_order(client, supervisor, site):
    client.force_login(supervisor)  # who lands on the dashboard now: test_dashboard.py

    response = client.get(reverse("supervisor-home"))

    assert _rows(response) == [  # in pick-path order
        ("RECV-01", "MAIN-GLOVE-L"),
        ("P-01-01", "MAIN-BOLT-M8"),
        ("P-01-02", "MAIN-MILK-1L"),
        ("A-01-01", "MAIN-BOLT-M8"),
    ]
    text = page_text(response)
    assert "On hand 239" in text  # 35 + 24 + 120 + 60
    assert "Reserved 0" in text


@pytest.mark.parametrize("user_fixture", ["floor_user", "purchaser"])
def test_other_roles_may_not_open_the_stock_page(client, request, user_fixture, site):
    client.force_login(request.getfixturevalue(user_fixture))

    assert client.get(reverse("supervisor-home")).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("supervisor-home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("milk", [("P-01-02", "MAIN-MILK-1L")]),  # product name
        ("MAIN-BOLT", [("P-01-01", "MAIN-BOLT-M8"), ("A-01-01", "MAIN-BOLT-M8")]),  # sku
        ("a-01", [("A-01-01", "MAIN-BOLT-M8")]),  # bin code
        ("L2406", [("P-01-02", "MAIN-MILK-1L")]),  # lot
    ],
)
def test_search_narrows_the_table(client, supervisor, site, query, expected):
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-home"), {"q": query})

    assert _rows(response) == expected


def test_search_by_exact_barcode(client, supervisor, site):
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-home"), {"q": site.glove.barcode})

    assert _rows(response) == [("RECV-01", "MAIN-GLOVE-L")]


def test_zone_filter_and_totals_follow_the_filter(client, supervisor, site):
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-home"), {"zone": "P"})

    assert _rows(response) == [("P-01-01", "MAIN-BOLT-M8"), ("P-01-02", "MAIN-MILK-1L")]
    assert "On hand 59" in page_text(response)


def test_an_unknown_zone_is_reported_and_ignored(client, supervisor, site):
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-home"), {"zone": "ZZ"})

    assert response.status_code == 200
    assert "There is no zone ZZ in this warehouse; showing all zones." in page_text(response)
    assert len(_rows(response)) == 4


def test_a_search_that_finds_nothing_says_so(client, supervisor, site):
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-home"), {"q": "no such thing"})

    assert "No stock matches this search." in page_text(response)


def test_reserved_stock_shows_in_the_totals(client, supervisor, site):
    quant = site.bins["A-01-01"].quants.get()
    quant_reserve(quant_id=quant.pk, quantity=20)
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-home"), {"q": "A-01-01"})

    text = page_text(response)
    assert "On hand 120" in text
    assert "Reserved 20" in text
    assert "Unreserved 100" in text


def test_htmx_search_swaps_only_the_results(client, supervisor, site):
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-home"), {"q": "milk"}, headers=HTMX)

    body = response.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="stock-results"')
    assert "MAIN-MILK-1L" in body
    assert "MAIN-BOLT-M8" not in body
    assert response["Vary"] == "HX-Request, Cookie"


def test_history_restore_gets_the_whole_page(client, supervisor, site):
    client.force_login(supervisor)

    response = client.get(
        reverse("supervisor-home"),
        {"q": "milk"},
        headers={**HTMX, "HX-History-Restore-Request": "true"},
    )

    assert "<html" in response.content.decode()


def test_the_table_is_paginated_by_fifty(client, supervisor, site):
    _many_bins(site, 60)
    client.force_login(supervisor)

    first = client.get(reverse("supervisor-home"))
    second = client.get(reverse("supervisor-home"), {"page": 2})
    beyond = client.get(reverse("supervisor-home"), {"page": "x"})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 14  # 64 lines in all
    assert "51–64 of 64" in page_text(second)
    assert beyond.context["page"].number == 1


def test_the_page_costs_the_same_queries_for_5_or_60_rows(
    client, supervisor, site, django_assert_max_num_queries, django_assert_num_queries
):
    client.force_login(supervisor)
    client.get(reverse("supervisor-home"))  # the session learns the current warehouse
    # 5: the user with roles and warehouses, zones, the page with its count and totals, the
    # task board, the quarantine total (tests/test_statement_budget.py).
    with django_assert_max_num_queries(5) as few:
        client.get(reverse("supervisor-home"))
    _many_bins(site, 60)

    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("supervisor-home"), {"q": "S-"})

    assert len(response.context["page"].object_list) == 50


def test_the_task_board_counts_waiting_and_held_tasks(client, supervisor, floor_user, site):
    task_claim(user_id=floor_user.pk, warehouse_id=site.warehouse.pk)
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-home"))

    board = {row.label: (row.open, row.assigned) for row in response.context["board"]}
    assert board["Putaway"] == (0, 1)
    assert board["Pick"] == (1, 0)
    assert board["Count"] == (0, 0)


def test_blocked_and_dock_locations_are_marked(client, supervisor, site):
    client.force_login(supervisor)

    text = page_text(client.get(reverse("supervisor-home")))

    assert "RECV-01 Receiving dock" in text


def _many_bins(site, count: int) -> None:
    product = ProductFactory(sku="S-MANY", name="Many-bin product")
    for n in range(count):
        location = LocationFactory(
            warehouse=site.warehouse,
            zone=site.reserve,
            code=f"S-{n:03d}",
            kind=Location.Kind.STORAGE,
            pick_sequence=100 + n,
        )
        stock_receive(location=location, product_id=product.pk, quantity=n + 1)
