"""The work screen of a claimed task: putaway step by step, QC to the bench and inspection.

Every refused scan says why and moves nothing; a repeated submission moves stock once.
"""

import pytest
from django.urls import reverse

from inventory.models import Product, StockLevel
from tests.conftest import _user
from tests.factories.inventory import ProductFactory
from tests.factories.warehouse import LocationFactory, TaskFactory
from tests.warehouse.views.inbound_scenario import qc_task_for
from tests.warehouse.views.scenario import page_text, site_build
from warehouse.models import Location, QcInspection, Quant, StockMove, Task
from warehouse.services.tasks import task_claim, task_release

HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return site_build()


@pytest.fixture
def putaway(site, floor_user):
    """60 gloves on the dock to go into A-01-02 (room for 200), claimed by the floor user."""
    task = task_claim(user_id=floor_user.pk, warehouse_id=site.warehouse.pk)
    assert task == site.putaway
    return task


def _scan(client, task, step, code, **carried):
    data = {"step": step, "code": code, "done": carried.pop("done", 0), **carried}
    return client.post(reverse("floor-task-scan", args=[task.pk]), data, headers=HTMX)


def _at_dock(product) -> int:
    quant = Quant.objects.filter(product=product, location__kind="receiving").first()
    return quant.quantity if quant else 0


def _in(code, product) -> int:
    quant = Quant.objects.filter(product=product, location__code=code).first()
    return quant.quantity if quant else 0


GLOVES = {"source": "RECV-01", "product": "MAIN-GLOVE-L"}


# --- putaway ----------------------------------------------------------------------------------


def test_the_screen_starts_at_the_source(client, floor_user, site, putaway):
    client.force_login(floor_user)

    response = client.get(reverse("floor-task", args=[putaway.pk]))

    assert response.status_code == 200
    page = page_text(response)
    assert "60 × MAIN-GLOVE-L" in page
    assert "Go to RECV-01" in page
    assert "0 of 60 put away" in page
    assert [dot.state for dot in response.context["dots"]] == ["current", "todo", "todo"]
    html = response.content.decode()
    assert 'name="step" value="source"' in html
    assert "data-scan-input" in html
    assert "autofocus" in html


def test_a_putaway_goes_source_product_bin_and_moves_the_stock_once(
    client, floor_user, site, putaway
):
    client.force_login(floor_user)

    source = _scan(client, putaway, "source", "recv-01")
    assert source.status_code == 200
    assert "RECV-01 ✓ Right place." in page_text(source)
    assert "Scan the product" in page_text(source)
    assert 'name="source" value="RECV-01"' in source.content.decode()

    product = _scan(client, putaway, "product", site.glove.barcode, source="RECV-01")
    assert product.status_code == 200
    assert "MAIN-GLOVE-L ✓ Right product." in page_text(product)
    assert "Put 60 into A-01-02" in page_text(product)
    assert 'name="product" value="MAIN-GLOVE-L"' in product.content.decode()
    assert _at_dock(site.glove) == 60  # scans alone move nothing

    drop = _scan(client, putaway, "destination", "A-01-02", **GLOVES)
    again = _scan(client, putaway, "destination", "A-01-02", **GLOVES)  # a double tap

    assert drop.status_code == 200
    page = page_text(drop)
    assert "Put 60 into A-01-02." in page
    assert "Task done" in page
    assert "60 of 60 put away" in page
    assert "Next task" in page
    assert again.status_code == 200
    assert "Task done" in page_text(again)
    assert (_at_dock(site.glove), _in("A-01-02", site.glove)) == (0, 60)
    assert StockMove.objects.filter(task=putaway).count() == 1
    putaway.refresh_from_db()
    assert putaway.status == Task.Status.DONE


def test_a_wrong_source_is_refused_at_once(client, floor_user, site, putaway):
    client.force_login(floor_user)

    response = _scan(client, putaway, "source", "A-01-01")

    assert response.status_code == 422
    assert "You scanned A-01-01; this stock is in RECV-01." in page_text(response)
    assert 'data-feedback="error"' in response.content.decode()
    assert 'name="step" value="source"' in response.content.decode()


def test_an_unknown_source_is_named_as_scanned(client, floor_user, site, putaway):
    client.force_login(floor_user)

    response = _scan(client, putaway, "source", "ZZ-99")

    assert "You scanned ZZ-99; this stock is in RECV-01." in page_text(response)


def test_a_wrong_product_is_refused_and_the_source_kept(client, floor_user, site, putaway):
    client.force_login(floor_user)

    response = _scan(client, putaway, "product", site.bolt.barcode, source="RECV-01")

    assert response.status_code == 422
    assert "You scanned MAIN-BOLT-M8; this task is for MAIN-GLOVE-L" in page_text(response)
    html = response.content.decode()
    assert 'name="step" value="product"' in html
    assert 'name="source" value="RECV-01"' in html


def test_a_product_scan_with_a_forged_source_goes_back_to_the_source(
    client, floor_user, site, putaway
):
    client.force_login(floor_user)

    response = _scan(client, putaway, "product", site.glove.barcode, source="A-01-01")

    assert response.status_code == 422
    assert "this stock is in RECV-01" in page_text(response)
    assert 'name="step" value="source"' in response.content.decode()


def test_another_bin_with_room_is_accepted_and_recorded(client, floor_user, site, putaway):
    client.force_login(floor_user)

    response = _scan(client, putaway, "destination", "A-01-01", **GLOVES)

    assert response.status_code == 200
    assert (
        "Put 60 into A-01-01. Recorded: put into A-01-01 instead of the suggested A-01-02."
        in page_text(response)
    )
    assert _in("A-01-01", site.glove) == 60
    move = StockMove.objects.get(task=putaway)
    assert "instead of the suggested A-01-02" in move.reason


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("QC-01", "QC-01 is a qc inspection, not a storage bin."),
        ("NOWHERE", "No location 'NOWHERE' in this warehouse."),
        ("BLOCKED", "Bin BLOCKED is blocked: water leak."),
        ("TINY", "Bin TINY has room for 10 more units, not 60."),
    ],
)
def test_a_bin_that_cannot_take_the_goods_is_refused(
    client, floor_user, site, putaway, code, message
):
    blocked = LocationFactory(warehouse=site.warehouse, code="BLOCKED")
    Location.objects.filter(pk=blocked.pk).update(is_blocked=True, blocked_reason="water leak")
    LocationFactory(warehouse=site.warehouse, code="TINY", capacity_units=10)
    client.force_login(floor_user)

    response = _scan(client, putaway, "destination", code, **GLOVES)

    assert response.status_code == 422
    assert message in page_text(response)
    assert 'name="step" value="destination"' in response.content.decode()
    assert _at_dock(site.glove) == 60
    assert not StockMove.objects.filter(task=putaway).exists()


def test_a_split_drop_keeps_the_task_for_the_rest_and_a_replay_moves_nothing(
    client, floor_user, site, putaway
):
    client.force_login(floor_user)

    first = _scan(client, putaway, "destination", "A-01-02", quantity="20", **GLOVES)
    replay = _scan(client, putaway, "destination", "A-01-02", quantity="20", **GLOVES)

    page = page_text(first)
    assert "Put 20 into A-01-02. 40 left: scan the next bin." in page
    assert "20 of 60 put away" in page
    assert "Put 40 into A-01-02" in page
    assert 'name="done" value="20"' in first.content.decode()
    assert replay.status_code == 200
    assert _in("A-01-02", site.glove) == 20
    rest = _scan(client, putaway, "destination", "A-01-01", done=20, **GLOVES)
    assert "Task done" in page_text(rest)
    assert (_in("A-01-02", site.glove), _in("A-01-01", site.glove)) == (20, 40)


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("61", "Put away between 1 and 60 units on this task."),
        ("0", "The quantity must be at least 1."),
        ("many", "Enter the quantity as a whole number"),
    ],
)
def test_a_bad_split_quantity_is_refused(client, floor_user, site, putaway, quantity, message):
    client.force_login(floor_user)

    response = _scan(client, putaway, "destination", "A-01-02", quantity=quantity, **GLOVES)

    assert response.status_code == 422
    assert message in page_text(response)
    assert _at_dock(site.glove) == 60


def test_a_scan_for_a_step_the_task_has_not_is_refused(client, floor_user, site, putaway):
    client.force_login(floor_user)

    bench = _scan(client, putaway, "bench", "QC-01", **GLOVES)
    unknown = _scan(client, putaway, "teleport", "QC-01", **GLOVES)
    empty = _scan(client, putaway, "source", "")

    assert bench.status_code == 422
    assert "That scan belongs to another step" in page_text(bench)
    assert unknown.status_code == 422
    assert empty.status_code == 422
    assert "Scan the label, or type the code" in page_text(empty)
    assert _at_dock(site.glove) == 60


def test_a_drop_without_the_screen_state_is_refused(client, floor_user, site, putaway):
    client.force_login(floor_user)

    response = client.post(
        reverse("floor-task-scan", args=[putaway.pk]),
        {"step": "destination", "code": "A-01-02", **GLOVES},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert "This form is out of date" in page_text(response)
    assert _at_dock(site.glove) == 60


def test_someone_elses_task_cannot_be_worked(client, floor_user, site):
    other = _user("floor-2", "floor")
    task = task_claim(user_id=other.pk, warehouse_id=site.warehouse.pk)
    client.force_login(floor_user)

    page = client.get(reverse("floor-task", args=[task.pk]))
    scan = _scan(client, task, "destination", "A-01-02", **GLOVES)

    assert f"Task #{task.pk} is assigned to someone else." in page_text(page)
    assert "Back to the floor" in page_text(page)
    assert scan.status_code == 409
    assert _at_dock(site.glove) == 60


def test_a_released_or_cancelled_task_says_so(client, floor_user, site, putaway):
    task_release(task_id=putaway.pk, user_id=floor_user.pk)
    client.force_login(floor_user)

    released = client.get(reverse("floor-task", args=[putaway.pk]))
    Task.objects.filter(pk=putaway.pk).update(status=Task.Status.CANCELLED)
    cancelled = _scan(client, putaway, "destination", "A-01-02", **GLOVES)

    assert "is back in the queue, not yours any more" in page_text(released)
    assert cancelled.status_code == 409
    assert "was cancelled" in page_text(cancelled)
    assert _at_dock(site.glove) == 60


def test_a_pick_task_has_no_screen_here(client, floor_user, site):
    Task.objects.filter(pk=site.pick_task.pk).update(status="assigned", assignee=floor_user)
    client.force_login(floor_user)

    response = client.get(reverse("floor-task", args=[site.pick_task.pk]))

    assert "is a pick task; open it from the floor page." in page_text(response)


def test_a_task_of_another_warehouse_is_not_found(client, floor_user, site):
    west = site_build(code="WEST", name="West depot")
    task = task_claim(user_id=floor_user.pk, warehouse_id=west.warehouse.pk)
    client.force_login(floor_user)

    assert client.get(reverse("floor-task", args=[task.pk])).status_code == 404
    assert _scan(client, task, "source", "RECV-01").status_code == 404


def test_next_task_on_the_done_screen_claims_the_next_one(client, floor_user, site, putaway):
    following = TaskFactory(
        warehouse=site.warehouse,
        kind=Task.Kind.REPLENISH,
        product=site.bolt,
        quantity=5,
        source_location=site.bins["A-01-01"],
        destination_location=site.bins["P-01-01"],
    )
    client.force_login(floor_user)
    _scan(client, putaway, "destination", "A-01-02", **GLOVES)

    response = client.post(reverse("floor-task-claim"))

    assert response["Location"] == reverse("floor-task", args=[following.pk])
    page = page_text(client.get(response["Location"]))
    assert "Go to A-01-01" in page


def test_a_replenish_task_moves_reserve_stock_to_the_pick_face(client, floor_user, site):
    task = TaskFactory(
        warehouse=site.warehouse,
        kind=Task.Kind.REPLENISH,
        product=site.bolt,
        quantity=5,
        source_location=site.bins["A-01-01"],
        destination_location=site.bins["P-01-01"],
    )
    Task.objects.filter(pk=task.pk).update(status="assigned", assignee=floor_user)
    client.force_login(floor_user)

    response = _scan(
        client, task, "destination", "P-01-01", source="A-01-01", product="MAIN-BOLT-M8"
    )

    assert "Task done" in page_text(response)
    assert (_in("A-01-01", site.bolt), _in("P-01-01", site.bolt)) == (115, 40)


# --- QC -----------------------------------------------------------------------------------------


@pytest.fixture
def cups(site):
    return ProductFactory(sku="CUP-250", name="Paper cup 250 ml", requires_qc=True)


@pytest.fixture
def qc(site, floor_user, cups):
    """10 cups on the dock; their QC task (bench QC-01) in the floor user's hands."""
    return qc_task_for(site.warehouse, cups, 10, floor_user.pk)


def _inspect(client, task, **data):
    return client.post(reverse("floor-task-inspect", args=[task.pk]), data, headers=HTMX)


def _level(product) -> StockLevel:
    return StockLevel.objects.get(product=product)


def test_qc_step_one_brings_the_goods_to_the_bench(client, floor_user, site, qc, cups):
    client.force_login(floor_user)

    start = client.get(reverse("floor-task", args=[qc.pk]))
    product = _scan(client, qc, "product", cups.barcode, source="RECV-01")
    bench = _scan(client, qc, "bench", "QC-01", source="RECV-01", product="CUP-250")

    assert "Go to RECV-01" in page_text(start)
    assert "Bring 10 × CUP-250 from RECV-01 to QC-01." in page_text(start)
    assert [d.label for d in start.context["dots"]] == ["From", "Product", "To bench", "Inspect"]
    assert "Bring 10 × CUP-250 to QC-01" in page_text(product)
    assert bench.status_code == 200
    assert "On the bench QC-01. Inspect the goods." in page_text(bench)
    assert "Pass all 10" in page_text(bench)
    assert _in("QC-01", cups) == 10
    assert _level(cups).in_qc == 10


def test_a_wrong_bench_is_refused_and_moves_nothing(client, floor_user, site, qc, cups):
    client.force_login(floor_user)

    response = _scan(client, qc, "bench", "A-01-01", source="RECV-01", product="CUP-250")

    assert response.status_code == 422
    assert "A-01-01 is not a QC bench." in page_text(response)
    assert _at_dock(cups) == 10


def test_pass_all_sends_everything_on_to_putaway(client, floor_user, site, qc, cups):
    client.force_login(floor_user)
    _scan(client, qc, "bench", "QC-01", source="RECV-01", product="CUP-250")

    response = _inspect(client, qc, result="pass")
    again = _inspect(client, qc, result="pass")

    page = page_text(response)
    assert "Passed all 10. Putaway follows." in page
    assert "Task done" in page
    assert "Already recorded." in page_text(again)
    inspection = QcInspection.objects.get(task=qc)
    assert (inspection.passed_quantity, inspection.failed_quantity) == (10, 0)


def test_a_partial_fail_with_a_quick_reason_quarantines_those_units(
    client, floor_user, site, qc, cups
):
    client.force_login(floor_user)
    _scan(client, qc, "bench", "QC-01", source="RECV-01", product="CUP-250")

    response = _inspect(
        client, qc, result="fail", failed_quantity="3", reason="Damaged packaging", note="crushed"
    )

    page = page_text(response)
    assert "3 failed (Damaged packaging: crushed): they go to quarantine." in page
    assert "7 passed: putaway follows." in page
    level = _level(cups)
    assert (level.in_qc, level.quarantined, level.available) == (7, 3, 0)
    move = StockMove.objects.get(kind=StockMove.Kind.QUARANTINE, task=qc)
    assert move.reason == "failed QC: Damaged packaging: crushed"


def test_a_fail_takes_a_typed_reason_alone(client, floor_user, site, qc, cups):
    client.force_login(floor_user)
    _scan(client, qc, "bench", "QC-01", source="RECV-01", product="CUP-250")

    response = _inspect(client, qc, result="fail", failed_quantity="10", note="smells of smoke")

    assert "10 failed (smells of smoke)" in page_text(response)
    assert _level(cups).quarantined == 10


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"result": "fail", "failed_quantity": "3"}, "Say why the goods fail"),
        ({"result": "fail", "failed_quantity": "11", "note": "x"}, "Between 1 and 10 units"),
        ({"result": "fail", "failed_quantity": "0", "note": "x"}, "at least 1"),
        ({"result": "fail", "reason": "Eaten by mice"}, "Pick one of the reasons"),
        ({"result": "maybe"}, "Select a valid choice"),
    ],
)
def test_bad_inspections_are_refused_and_change_nothing(
    client, floor_user, site, qc, cups, data, message
):
    client.force_login(floor_user)
    _scan(client, qc, "bench", "QC-01", source="RECV-01", product="CUP-250")

    response = _inspect(client, qc, **data)

    assert response.status_code == 422
    assert message in page_text(response)
    assert not QcInspection.objects.filter(task=qc).exists()
    assert _level(cups).in_qc == 10


def test_qc_without_a_bench_is_inspected_where_it_stands(client, floor_user, site, cups):
    Location.objects.filter(warehouse=site.warehouse, kind="qc").update(is_blocked=True)
    task = qc_task_for(site.warehouse, cups, 4, floor_user.pk)
    assert task.destination_location is None
    client.force_login(floor_user)

    product = _scan(client, task, "product", cups.sku, source="RECV-01")
    unscanned = _inspect(client, task, result="pass")
    response = _inspect(client, task, result="pass", source="RECV-01", product="CUP-250")

    assert [d.label for d in product.context["dots"]] == ["From", "Product", "Inspect"]
    assert "Inspect 4 × CUP-250" in page_text(product)
    assert unscanned.status_code == 422
    assert "Scan the goods first." in page_text(unscanned)
    assert "Passed all 4." in page_text(response)


def test_a_qc_task_at_the_bench_reopens_on_the_inspection(client, floor_user, site, qc, cups):
    client.force_login(floor_user)
    _scan(client, qc, "bench", "QC-01", source="RECV-01", product="CUP-250")

    page = client.get(reverse("floor-task", args=[qc.pk]))
    late_scan = _scan(client, qc, "source", "RECV-01")

    assert "Inspect 10 × CUP-250" in page_text(page)
    assert [d.state for d in page.context["dots"]] == ["done", "done", "done", "current"]
    assert late_scan.status_code == 422
    assert "Pass all 10" in page_text(late_scan)


def test_inspecting_a_putaway_task_is_refused(client, floor_user, site, putaway):
    client.force_login(floor_user)

    response = _inspect(client, putaway, result="pass")

    assert response.status_code == 422
    assert "This is not a QC task." in page_text(response)


def test_lot_tracked_putaway_checks_the_lot_of_a_gs1_label(client, floor_user, site):
    milk: Product = site.milk
    lot = Quant.objects.get(product=milk).lot
    task = TaskFactory(
        warehouse=site.warehouse,
        kind=Task.Kind.REPLENISH,
        product=milk,
        lot=lot,
        quantity=4,
        source_location=site.bins["P-01-02"],
        destination_location=site.bins["A-01-02"],
    )
    Task.objects.filter(pk=task.pk).update(status="assigned", assignee=floor_user)
    client.force_login(floor_user)
    gtin = milk.barcode.zfill(14)

    wrong = _scan(client, task, "product", f"(01){gtin}(10)OTHER", source="P-01-02")
    right = _scan(client, task, "product", f"(01){gtin}(10){lot.code}", source="P-01-02")

    assert wrong.status_code == 422
    assert f"You scanned lot OTHER; this task is for lot {lot.code}." in page_text(wrong)
    assert right.status_code == 200
    assert f'name="lot" value="{lot.code}"' in right.content.decode()
    done = _scan(
        client, task, "destination", "A-01-02", source="P-01-02", product=milk.sku, lot=lot.code
    )
    assert "Task done" in page_text(done)
