"""/api/v1/locations/: layout writes through warehouse.services.layout, blocking included."""

import pytest

from inventory.models import StockLevel
from tests.api.fixtures import error_code
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from warehouse.models import Location, Zone

URL = "/api/v1/locations/"


def _body(site, **changes):
    return {"warehouse": site.code, "code": "A-01-01"} | changes


@pytest.mark.django_db
def test_create_location_with_every_field(api, supervisor, warehouse, product):
    Zone.objects.create(warehouse=warehouse, code="RES", name="Reserve")
    body = _body(
        warehouse,
        barcode="LBL-A0101",
        kind="pick",
        zone="RES",
        aisle="A",
        rack="01",
        shelf="2",
        bin="3",
        pick_sequence=40,
        x=12.5,
        y=-3.0,
        capacity_units=200,
        home_product=product.sku,
    )
    response = api(supervisor).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert {k: data[k] for k in body} == body
    assert data["warehouse_id"] == warehouse.pk
    assert data["is_blocked"] is False
    location = Location.objects.get(pk=data["id"])
    assert (location.zone.code, location.capacity_units, location.home_product) == (
        "RES",
        200,
        product,
    )


@pytest.mark.django_db
def test_create_defaults(api, supervisor, warehouse):
    data = api(supervisor).post(URL, _body(warehouse), format="json").json()
    assert data["kind"] == "storage"
    assert data["barcode"] == "A-01-01"
    assert data["capacity_units"] is None
    assert data["zone"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"warehouse": "NOPE"}, "warehouse", "does_not_exist"),
        ({"warehouse": 17}, "warehouse", "invalid"),
        ({"warehouse": ""}, "warehouse", "blank"),
        ({"code": "bad code"}, "code", "invalid"),
        ({"kind": "supplier"}, "kind", "invalid_choice"),
        ({"kind": "adjustment"}, "kind", "invalid_choice"),
        ({"zone": "NOZONE"}, "zone", "does_not_exist"),
        ({"home_product": "NO-SKU"}, "home_product", "does_not_exist"),
        ({"capacity_units": 0}, "capacity_units", "min_value"),
        ({"capacity_units": -5}, "capacity_units", "min_value"),
        ({"capacity_units": 10**10}, "capacity_units", "max_value"),
        ({"capacity_units": "lots"}, "capacity_units", "invalid"),
        ({"pick_sequence": -1}, "pick_sequence", "min_value"),
        ({"pick_sequence": 10**12}, "pick_sequence", "max_value"),
        ({"x": "left"}, "x", "invalid"),
        ({"x": 1e300}, "x", "max_value"),
        ({"aisle": "A" * 11}, "aisle", "max_length"),
        ({"is_blocked": True}, "is_blocked", "invalid"),
        ({"blocked_reason": "broken"}, "is_blocked", "invalid"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(
    api, supervisor, warehouse, changes, field, code
):
    before = Location.objects.count()
    response = api(supervisor).post(URL, _body(warehouse, **changes), format="json")
    assert response.status_code == 400, response.json()
    assert error_code(response, field) == code
    assert Location.objects.count() == before


@pytest.mark.django_db
def test_zone_of_another_warehouse_does_not_exist_here(api, supervisor, warehouse):
    other = WarehouseFactory()
    Zone.objects.create(warehouse=other, code="FAR", name="Far")
    response = api(supervisor).post(URL, _body(warehouse, zone="FAR"), format="json")
    assert error_code(response, "zone") == "does_not_exist"


@pytest.mark.django_db
def test_code_and_barcode_are_unique_within_the_warehouse(api, supervisor, warehouse):
    LocationFactory(warehouse=warehouse, code="A-01-01")
    client = api(supervisor)
    response = client.post(URL, _body(warehouse), format="json")
    assert error_code(response, "code") == "unique"
    response = client.post(URL, _body(warehouse, code="B-1", barcode="A-01-01"), format="json")
    assert error_code(response, "barcode") == "unique"
    # The same code in another warehouse is fine.
    assert client.post(URL, _body(WarehouseFactory()), format="json").status_code == 201


@pytest.mark.django_db
def test_write_naming_a_warehouse_outside_the_scope_is_403(api, scoped_supervisor):
    mine, theirs = WarehouseFactory(), WarehouseFactory()
    response = api(scoped_supervisor(mine)).post(URL, _body(theirs), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "warehouse_out_of_scope"
    assert error_code(response, "warehouse") == "warehouse_out_of_scope"
    assert not Location.objects.filter(code="A-01-01").exists()


@pytest.mark.django_db
def test_list_and_detail_stay_inside_the_scope(api, scoped_supervisor):
    mine, theirs = WarehouseFactory(), WarehouseFactory()
    foreign = LocationFactory(warehouse=theirs)
    client = api(scoped_supervisor(mine))
    warehouses = {row["warehouse"] for row in client.get(URL).json()["results"]}
    assert warehouses == {mine.code}
    assert client.get(f"{URL}{foreign.pk}/").status_code == 404
    assert client.patch(f"{URL}{foreign.pk}/", {"aisle": "Z"}, format="json").status_code == 404


@pytest.mark.django_db
def test_list_filters_and_never_shows_virtual_locations(api, floor_user, warehouse):
    LocationFactory(warehouse=warehouse, code="S-1")
    client = api(floor_user)
    kinds = {row["kind"] for row in client.get(URL + "?page_size=100").json()["results"]}
    assert kinds == {"receiving", "qc", "quarantine", "staging", "shipping", "storage"}
    rows = client.get(f"{URL}?warehouse={warehouse.code}&kind=storage").json()["results"]
    assert [row["code"] for row in rows] == ["S-1"]
    assert client.get(URL + "?warehouse=ELSEWHERE").json()["count"] == 0
    response = client.get(URL + "?kind=customer")
    assert response.status_code == 400
    assert error_code(response, "kind") == "invalid_choice"
    virtual = Location.objects.get(warehouse=warehouse, kind="adjustment")
    assert client.get(f"{URL}{virtual.pk}/").status_code == 404


@pytest.mark.django_db
def test_list_has_no_n_plus_one(api, supervisor, warehouse, django_assert_max_num_queries):
    LocationFactory.create_batch(10, warehouse=warehouse)
    client = api(supervisor)
    with django_assert_max_num_queries(8):
        assert client.get(URL).json()["count"] == 15


@pytest.mark.django_db
def test_patch_layout_fields(api, supervisor, bin_):
    Zone.objects.create(warehouse=bin_.warehouse, code="PF", name="Pick face")
    response = api(supervisor).patch(
        f"{URL}{bin_.pk}/",
        {"zone": "PF", "capacity_units": None, "pick_sequence": 7, "kind": "pick"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    bin_.refresh_from_db()
    assert (bin_.zone.code, bin_.capacity_units, bin_.pick_sequence, bin_.kind) == (
        "PF",
        None,
        7,
        "pick",
    )


@pytest.mark.django_db
def test_patch_cannot_move_a_location_to_another_warehouse(api, supervisor, bin_):
    other = WarehouseFactory()
    response = api(supervisor).patch(f"{URL}{bin_.pk}/", {"warehouse": other.code}, format="json")
    assert response.status_code == 400
    assert error_code(response, "warehouse") == "invalid"
    # Sending its own warehouse back is fine (a client echoing what it read).
    same = api(supervisor).patch(
        f"{URL}{bin_.pk}/", {"warehouse": bin_.warehouse.code}, format="json"
    )
    assert same.status_code == 200


@pytest.mark.django_db
def test_kind_change_of_a_stocked_bin_is_409(api, supervisor, bin_, product, receive):
    receive(bin_, product, 2)
    response = api(supervisor).patch(f"{URL}{bin_.pk}/", {"kind": "quarantine"}, format="json")
    assert response.status_code == 409
    assert error_code(response, "kind") == "conflict"
    bin_.refresh_from_db()
    assert bin_.kind == "storage"


@pytest.mark.django_db
def test_blocking_moves_stock_to_the_blocked_bucket(api, supervisor, bin_, receive):
    product = ProductFactory()
    receive(bin_, product, 6)
    client = api(supervisor)
    response = client.patch(
        f"{URL}{bin_.pk}/", {"is_blocked": True, "blocked_reason": "Rack damaged"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["is_blocked"], response.json()["blocked_reason"]) == (
        True,
        "Rack damaged",
    )
    level = StockLevel.objects.get(product=product, warehouse=bin_.warehouse)
    assert (level.blocked, level.available) == (6, 0)

    response = client.patch(f"{URL}{bin_.pk}/", {"is_blocked": False}, format="json")
    assert response.status_code == 200
    assert response.json()["blocked_reason"] == ""
    level.refresh_from_db()
    assert (level.blocked, level.available) == (0, 6)


@pytest.mark.django_db
def test_blocking_together_with_layout_changes_is_refused(api, supervisor, bin_):
    response = api(supervisor).patch(
        f"{URL}{bin_.pk}/", {"is_blocked": True, "aisle": "B"}, format="json"
    )
    assert response.status_code == 400
    assert error_code(response, "is_blocked") == "invalid"
    bin_.refresh_from_db()
    assert (bin_.is_blocked, bin_.aisle) == (False, "")


@pytest.mark.django_db
def test_unchanged_block_fields_do_not_count_as_a_block_change(api, supervisor, bin_):
    response = api(supervisor).patch(
        f"{URL}{bin_.pk}/", {"is_blocked": False, "blocked_reason": "", "aisle": "B"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["aisle"] == "B"


@pytest.mark.django_db
def test_reason_without_blocking_is_refused(api, supervisor, bin_):
    response = api(supervisor).patch(f"{URL}{bin_.pk}/", {"blocked_reason": "why"}, format="json")
    assert response.status_code == 400
    assert error_code(response, "blocked_reason") == "invalid"


@pytest.mark.django_db
def test_only_storage_and_pick_bins_can_be_blocked(api, supervisor, warehouse):
    dock = Location.objects.get(warehouse=warehouse, kind="receiving")
    response = api(supervisor).patch(f"{URL}{dock.pk}/", {"is_blocked": True}, format="json")
    assert response.status_code == 400
    assert error_code(response, "is_blocked") == "invalid"


@pytest.mark.django_db
def test_floor_staff_read_but_cannot_change_locations(api, floor_user, bin_):
    client = api(floor_user)
    assert client.get(f"{URL}{bin_.pk}/").status_code == 200
    assert client.patch(f"{URL}{bin_.pk}/", {"aisle": "Q"}, format="json").status_code == 403
