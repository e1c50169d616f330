"""The pick screen: a batch pick by pick in route order, bin then product then quantity, short
picks confirmed on their own screen, and the batch's end.

Every refused step says why and changes nothing; a repeated confirmation picks once.
"""

import pytest
from django.urls import reverse

from tests.conftest import _user
from tests.warehouse.apis.outbound_state import outbound_state
from tests.warehouse.views.outbound_scenario import (
    allocated,
    claimed_batch,
    gs1,
    outbound_site,
)
from tests.warehouse.views.scenario import page_text
from warehouse.models import Order, Quant, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.orders import order_cancel
from warehouse.services.waves import wave_release

HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return outbound_site()


@pytest.fixture
def batch(site, floor_user):
    """One order of 4 bolts (A-01-01, the oldest) and 5 gloves (A-01-02), released and
    claimed: the first pick in route order."""
    order = allocated(site, (site.bolt, 4), (site.glove, 5), reference="SO-1")
    return claimed_batch(site, floor_user, order)


def _post(client, task, step, **data):
    return client.post(
        reverse("floor-pick-scan", args=[task.pk]), {"step": step, **data}, headers=HTMX
    )


def _at(code, product) -> int:
    quant = Quant.objects.filter(product=product, location__code=code).first()
    return quant.quantity if quant else 0


def _picks(user):
    return list(
        Task.objects.filter(kind="pick", assignee=user)
        .select_related("source_location", "product")
        .order_by("route_sequence", "id")
    )


# --- getting there ----------------------------------------------------------------------------


def test_claim_on_the_floor_page_opens_the_first_pick_of_a_batch(client, floor_user, site):
    order = allocated(site, (site.bolt, 4), (site.glove, 5), reference="SO-1")
    wave_release(warehouse_id=site.warehouse.pk, order_ids=[order.pk])
    client.force_login(floor_user)

    response = client.post(reverse("floor-task-claim"), headers=HTMX)

    first = _picks(floor_user)[0]
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("floor-pick", args=[first.pk])
    assert {t.status for t in _picks(floor_user)} == {"assigned"}  # the whole batch is mine


def test_the_floor_page_shows_a_held_batch_as_one_card(client, floor_user, batch):
    client.force_login(floor_user)

    response = client.get(reverse("floor-home"))

    text = page_text(response)
    assert "Pick batch: 2 picks left, this one first." in text
    assert text.count("Continue picking") == 1
    assert reverse("floor-pick", args=[batch.pk]) in response.content.decode()


def test_the_pick_screen_starts_at_the_bin_with_the_batch_progress(client, floor_user, batch):
    client.force_login(floor_user)

    response = client.get(reverse("floor-pick", args=[batch.pk]))

    assert response.status_code == 200
    text = page_text(response)
    assert "Go to A-01-01" in text
    assert "Pick 1 of 2 · 0 of 9 units" in text
    assert "SO-1" in text
    html = response.content.decode()
    assert 'name="step" value="bin"' in html
    assert "data-scan-input" in html
    assert "autofocus" in html


# --- the steps ------------------------------------------------------------------------------


def test_a_pick_goes_bin_product_quantity_and_moves_the_stock_once(client, floor_user, site, batch):
    client.force_login(floor_user)

    at_bin = _post(client, batch, "bin", code="a-01-01")
    assert at_bin.status_code == 200
    assert "A-01-01 ✓ Right bin." in page_text(at_bin)
    assert f"Pick 4 × {site.bolt.sku}" in page_text(at_bin)
    assert 'name="source" value="A-01-01"' in at_bin.content.decode()

    product = _post(client, batch, "product", code=site.bolt.barcode, source="A-01-01")
    assert product.status_code == 200
    assert f"Picked 4 × {site.bolt.sku} ?" in page_text(product)
    assert 'id="pick-quantity"' in product.content.decode()

    carried = {"source": "A-01-01", "product": site.bolt.sku}
    picked = _post(client, batch, "quantity", quantity=4, **carried)

    assert picked.status_code == 200
    text = page_text(picked)
    assert f"Picked 4 × {site.bolt.sku}." in text
    assert "Go to A-01-02" in text  # straight on to the next pick of the batch
    assert "Pick 2 of 2 · 4 of 9 units" in text
    following = _picks(floor_user)[1]
    assert picked["HX-Push-Url"] == reverse("floor-pick", args=[following.pk])
    assert _at("A-01-01", site.bolt) == 6
    assert _at("STAGE-01", site.bolt) == 4

    again = _post(client, batch, "quantity", quantity=4, **carried)  # a double tap

    assert again.status_code == 200
    assert "is done already" in page_text(again)
    assert StockMove.objects.filter(kind="pick").count() == 1
    assert _at("STAGE-01", site.bolt) == 4


def test_a_wrong_bin_is_refused_and_changes_nothing(client, floor_user, batch):
    client.force_login(floor_user)
    before = outbound_state()

    response = _post(client, batch, "bin", code="B-01-02")

    assert response.status_code == 422
    assert "Wrong bin: you scanned B-01-02. Go to A-01-01." in page_text(response)
    assert 'data-feedback="error"' in response.content.decode()
    assert 'name="step" value="bin"' in response.content.decode()
    assert outbound_state() == before


def test_an_unknown_code_at_the_bin_is_refused(client, floor_user, batch):
    client.force_login(floor_user)

    response = _post(client, batch, "bin", code="NO-SUCH-BIN")

    assert response.status_code == 422
    assert "you scanned NO-SUCH-BIN" in page_text(response)


def test_a_wrong_product_is_refused_and_the_bin_scan_is_kept(client, floor_user, site, batch):
    client.force_login(floor_user)
    before = outbound_state()

    response = _post(client, batch, "product", code=site.glove.barcode, source="A-01-01")

    assert response.status_code == 422
    assert f"You scanned {site.glove.sku}; this task is for {site.bolt.sku}" in page_text(response)
    html = response.content.decode()
    assert 'name="step" value="product"' in html
    assert 'name="source" value="A-01-01"' in html
    assert outbound_state() == before


def test_an_empty_scan_asks_for_one(client, floor_user, batch):
    client.force_login(floor_user)

    response = _post(client, batch, "bin", code="   ")

    assert response.status_code == 422
    assert "Scan the label, or type the code and press Enter." in page_text(response)


def test_a_quantity_without_the_scans_before_it_is_refused(client, floor_user, batch):
    client.force_login(floor_user)
    before = outbound_state()

    response = _post(client, batch, "quantity", quantity=4)

    assert response.status_code == 422
    assert "Scan the bin and the product first." in page_text(response)
    assert outbound_state() == before


def test_more_than_the_pick_asks_for_is_refused(client, floor_user, site, batch):
    client.force_login(floor_user)
    before = outbound_state()

    response = _post(client, batch, "quantity", quantity=5, source="A-01-01", product=site.bolt.sku)

    assert response.status_code == 422
    assert "The pick is for 4; take only 4 from the bin." in page_text(response)
    assert outbound_state() == before


def test_a_quantity_that_is_not_a_number_is_refused(client, floor_user, site, batch):
    client.force_login(floor_user)

    response = _post(
        client, batch, "quantity", quantity="four", source="A-01-01", product=site.bolt.sku
    )

    assert response.status_code == 422
    assert "Enter the quantity as a whole number" in page_text(response)


def test_a_stale_form_step_is_refused(client, floor_user, batch):
    client.force_login(floor_user)

    response = _post(client, batch, "teleport", code="A-01-01")

    assert response.status_code == 422
    assert "This form is out of date" in page_text(response)


# --- lots ------------------------------------------------------------------------------------


@pytest.fixture
def milk_pick(site, floor_user):
    """4 milk: FEFO takes lot LA (expires first) from A-01-03."""
    order = allocated(site, (site.milk, 4), reference="SO-MILK")
    return claimed_batch(site, floor_user, order)


def test_the_lot_to_pick_is_shown(client, floor_user, site, milk_pick):
    client.force_login(floor_user)

    response = _post(client, milk_pick, "bin", code="A-01-03")

    assert "Lot LA · exp 2031-03-31 only this lot" in page_text(response)


def test_a_gs1_label_of_another_lot_is_refused(client, floor_user, site, milk_pick):
    client.force_login(floor_user)
    before = outbound_state()

    response = _post(client, milk_pick, "product", code=gs1(site.milk, "LB"), source="A-01-03")

    assert response.status_code == 422
    assert "You scanned lot LB; this task is for lot LA." in page_text(response)
    assert outbound_state() == before


def test_a_gs1_label_of_the_right_lot_is_carried_to_the_pick(client, floor_user, site, milk_pick):
    client.force_login(floor_user)

    product = _post(client, milk_pick, "product", code=gs1(site.milk, "LA"), source="A-01-03")
    assert 'name="lot" value="LA"' in product.content.decode()
    done = _post(
        client, milk_pick, "quantity", quantity=4, source="A-01-03", product=site.milk.sku, lot="LA"
    )

    assert done.status_code == 200
    assert "Batch done" in page_text(done)
    assert Quant.objects.get(product=site.milk, location__code="STAGE-01").lot == site.lot_a


# --- short picks -----------------------------------------------------------------------------


def test_fewer_asks_for_a_short_pick_confirmation_first(client, floor_user, site, batch):
    client.force_login(floor_user)
    before = outbound_state()

    response = _post(client, batch, "quantity", quantity=1, source="A-01-01", product=site.bolt.sku)

    assert response.status_code == 200
    text = page_text(response)
    assert "Short pick: only found 1" in text
    assert "The missing 3 are looked for in another bin" in text
    assert "Yes, only 1 found" in text
    assert outbound_state() == before

    recount = _post(
        client,
        batch,
        "quantity",
        quantity=1,
        recount="on",
        source="A-01-01",
        product=site.bolt.sku,
    )
    assert 'id="pick-quantity"' in recount.content.decode()
    assert outbound_state() == before


def test_a_confirmed_short_pick_puts_the_replacement_next_and_counts_the_bin(
    client, floor_user, site
):
    order = allocated(site, (site.bolt, 4), reference="SO-SHORT")
    first = claimed_batch(site, floor_user, order)
    client.force_login(floor_user)

    response = _post(
        client,
        first,
        "quantity",
        quantity=1,
        short="on",
        source="A-01-01",
        product=site.bolt.sku,
    )

    assert response.status_code == 200
    text = page_text(response)
    assert f"Short pick recorded: 1 of 4 × {site.bolt.sku}. A-01-01 will be counted." in text
    assert "3 more to pick from B-01-02: added to your batch." in text
    assert "Go to B-01-02" in text  # the replacement is the next stop
    assert "Pick 2 of 2 · 1 of 4 units" in text
    count = Task.objects.get(kind="count")
    assert count.source_location.code == "A-01-01"
    assert _at("A-01-01", site.bolt) == 9
    assert stock_drift().is_clean


def test_a_short_pick_with_nothing_elsewhere_is_backordered(client, floor_user, site):
    order = allocated(site, (site.glove, 5), reference="SO-GLOVE")
    first = claimed_batch(site, floor_user, order)
    client.force_login(floor_user)

    response = _post(
        client,
        first,
        "quantity",
        quantity=0,
        short="on",
        source="A-01-02",
        product=site.glove.sku,
    )

    text = page_text(response)
    assert "5 could not be found elsewhere: backordered." in text
    assert "Batch done" in text
    order.refresh_from_db()
    assert order.lines.get().backordered_quantity == 5


# --- the end of the batch, and refusals -------------------------------------------------------


def test_the_last_pick_ends_the_batch_with_the_way_to_staging(client, floor_user, site, batch):
    client.force_login(floor_user)
    _post(client, batch, "quantity", quantity=4, source="A-01-01", product=site.bolt.sku)
    second = _picks(floor_user)[1]

    response = _post(
        client, second, "quantity", quantity=5, source="A-01-02", product=site.glove.sku
    )

    text = page_text(response)
    assert "Batch done" in text
    assert "Take the picks to STAGE-01" in text
    assert "2 of 2 picks done · 9 of 9 units" in text
    assert reverse("floor-task-claim") in response.content.decode()
    assert Order.objects.get(reference="SO-1").status == Order.Status.PICKED
    # Opening a done pick later shows the end of its batch too.
    assert "Batch done" in page_text(client.get(reverse("floor-pick", args=[second.pk])))


def test_opening_a_done_pick_goes_on_to_the_next_one(client, floor_user, site, batch):
    client.force_login(floor_user)
    _post(client, batch, "quantity", quantity=4, source="A-01-01", product=site.bolt.sku)

    response = client.get(reverse("floor-pick", args=[batch.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("floor-pick", args=[_picks(floor_user)[1].pk])


def test_someone_elses_pick_is_refused(client, site, batch):
    other = _user("other", "floor")
    client.force_login(other)
    before = outbound_state()

    response = _post(client, batch, "quantity", quantity=4, source="A-01-01", product=site.bolt.sku)

    assert response.status_code == 409
    assert "is assigned to someone else" in page_text(response)
    assert outbound_state() == before


def test_a_cancelled_pick_says_so(client, floor_user, batch):
    order_cancel(order_id=batch.order_id, reason="customer called")
    client.force_login(floor_user)

    response = client.get(reverse("floor-pick", args=[batch.pk]))

    assert "was cancelled" in page_text(response)


def test_a_pick_of_another_warehouse_is_not_found(client, floor_user, batch):
    other = outbound_site("OTHER")
    client.force_login(floor_user)
    session = client.session
    session["wms_warehouse_id"] = other.warehouse.pk
    session.save()

    assert client.get(reverse("floor-pick", args=[batch.pk])).status_code == 404


def test_a_purchaser_may_not_pick(client, purchaser, batch):
    client.force_login(purchaser)

    assert client.get(reverse("floor-pick", args=[batch.pk])).status_code == 403


def test_the_pick_screen_works_without_javascript(client, floor_user, site, batch):
    client.force_login(floor_user)

    response = client.post(
        reverse("floor-pick-scan", args=[batch.pk]), {"step": "bin", "code": "A-01-01"}
    )

    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert f"Pick 4 × {site.bolt.sku}" in page_text(response)
