"""The packing bench: choose or scan an order, check its picked goods into packages by scan,
close each package, ship when everything is packed.

Over-scans and wrong items are refused with a message and change nothing; closing a package
twice closes one; shipping twice ships once.
"""

import pytest
from django.urls import reverse

from inventory.models import DemandRecord
from tests.warehouse.apis.outbound_state import outbound_state
from tests.warehouse.views.outbound_scenario import (
    allocated,
    claimed_batch,
    gs1,
    outbound_site,
    picked_order,
)
from tests.warehouse.views.scenario import page_text
from warehouse.models import Order, Package, StockMove

HTMX = {"HX-Request": "true"}
KEY = "0123456789abcdef0123456789abcdef"

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return outbound_site()


@pytest.fixture
def order(site, floor_user):
    """SO-1: 4 bolts and 5 gloves, picked (in staging), nothing packed."""
    return picked_order(site, floor_user, (site.bolt, 4), (site.glove, 5), reference="SO-1")


def _scan(client, order, code, items="", key=KEY, **extra):
    data = {"code": code, "items": items, "key": key, **extra}
    return client.post(reverse("floor-pack-scan", args=[order.pk]), data, headers=HTMX)


def _close(client, order, items, key=KEY):
    data = {"items": items, "key": key}
    return client.post(reverse("floor-pack-close", args=[order.pk]), data, headers=HTMX)


def _items(response) -> str:
    html = response.content.decode()
    start = html.index('name="items" value="') + len('name="items" value="')
    return html[start : html.index('"', start)]


# --- choosing the order -----------------------------------------------------------------------


def test_the_list_shows_picked_orders_with_their_packing(client, floor_user, site, order):
    allocated(site, (site.glove, 1), reference="SO-WAITING")  # not picked: not listed
    client.force_login(floor_user)

    response = client.get(reverse("floor-packing"))

    assert response.status_code == 200
    text = page_text(response)
    assert "SO-1" in text
    assert "0 of 9 picked units packed" in text
    assert "SO-WAITING" not in text
    assert reverse("floor-pack", args=[order.pk]) in response.content.decode()


def test_the_list_costs_the_same_queries_for_one_order_or_many(
    client, floor_user, site, django_assert_max_num_queries
):
    picked_order(site, floor_user, (site.bolt, 1), reference="SO-A")
    client.force_login(floor_user)
    client.get(reverse("floor-packing"))  # warm the session and the permission cache
    with django_assert_max_num_queries(12) as one:
        client.get(reverse("floor-packing"))
    for n in range(4):
        picked_order(site, floor_user, (site.glove, 1), reference=f"SO-B{n}")

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("floor-packing"))

    assert page_text(response).count("picked units packed") == 5


def test_scanning_the_reference_opens_the_order(client, floor_user, order):
    client.force_login(floor_user)

    response = client.get(reverse("floor-packing-find"), {"code": " SO-1 "}, headers=HTMX)

    assert response["HX-Redirect"] == reverse("floor-pack", args=[order.pk])


def test_an_unknown_reference_says_so(client, floor_user, order):
    client.force_login(floor_user)

    response = client.get(reverse("floor-packing-find"), {"code": "SO-404"}, headers=HTMX)

    assert response.status_code == 422
    assert "No order SO-404 in MAIN." in page_text(response)


def test_an_order_not_picked_yet_cannot_be_packed(client, floor_user, site):
    allocated(site, (site.glove, 1), reference="SO-EARLY")
    client.force_login(floor_user)

    response = client.get(reverse("floor-packing-find"), {"code": "SO-EARLY"}, headers=HTMX)

    assert response.status_code == 422
    assert "Nothing of SO-EARLY is picked yet" in page_text(response)


# --- the bench ------------------------------------------------------------------------------


def test_the_bench_lists_what_is_picked(client, floor_user, site, order):
    client.force_login(floor_user)

    response = client.get(reverse("floor-pack", args=[order.pk]))

    text = page_text(response)
    assert "Scan each item 9 to go" in text
    assert f"{site.bolt.sku}" in text
    assert "4 to pack" in text
    assert "Package 1 0 units" in text


def test_scans_fill_the_package_and_an_extra_one_is_refused(client, floor_user, site, order):
    client.force_login(floor_user)
    before = outbound_state()

    first = _scan(client, order, site.bolt.barcode)
    assert first.status_code == 200
    assert f"{site.bolt.sku} ✓ 1 in this package, 3 more to pack." in page_text(first)
    items = _items(first)
    assert items == f"{site.bolt.pk}::1"

    three = _scan(client, order, site.bolt.sku, items=items, quantity=3)
    assert f"{site.bolt.sku} ✓ 4 in this package, all of it." in page_text(three)
    items = _items(three)

    extra = _scan(client, order, site.bolt.barcode, items=items)

    assert extra.status_code == 422
    assert "All 4 × " in page_text(extra)
    assert "this one is extra" in page_text(extra)
    assert _items(extra) == items  # the package is as it was
    assert outbound_state() == before  # scanning books nothing


def test_a_scan_repeated_with_the_same_package_counts_once(client, floor_user, site, order):
    client.force_login(floor_user)

    first = _scan(client, order, site.bolt.barcode)
    again = _scan(client, order, site.bolt.barcode)  # the same request again

    assert _items(first) == _items(again) == f"{site.bolt.pk}::1"


def test_a_product_not_picked_for_the_order_is_refused(client, floor_user, site, order):
    client.force_login(floor_user)

    response = _scan(client, order, site.milk.barcode)

    assert response.status_code == 422
    assert "not among the picked goods of this order" in page_text(response)


def test_an_unknown_code_is_refused(client, floor_user, order):
    client.force_login(floor_user)

    response = _scan(client, order, "NOTHING-LIKE-IT")

    assert response.status_code == 422
    assert "No product matches “NOTHING-LIKE-IT”" in page_text(response)


def test_a_tampered_package_is_refused(client, floor_user, site, order):
    client.force_login(floor_user)

    too_many = _scan(client, order, site.glove.sku, items=f"{site.bolt.pk}::99")
    garbage = _scan(client, order, site.glove.sku, items="1:x:2")

    assert too_many.status_code == 422
    assert "the package starts again" in page_text(too_many)
    assert garbage.status_code == 422
    assert "This form is out of date" in page_text(garbage)


def test_closing_a_package_books_its_items_once(client, floor_user, site, order):
    client.force_login(floor_user)
    items = f"{site.bolt.pk}::4,{site.glove.pk}::2"

    response = _close(client, order, items)
    again = _close(client, order, items)  # a double tap

    assert response.status_code == 200
    assert "Package 1 closed: 6 units." in page_text(response)
    assert "Package 1 closed: 6 units." in page_text(again)
    package = Package.objects.get()
    assert sorted((i.product_id, i.quantity) for i in package.items.all()) == sorted(
        [(site.bolt.pk, 4), (site.glove.pk, 2)]
    )
    assert "Scan each item 3 to go" in page_text(response)
    assert "Package 2" in page_text(response)


def test_closing_an_empty_package_is_refused(client, floor_user, order):
    client.force_login(floor_user)

    response = _close(client, order, "")

    assert response.status_code == 422
    assert "Scan the items into the package first." in page_text(response)
    assert not Package.objects.exists()


def test_closing_more_than_is_left_is_refused(client, floor_user, site, order):
    client.force_login(floor_user)
    _close(client, order, f"{site.glove.pk}::5", key="a" * 32)
    before = outbound_state()

    response = _close(client, order, f"{site.glove.pk}::1", key="b" * 32)

    assert response.status_code == 422
    assert "Only 0 of that item are picked and not yet packed." in page_text(response)
    assert outbound_state() == before


def test_ship_appears_when_everything_is_packed_and_ships_once(client, floor_user, site, order):
    client.force_login(floor_user)
    response = _close(client, order, f"{site.bolt.pk}::4,{site.glove.pk}::5")
    assert "Everything is packed" in page_text(response)
    assert "Ship SO-1" in page_text(response)

    shipped = client.post(reverse("floor-pack-ship", args=[order.pk]), headers=HTMX)
    again = client.post(reverse("floor-pack-ship", args=[order.pk]), headers=HTMX)

    assert "SO-1 shipped. It has left the building." in page_text(shipped)
    assert "Shipped already." in page_text(again)
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert StockMove.objects.filter(kind="ship").count() == 2  # one per product, once
    assert DemandRecord.objects.get(product=site.bolt).quantity == 4


def test_shipping_with_units_not_packed_is_refused(client, floor_user, site, order):
    client.force_login(floor_user)
    _close(client, order, f"{site.bolt.pk}::4")
    before = outbound_state()

    response = client.post(reverse("floor-pack-ship", args=[order.pk]), headers=HTMX)

    assert response.status_code == 409
    assert "5 picked units are not in a package yet" in page_text(response)
    assert outbound_state() == before


def test_an_order_still_being_picked_cannot_ship_yet(client, floor_user, site):
    order = allocated(site, (site.bolt, 4), (site.glove, 5), reference="SO-2")
    first = claimed_batch(site, floor_user, order)
    from warehouse.services.picking import pick_task_complete

    pick_task_complete(
        task_id=first.pk,
        user_id=floor_user.pk,
        scanned_location="A-01-01",
        scanned_product=site.bolt.sku,
    )
    client.force_login(floor_user)

    response = _close(client, order, f"{site.bolt.pk}::4")

    text = page_text(response)
    assert "1 pick of SO-2 is still open" in text
    assert "Ship SO-2" not in text


# --- lots ------------------------------------------------------------------------------------


@pytest.fixture
def milk_order(site, floor_user):
    """8 milk: 6 of lot LA (A-01-03) and 2 of lot LB (B-01-03), picked."""
    return picked_order(site, floor_user, (site.milk, 8), reference="SO-MILK")


def test_a_gs1_label_puts_the_item_in_its_lot(client, floor_user, site, milk_order):
    client.force_login(floor_user)

    response = _scan(client, milk_order, gs1(site.milk, "LB"))

    assert f"{site.milk.sku} lot LB ✓ 1 in this package, 1 more to pack." in page_text(response)
    assert _items(response) == f"{site.milk.pk}:{site.lot_b.pk}:1"


def test_a_lot_not_picked_is_refused(client, floor_user, site, milk_order):
    client.force_login(floor_user)

    response = _scan(client, milk_order, gs1(site.milk, "LZ"))

    assert response.status_code == 422
    assert "Lot LZ of" in page_text(response)
    assert "(picked: LA, LB)" in page_text(response)


def test_a_plain_barcode_of_a_product_in_two_lots_asks_which(client, floor_user, site, milk_order):
    client.force_login(floor_user)

    response = _scan(client, milk_order, site.milk.barcode)

    assert response.status_code == 200
    assert "was picked from several lots: which is it?" in page_text(response)
    assert _items(response) == ""
    chosen = _scan(client, milk_order, site.milk.barcode, lot="LA")
    assert _items(chosen) == f"{site.milk.pk}:{site.lot_a.pk}:1"


# --- who may ----------------------------------------------------------------------------------


def test_a_purchaser_may_not_pack(client, purchaser, order):
    client.force_login(purchaser)

    assert client.get(reverse("floor-packing")).status_code == 403
    assert client.post(reverse("floor-pack-ship", args=[order.pk])).status_code == 403


def test_the_supervisor_may_pack_too(client, supervisor, order):
    client.force_login(supervisor)

    assert client.get(reverse("floor-pack", args=[order.pk])).status_code == 200


def test_an_order_of_another_warehouse_is_not_found(client, floor_user, order):
    other = outbound_site("OTHER")
    client.force_login(floor_user)
    session = client.session
    session["wms_warehouse_id"] = other.warehouse.pk
    session.save()

    assert client.get(reverse("floor-pack", args=[order.pk])).status_code == 404
