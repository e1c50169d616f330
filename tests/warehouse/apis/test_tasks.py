"""/api/v1/tasks/: the list, the detail, and claiming the next task."""

import pytest

from tests.api.fixtures import error_code
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, TaskFactory, dock
from warehouse.models import Task

URL = "/api/v1/tasks/"
CLAIM = "/api/v1/tasks/claim/"


@pytest.mark.django_db
def test_task_detail_shows_codes_and_ids(api, floor_user, warehouse, bin_, product):
    task = TaskFactory(
        warehouse=warehouse,
        kind="putaway",
        product=product,
        quantity=4,
        source_location=dock(warehouse),
        destination_location=bin_,
        priority=2,
        reference="receipt:7",
    )
    data = api(floor_user).get(f"{URL}{task.pk}/").json()
    assert (data["kind"], data["status"], data["priority"], data["quantity"]) == (
        "putaway",
        "open",
        2,
        4,
    )
    assert (data["warehouse"], data["product"], data["product_id"]) == (
        warehouse.code,
        product.sku,
        product.pk,
    )
    assert (data["source_location"], data["destination_location"]) == ("RECV-01", bin_.code)
    assert data["destination_location_id"] == bin_.pk
    assert (data["assignee"], data["lot"], data["order"], data["reference"]) == (
        None,
        None,
        None,
        "receipt:7",
    )
    assert data["created_at"]
    assert data["assigned_at"] is None


@pytest.mark.django_db
def test_task_list_filters(api, supervisor, warehouse, product):
    other = WarehouseFactory()
    pick = TaskFactory(warehouse=warehouse, kind="pick", product=product, reference="order:SO-1")
    count = TaskFactory(warehouse=warehouse, kind="count")
    elsewhere = TaskFactory(warehouse=other, kind="pick")
    client = api(supervisor)

    def ids(query):
        response = client.get(URL + query)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("") == {pick.pk, count.pk, elsewhere.pk}
    assert ids(f"?warehouse={warehouse.code}") == {pick.pk, count.pk}
    assert ids("?kind=pick") == {pick.pk, elsewhere.pk}
    assert ids("?status=open") == {pick.pk, count.pk, elsewhere.pk}
    assert ids("?status=done") == set()
    assert ids(f"?product={product.sku}") == {pick.pk}
    assert ids("?order=SO-1") == {pick.pk}
    assert ids("?order=SO-2") == set()
    assert client.get(f"{URL}{pick.pk}/").json()["order"] == "SO-1"


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "field"), [("?kind=haul", "kind"), ("?status=later", "status")])
def test_task_list_bad_filters_are_400(api, supervisor, query, field):
    response = api(supervisor).get(URL + query)
    assert response.status_code == 400
    assert error_code(response, field) == "invalid_choice"


@pytest.mark.django_db
def test_tasks_stay_inside_the_scope(api, scoped_supervisor):
    mine, theirs = WarehouseFactory(), WarehouseFactory()
    TaskFactory(warehouse=mine)
    foreign = TaskFactory(warehouse=theirs)
    client = api(scoped_supervisor(mine))
    assert [row["warehouse"] for row in client.get(URL).json()["results"]] == [mine.code]
    assert client.get(f"{URL}{foreign.pk}/").status_code == 404


@pytest.mark.django_db
def test_task_list_has_no_n_plus_one(api, supervisor, warehouse, django_assert_max_num_queries):
    for product in ProductFactory.create_batch(5):
        TaskFactory(
            warehouse=warehouse,
            product=product,
            destination_location=LocationFactory(warehouse=warehouse),
        )
    with django_assert_max_num_queries(8):
        assert api(supervisor).get(URL).json()["count"] == 5


@pytest.mark.django_db
def test_claim_gives_the_most_urgent_open_task(api, floor_user, warehouse):
    TaskFactory(warehouse=warehouse, priority=5)
    urgent = TaskFactory(warehouse=warehouse, priority=1)
    response = api(floor_user).post(CLAIM, {"warehouse": warehouse.code}, format="json")
    assert response.status_code == 200
    data = response.json()
    assert (data["id"], data["status"], data["assignee"]) == (urgent.pk, "assigned", "floor")
    assert data["assigned_at"]


@pytest.mark.django_db
def test_claim_again_returns_the_task_already_held(api, floor_user, warehouse):
    TaskFactory.create_batch(2, warehouse=warehouse)
    client = api(floor_user)
    first = client.post(CLAIM, {"warehouse": warehouse.code}, format="json").json()
    again = client.post(CLAIM, {"warehouse": warehouse.code}, format="json").json()
    assert again["id"] == first["id"]
    assert Task.objects.filter(status="assigned").count() == 1


@pytest.mark.django_db
def test_two_workers_get_different_tasks(api, floor_user, supervisor, warehouse):
    TaskFactory.create_batch(2, warehouse=warehouse)
    body = {"warehouse": warehouse.code}
    mine = api(floor_user).post(CLAIM, body, format="json").json()
    theirs = api(supervisor).post(CLAIM, body, format="json").json()
    assert mine["id"] != theirs["id"]
    assert api(floor_user).post(CLAIM, body, format="json").json()["id"] == mine["id"]


@pytest.mark.django_db
def test_claim_by_kind(api, floor_user, warehouse):
    TaskFactory(warehouse=warehouse, kind="putaway", priority=1)
    count = TaskFactory(warehouse=warehouse, kind="count", priority=9)
    client = api(floor_user)
    response = client.post(CLAIM, {"warehouse": warehouse.code, "kind": "count"}, format="json")
    assert response.json()["id"] == count.pk
    none_left = client.post(CLAIM, {"warehouse": warehouse.code, "kind": "qc"}, format="json")
    assert none_left.status_code == 204
    assert none_left.content == b""


@pytest.mark.django_db
def test_claim_with_nothing_to_do_is_204(api, floor_user, warehouse):
    TaskFactory(warehouse=WarehouseFactory())  # work elsewhere is not ours
    response = api(floor_user).post(CLAIM, {"warehouse": warehouse.code}, format="json")
    assert response.status_code == 204


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "warehouse", "required"),
        ({"warehouse": "NOWHERE"}, "warehouse", "does_not_exist"),
        ({"warehouse": None}, "warehouse", "null"),
        ({"warehouse": ["WH"]}, "warehouse", "invalid"),
        ({"kind": "haul"}, "kind", "invalid_choice"),
    ],
)
def test_claim_bad_input_is_400(api, floor_user, warehouse, body, field, code):
    if field == "kind":
        body = {"warehouse": warehouse.code, **body}
    response = api(floor_user).post(CLAIM, body, format="json")
    assert response.status_code == 400
    assert error_code(response, field) == code


@pytest.mark.django_db
def test_claim_in_a_warehouse_outside_the_scope_is_403(api, scoped_supervisor):
    mine, theirs = WarehouseFactory(), WarehouseFactory()
    task = TaskFactory(warehouse=theirs)
    response = api(scoped_supervisor(mine)).post(CLAIM, {"warehouse": theirs.code}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "warehouse_out_of_scope"
    task.refresh_from_db()
    assert task.status == "open"


@pytest.mark.django_db
def test_purchasers_cannot_claim(api, purchaser, warehouse):
    task = TaskFactory(warehouse=warehouse)
    response = api(purchaser).post(CLAIM, {"warehouse": warehouse.code}, format="json")
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == "open"


@pytest.mark.django_db
def test_claim_with_malformed_json_is_400(api, floor_user):
    response = api(floor_user).post(CLAIM, "{warehouse:", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
