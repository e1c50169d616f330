"""/api/v1/suppliers/."""

import pytest

from inventory.models import Supplier
from tests.api.fixtures import error_code
from tests.factories.inventory import SupplierFactory

URL = "/api/v1/suppliers/"


@pytest.mark.django_db
def test_create_and_read_a_supplier(api, purchaser):
    body = {"code": "ACME", "name": "Acme Ltd", "lead_time_days": 12, "requires_qc": True}
    response = api(purchaser).post(URL, body, format="json")
    assert response.status_code == 201
    data = response.json()
    assert {k: data[k] for k in body} == body
    assert api(purchaser).get(f"{URL}{data['id']}/").json()["code"] == "ACME"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"lead_time_days": -1}, "lead_time_days", "min_value"),
        ({"lead_time_days": 10**12}, "lead_time_days", "max_value"),
        ({"lead_time_days": "soon"}, "lead_time_days", "invalid"),
        ({"lead_time_days": 1.5}, "lead_time_days", "invalid"),
        ({"code": "no spaces"}, "code", "invalid"),
        ({"email": "not-an-email"}, "email", "invalid"),
        ({"name": ""}, "name", "blank"),
    ],
)
def test_bad_supplier_fields_are_400(api, purchaser, changes, field, code):
    response = api(purchaser).post(URL, {"code": "S1", "name": "S"} | changes, format="json")
    assert response.status_code == 400
    assert error_code(response, field) == code
    assert not Supplier.objects.exists()


@pytest.mark.django_db
def test_duplicate_code_is_unique_error(api, purchaser):
    SupplierFactory(code="DUP")
    response = api(purchaser).post(URL, {"code": "DUP", "name": "Again"}, format="json")
    assert error_code(response, "code") == "unique"


@pytest.mark.django_db
def test_patch_supplier(api, purchaser):
    supplier = SupplierFactory(lead_time_days=5)
    response = api(purchaser).patch(f"{URL}{supplier.pk}/", {"lead_time_days": 9}, format="json")
    assert response.status_code == 200
    supplier.refresh_from_db()
    assert supplier.lead_time_days == 9


@pytest.mark.django_db
def test_list_filters_by_code_and_search(api, purchaser):
    SupplierFactory(code="NORTH", name="Northern Bolts")
    SupplierFactory(code="SOUTH", name="Southern Nuts")
    client = api(purchaser)
    assert [s["code"] for s in client.get(URL + "?code=NORTH").json()["results"]] == ["NORTH"]
    assert [s["code"] for s in client.get(URL + "?search=nuts").json()["results"]] == ["SOUTH"]
    assert client.get(URL).json()["count"] == 2
