"""The count pages through the test client: the handheld's blind count screen (reached from the
floor's task list) and the supervisor's counts desk (plan, decide, results, accuracy).

(Kept beside the counting service tests: these page tests drive the same services through
the views.)
"""

import pytest
from django.urls import reverse

from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory
from tests.warehouse.views.scenario import page_text
from warehouse.models import BinCount, Quant, StockMove, Task, Zone
from warehouse.selectors.ledger import stock_drift
from warehouse.services.count_planning import count_flag_bin
from warehouse.services.intake import stock_receive
from warehouse.services.tasks import task_claim

HTMX = {"HX-Request": "true"}
BOOKS = 7919

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    warehouse = WarehouseFactory(code="MAIN")
    zone = Zone.objects.create(warehouse=warehouse, code="R1", name="Reserve 1")
    bin_ = LocationFactory(warehouse=warehouse, code="R1-01-01", zone=zone)
    bolt = ProductFactory(sku="BOLT", name="Hex bolt")
    stock_receive(location=bin_, product_id=bolt.pk, quantity=BOOKS)
    (task,) = count_flag_bin(
        warehouse_id=warehouse.pk, location_id=bin_.pk, reason="test", user_id=None
    ).created
    return warehouse, bin_, bolt, task


@pytest.fixture
def held(site, floor_user, client):
    """The count task claimed by the floor user, logged in."""
    warehouse, bin_, bolt, task = site
    assert task_claim(user_id=floor_user.pk, warehouse_id=warehouse.pk).pk == task.pk
    client.force_login(floor_user)
    return task


def _step(client, task, step, **data):
    return client.post(
        reverse("floor-count-scan", args=[task.pk]), {"step": step, **data}, headers=HTMX
    )


def test_the_floor_list_leads_to_the_count_screen(client, held):
    home = client.get(reverse("floor-home"))
    assert reverse("floor-count", args=[held.pk]) in home.content.decode()
    assert str(BOOKS) not in page_text(home)


def test_claiming_a_count_opens_its_screen(client, site, floor_user):
    client.force_login(floor_user)
    response = client.post(reverse("floor-task-claim"))
    assert response.status_code == 302
    assert response["Location"] == reverse("floor-count", args=[site[3].pk])


def test_a_blind_count_on_the_handheld(client, held):
    task = held
    pages = [client.get(reverse("floor-count", args=[task.pk]))]
    assert "Go to R1-01-01" in page_text(pages[0])
    assert "BOLT" in page_text(pages[0])
    pages.append(_step(client, task, "bin", code="R1-01-01"))
    assert "Right bin" in page_text(pages[-1])
    pages.append(_step(client, task, "product", code="BOLT", source="R1-01-01"))
    assert "How many BOLT" in page_text(pages[-1])
    pages.append(
        _step(client, task, "quantity", source="R1-01-01", product="BOLT", quantity=BOOKS - 2)
    )
    assert "Count recorded" in page_text(pages[-1])
    pages.append(client.get(reverse("floor-count", args=[task.pk])))  # and on a reload
    for page in pages:
        assert page.status_code == 200
        assert str(BOOKS) not in page.content.decode()  # never the books' quantity
    assert BinCount.objects.get(task=task).counted_quantity == BOOKS - 2


@pytest.mark.parametrize(
    ("step", "data", "message"),
    [
        ("bin", {"code": "R9-99-99"}, "Wrong bin"),
        ("bin", {"code": ""}, "Scan the label"),
        ("product", {"code": "NUT", "source": "R1-01-01"}, "Wrong product"),
        ("product", {"code": "NOPE", "source": "R1-01-01"}, "No product matches"),
        ("quantity", {"source": "R1-01-01", "product": "BOLT", "quantity": "-3"}, "0 or more"),
        ("quantity", {"source": "R1-01-01", "product": "BOLT", "quantity": "lots"}, "whole number"),
        ("quantity", {"source": "R1-01-01", "product": "BOLT", "quantity": ""}, "how many"),
        ("quantity", {"source": "R1-01-02", "product": "BOLT", "quantity": "3"}, "count R1-01-01"),
        ("quantity", {"product": "BOLT", "quantity": "3"}, "Scan the bin and the product first"),
    ],
)
def test_bad_input_on_the_handheld_changes_nothing(client, held, step, data, message):
    ProductFactory(sku="NUT")
    response = _step(client, held, step, **data)
    assert response.status_code == 422
    assert message in page_text(response)
    assert str(BOOKS) not in response.content.decode()
    assert not BinCount.objects.exists()
    held.refresh_from_db()
    assert held.status == Task.Status.ASSIGNED


def test_a_double_tap_records_once(client, held):
    body = {"source": "R1-01-01", "product": "BOLT", "quantity": 5}
    _step(client, held, "quantity", **body)
    again = _step(client, held, "quantity", **(body | {"quantity": 9}))
    assert "Already counted" in page_text(again)
    assert BinCount.objects.get().counted_quantity == 5


def test_someone_elses_count_is_not_shown(client, held):
    other = _user("floor2", "floor")
    client.force_login(other)
    response = client.get(reverse("floor-count", args=[held.pk]))
    assert "assigned to someone else" in page_text(response)
    assert str(BOOKS) not in response.content.decode()
    posted = _step(client, held, "bin", code="R1-01-01")
    assert posted.status_code == 409


# --- the supervisor's desk --------------------------------------------------------------------


@pytest.fixture
def difference(client, held, supervisor):
    """The floor user counted 1 fewer than the books; the supervisor is logged in."""
    _step(client, held, "quantity", source="R1-01-01", product="BOLT", quantity=BOOKS - 1)
    client.force_login(supervisor)
    return BinCount.objects.get(task=held)


def test_the_desk_shows_what_waits_and_the_accuracy(client, difference):
    page = client.get(reverse("supervisor-counts"))
    assert page.status_code == 200
    text = page_text(page)
    assert "Differences to decide" in text
    assert "R1-01-01" in text
    assert "-1" in text
    assert "0 of 1 count matched the books" in text
    assert ">Counts<" in page.content.decode()  # the navigation item


def test_the_floor_may_not_open_the_desk(client, floor_user):
    client.force_login(floor_user)
    assert client.get(reverse("supervisor-counts")).status_code == 403
    assert client.post(reverse("supervisor-counts-plan"), {"by": "class"}).status_code == 403


def test_approving_on_the_desk(client, difference, site):
    warehouse, bin_, bolt, task = site
    url = reverse("supervisor-count-decide", args=[difference.pk, "approve"])
    no_reason = client.post(url, {"reason": ""}, headers=HTMX)
    assert no_reason.status_code == 422
    assert "Give the reason" in page_text(no_reason)

    done = client.post(url, {"reason": "Broken unit"}, headers=HTMX)
    assert done.status_code == 200
    assert "Approved count" in page_text(done)
    assert Quant.objects.get(location=bin_, product=bolt).quantity == BOOKS - 1
    assert StockMove.objects.filter(kind="adjustment").count() == 1
    assert stock_drift().is_clean

    again = client.post(url, {"reason": "Broken unit"}, headers=HTMX)
    assert again.status_code == 409
    assert StockMove.objects.filter(kind="adjustment").count() == 1


def test_rejecting_on_the_desk(client, difference):
    url = reverse("supervisor-count-decide", args=[difference.pk, "reject"])
    response = client.post(url, {"reason": "Counted the wrong shelf"})
    assert response.status_code == 302  # without htmx: back to the page
    difference.refresh_from_db()
    assert difference.status == "rejected"
    bad = client.post(reverse("supervisor-count-decide", args=[difference.pk, "delete"]))
    assert bad.status_code == 422


def test_planning_on_the_desk(client, supervisor, site):
    warehouse, bin_, bolt, task = site
    other = LocationFactory(warehouse=warehouse, code="R1-01-02", zone=bin_.zone)
    stock_receive(location=other, product_id=bolt.pk, quantity=4)
    client.force_login(supervisor)
    url = reverse("supervisor-counts-plan")

    zone = client.post(url, {"by": "zone", "zone": bin_.zone_id}, headers=HTMX)
    assert "1 count task created for the zone. 1 already being counted." in page_text(zone)
    flag = client.post(url, {"by": "bin", "location": "R1-01-09", "reason": "x"}, headers=HTMX)
    assert flag.status_code == 422
    assert "No bin R1-01-09" in page_text(flag)
    no_reason = client.post(url, {"by": "bin", "location": "R1-01-02"}, headers=HTMX)
    assert no_reason.status_code == 422
    assert "Say why" in page_text(no_reason)
    abc = client.post(url, {"by": "class"}, headers=HTMX)
    assert abc.status_code == 200
    assert "today's ABC share" in page_text(abc)
