"""/api/v1/stock/ (quants per bin and lot) and /api/v1/moves/ (the ledger), read only."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.api.fixtures import error_code
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, dock
from warehouse.services.moves import stock_move

STOCK = "/api/v1/stock/"
MOVES = "/api/v1/moves/"


@pytest.mark.django_db
def test_stock_rows_carry_keys_ids_and_lot(api, floor_user, warehouse, bin_, receive):
    product = ProductFactory(tracking="lot_expiry")
    receive(bin_, product, 7, lot="L-1", expiry=dt.date(2031, 5, 1))
    (row,) = api(floor_user).get(STOCK).json()["results"]
    assert row["product"] == product.sku
    assert row["product_id"] == product.pk
    assert row["product_name"] == product.name
    assert (row["location"], row["location_id"]) == (bin_.code, bin_.pk)
    assert (row["warehouse"], row["warehouse_id"]) == (warehouse.code, warehouse.pk)
    assert (row["lot"], row["expiry"]) == ("L-1", "2031-05-01")
    assert (row["quantity"], row["reserved"], row["unreserved"]) == (7, 0, 7)
    assert row["received_at"]
    assert api(floor_user).get(f"{STOCK}{row['id']}/").json() == row


@pytest.mark.django_db
def test_stock_filters(api, supervisor, receive):
    first, second = WarehouseFactory(), WarehouseFactory()
    bolts, nuts = ProductFactory(), ProductFactory()
    a, b = LocationFactory(warehouse=first), LocationFactory(warehouse=second)
    receive(a, bolts, 1)
    receive(a, nuts, 2)
    receive(b, nuts, 3)
    client = api(supervisor)

    def quantities(query):
        response = client.get(STOCK + query)
        assert response.status_code == 200
        return sorted(row["quantity"] for row in response.json()["results"])

    assert quantities("") == [1, 2, 3]
    assert quantities(f"?warehouse={first.code}") == [1, 2]
    assert quantities(f"?product={nuts.sku}") == [2, 3]
    assert quantities(f"?location={b.code}") == [3]
    assert quantities(f"?warehouse={second.code}&product={bolts.sku}") == []


@pytest.mark.django_db
def test_stock_lot_is_null_for_untracked_products(api, supervisor, bin_, product, receive):
    receive(bin_, product, 1)
    (row,) = api(supervisor).get(STOCK).json()["results"]
    assert (row["lot"], row["lot_id"], row["expiry"]) == (None, None, None)


@pytest.mark.django_db
def test_stock_stays_inside_the_scope(api, scoped_supervisor, product, receive):
    mine, theirs = WarehouseFactory(), WarehouseFactory()
    receive(LocationFactory(warehouse=mine), product, 1)
    receive(LocationFactory(warehouse=theirs), product, 2)
    client = api(scoped_supervisor(mine))
    rows = client.get(STOCK).json()["results"]
    assert [row["warehouse"] for row in rows] == [mine.code]
    foreign = api(scoped_supervisor(theirs)).get(STOCK).json()["results"][0]["id"]
    assert client.get(f"{STOCK}{foreign}/").status_code == 404


@pytest.mark.django_db
def test_stock_list_has_no_n_plus_one(
    api, supervisor, warehouse, receive, django_assert_max_num_queries
):
    for product in ProductFactory.create_batch(5):
        receive(LocationFactory(warehouse=warehouse), product, 2)
    with django_assert_max_num_queries(8):
        assert api(supervisor).get(STOCK).json()["count"] == 5


@pytest.mark.django_db
def test_moves_show_the_ledger_newest_first(api, purchaser, warehouse, bin_, product, receive):
    receive(dock(warehouse), product, 5)
    stock_move(
        product_id=product.pk,
        quantity=2,
        from_location_id=dock(warehouse).pk,
        to_location_id=bin_.pk,
        kind="putaway",
        reason="Shelved",
    )
    rows = api(purchaser).get(MOVES).json()["results"]
    assert [row["kind"] for row in rows] == ["putaway", "receipt"]
    putaway = rows[0]
    assert (putaway["from_location"], putaway["to_location"]) == ("RECV-01", bin_.code)
    assert (putaway["product"], putaway["quantity"], putaway["reason"]) == (
        product.sku,
        2,
        "Shelved",
    )
    assert putaway["warehouse"] == warehouse.code
    assert rows[1]["from_location"] == "~SUPPLIERS"
    assert api(purchaser).get(f"{MOVES}{putaway['id']}/").json() == putaway


@pytest.mark.django_db
def test_moves_filters(api, supervisor, warehouse, bin_, receive):
    bolts, nuts = ProductFactory(), ProductFactory()
    receive(dock(warehouse), bolts, 5)
    receive(bin_, nuts, 3)
    client = api(supervisor)

    def kinds_and_skus(query):
        response = client.get(MOVES + query)
        assert response.status_code == 200, response.json()
        return [(row["kind"], row["product"]) for row in response.json()["results"]]

    assert kinds_and_skus(f"?product={bolts.sku}") == [("receipt", bolts.sku)]
    assert kinds_and_skus(f"?location={bin_.code}") == [("receipt", nuts.sku)]
    assert kinds_and_skus("?kind=putaway") == []
    assert len(kinds_and_skus("?kind=receipt")) == 2
    assert len(kinds_and_skus(f"?warehouse={warehouse.code}")) == 2
    assert kinds_and_skus("?warehouse=ELSEWHERE") == []
    an_hour_ago = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    in_an_hour = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert len(client.get(MOVES, {"since": an_hour_ago}).json()["results"]) == 2
    assert client.get(MOVES, {"since": in_an_hour}).json()["results"] == []
    assert client.get(MOVES, {"since": "2020-01-01"}).json()["count"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("?since=yesterday", "since", "invalid"),
        ("?since=2024-13-45T00:00:00", "since", "invalid"),
        ("?kind=teleport", "kind", "invalid_choice"),
        ("?product=" + "x" * 41, "product", "max_length"),
    ],
)
def test_moves_bad_filters_are_400(api, supervisor, query, field, code):
    response = api(supervisor).get(MOVES + query)
    assert response.status_code == 400
    assert error_code(response, field) == code


@pytest.mark.django_db
def test_moves_list_has_no_n_plus_one(
    api, supervisor, warehouse, bin_, receive, django_assert_max_num_queries
):
    for product in ProductFactory.create_batch(5):
        receive(bin_, product, 1)
    with django_assert_max_num_queries(8):
        assert api(supervisor).get(MOVES).json()["count"] == 5


@pytest.mark.django_db
def test_moves_stay_inside_the_scope(api, scoped_supervisor, product, receive):
    mine, theirs = WarehouseFactory(), WarehouseFactory()
    receive(LocationFactory(warehouse=theirs), product, 2)
    client = api(scoped_supervisor(mine))
    assert client.get(MOVES).json()["count"] == 0
    assert client.get(f"{MOVES}?warehouse={theirs.code}").json()["count"] == 0
