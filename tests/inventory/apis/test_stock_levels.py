"""/api/v1/stock-levels/: per product and warehouse, in buckets."""

import pytest

from tests.api.fixtures import error_code
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, dock

URL = "/api/v1/stock-levels/"


@pytest.mark.django_db
def test_levels_show_every_bucket(api, purchaser, warehouse, product, bin_, receive):
    receive(dock(warehouse), product, 4)
    receive(bin_, product, 10)
    response = api(purchaser).get(URL)
    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["product"] == product.sku
    assert row["product_id"] == product.pk
    assert row["warehouse"] == warehouse.code
    assert row["warehouse_id"] == warehouse.pk
    assert row["on_hand"] == 14
    assert row["in_receiving"] == 4
    assert row["available"] == 10
    assert {"reserved", "in_qc", "quarantined", "in_outbound", "blocked", "on_order"} <= set(row)


@pytest.mark.django_db
def test_levels_filter_by_warehouse_and_product(api, supervisor, receive):
    first, second = WarehouseFactory(), WarehouseFactory()
    bolts, nuts = ProductFactory(), ProductFactory()
    for warehouse in (first, second):
        bin_ = LocationFactory(warehouse=warehouse)
        receive(bin_, bolts, 1)
        receive(bin_, nuts, 2)
    client = api(supervisor)

    def rows(query):
        return [(r["warehouse"], r["product"]) for r in client.get(URL + query).json()["results"]]

    assert rows(f"?warehouse={first.code}") == [(first.code, bolts.sku), (first.code, nuts.sku)]
    assert rows(f"?product={nuts.sku}") == [(first.code, nuts.sku), (second.code, nuts.sku)]
    assert rows(f"?warehouse={second.code}&product={bolts.sku}") == [(second.code, bolts.sku)]


@pytest.mark.django_db
def test_levels_only_of_the_users_warehouses(api, scoped_supervisor, receive):
    mine, theirs = WarehouseFactory(), WarehouseFactory()
    product = ProductFactory()
    receive(LocationFactory(warehouse=mine), product, 3)
    receive(LocationFactory(warehouse=theirs), product, 5)
    client = api(scoped_supervisor(mine))
    assert [r["warehouse"] for r in client.get(URL).json()["results"]] == [mine.code]
    assert client.get(f"{URL}?warehouse={theirs.code}").json()["count"] == 0


@pytest.mark.django_db
def test_levels_list_has_no_n_plus_one(
    api, supervisor, warehouse, receive, django_assert_max_num_queries
):
    bin_ = LocationFactory(warehouse=warehouse)
    for product in ProductFactory.create_batch(6):
        receive(bin_, product, 1)
    client = api(supervisor)
    with django_assert_max_num_queries(8):
        assert client.get(URL).json()["count"] == 6


@pytest.mark.django_db
def test_bad_filter_is_400(api, supervisor):
    response = api(supervisor).get(URL + "?warehouse=" + "W" * 30)
    assert response.status_code == 400
    assert error_code(response, "warehouse") == "max_length"
