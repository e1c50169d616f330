"""/api/v1/products/: the catalogue, written through inventory.services.catalog."""

import pytest

from inventory.models import Product
from tests.api.fixtures import error_code
from tests.factories.inventory import ProductFactory, ean13

URL = "/api/v1/products/"


@pytest.mark.django_db
def test_create_product_with_all_fields(api, supervisor):
    body = {
        "sku": "BOLT-M8",
        "name": "Bolt M8",
        "barcode": ean13(8),
        "unit_of_measure": "box",
        "unit_cost": "0.1250",
        "requires_qc": True,
        "tracking": "lot_expiry",
        "is_active": True,
    }
    response = api(supervisor).post(URL, body, format="json")
    assert response.status_code == 201
    data = response.json()
    assert {k: data[k] for k in body} == body
    product = Product.objects.get(pk=data["id"])
    assert product.tracking == "lot_expiry"
    assert str(product.unit_cost) == "0.1250"


@pytest.mark.django_db
def test_create_with_only_sku_and_name_uses_defaults(api, supervisor):
    response = api(supervisor).post(URL, {"sku": "MIN-1", "name": "Minimal"}, format="json")
    assert response.status_code == 201
    data = response.json()
    assert data["barcode"] is None
    assert data["tracking"] == "none"
    assert data["unit_of_measure"] == "ea"
    assert data["unit_cost"] == "0.0000"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"barcode": "4006381333932"}, "barcode", "invalid"),  # check digit should be 1
        ({"barcode": "12345"}, "barcode", "invalid"),
        ({"barcode": "4006381333931000"}, "barcode", "max_length"),
        ({"barcode": "ABCDEFGHIJKLM"}, "barcode", "invalid"),
        ({"sku": ""}, "sku", "blank"),
        ({"sku": "has space"}, "sku", "invalid"),
        ({"sku": "x" * 41}, "sku", "max_length"),
        ({"sku": None}, "sku", "null"),
        ({"sku": 12}, "name", "required"),  # a number is taken as text, the name is missing
        ({"name": None}, "name", "null"),
        ({"unit_cost": "-1"}, "unit_cost", "min_value"),
        ({"unit_cost": "abc"}, "unit_cost", "invalid"),
        ({"unit_cost": "1e400"}, "unit_cost", "max_digits"),
        ({"unit_cost": "99999999999"}, "unit_cost", "max_whole_digits"),
        ({"unit_cost": "1.23456"}, "unit_cost", "max_decimal_places"),
        ({"tracking": "serial"}, "tracking", "invalid_choice"),
        ({"unit_of_measure": "gallon"}, "unit_of_measure", "invalid_choice"),
        ({"requires_qc": "perhaps"}, "requires_qc", "invalid"),
        ({"name": "x\x00y"}, "name", "null_characters_not_allowed"),
    ],
)
def test_create_refuses_bad_fields_naming_them(api, supervisor, changes, field, code):
    body = {"sku": "BAD-1", "name": "Bad"} | changes
    if changes.get("sku") == 12:
        body.pop("name")
    response = api(supervisor).post(URL, body, format="json")
    assert response.status_code == 400, response.json()
    assert error_code(response, field) == code
    assert not Product.objects.filter(sku="BAD-1").exists()


@pytest.mark.django_db
def test_duplicate_sku_and_barcode_are_unique_errors(api, supervisor):
    existing = ProductFactory()
    client = api(supervisor)
    response = client.post(URL, {"sku": existing.sku, "name": "Twin"}, format="json")
    assert error_code(response, "sku") == "unique"
    response = client.post(
        URL, {"sku": "NEW-1", "name": "Twin", "barcode": existing.barcode}, format="json"
    )
    assert error_code(response, "barcode") == "unique"


@pytest.mark.django_db
def test_blank_barcode_means_none(api, supervisor):
    response = api(supervisor).post(URL, {"sku": "NB-1", "name": "x", "barcode": ""}, format="json")
    assert response.status_code == 201
    assert response.json()["barcode"] is None


@pytest.mark.django_db
def test_patch_changes_only_the_fields_given(api, supervisor, product):
    response = api(supervisor).patch(
        f"{URL}{product.pk}/", {"name": "Renamed", "unit_cost": 3}, format="json"
    )
    assert response.status_code == 200
    product.refresh_from_db()
    assert product.name == "Renamed"
    assert str(product.unit_cost) == "3.0000"
    assert response.json()["sku"] == product.sku


@pytest.mark.django_db
def test_patch_with_invalid_barcode_names_the_field(api, supervisor, product):
    response = api(supervisor).patch(
        f"{URL}{product.pk}/", {"barcode": "4006381333932"}, format="json"
    )
    assert response.status_code == 400
    assert error_code(response, "barcode") == "invalid"
    assert "check digit" in response.json()["detail"]


@pytest.mark.django_db
def test_tracking_cannot_change_while_in_stock(api, supervisor, product, bin_, receive):
    receive(bin_, product, 5)
    response = api(supervisor).patch(f"{URL}{product.pk}/", {"tracking": "lot"}, format="json")
    assert response.status_code == 400
    assert error_code(response, "tracking") == "invalid"
    product.refresh_from_db()
    assert product.tracking == "none"


@pytest.mark.django_db
def test_list_filters_by_sku_barcode_and_search(api, supervisor):
    first, second = ProductFactory(name="Red widget"), ProductFactory(name="Blue gadget")
    client = api(supervisor)

    def skus(query):
        response = client.get(URL + query)
        assert response.status_code == 200
        return [row["sku"] for row in response.json()["results"]]

    assert skus(f"?sku={first.sku}") == [first.sku]
    assert skus(f"?barcode={second.barcode}") == [second.sku]
    assert skus("?search=gadget") == [second.sku]
    assert skus("?sku=NOPE") == []
    assert skus("?sku=") == [first.sku, second.sku]


@pytest.mark.django_db
def test_list_paginates(api, supervisor):
    ProductFactory.create_batch(3)
    data = api(supervisor).get(URL + "?page_size=2").json()
    assert data["count"] == 3
    assert len(data["results"]) == 2
    assert data["next"].endswith("page=2&page_size=2")
    assert len(api(supervisor).get(URL + "?page_size=2&page=2").json()["results"]) == 1


@pytest.mark.django_db
def test_too_long_filters_are_400(api, supervisor):
    response = api(supervisor).get(URL + "?sku=" + "x" * 41)
    assert response.status_code == 400
    assert error_code(response, "sku") == "max_length"
    response = api(supervisor).get(URL + "?sku=a%00b")
    assert response.status_code == 400


@pytest.mark.django_db
def test_retrieve_returns_the_product(api, floor_user, product):
    response = api(floor_user).get(f"{URL}{product.pk}/")
    assert response.status_code == 200
    assert response.json()["barcode"] == product.barcode
