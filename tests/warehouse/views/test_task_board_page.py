"""The supervisor's task board page: its filters (those the dashboard links with included),
sorting and paging, the row actions answered with the row drawn again, ticked rows at once,
a task's history, who may open it, and a constant number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inventory.models import AuditEvent
from tests.conftest import _user
from tests.factories.warehouse import TaskFactory
from tests.warehouse.services.test_task_board import board_build, scoped_user, snapshot
from tests.warehouse.views.scenario import page_text
from warehouse.models import Task
from warehouse.services.layout import location_set_blocked
from warehouse.services.picking import pick_task_complete
from warehouse.services.tasks import task_claim
from wms.roles import SUPERVISOR

URL = reverse("supervisor-tasks")
BULK = reverse("supervisor-tasks-bulk")
HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(db):
    return board_build()


@pytest.fixture
def desk(client, board):
    """The supervisor's browser, in the board's warehouse."""
    client.force_login(board.boss)
    session = client.session
    session["wms_warehouse_id"] = board.warehouse.pk
    session.save()
    return client


def shown(response) -> list[int]:
    return [row.task.pk for row in response.context["page"].object_list]


def action(task, name: str) -> str:
    return reverse("supervisor-task-action", args=[task.pk, name])


# --- the board -----------------------------------------------------------------------------


def test_the_board_lists_active_tasks_most_urgent_first(desk, board):
    response = desk.get(URL)

    assert response.status_code == 200
    assert shown(response) == [board.putaway.pk, board.count.pk, board.replenish.pk, board.pick.pk]
    text = page_text(response)
    assert "Tasks" in text
    assert f"Putaway #{board.putaway.pk} receipt:1" in text
    assert "MAIN-GLOVE Nitrile gloves RECV-01 → A-03 30 Open" in text
    assert f"Pick #{board.pick.pk} SO-MAIN-1" in text
    assert "4 active" in text
    nav = [item.label for item in response.wsgi_request.shell.nav]
    assert "Tasks" in nav


def test_the_dashboards_filters_kind_status_assignee_and_exception(desk, board):
    task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)  # the putaway

    assert shown(desk.get(URL, {"kind": "count"})) == [board.count.pk]
    assert shown(desk.get(URL, {"status": "assigned"})) == [board.putaway.pk]
    assert shown(desk.get(URL, {"status": "open", "kind": "pick"})) == [board.pick.pk]
    assert shown(desk.get(URL, {"assignee": board.floor1.username})) == [board.putaway.pk]
    assert shown(desk.get(URL, {"assignee": str(board.floor1.pk)})) == [board.putaway.pk]
    assert board.putaway.pk not in shown(desk.get(URL, {"assignee": "none"}))
    assert shown(desk.get(URL, {"assignee": board.floor2.username})) == []


def test_exception_short_pick_shows_short_picks_and_their_counts(desk, board):
    task_board_assign_pick(board)
    pick_task_complete(
        task_id=board.pick.pk,
        user_id=board.floor1.pk,
        scanned_location="A-01",
        scanned_product=board.bolt.barcode,
        quantity=1,
    )
    recount = Task.objects.get(kind=Task.Kind.COUNT, parent=board.pick)

    response = desk.get(URL, {"exception": "short_pick"})

    assert set(shown(response)) == {board.pick.pk, recount.pk}
    assert "Short: 1 of 4" in page_text(response)
    assert response.context["status_value"] == "all"  # a short pick is a done task
    assert response.context["counts"].short_pick == 2


def task_board_assign_pick(board):
    from warehouse.services.task_board import task_board_assign

    task_board_assign(task_id=board.pick.pk, assignee=board.floor1.pk, actor_id=board.boss.pk)


def test_exception_blocked_shows_blocked_bins_and_tasks_held_too_long(desk, board, settings):
    location_set_blocked(location_id=board.bins["A-03"].pk, blocked=True, reason="spill")
    assert shown(desk.get(URL, {"exception": "blocked"})) == [board.putaway.pk]

    task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)  # the putaway
    stale = TaskFactory(
        warehouse=board.warehouse,
        kind=Task.Kind.COUNT,
        product=board.bolt,
        source_location=board.bins["A-01"],
    )
    from warehouse.services.task_board import task_board_assign

    task_board_assign(task_id=stale.pk, assignee=board.floor2.pk, actor_id=board.boss.pk)
    an_hour_ago = timezone.now() - timedelta(minutes=settings.WMS_TASK_CLAIM_TIMEOUT_MINUTES + 5)
    Task.objects.filter(pk=stale.pk).update(updated_at=an_hour_ago)

    response = desk.get(URL, {"exception": "blocked"})

    assert set(shown(response)) == {board.putaway.pk, stale.pk}
    text = page_text(response)
    assert "Bin blocked" in text
    assert "Held " in text


def test_product_bin_zone_priority_age_and_search(desk, board):
    old = timezone.now() - timedelta(hours=2)
    Task.objects.filter(pk=board.count.pk).update(created_at=old)

    assert shown(desk.get(URL, {"product": "main-glove"})) == [board.putaway.pk]
    assert set(shown(desk.get(URL, {"location": "A-02"}))) == {board.count.pk, board.replenish.pk}
    assert set(shown(desk.get(URL, {"zone": "P"}))) == {board.replenish.pk}
    assert shown(desk.get(URL, {"priority": "1"})) == [board.putaway.pk]
    assert shown(desk.get(URL, {"age": "1h"})) == [board.count.pk]
    assert shown(desk.get(URL, {"q": f"#{board.pick.pk}"})) == [board.pick.pk]
    assert shown(desk.get(URL, {"q": "SO-MAIN"})) == [board.pick.pk]
    assert shown(desk.get(URL, {"q": "gloves"})) == [board.putaway.pk]


def test_sorting_by_a_column_and_back(desk, board):
    by_kind = shown(desk.get(URL, {"sort": "kind"}))
    assert [Task.objects.get(pk=pk).kind for pk in by_kind] == [
        "count",
        "pick",
        "putaway",
        "replenish",
    ]
    assert shown(desk.get(URL, {"sort": "-kind"})) == by_kind[::-1]
    assert shown(desk.get(URL, {"sort": "-priority"}))[-1] == board.putaway.pk
    response = desk.get(URL, {"sort": "kind"})
    assert 'aria-sort="ascending"' in response.content.decode()


def test_bad_filters_are_reported_and_left_out(desk, board):
    response = desk.get(URL, {"kind": "teleport", "priority": "11", "sort": "height", "age": "1y"})

    assert response.status_code == 200
    assert len(shown(response)) == 4
    assert page_text(response).count("It is left out.") == 4


def test_paging(desk, board):
    for n in range(55):
        TaskFactory(
            warehouse=board.warehouse,
            kind=Task.Kind.COUNT,
            product=board.bolt,
            source_location=board.bins["A-01"],
            priority=9,
            notes=f"n{n}",
        )
    first = desk.get(URL)
    second = desk.get(URL, {"page": "2"})
    assert len(shown(first)) == 50
    assert len(shown(second)) == 9
    assert "Page 1 of 2" in page_text(first)


def test_the_board_costs_the_same_queries_for_many_tasks(desk, board, django_assert_num_queries):
    desk.get(URL)
    with CaptureQueriesContext(connection) as few:
        desk.get(URL)
    for _ in range(30):
        TaskFactory(
            warehouse=board.warehouse,
            kind=Task.Kind.COUNT,
            product=board.bolt,
            source_location=board.bins["A-01"],
        )
    with django_assert_num_queries(len(few.captured_queries)):
        desk.get(URL)


def test_only_supervisors_open_the_board(client, board):
    for user in (board.floor1, _user("buyer", "purchaser")):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(action(board.putaway, "release")).status_code == 403
        assert client.post(BULK, {"task": [board.count.pk], "action": "cancel"}).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302  # to the login page


# --- one row -------------------------------------------------------------------------------


def test_assigning_from_a_row_redraws_it(desk, board):
    response = desk.post(
        action(board.putaway, "assign"), {"assignee": board.floor2.username}, headers=HTMX
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert body.strip().startswith(f'<tbody id="task-{board.putaway.pk}"')
    assert f"Task #{board.putaway.pk} given to {board.floor2.username}." in page_text(response)
    assert f'<option value="{board.floor2.username}" selected>' in body
    task = Task.objects.get(pk=board.putaway.pk)
    assert (task.status, task.assignee) == ("assigned", board.floor2)
    assert AuditEvent.objects.get(object_id=task.pk).actor == board.boss


def test_priority_release_and_cancel_from_a_row(desk, board):
    task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)

    assert (
        desk.post(action(board.count, "priority"), {"priority": "2"}, headers=HTMX).status_code
        == 200
    )
    released = desk.post(action(board.putaway, "release"), headers=HTMX)
    cancelled = desk.post(action(board.pick, "cancel"), headers=HTMX)

    assert Task.objects.get(pk=board.count.pk).priority == 2
    assert f"Task #{board.putaway.pk} back in the queue." in page_text(released)
    assert Task.objects.get(pk=board.putaway.pk).status == "open"
    assert f"Task #{board.pick.pk} cancelled." in page_text(cancelled)
    assert "Cancelled" in page_text(cancelled)
    assert sorted(
        AuditEvent.objects.filter(object_type="task").values_list("action", flat=True)
    ) == [
        "task_cancel",
        "task_priority",
        "task_release",
    ]


def test_a_task_that_moved_on_is_409_with_the_row_as_it_is_now(desk, board):
    Task.objects.filter(pk=board.count.pk).update(status=Task.Status.DONE)
    before = snapshot()

    response = desk.post(
        action(board.count, "assign"), {"assignee": board.floor1.username}, headers=HTMX
    )

    assert response.status_code == 409
    text = page_text(response)
    assert f"Task #{board.count.pk} is done: it can no longer be reassigned." in text
    assert "Done" in text
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("priority", {"priority": "0"}, "Priority runs from 1 (most urgent) to 9."),
        ("priority", {"priority": "high"}, "Priority runs from 1 (most urgent) to 9."),
        ("priority", {}, "Choose a priority from 1 (most urgent) to 9."),
        ("assign", {}, "Choose the worker to give the task to."),
        ("assign", {"assignee": "ghost"}, "ghost is not a floor worker or supervisor"),
        ("cancel", {"reason": "x" * 201}, "at most 200 characters"),
    ],
)
def test_bad_input_is_422_and_changes_nothing(desk, board, name, data, message):
    before = snapshot()
    response = desk.post(action(board.count, name), data, headers=HTMX)
    assert response.status_code == 422
    assert message in page_text(response)
    assert snapshot() == before


def test_putaways_cannot_be_cancelled_and_say_why(desk, board):
    response = desk.post(action(board.putaway, "cancel"), headers=HTMX)
    assert response.status_code == 409
    assert "A putaway task cannot be cancelled" in page_text(response)
    assert f'action="{action(board.putaway, "cancel")}' not in response.content.decode()


def test_another_warehouses_task_or_action_is_404(desk, board):
    east = board_build("EAST", users=False)
    assert desk.post(action(east.putaway, "release"), headers=HTMX).status_code == 404
    assert desk.post(action(board.putaway, "teleport"), headers=HTMX).status_code == 404
    assert desk.get(reverse("supervisor-task-history", args=[east.count.pk])).status_code == 404


def test_without_htmx_a_row_action_redirects_back_with_a_message(desk, board):
    response = desk.post(
        f"{action(board.count, 'priority')}?kind=count", {"priority": "4"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"{URL}?kind=count"
    assert f"Task #{board.count.pk} set to priority 4." in page_text(response)


# --- ticked rows ---------------------------------------------------------------------------


def test_ticked_tasks_are_given_to_one_worker_and_refusals_marked(desk, board):
    Task.objects.filter(pk=board.count.pk).update(status=Task.Status.DONE)

    response = desk.post(
        f"{BULK}?status=all",
        {
            "task": [board.putaway.pk, board.count.pk, board.replenish.pk],
            "action": "assign",
            "assignee": board.floor2.username,
        },
        headers=HTMX,
    )

    assert response.status_code == 200
    text = page_text(response)
    assert f"2 of 3 tasks given to {board.floor2.username}. 1 refused: see the marked rows." in text
    assert f"Task #{board.count.pk} is done: it can no longer be reassigned." in text
    held = Task.objects.filter(assignee=board.floor2).values_list("pk", flat=True)
    assert set(held) == {board.putaway.pk, board.replenish.pk}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "assign"}, "Tick the tasks first."),
        ({"task": ["1", "x"], "action": "assign"}, "The list of tasks is out of date"),
        ({"task": ["1"], "action": "explode"}, "Select a valid choice"),
        ({"task": ["1"]}, "Choose what to do with the ticked tasks."),
    ],
)
def test_bad_bulk_requests_are_422(desk, board, data, message):
    before = snapshot()
    response = desk.post(BULK, data, headers=HTMX)
    assert response.status_code == 422
    assert message in page_text(response)
    assert snapshot() == before


def test_ticking_another_warehouses_task_changes_nothing(desk, board):
    east = board_build("EAST", users=False)
    before = snapshot()
    response = desk.post(
        BULK, {"task": [board.count.pk, east.count.pk], "action": "cancel"}, headers=HTMX
    )
    assert response.status_code == 422
    assert "not in this warehouse" in page_text(response)
    assert snapshot() == before


# --- history -------------------------------------------------------------------------------


def test_a_tasks_history_shows_every_action_with_before_and_after(desk, board):
    desk.post(action(board.count, "assign"), {"assignee": board.floor1.username}, headers=HTMX)
    desk.post(action(board.count, "assign"), {"assignee": board.floor2.username}, headers=HTMX)
    desk.post(action(board.count, "priority"), {"priority": "1"}, headers=HTMX)
    history = reverse("supervisor-task-history", args=[board.count.pk])

    fragment = desk.get(history, headers=HTMX)
    page = desk.get(history)

    text = page_text(fragment)
    boss = board.boss.username
    assert text.index(f"{boss} Task priority changed priority: 3 → 1") < text.index(
        f"{boss} Task assigned assignee: {board.floor1.username} → {board.floor2.username}"
    )
    assert f"assignee: — → {board.floor1.username}" in text  # the first assignment
    assert "status: open → assigned" in text
    assert "Created" in text
    assert "Hide" in text
    assert page.status_code == 200
    assert f"Task #{board.count.pk}" in page_text(page)
    assert desk.get(f"{history}?hide=1", headers=HTMX).content == b""


def test_scoped_supervisor_sees_only_their_warehouse(client, board):
    east = board_build("EAST", users=False)
    east_boss = scoped_user("east-boss", SUPERVISOR, east.warehouse)
    client.force_login(east_boss)
    response = client.get(URL)
    assert set(shown(response)) == {east.putaway.pk, east.pick.pk, east.count.pk, east.replenish.pk}
