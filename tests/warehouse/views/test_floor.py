"""The floor worker's handheld page: tasks in hand, the queue, claim, release, scan."""

import pytest
from django.urls import reverse

from tests.factories.warehouse import LocationFactory
from tests.warehouse.views.scenario import page_text, site_build
from warehouse.models import Task
from warehouse.services.tasks import task_claim

HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return site_build()


def test_floor_worker_lands_on_the_floor_page(client, floor_user, site):
    client.force_login(floor_user)

    response = client.get("/", follow=True)

    assert response.redirect_chain == [(reverse("floor-home"), 302)]
    page = page_text(response)
    assert "Claim next task" in page
    assert "1 task waiting in MAIN" in page  # the pick's wave is not released yet
    assert 'name="code"' in response.content.decode()
    assert "autofocus" in response.content.decode()


def test_floor_page_counts_the_queue_per_kind(client, floor_user, site):
    client.force_login(floor_user)

    response = client.get(reverse("floor-home"))

    queue = {item.label: item.count for item in response.context["queue"]}
    # The pick belongs to no released wave, so nobody can claim it yet.
    assert queue == {"Putaway": 1, "Pick": 0, "QC inspection": 0, "Replenish": 0, "Count": 0}


def test_purchaser_may_not_open_the_floor_page(client, purchaser, site):
    client.force_login(purchaser)

    response = client.get(reverse("floor-home"))

    assert response.status_code == 403
    assert "You cannot open this page" in page_text(response)


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("floor-home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/floor/"


def test_anonymous_htmx_request_reloads_the_whole_tab_on_the_login_page(client):
    response = client.post(
        reverse("floor-task-claim"), headers={**HTMX, "HX-Current-URL": "http://testserver/floor/"}
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next=/floor/"


def test_claim_opens_the_most_urgent_task_on_its_own_screen(client, floor_user, site):
    client.force_login(floor_user)

    response = client.post(reverse("floor-task-claim"), headers=HTMX)

    work_url = reverse("floor-task", args=[site.putaway.pk])
    assert response.status_code == 200
    assert response["HX-Redirect"] == work_url
    site.putaway.refresh_from_db()
    assert site.putaway.status == Task.Status.ASSIGNED
    assert site.putaway.assignee_id == floor_user.pk
    page = page_text(client.get(work_url))
    assert f"Putaway task #{site.putaway.pk} is yours." in page
    assert "60 × MAIN-GLOVE-L" in page
    assert "Go to RECV-01" in page


def test_claim_twice_keeps_the_same_task(client, floor_user, site):
    client.force_login(floor_user)
    client.post(reverse("floor-task-claim"), headers=HTMX)

    response = client.post(reverse("floor-task-claim"), headers=HTMX)

    assert response["HX-Redirect"] == reverse("floor-task", args=[site.putaway.pk])
    assert Task.objects.filter(assignee=floor_user).count() == 1


def test_claim_without_htmx_redirects_to_the_task_with_a_message(client, floor_user, site):
    client.force_login(floor_user)

    response = client.post(reverse("floor-task-claim"), follow=True)

    assert response.redirect_chain == [(reverse("floor-task", args=[site.putaway.pk]), 302)]
    page = page_text(response)
    assert f"Putaway task #{site.putaway.pk} is yours." in page
    assert "MAIN-GLOVE-L" in page


def test_the_held_task_card_links_to_its_screen(client, floor_user, site):
    task = task_claim(user_id=floor_user.pk, warehouse_id=site.warehouse.pk)
    client.force_login(floor_user)

    response = client.get(reverse("floor-home"))

    assert response.context["tasks"] == [task]
    html = response.content.decode()
    assert f'href="{reverse("floor-task", args=[task.pk])}"' in html
    assert f"Continue task #{task.pk}" in page_text(response)
    assert "Release to queue" in page_text(response)


def test_the_floor_page_links_to_receiving(client, floor_user, site):
    client.force_login(floor_user)

    response = client.get(reverse("floor-home"))

    assert f'href="{reverse("floor-receiving")}"' in response.content.decode()


def test_the_queue_refreshes_itself_while_the_worker_holds_nothing(client, floor_user, site):
    client.force_login(floor_user)
    html = client.get(reverse("floor-home")).content.decode()
    assert 'hx-trigger="every 5s' in html

    response = client.get(reverse("floor-home"), headers=HTMX)

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "1 task waiting in MAIN" in page_text(response)  # the pick awaits its wave


def test_claim_with_an_empty_queue_says_so(client, floor_user, supervisor, site):
    for _ in range(2):
        task_claim(user_id=supervisor.pk, warehouse_id=site.warehouse.pk)
        Task.objects.filter(assignee=supervisor).update(status=Task.Status.DONE)
    client.force_login(floor_user)

    response = client.post(reverse("floor-task-claim"), headers=HTMX)

    assert response.status_code == 200
    page = page_text(response)
    assert "No tasks are waiting in MAIN. Check again soon." in page
    assert "Claim next task" in page


def test_claim_only_answers_post(client, floor_user, site):
    client.force_login(floor_user)

    assert client.get(reverse("floor-task-claim")).status_code == 405


def test_release_puts_the_task_back_in_the_queue(client, floor_user, site):
    task = task_claim(user_id=floor_user.pk, warehouse_id=site.warehouse.pk)
    client.force_login(floor_user)

    response = client.post(reverse("floor-task-release", args=[task.pk]), headers=HTMX)

    assert response.status_code == 200
    assert f"Task #{task.pk} is back in the queue." in page_text(response)
    task.refresh_from_db()
    assert task.status == Task.Status.OPEN
    assert task.assignee_id is None


def test_release_of_a_task_already_released_is_a_clear_conflict(client, floor_user, site):
    task = task_claim(user_id=floor_user.pk, warehouse_id=site.warehouse.pk)
    client.force_login(floor_user)
    client.post(reverse("floor-task-release", args=[task.pk]), headers=HTMX)

    response = client.post(reverse("floor-task-release", args=[task.pk]), headers=HTMX)

    assert response.status_code == 409
    assert f"Task {task.pk} is open, not assigned." in page_text(response)


def test_release_of_someone_elses_task_is_refused(client, floor_user, site):
    from tests.conftest import _user
    from wms.roles import FLOOR

    other = _user("floor-other", FLOOR)
    task = task_claim(user_id=other.pk, warehouse_id=site.warehouse.pk)
    client.force_login(floor_user)

    response = client.post(reverse("floor-task-release", args=[task.pk]), headers=HTMX)

    assert response.status_code == 422
    assert "This task is assigned to someone else." in page_text(response)
    task.refresh_from_db()
    assert task.assignee_id == other.pk


def test_release_of_an_unknown_task_says_so(client, floor_user, site):
    client.force_login(floor_user)

    response = client.post(reverse("floor-task-release", args=[999999]), headers=HTMX)

    assert response.status_code == 422
    assert "There is no task #999999." in page_text(response)


def test_scanning_a_bin_shows_what_is_in_it(client, floor_user, site):
    client.force_login(floor_user)

    response = client.get(reverse("floor-scan"), {"code": "P-01-02"}, headers=HTMX)

    assert response.status_code == 200
    page = page_text(response)
    assert "<html" not in response.content.decode()
    assert "P-01-02" in page
    assert "Pick face" in page
    assert "MAIN-MILK-1L" in page
    assert "MAIN-L2406" in page
    assert "2031-06-30" in page
    assert "24" in page


def test_scanning_a_bin_code_in_lower_case_finds_it(client, floor_user, site):
    client.force_login(floor_user)

    response = client.get(reverse("floor-scan"), {"code": " a-01-01 "}, headers=HTMX)

    assert response.status_code == 200
    assert "Bin A-01-01" in page_text(response)


def test_scanning_an_empty_bin_says_it_is_empty(client, floor_user, site):
    client.force_login(floor_user)

    response = client.get(reverse("floor-scan"), {"code": "A-01-02"}, headers=HTMX)

    assert "This bin is empty." in page_text(response)


def test_scanning_a_product_barcode_shows_where_it_is(client, floor_user, site):
    client.force_login(floor_user)

    response = client.get(reverse("floor-scan"), {"code": site.bolt.barcode}, headers=HTMX)

    assert response.status_code == 200
    page = page_text(response)
    assert "MAIN-BOLT-M8" in page
    assert "A-01-01" in page
    assert "P-01-01" in page
    assert "155 each in MAIN, 2 places" in page  # 120 + 35


def test_scanning_a_product_not_in_stock_says_so(client, floor_user, site):
    from tests.factories.inventory import ProductFactory

    product = ProductFactory(sku="NEW-ITEM")
    client.force_login(floor_user)

    response = client.get(reverse("floor-scan"), {"code": product.sku}, headers=HTMX)

    assert response.status_code == 200
    assert "None in stock in MAIN." in page_text(response)


def test_scanning_an_unknown_code_says_so_clearly(client, floor_user, site):
    client.force_login(floor_user)

    response = client.get(reverse("floor-scan"), {"code": "NOPE-42"}, headers=HTMX)

    assert response.status_code == 422
    page = page_text(response)
    assert "No bin or product matches “NOPE-42” in MAIN." in page
    assert 'role="alert"' in response.content.decode()


def test_scanning_nothing_asks_for_a_code(client, floor_user, site):
    client.force_login(floor_user)

    response = client.get(reverse("floor-scan"), {"code": "   "}, headers=HTMX)

    assert response.status_code == 422
    assert "Scan a barcode or type a bin code or SKU." in page_text(response)


def test_scanning_a_code_that_is_too_long_is_refused(client, floor_user, site):
    client.force_login(floor_user)

    response = client.get(reverse("floor-scan"), {"code": "9" * 200}, headers=HTMX)

    assert response.status_code == 422
    assert "That code is too long" in page_text(response)


def test_scanner_control_characters_are_ignored(client, floor_user, site):
    client.force_login(floor_user)

    response = client.get(reverse("floor-scan"), {"code": "\x1dP-01-01\r"}, headers=HTMX)

    assert response.status_code == 200
    assert "Bin P-01-01" in page_text(response)


def test_virtual_locations_cannot_be_scanned(client, floor_user, site):
    client.force_login(floor_user)

    response = client.get(reverse("floor-scan"), {"code": "~SUPPLIERS"}, headers=HTMX)

    assert response.status_code == 422


def test_a_bin_of_another_warehouse_is_not_found(client, floor_user, site):
    other = site_build(code="WEST", name="West depot")
    LocationFactory(warehouse=other.warehouse, code="W-09-09")
    client.force_login(floor_user)  # works in MAIN, the first warehouse by code

    response = client.get(reverse("floor-scan"), {"code": "W-09-09"}, headers=HTMX)

    assert response.status_code == 422
    response = client.get(reverse("floor-scan"), {"code": "WEST-BOLT-M8"}, headers=HTMX)
    assert "None in stock in MAIN." in page_text(response)


def test_scan_without_htmx_shows_the_whole_page_with_the_result(client, floor_user, site):
    client.force_login(floor_user)

    response = client.get(reverse("floor-scan"), {"code": "P-01-01"})

    page = page_text(response)
    assert "<html" in response.content.decode()
    assert "Claim next task" in page
    assert "MAIN-BOLT-M8" in page


def test_the_worker_sees_their_held_task_in_the_current_warehouse_only(client, floor_user, site):
    other = site_build(code="WEST", name="West depot")
    task_claim(user_id=floor_user.pk, warehouse_id=other.warehouse.pk)
    client.force_login(floor_user)

    response = client.get(reverse("floor-home"))

    assert response.context["tasks"] == []


def test_a_worker_with_no_warehouse_is_told_so(client, floor_user, site):
    floor_user.scope.all_warehouses = False
    floor_user.scope.save(update_fields=["all_warehouses"])
    client.force_login(floor_user)

    response = client.get(reverse("floor-home"))

    assert response.status_code == 200
    assert "No warehouse assigned to you" in page_text(response)


def test_the_page_sends_the_csrf_token_with_htmx_requests(client, floor_user, site):
    client.force_login(floor_user)

    page = client.get(reverse("floor-home")).content.decode()

    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    assert "vendor/htmx/htmx.min.js" in page
