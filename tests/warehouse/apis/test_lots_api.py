"""/api/v1/lots/: finding a lot by product and code, its trace for a recall, its ledger rows."""

import pytest

from tests.api.fixtures import error_code
from tests.factories.inventory import WarehouseFactory
from tests.warehouse.trace_scenario import trace_site_build
from warehouse.models import StockMove

LOTS = "/api/v1/lots/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return trace_site_build()


def test_a_lot_is_found_by_product_sku_and_code(api, site):
    client = api(site.boss)

    found = client.get(LOTS, {"product": "MILK-1L", "code": "l-2406"}).json()
    by_product = client.get(LOTS, {"product": "MILK-1L"}).json()
    none = client.get(LOTS, {"product": "MILK-1L", "code": "L-9999"}).json()

    assert found["count"] == 1
    (lot,) = found["results"]
    assert lot == {
        "id": site.lot.pk,
        "product": "MILK-1L",
        "product_id": site.product.pk,
        "product_name": "Whole milk 1 l",
        "code": "L-2406",
        "expiry": site.lot.expiry_date.isoformat(),
        "received_at": lot["received_at"],
    }
    assert {row["code"] for row in by_product["results"]} == {"L-2406", "L-2407"}
    assert none["count"] == 0
    assert client.get(f"{LOTS}{site.lot.pk}/").json() == lot


def test_the_trace_answers_upstream_downstream_and_now(api, site):
    response = api(site.boss).get(f"{LOTS}{site.lot.pk}/trace/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "lot",
        "totals",
        "receipts",
        "inspections",
        "orders",
        "locations",
        "customers",
        "moves_count",
    }
    assert body["lot"]["code"] == "L-2406"
    assert body["totals"] == {
        "received": 40,
        "shipped": 25,
        "scrapped": 0,
        "found": 0,
        "lost": 0,
        "on_hand": 15,
        "reserved": 0,
    }
    (receipt,) = body["receipts"]
    assert receipt["supplier"] == "DAIRY"
    assert receipt["supplier_name"] == "Green Valley Dairy"
    assert receipt["purchase_order"] == site.purchase_order.number
    assert receipt["purchase_order_id"] == site.purchase_order.pk
    assert receipt["received_by"] == ["receiver"]
    assert receipt["quantity"] == 40
    orders = {row["reference"]: row for row in body["orders"]}
    shipped = orders["SO-1"]
    assert (shipped["customer"], shipped["picked"], shipped["shipped"]) == (
        "Corner Shop Ltd",
        25,
        25,
    )
    assert shipped["shipped_by"] == ["boss"]
    assert shipped["shipped_at"]
    assert [(p["number"], p["quantity"]) for p in shipped["packages"]] == [(1, 20), (2, 5)]
    assert (orders["SO-2"]["packed"], orders["SO-2"]["shipped"]) == (8, 0)
    assert {(row["kind"], row["quantity"]) for row in body["locations"]} == {
        ("storage", 7),
        ("staging", 8),
    }
    assert body["customers"] == ["Corner Shop Ltd"]
    assert body["moves_count"] == StockMove.objects.filter(lot=site.lot).count()


def test_the_lots_moves_page_oldest_first(api, site):
    body = api(site.boss).get(f"{LOTS}{site.lot.pk}/moves/", {"page_size": 3}).json()

    assert body["count"] == StockMove.objects.filter(lot=site.lot).count()
    assert [row["kind"] for row in body["results"]] == ["receipt", "receipt", "putaway"]
    assert body["next"]


@pytest.mark.parametrize(
    ("user", "path", "status"),
    [
        ("floor_user", "", 200),  # floor staff may look a lot up (view_lot)...
        ("floor_user", "trace/", 403),  # ...but not read the ledger behind it
        ("purchaser", "", 403),
        ("purchaser", "trace/", 403),
        (None, "trace/", 401),
    ],
)
def test_who_may_read_lots_and_traces(api, request, site, user, path, status):
    client = api(request.getfixturevalue(user) if user else None)

    response = client.get(f"{LOTS}{site.lot.pk}/{path}")

    assert response.status_code == status


def test_a_lot_of_another_warehouse_is_not_found(api, site, scoped_supervisor):
    outsider = scoped_supervisor(WarehouseFactory())
    client = api(outsider)

    assert client.get(f"{LOTS}{site.lot.pk}/trace/").status_code == 404
    assert client.get(LOTS, {"code": "L-2406"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [({"product": "x" * 41}, "product"), ({"code": "y" * 41}, "code")],
)
def test_bad_filters_are_a_400_naming_the_parameter(api, site, query, field):
    response = api(site.boss).get(LOTS, query)

    assert response.status_code == 400
    assert error_code(response, field)


def test_unknown_ids_are_404(api, site):
    assert api(site.boss).get(f"{LOTS}999999/trace/").status_code == 404
    assert api(site.boss).get(f"{LOTS}abc/trace/").status_code == 404
