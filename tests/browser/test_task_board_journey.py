"""The task board in headless Chromium: a supervisor at a desktop finds floor1's task on the
board (by the filters the dashboard links with), gives it to floor2 with one choice in the
row, sees the row redrawn and the change in the task's history; floor2, on a phone in a
browser of their own, finds the task in their list, and floor1 no longer does."""

import re

import pytest
from playwright.sync_api import expect

from inventory.models import AuditEvent
from tests.browser.test_inbound_journeys import feedback, fits_the_phone, settled
from tests.conftest import PHONE
from tests.warehouse.services.test_task_board import board_build
from warehouse.models import Task
from warehouse.services.tasks import task_claim

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_reassigns_a_task_and_the_new_worker_sees_it(
    browser, live_server, login, screenshot
):
    board = board_build()
    held = task_claim(user_id=board.floor1.pk, warehouse_id=board.warehouse.pk)
    assert held.pk == board.putaway.pk  # the urgent putaway
    floor1, floor2 = board.floor1.username, board.floor2.username

    desk = login(browser, board.boss.username)
    desk.goto(f"{live_server.url}/supervisor/tasks/?assignee={floor1}&status=assigned")
    row = desk.locator(f"#task-{held.pk}")
    expect(row).to_contain_text("Putaway")
    expect(row).to_contain_text("RECV-01 → A-03")
    expect(desk.locator(".board-table tbody.task-row")).to_have_count(1)
    # Keyboard first: the row's assignee field is labelled and reachable.
    assignee = desk.get_by_label(f"Give task #{held.pk} to")
    expect(assignee).to_have_value(floor1)
    screenshot(desk, "task-board")

    assignee.focus()
    assignee.select_option(floor2)  # one choice: the row submits itself

    expect(row.locator(".task-row__outcome")).to_contain_text(f"Task #{held.pk} given to {floor2}.")
    feedback(desk, "success")
    redrawn = desk.get_by_label(f"Give task #{held.pk} to")
    expect(redrawn).to_have_value(floor2)
    expect(redrawn).to_be_focused()  # the keyboard stays where it was
    settled(desk)
    screenshot(desk, "task-board-reassigned")
    task = Task.objects.get(pk=held.pk)
    assert (task.status, task.assignee_id) == ("assigned", board.floor2.pk)
    (event,) = AuditEvent.objects.filter(object_type="task", object_id=held.pk)
    assert (event.actor_id, event.changes) == (board.boss.pk, {"assignee": [floor1, floor2]})

    desk.get_by_role("link", name=f"History of task #{held.pk}").click()
    history = desk.locator(f"#history-{held.pk}")
    expect(history).to_contain_text(f"{board.boss.username} Task assigned")
    expect(history).to_contain_text(f"assignee: {floor1} → {floor2}")
    settled(desk)
    screenshot(desk, "task-board-history")
    desk.get_by_role("link", name="Audit trail").click()
    record = desk.locator(f"#audit-{event.pk}")
    expect(record).to_contain_text(f"{board.boss.username} Task assigned")
    expect(record).to_contain_text(f"Putaway #{held.pk}")
    screenshot(desk, "audit-trail")

    # floor2's handheld, in a session of its own.
    phone = login(browser, floor2, device=PHONE)
    phone.goto(f"{live_server.url}/floor/")
    card = phone.get_by_role("link", name=f"Continue task #{held.pk}")
    expect(card).to_be_visible()
    fits_the_phone(phone)
    screenshot(phone, "floor-reassigned-task")
    card.click()
    expect(phone).to_have_url(re.compile(rf"/floor/tasks/{held.pk}/$"))

    # floor1's list no longer has it.
    other = login(browser, floor1, device=PHONE)
    other.goto(f"{live_server.url}/floor/")
    expect(other.get_by_role("link", name=f"Continue task #{held.pk}")).to_have_count(0)
    for page in (desk, phone, other):
        page.context.close()
