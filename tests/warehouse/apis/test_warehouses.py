"""/api/v1/warehouses/: sites, created with their standard layout, seen within the scope."""

import pytest

from inventory.models import Warehouse
from inventory.services.catalog import warehouse_update
from tests.api.fixtures import error_code
from tests.factories.inventory import WarehouseFactory
from warehouse.models import Location

URL = "/api/v1/warehouses/"


@pytest.mark.django_db
def test_create_lays_out_the_site(api, supervisor):
    response = api(supervisor).post(
        URL, {"code": "BER", "name": "Berlin", "address": "Str. 1"}, format="json"
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["code"], data["name"], data["address"], data["is_active"]) == (
        "BER",
        "Berlin",
        "Str. 1",
        True,
    )
    kinds = set(Location.objects.filter(warehouse_id=data["id"]).values_list("kind", flat=True))
    assert {"receiving", "qc", "quarantine", "staging", "shipping", "adjustment"} <= kinds
    assert api(supervisor).get(f"{URL}{data['id']}/").json()["code"] == "BER"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"name": "No code"}, "code", "required"),
        ({"code": "BER"}, "name", "required"),
        ({"code": "~BER", "name": "x"}, "code", "invalid"),
        ({"code": "B" * 21, "name": "x"}, "code", "max_length"),
        ({"code": 5, "name": ["x"]}, "name", "invalid"),
    ],
)
def test_create_refuses_bad_input(api, supervisor, body, field, code):
    response = api(supervisor).post(URL, body, format="json")
    assert response.status_code == 400
    assert error_code(response, field) == code
    assert not Warehouse.objects.exists()


@pytest.mark.django_db
def test_duplicate_code_is_400_unique(api, supervisor):
    WarehouseFactory(code="DUP")
    response = api(supervisor).post(URL, {"code": "DUP", "name": "Again"}, format="json")
    assert error_code(response, "code") == "unique"


@pytest.mark.django_db
def test_users_see_only_their_warehouses(api, scoped_supervisor):
    mine, theirs = WarehouseFactory(), WarehouseFactory()
    client = api(scoped_supervisor(mine))
    assert [w["code"] for w in client.get(URL).json()["results"]] == [mine.code]
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.get(f"{URL}{mine.pk}/").status_code == 200


@pytest.mark.django_db
def test_list_filters_by_code_and_search(api, supervisor):
    WarehouseFactory(code="HAM", name="Hamburg")
    WarehouseFactory(code="MUC", name="Munich")
    client = api(supervisor)
    assert [w["code"] for w in client.get(URL + "?code=HAM").json()["results"]] == ["HAM"]
    assert [w["code"] for w in client.get(URL + "?search=nich").json()["results"]] == ["MUC"]


@pytest.mark.django_db
def test_inactive_warehouses_are_not_listed(api, supervisor):
    warehouse_update(warehouse=WarehouseFactory(code="OLD"), is_active=False)
    assert api(supervisor).get(URL).json()["count"] == 0
