"""Supervisor control of tasks over the API: PATCH /tasks/{id}/ (assignee, priority), POST
/tasks/{id}/cancel/ and /release/; who may, the contract's error bodies, nothing changed by a
refused request, and the audit records the accepted ones leave."""

import pytest

from inventory.models import AuditEvent
from tests.api.fixtures import error_code
from tests.conftest import _user
from tests.factories.inventory import WarehouseFactory
from tests.warehouse.services.test_task_board import board_build, scoped_user, snapshot
from warehouse.models import Task
from warehouse.services.putaway import putaway_task_complete
from warehouse.services.tasks import task_claim
from wms.roles import FLOOR, SUPERVISOR

URL = "/api/v1/tasks/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(db):
    return board_build()


def url(task, action: str = "") -> str:
    return f"{URL}{task.pk}/{action + '/' if action else ''}"


# --- PATCH ---------------------------------------------------------------------------------


def test_patch_gives_the_task_to_a_worker_by_username_or_id(api, board):
    client = api(board.boss)

    by_name = client.patch(url(board.putaway), {"assignee": board.floor2.username}, format="json")
    by_id = client.patch(url(board.count), {"assignee": board.floor1.pk}, format="json")

    assert by_name.status_code == 200, by_name.json()
    body = by_name.json()
    assert (body["id"], body["status"], body["assignee"]) == (
        board.putaway.pk,
        "assigned",
        board.floor2.username,
    )
    assert by_id.json()["assignee"] == board.floor1.username
    event = AuditEvent.objects.get(object_type="task", object_id=board.putaway.pk)
    assert (event.action, event.actor, event.changes["assignee"]) == (
        "task_assign",
        board.boss,
        [None, board.floor2.username],
    )


def test_patch_changes_the_priority_and_both_at_once(api, board):
    client = api(board.boss)

    response = client.patch(
        url(board.replenish), {"priority": 1, "assignee": board.floor1.username}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["priority"], response.json()["assignee"]) == (1, board.floor1.username)
    actions = AuditEvent.objects.filter(object_id=board.replenish.pk).values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["task_assign", "task_priority"]


def test_patch_assignee_null_puts_a_held_task_back_in_the_queue(api, board):
    task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)

    response = api(board.boss).patch(url(board.putaway), {"assignee": None}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["assignee"]) == ("open", None)
    assert AuditEvent.objects.get(object_id=board.putaway.pk).action == "task_release"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"priority": 0}, "priority", "min_value"),
        ({"priority": 10}, "priority", "max_value"),
        ({"priority": "urgent"}, "priority", "invalid"),
        ({"priority": None}, "priority", "null"),
        ({"assignee": "no-such-worker"}, "assignee", "invalid_assignee"),
        ({"assignee": ""}, "assignee", "blank"),
        ({"assignee": "x" * 151}, "assignee", "max_length"),
        ({"status": "done"}, "status", "read_only"),
        ({"quantity": 1, "priority": 2}, "quantity", "read_only"),
        ({}, "non_field_errors", "required"),
    ],
)
def test_bad_values_are_a_400_naming_the_field(api, board, body, field, code):
    before = snapshot()

    response = api(board.boss).patch(url(board.putaway), body, format="json")

    assert response.status_code == 400, response.json()
    assert error_code(response, field) == code
    assert snapshot() == before


def test_a_purchaser_or_another_sites_worker_is_not_a_valid_assignee(api, board):
    other = WarehouseFactory(code="EAST")
    for assignee in (
        _user("buyer", "purchaser").username,
        scoped_user("east-hands", FLOOR, other).pk,
    ):
        response = api(board.boss).patch(url(board.count), {"assignee": assignee}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_assignee"
        assert str(assignee) in response.json()["fields"]["assignee"][0]["message"]
    assert Task.objects.get(pk=board.count.pk).assignee is None


def test_a_done_task_is_409(api, board):
    task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)
    putaway_task_complete(
        task_id=board.putaway.pk,
        user_id=board.floor1.pk,
        scanned_location="RECV-01",
        scanned_product=board.glove.barcode,
    )
    before = snapshot()
    client = api(board.boss)

    for response in (
        client.patch(url(board.putaway), {"assignee": board.floor2.username}, format="json"),
        client.patch(url(board.putaway), {"priority": 2}, format="json"),
        client.post(url(board.putaway, "release"), format="json"),
    ):
        assert response.status_code == 409
        assert response.json()["code"] == "task_finished"
        assert "is done" in response.json()["detail"]
    assert snapshot() == before


def test_put_is_not_allowed(api, board):
    response = api(board.boss).put(url(board.count), {"priority": 2}, format="json")
    assert response.status_code == 405


# --- cancel and release --------------------------------------------------------------------


def test_cancel_a_pick_releases_and_reallocates(api, board):
    response = api(board.boss).post(
        url(board.pick, "cancel"), {"reason": "bin damaged"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["notes"] == "cancelled: bin damaged"
    replacement = Task.objects.get(order=board.order, status="open")
    assert replacement.source_location.code == "A-02"
    event = AuditEvent.objects.get(object_id=board.pick.pk)
    assert (event.action, event.actor) == ("task_cancel", board.boss)
    assert event.note.startswith("bin damaged; 4 reserved in A-01 released")


def test_cancel_a_putaway_is_409_not_cancellable(api, board):
    before = snapshot()
    response = api(board.boss).post(url(board.putaway, "cancel"), {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_cancellable"
    assert "Release it or give it to someone else instead" in response.json()["detail"]
    assert snapshot() == before


def test_cancel_reason_too_long_is_400(api, board):
    response = api(board.boss).post(
        url(board.count, "cancel"), {"reason": "x" * 201}, format="json"
    )
    assert response.status_code == 400
    assert error_code(response, "reason") == "max_length"


def test_release_a_held_task_and_an_open_one_is_409(api, board):
    task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)
    client = api(board.boss)

    released = client.post(url(board.putaway, "release"))
    again = client.post(url(board.putaway, "release"))

    assert released.status_code == 200
    assert (released.json()["status"], released.json()["assignee"]) == ("open", None)
    assert again.status_code == 409
    assert again.json()["code"] == "nothing_to_release"


# --- who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["floor", "purchaser"])
def test_only_supervisors_control_tasks(api, board, role):
    user = _user(f"someone-{role}", role)
    client = api(user)
    before = snapshot()

    for response in (
        client.patch(url(board.putaway), {"priority": 2}, format="json"),
        client.post(url(board.putaway, "cancel"), {}, format="json"),
        client.post(url(board.putaway, "release"), {}, format="json"),
        client.patch(f"{URL}999999/", {"priority": 2}, format="json"),  # 403 before 404
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert snapshot() == before


def test_anonymous_is_401(api, board):
    assert api().patch(url(board.putaway), {"priority": 2}, format="json").status_code == 401
    assert api().post(url(board.putaway, "cancel")).status_code == 401


def test_another_warehouses_task_is_404(api, board):
    east = WarehouseFactory(code="EAST")
    east_boss = scoped_user("east-boss", SUPERVISOR, east)
    client = api(east_boss)
    before = snapshot()

    for response in (
        client.patch(url(board.putaway), {"priority": 2}, format="json"),
        client.post(url(board.count, "cancel"), {}, format="json"),
        client.post(url(board.putaway, "release"), {}, format="json"),
    ):
        assert response.status_code == 404
    assert snapshot() == before


def test_the_schema_documents_the_control_endpoints(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    task = schema["paths"]["/api/v1/tasks/{id}/"]
    assert "patch" in task
    assert "put" not in task
    assert set(task["patch"]["responses"]) >= {"200", "400", "403", "404", "409"}
    assert "/api/v1/tasks/{id}/cancel/" in schema["paths"]
    assert "/api/v1/tasks/{id}/release/" in schema["paths"]
