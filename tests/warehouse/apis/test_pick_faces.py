"""/api/v1/pick-faces/: min/max rules of pick bins, written by supervisors through
warehouse.services.pick_faces, read by everyone who sees bins or stock levels."""

import pytest

from tests.api.fixtures import error_code
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Location, PickFaceRule

URL = "/api/v1/pick-faces/"
K = Location.Kind


@pytest.fixture
def face(warehouse):
    return LocationFactory(warehouse=warehouse, code="P-01", kind=K.PICK, capacity_units=60)


def _body(site, item, **changes):
    return {
        "warehouse": site.code,
        "location": "P-01",
        "product": item.sku,
        "min_quantity": 10,
        "max_quantity": 40,
    } | changes


@pytest.mark.django_db
def test_a_supervisor_creates_a_rule_and_everyone_reads_it(
    api, supervisor, floor_user, purchaser, warehouse, product, face, receive
):
    receive(face, product, 7)
    response = api(supervisor).post(URL, _body(warehouse, product), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert {k: data[k] for k in ("warehouse", "location", "product")} == {
        "warehouse": warehouse.code,
        "location": "P-01",
        "product": product.sku,
    }
    assert (data["min_quantity"], data["max_quantity"], data["is_active"]) == (10, 40, True)
    assert (data["on_face"], data["coming"], data["replenishments"]) == (7, 0, 0)
    assert data["location_id"] == face.pk

    for reader in (supervisor, floor_user, purchaser):
        listed = api(reader).get(URL, {"warehouse": warehouse.code})
        assert listed.status_code == 200, reader.username
        assert [r["id"] for r in listed.json()["results"]] == [data["id"]]
    assert api(floor_user).get(f"{URL}{data['id']}/").json()["on_face"] == 7


@pytest.mark.django_db
def test_floor_staff_and_purchasers_may_not_write(
    api, supervisor, floor_user, purchaser, warehouse, product, face
):
    for user in (floor_user, purchaser):
        response = api(user).post(URL, _body(warehouse, product), format="json")
        assert response.status_code == 403, user.username
    assert not PickFaceRule.objects.exists()

    rule_id = api(supervisor).post(URL, _body(warehouse, product), format="json").json()["id"]
    response = api(floor_user).patch(f"{URL}{rule_id}/", {"min_quantity": 1}, format="json")
    assert response.status_code == 403
    assert PickFaceRule.objects.get().min_quantity == 10


@pytest.mark.django_db
def test_anonymous_gets_401(api):
    assert api().get(URL).status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"min_quantity": 50, "max_quantity": 40}, "max_quantity", "invalid_quantity"),
        ({"min_quantity": 40, "max_quantity": 40}, "max_quantity", "invalid_quantity"),
        ({"min_quantity": -1}, "min_quantity", "invalid_quantity"),
        ({"max_quantity": 61}, "max_quantity", "over_capacity"),
        ({"min_quantity": "ten"}, "min_quantity", "invalid"),
        ({"max_quantity": None}, "max_quantity", "null"),
        ({"location": "R-01"}, "location", "not_a_pick_face"),
        ({"location": "NOPE"}, "location", "does_not_exist"),
        ({"product": "NOPE"}, "product", "does_not_exist"),
        ({"warehouse": "NOPE"}, "warehouse", "does_not_exist"),
    ],
)
def test_bad_values_are_400_naming_the_field(
    api, supervisor, warehouse, product, face, changes, field, code
):
    LocationFactory(warehouse=warehouse, code="R-01")
    response = api(supervisor).post(URL, _body(warehouse, product, **changes), format="json")

    assert response.status_code == 400, response.json()
    assert error_code(response, field) == code
    assert not PickFaceRule.objects.exists()


@pytest.mark.django_db
def test_not_a_pick_bin_says_what_it_is(api, supervisor, warehouse, product, face):
    LocationFactory(warehouse=warehouse, code="R-01")
    response = api(supervisor).post(URL, _body(warehouse, product, location="R-01"), format="json")
    assert response.json()["detail"] == (
        "R-01 is a storage bin, not a pick bin: min/max rules are for bins of kind pick."
    )


@pytest.mark.django_db
def test_one_rule_per_bin_and_product(api, supervisor, warehouse, product, face):
    client = api(supervisor)
    assert client.post(URL, _body(warehouse, product), format="json").status_code == 201
    again = client.post(URL, _body(warehouse, product, min_quantity=1), format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "rule_exists"
    other = ProductFactory()
    assert client.post(URL, _body(warehouse, other), format="json").status_code == 201


@pytest.mark.django_db
def test_patch_changes_min_max_and_active_and_names_the_field_it_breaks(
    api, supervisor, warehouse, product, face
):
    client = api(supervisor)
    rule_id = client.post(URL, _body(warehouse, product), format="json").json()["id"]
    url = f"{URL}{rule_id}/"

    changed = client.patch(url, {"max_quantity": 50, "is_active": False}, format="json")
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["max_quantity"], changed.json()["is_active"]) == (50, False)

    too_high = client.patch(url, {"min_quantity": 50}, format="json")
    assert too_high.status_code == 400
    assert error_code(too_high, "min_quantity") == "invalid_quantity"
    assert too_high.json()["detail"] == "The maximum (50) must be above the minimum (50)."

    fixed = client.patch(url, {"product": "OTHER"}, format="json")
    assert fixed.status_code == 400
    assert error_code(fixed, "product") == "read_only"
    assert PickFaceRule.objects.get().min_quantity == 10


@pytest.mark.django_db
def test_filters_and_scope(api, supervisor, scoped_supervisor, warehouse, product, face):
    client = api(supervisor)
    client.post(URL, _body(warehouse, product), format="json")
    other = WarehouseFactory()
    LocationFactory(warehouse=other, code="P-01", kind=K.PICK)
    client.post(URL, _body(other, product), format="json")

    assert api(supervisor).get(URL).json()["count"] == 2
    assert api(supervisor).get(URL, {"warehouse": other.code}).json()["count"] == 1
    assert api(supervisor).get(URL, {"product": "NOPE"}).json()["count"] == 0
    assert api(supervisor).get(URL, {"is_active": "false"}).json()["count"] == 0
    assert api(supervisor).get(URL, {"is_active": "maybe"}).status_code == 400

    local = api(scoped_supervisor(warehouse))
    assert local.get(URL).json()["count"] == 1
    refused = local.post(URL, _body(other, ProductFactory()), format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "warehouse_out_of_scope"
    assert (
        local.get(f"{URL}{PickFaceRule.objects.get(location__warehouse=other).pk}/").status_code
        == 404
    )
