"""POST /api/v1/tasks/{id}/complete/ answers the task read without joins (task_answer, for the
HTTP benchmark): the answer must be exactly what GET /api/v1/tasks/{id}/ shows."""

import pytest

from tests.factories.inventory import ProductFactory
from tests.warehouse.apis.test_picks_api import build, claim, complete_url, scans
from tests.warehouse.apis.test_task_complete import make_site, received_tasks
from warehouse.models import Task
from warehouse.selectors.tasks import task_answer

URL = "/api/v1/tasks/"


@pytest.mark.django_db
def test_a_picks_answer_is_its_detail(api, floor_user):
    warehouse, bolt, order = build()
    client = api(floor_user)
    task = claim(client, warehouse)

    answer = client.post(complete_url(task["id"]), scans(task, bolt), format="json")

    assert answer.status_code == 200, answer.content
    detail = client.get(f"{URL}{task['id']}/")
    assert answer.json() == detail.json()
    assert answer.json()["order"] == "SO-PICK"
    assert (answer.json()["assignee"], answer.json()["status"]) == ("floor", "done")


@pytest.mark.django_db
def test_a_lot_tracked_putaways_answer_is_its_detail(api, floor_user):
    warehouse, _bins = make_site()
    (task,) = received_tasks(warehouse, ProductFactory(tracking="lot"), 5, lot="LOT-A")
    client = api(floor_user)
    body = {"location": task.source_location.code, "product": task.product.barcode}

    answer = client.post(f"{URL}{task.pk}/complete/", body | {"lot": "LOT-A"}, format="json")

    assert answer.status_code == 200, answer.content
    assert answer.json() == client.get(f"{URL}{task.pk}/").json()
    assert (answer.json()["lot"], answer.json()["order"]) == ("LOT-A", None)


@pytest.mark.django_db
def test_task_answer_of_no_task_is_does_not_exist():
    with pytest.raises(Task.DoesNotExist, match="No task 0"):
        task_answer(task_id=0)
