"""The supervisor's orders: the list with progress, releasing a wave and its batches, one order
in detail with cancel and ship, a new order by form and by CSV file.

Each refusal says why and changes nothing.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.warehouse.apis.outbound_state import outbound_state
from tests.warehouse.views.outbound_scenario import (
    allocated,
    claimed_batch,
    outbound_site,
    picked_order,
    take,
)
from tests.warehouse.views.scenario import page_text
from warehouse.models import Order, PickBatch, Wave
from warehouse.selectors.dashboard import dashboard_get

HTMX = {"HX-Request": "true"}
KEY = "0123456789abcdef0123456789abcdef"

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return outbound_site()


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_each_orders_progress_and_backorders(client, supervisor, site):
    allocated(site, (site.bolt, 4), reference="SO-READY", customer="Acme Bikes")
    allocated(site, (site.glove, 60), reference="SO-SHORT")  # 50 in stock
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-orders"))

    assert response.status_code == 200
    text = page_text(response)
    assert "SO-READY Acme Bikes" in text
    assert "10 backordered" in text
    assert "Partially allocated" in text
    html = response.content.decode()
    # Both can be released: a checkbox each, and the release form.
    assert html.count('name="order"') == 2
    assert reverse("supervisor-wave-release") in html


def test_the_list_filters_by_status_and_searches_reference_and_customer(client, supervisor, site):
    allocated(site, (site.bolt, 4), reference="SO-READY", customer="Acme Bikes")
    take(site, (site.glove, 1), reference="SO-OTHER", customer="Zed Ltd")
    order_cancel = __import__("warehouse.services.orders", fromlist=["x"]).order_cancel
    order_cancel(order_id=Order.objects.get(reference="SO-OTHER").pk, reason="test")
    client.force_login(supervisor)

    cancelled = page_text(client.get(reverse("supervisor-orders"), {"status": "cancelled"}))
    by_customer = page_text(client.get(reverse("supervisor-orders"), {"q": "acme"}, headers=HTMX))
    bad = client.get(reverse("supervisor-orders"), {"status": "lost"})

    assert "SO-OTHER" in cancelled
    assert "SO-READY" not in cancelled
    assert "SO-READY" in by_customer
    assert "SO-OTHER" not in by_customer
    assert bad.status_code == 200
    assert "There is no status lost" in page_text(bad)


def test_the_list_filters_orders_due_today_and_late_as_the_dashboard_counts_them(
    client, supervisor, site
):
    today = timezone.localdate()
    for reference, ship_date in (
        ("SO-LATE", today - timedelta(days=1)),
        ("SO-TODAY", today),
        ("SO-LATER", today + timedelta(days=3)),
    ):
        allocated(site, (site.bolt, 1), reference=reference)
        Order.objects.filter(reference=reference).update(requested_ship_date=ship_date)
    client.force_login(supervisor)

    late = page_text(client.get(reverse("supervisor-orders"), {"due": "late"}))
    due = page_text(client.get(reverse("supervisor-orders"), {"due": "today"}, headers=HTMX))
    bad = client.get(reverse("supervisor-orders"), {"due": "someday"})

    assert "SO-LATE" in late
    assert "SO-TODAY" not in late
    assert "SO-LATER" not in late
    assert "SO-TODAY" in due
    assert "SO-LATE" not in due
    assert "There is no filter someday" in page_text(bad)
    tile = dashboard_get(warehouse_id=site.warehouse.pk).orders
    assert (tile.late, tile.due_today) == (1, 1)


def test_the_list_costs_the_same_queries_for_one_order_or_a_page(
    client, supervisor, site, django_assert_max_num_queries
):
    allocated(site, (site.bolt, 1), reference="SO-0")
    client.force_login(supervisor)
    client.get(reverse("supervisor-orders"))
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("supervisor-orders"))
    for n in range(1, 12):
        take(site, (site.glove, 1), (site.bolt, 1), reference=f"SO-{n}")

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("supervisor-orders"))

    assert "1–12 of 12" in page_text(response)


def test_the_list_is_paginated(client, supervisor, site):
    for n in range(52):
        take(site, (site.glove, 1), reference=f"SO-{n:03d}")
    client.force_login(supervisor)

    first = page_text(client.get(reverse("supervisor-orders")))
    second = page_text(client.get(reverse("supervisor-orders"), {"page": 2}))

    assert "1–50 of 52" in first
    assert "Page 1 of 2" in first
    assert "51–52 of 52" in second


def test_floor_staff_see_the_orders_but_cannot_release(client, floor_user, site):
    order = allocated(site, (site.bolt, 4), reference="SO-1")
    client.force_login(floor_user)

    response = client.get(reverse("supervisor-orders"))
    post = client.post(
        reverse("supervisor-wave-release"),
        {"order": [order.pk], "by": "priority", "picks_per_batch": 20, "key": KEY},
    )

    assert response.status_code == 200
    assert 'name="order"' not in response.content.decode()
    assert post.status_code == 403
    assert not Wave.objects.exists()


def test_a_purchaser_may_not_see_orders(client, purchaser, site):
    client.force_login(purchaser)

    assert client.get(reverse("supervisor-orders")).status_code == 403


# --- releasing a wave -------------------------------------------------------------------------


def _release(client, *orders, key=KEY, **extra):
    data = {"order": [o.pk for o in orders], "by": "priority", "picks_per_batch": 2, "key": key}
    return client.post(reverse("supervisor-wave-release"), {**data, **extra})


def test_releasing_ticked_orders_makes_a_wave_with_routed_batches(client, supervisor, site):
    one = allocated(site, (site.bolt, 4), (site.glove, 5), reference="SO-1")
    two = allocated(site, (site.milk, 3), reference="SO-2")
    left = allocated(site, (site.glove, 1), reference="SO-3")
    client.force_login(supervisor)

    response = _release(client, one, two)
    again = _release(client, one, two)  # a double click

    wave = Wave.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("supervisor-wave", args=[wave.pk])
    assert again["Location"] == response["Location"]
    assert set(wave.orders.values_list("reference", flat=True)) == {"SO-1", "SO-2"}
    left.refresh_from_db()
    assert left.wave_id is None
    assert PickBatch.objects.filter(wave=wave).count() == 2  # 3 picks, 2 per batch

    page = client.get(response["Location"])
    text = page_text(page)
    assert f"Wave {wave.number} released to the floor." in text
    assert "Route (S-shape)" in text
    assert "In order-line order" in text
    assert "3 picks in 2 batches" in text
    assert "waiting for a picker" in text


def test_releasing_nothing_ticked_is_refused(client, supervisor, site):
    allocated(site, (site.bolt, 4), reference="SO-1")
    client.force_login(supervisor)
    before = outbound_state()

    response = client.post(
        reverse("supervisor-wave-release"), {"by": "priority", "picks_per_batch": 20, "key": KEY}
    )

    assert response.status_code == 422
    assert "Tick the orders to release first." in page_text(response)
    assert outbound_state() == before


def test_a_bad_batch_size_is_refused_and_the_ticks_are_kept(client, supervisor, site):
    order = allocated(site, (site.bolt, 4), reference="SO-1")
    client.force_login(supervisor)
    before = outbound_state()

    response = _release(client, order, picks_per_batch=500)

    assert response.status_code == 422
    assert "A batch holds at most 200 picks." in page_text(response)
    assert f'value="{order.pk}" aria-label="Release SO-1" checked' in response.content.decode()
    assert outbound_state() == before


def test_releasing_an_order_already_released_is_a_clear_conflict(client, supervisor, site):
    order = allocated(site, (site.bolt, 4), reference="SO-1")
    client.force_login(supervisor)
    _release(client, order, key="a" * 32)
    before = outbound_state()

    response = _release(client, order, key="b" * 32)

    assert response.status_code == 409
    assert "No allocated orders are waiting to be released." in page_text(response)
    assert outbound_state() == before


def test_a_wave_of_another_warehouse_is_not_found(client, supervisor, site):
    other = outbound_site("OTHER")
    order = allocated(other, (other.bolt, 1), reference="SO-X")
    client.force_login(supervisor)
    _release(client, order)  # not in the current warehouse: refused
    assert not Wave.objects.exists()
    from warehouse.services.waves import wave_release

    wave = wave_release(warehouse_id=other.warehouse.pk, order_ids=[order.pk])

    assert client.get(reverse("supervisor-wave", args=[wave.pk])).status_code == 404


# --- one order ------------------------------------------------------------------------------


def test_the_detail_shows_lines_allocations_picks_and_packages(
    client, supervisor, floor_user, site
):
    order = picked_order(site, floor_user, (site.milk, 8), (site.bolt, 4), reference="SO-1")
    from warehouse.services.shipping import PackedItem, package_close

    package_close(
        order_id=order.pk, user_id=floor_user.pk, items=[PackedItem(site.bolt.pk, None, 4)]
    )
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-order", args=[order.pk]))

    assert response.status_code == 200
    text = page_text(response)
    assert "Order SO-1 Picked" in text
    assert "A-01-03 LA 2031-03-31" in text  # bin, lot, expiry of an allocation
    assert "B-01-03 LB 2031-09-30" in text
    assert "Done" in text
    assert "floor" in text
    assert f"{site.bolt.sku} × 4" in text  # the package
    assert "Ship…" in text
    assert "Cancel order…" in text


def test_cancel_needs_a_reason(client, supervisor, site):
    order = allocated(site, (site.bolt, 4), reference="SO-1")
    client.force_login(supervisor)
    before = outbound_state()

    response = client.post(reverse("supervisor-order-cancel", args=[order.pk]), {"reason": ""})

    assert response.status_code == 422
    assert "Say why the order is cancelled." in page_text(response)
    assert outbound_state() == before


def test_cancel_releases_the_order_and_a_repeat_changes_nothing(client, supervisor, site):
    order = allocated(site, (site.bolt, 4), reference="SO-1")
    client.force_login(supervisor)

    response = client.post(
        reverse("supervisor-order-cancel", args=[order.pk]), {"reason": "customer called"}
    )
    after = outbound_state()
    again = client.post(
        reverse("supervisor-order-cancel", args=[order.pk]), {"reason": "customer called"}
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert again.status_code == 302
    assert outbound_state() == after
    assert "Cancelled" in page_text(client.get(response["Location"]))


def test_floor_staff_may_not_cancel(client, floor_user, site):
    order = allocated(site, (site.bolt, 4), reference="SO-1")
    client.force_login(floor_user)
    before = outbound_state()

    response = client.post(reverse("supervisor-order-cancel", args=[order.pk]), {"reason": "x"})

    assert response.status_code == 403
    assert outbound_state() == before


def test_ship_with_open_picks_is_refused(client, supervisor, floor_user, site):
    order = allocated(site, (site.bolt, 4), (site.glove, 5), reference="SO-1")
    claimed_batch(site, floor_user, order)
    client.force_login(supervisor)
    before = outbound_state()

    page = page_text(client.get(reverse("supervisor-order", args=[order.pk])))
    response = client.post(reverse("supervisor-order-ship", args=[order.pk]))

    assert "2 picks open: ship once they are done." in page
    assert response.status_code == 409
    assert "2 picks of SO-1 are still open." in page_text(response)
    assert outbound_state() == before


def test_ship_from_the_detail_page(client, supervisor, floor_user, site):
    order = picked_order(site, floor_user, (site.bolt, 4), reference="SO-1")
    client.force_login(supervisor)

    response = client.post(reverse("supervisor-order-ship", args=[order.pk]))

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert "Order SO-1 shipped." in page_text(client.get(response["Location"]))


def test_an_order_of_another_warehouse_is_not_found(client, supervisor, site):
    other = outbound_site("OTHER")
    order = take(other, (other.bolt, 1), reference="SO-X")
    client.force_login(supervisor)

    assert client.get(reverse("supervisor-order", args=[order.pk])).status_code == 404


# --- a new order by form ----------------------------------------------------------------------


def _new(client, reference="SO-NEW", skus=(), quantities=(), **extra):
    data = {"reference": reference, "customer": "Acme", "priority": 3, **extra}
    data["sku"], data["quantity"] = list(skus), list(quantities)
    return client.post(reverse("supervisor-order-new"), data)


def test_the_form_takes_an_order_and_opens_it(client, supervisor, site):
    client.force_login(supervisor)
    assert page_text(client.get(reverse("supervisor-order-new"))).count("SKU or barcode") == 1

    response = _new(
        client,
        skus=[site.bolt.sku, site.glove.barcode, ""],
        quantities=["4", "5", ""],
        requested_ship_date="2031-06-30",
    )

    order = Order.objects.get(reference="SO-NEW")
    assert response.status_code == 302
    assert response["Location"] == reverse("supervisor-order", args=[order.pk])
    assert (order.customer, order.priority, str(order.requested_ship_date)) == (
        "Acme",
        3,
        "2031-06-30",
    )
    assert sorted(order.lines.values_list("product__sku", "quantity")) == sorted(
        [(site.bolt.sku, 4), (site.glove.sku, 5)]
    )
    assert order.created_by == supervisor


def test_the_form_sent_twice_makes_one_order(client, supervisor, site):
    client.force_login(supervisor)
    _new(client, skus=[site.bolt.sku], quantities=["4"])

    again = _new(client, skus=[site.bolt.sku], quantities=["9"])

    assert Order.objects.count() == 1
    assert "existed already; nothing was changed" in page_text(client.get(again["Location"]))


@pytest.mark.parametrize(
    ("skus", "quantities", "message"),
    [
        ([], [], "Add at least one line: a SKU and a quantity."),
        (["NO-SUCH"], ["1"], "No product has the SKU or barcode NO-SUCH."),
        (["BOLT"], ["0"], "The quantity must be a whole number of at least 1."),
        (["BOLT"], ["two"], "The quantity must be a whole number of at least 1."),
        (["", ""], ["3", ""], "Give the SKU or barcode."),
        (["BOLT", "bolt"], ["1", "2"], "is on line 1 already."),
    ],
)
def test_bad_lines_are_named_and_nothing_is_taken(
    client, supervisor, site, skus, quantities, message
):
    skus = [
        site.bolt.sku.lower() if s == "bolt" else site.bolt.sku if s == "BOLT" else s for s in skus
    ]
    client.force_login(supervisor)

    response = _new(client, skus=skus, quantities=quantities)

    assert response.status_code == 422
    assert message in page_text(response)
    assert not Order.objects.exists()


def test_bad_header_fields_are_named(client, supervisor, site):
    client.force_login(supervisor)

    response = _new(
        client,
        reference="",
        skus=[site.bolt.sku],
        quantities=["1"],
        priority=12,
        requested_ship_date="30/06/2031",
    )

    text = page_text(response)
    assert response.status_code == 422
    assert "Give the order's reference." in text
    assert "Priority runs from 1 (most urgent) to 9." in text
    assert "Enter the ship date like 2031-06-30." in text
    assert f'value="{site.bolt.sku}"' in response.content.decode()  # the lines typed are kept
    assert not Order.objects.exists()


def test_a_reference_of_another_warehouse_is_refused(client, supervisor, site):
    other = outbound_site("OTHER")
    take(other, (other.bolt, 1), reference="SO-TAKEN")
    client.force_login(supervisor)

    response = _new(client, reference="SO-TAKEN", skus=[site.bolt.sku], quantities=["1"])

    assert response.status_code == 409
    assert "taken by an order of another warehouse" in page_text(response)
    assert Order.objects.count() == 1


def test_floor_staff_may_not_take_orders(client, floor_user, site):
    client.force_login(floor_user)

    assert client.get(reverse("supervisor-order-new")).status_code == 403
    assert _new(client, skus=[site.bolt.sku], quantities=["1"]).status_code == 403
    assert not Order.objects.exists()


# --- orders from a CSV file -------------------------------------------------------------------


def _upload(client, text: str | bytes, name: str = "orders.csv"):
    content = text.encode() if isinstance(text, str) else text
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(reverse("supervisor-orders-upload"), {"file": upload})


def test_a_file_of_orders_creates_them_and_a_second_upload_creates_nothing(
    client, supervisor, site
):
    client.force_login(supervisor)
    csv_text = (
        "reference,sku,quantity,priority,requested_ship_date\n"
        f"SO-2001,{site.bolt.sku},4,2,2031-06-30\n"
        f"SO-2001,{site.glove.barcode},5,,\n"
        f"SO-2002,{site.milk.sku},3\n"
    )

    response = _upload(client, csv_text)
    again = _upload(client, csv_text)

    assert response.status_code == 200
    assert "2 orders created : SO-2001 , SO-2002" in page_text(response)
    first = Order.objects.get(reference="SO-2001")
    assert (first.priority, str(first.requested_ship_date), first.lines.count()) == (
        2,
        "2031-06-30",
        2,
    )
    assert "0 orders created" in page_text(again)
    assert "2 existed already and were left unchanged" in page_text(again)
    assert Order.objects.count() == 2


def test_a_file_without_header_and_with_semicolons_is_read(client, supervisor, site):
    client.force_login(supervisor)

    response = _upload(client, f"SO-3001;{site.bolt.sku};4\r\n\r\nSO-3001;{site.glove.sku};1\r\n")

    assert response.status_code == 200
    assert Order.objects.get().lines.count() == 2


def test_priority_and_date_may_be_given_on_any_row_of_the_order(client, supervisor, site):
    client.force_login(supervisor)

    response = _upload(
        client,
        f"SO-4001,{site.bolt.sku},4\nSO-4001,{site.glove.sku},1,1,2031-02-01\n"
        f"SO-4001,{site.milk.sku},1,1\n",
    )

    assert response.status_code == 200
    order = Order.objects.get()
    assert (order.priority, str(order.requested_ship_date)) == (1, "2031-02-01")


def test_a_file_with_bad_rows_names_each_and_creates_nothing(client, supervisor, site):
    other = outbound_site("OTHER")
    take(other, (other.bolt, 1), reference="SO-ELSEWHERE")
    client.force_login(supervisor)
    before = outbound_state()
    csv_text = (
        "reference,sku,quantity,priority,requested_ship_date\n"  # row 1
        f"SO-1,{site.bolt.sku},4,2,2031-06-30\n"  # row 2: fine
        f"SO-1,{site.glove.sku},5,3,\n"  # row 3: another priority
        "SO-2,NO-SUCH,1\n"  # row 4: unknown SKU
        f"SO-2,{site.bolt.sku},0\n"  # row 5: quantity 0
        f",{site.bolt.sku},1\n"  # row 6: no reference
        f"SO-3,{site.bolt.sku},1,1,2031-13-01\n"  # row 7: bad date
        f"SO-1,{site.bolt.sku},1\n"  # row 8: bolt twice on SO-1
        f"SO-ELSEWHERE,{site.bolt.sku},1\n"  # row 9: reference of another warehouse
    )

    response = _upload(client, csv_text)

    assert response.status_code == 422
    text = page_text(response)
    assert "7 rows to fix. Nothing was created" in text
    for row, problem in [
        ("3 SO-1", "Priority 3 differs from row 2's 2"),
        ("4 SO-2", "No product has the SKU NO-SUCH."),
        ("5 SO-2", "Quantity “0” is not a whole number of at least 1."),
        ("6 —", "No reference."),
        ("7 SO-3", "Ship date “2031-13-01” is not a date like 2031-06-30."),
        ("8 SO-1", f"{site.bolt.sku} is on this order already (row 2): one row per product."),
        ("9 SO-ELSEWHERE", "This reference is taken by an order of another warehouse."),
    ]:
        assert f"{row} {problem}" in text
    assert outbound_state() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\n\n", "The file has no rows."),
        ("reference,sku,quantity\nSO-1,B\xe4r,1\n".encode("latin-1"), "is not UTF-8 text"),
        (
            b"reference,product,qty\nSO-1,X,1\n",
            "Header: missing sku, quantity; unknown product, qty.",
        ),
        (b"SO-1,X,1,5,2031-01-01,extra\n", "6 columns; at most 5."),
    ],
)
def test_unreadable_files_are_refused(client, supervisor, site, content, message):
    client.force_login(supervisor)

    response = _upload(client, content)

    assert response.status_code == 422
    assert message in page_text(response)
    assert not Order.objects.exists()


def test_floor_staff_may_not_upload(client, floor_user, site):
    client.force_login(floor_user)

    assert _upload(client, f"SO-1,{site.bolt.sku},1\n").status_code == 403
    assert not Order.objects.exists()
