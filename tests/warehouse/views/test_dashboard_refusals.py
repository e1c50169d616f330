"""Wrong scans are counted durably: the handheld screens and the task API refuse them (and
change nothing), and each refusal leaves one ScanRefusal row behind for the dashboard."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories.warehouse import LocationFactory
from tests.warehouse.apis.outbound_state import outbound_state
from tests.warehouse.views.outbound_scenario import allocated, claimed_batch, outbound_site
from tests.warehouse.views.scenario import site_build
from warehouse.models import Quant, ScanRefusal, StockMove
from warehouse.services.scan_refusals import scan_refusal_record
from warehouse.services.tasks import task_claim

HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


def _refusals() -> list[tuple]:
    return list(
        ScanRefusal.objects.order_by("id").values_list(
            "code", "field", "scanned", "task_kind", "user__username"
        )
    )


@pytest.fixture
def putaway(db, floor_user):
    site = site_build()
    task = task_claim(user_id=floor_user.pk, warehouse_id=site.warehouse.pk)
    assert task == site.putaway
    return task


def _work_scan(client, task, step, code, **carried):
    data = {"step": step, "code": code, "done": 0, **carried}
    return client.post(reverse("floor-task-scan", args=[task.pk]), data, headers=HTMX)


def test_a_wrong_source_bin_on_the_work_screen_is_counted(client, floor_user, putaway):
    client.force_login(floor_user)
    moves = StockMove.objects.count()

    response = _work_scan(client, putaway, "source", "A-01-01")

    assert response.status_code == 422
    assert _refusals() == [("wrong_location", "location", "A-01-01", "putaway", "floor")]
    refusal = ScanRefusal.objects.get()
    assert (refusal.warehouse_id, refusal.task_id) == (putaway.warehouse_id, putaway.pk)
    assert StockMove.objects.count() == moves


def test_a_wrong_product_and_a_wrong_destination_are_counted(client, floor_user, putaway):
    client.force_login(floor_user)
    gloves_on_dock = Quant.objects.get(product=putaway.product, location__kind="receiving")

    product = _work_scan(client, putaway, "product", "MAIN-BOLT-M8", source="RECV-01")
    bin_ = _work_scan(
        client,
        putaway,
        "destination",
        "NO-SUCH-BIN",
        source="RECV-01",
        product="MAIN-GLOVE-L",
    )

    assert (product.status_code, bin_.status_code) == (422, 422)
    assert [r[:3] for r in _refusals()] == [
        ("wrong_product", "product", "MAIN-BOLT-M8"),
        ("wrong_location", "destination_location", "NO-SUCH-BIN"),
    ]
    gloves_on_dock.refresh_from_db()
    assert gloves_on_dock.quantity == 60


def test_a_right_scan_and_a_full_bin_are_not_wrong_scans(client, floor_user, putaway):
    """Only wrong scans count: a bin without room refuses the goods, not the scan."""
    LocationFactory(warehouse=putaway.warehouse, code="A-09-09", capacity_units=10)
    client.force_login(floor_user)

    source = _work_scan(client, putaway, "source", "RECV-01")
    response = _work_scan(
        client, putaway, "destination", "A-09-09", source="RECV-01", product="MAIN-GLOVE-L"
    )

    assert source.status_code == 200
    assert response.status_code == 422
    assert "room" in response.content.decode()
    assert _refusals() == []


def test_a_wrong_bin_and_product_on_the_pick_screen_are_counted(client, floor_user):
    site = outbound_site()
    order = allocated(site, (site.bolt, 4), reference="SO-1")
    pick = claimed_batch(site, floor_user, order)
    client.force_login(floor_user)
    before = outbound_state()
    url = reverse("floor-pick-scan", args=[pick.pk])

    wrong_bin = client.post(url, {"step": "bin", "code": "B-01-02"}, headers=HTMX)
    wrong_product = client.post(
        url, {"step": "product", "code": site.glove.barcode, "source": "A-01-01"}, headers=HTMX
    )

    assert (wrong_bin.status_code, wrong_product.status_code) == (422, 422)
    assert _refusals() == [
        ("wrong_location", "location", "B-01-02", "pick", "floor"),
        ("wrong_product", "product", site.glove.barcode, "pick", "floor"),
    ]
    assert outbound_state() == before


def test_the_task_api_counts_wrong_scans_and_not_bad_quantities(floor_user, putaway):
    client = APIClient()
    client.force_authenticate(floor_user)
    url = f"/api/v1/tasks/{putaway.pk}/complete/"

    wrong = client.post(url, {"location": "A-01-02", "product": "MAIN-GLOVE-L"}, format="json")
    too_many = client.post(
        url,
        {
            "location": "RECV-01",
            "product": "MAIN-GLOVE-L",
            "quantity": 61,
            "destination_location": "A-01-02",
        },
        format="json",
    )

    assert wrong.status_code == 400
    assert wrong.json()["fields"]["location"][0]["code"] == "wrong_location"
    assert too_many.status_code == 400
    assert _refusals() == [("wrong_location", "location", "A-01-02", "putaway", "floor")]


def test_the_scanned_text_is_kept_short_and_printable(floor_user, putaway):
    refusal = scan_refusal_record(
        warehouse_id=putaway.warehouse_id,
        user_id=floor_user.pk,
        code="invalid_barcode",
        scanned="\x1d(01)" + "9" * 300 + "\r\n",
    )

    refusal.refresh_from_db()
    assert refusal.scanned == "(01)" + "9" * 96
    assert len(refusal.scanned) == ScanRefusal.SCANNED_MAX_LENGTH
