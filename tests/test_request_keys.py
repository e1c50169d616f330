"""Double taps on the three forms that create a document: starting a receipt, closing a package,
releasing a wave. Each form carries a key drawn when it is rendered; the service stores it on
the row it creates (a unique column), and a repeat with the same key gets that row back.

The key lives in the database, so a lost cache changes nothing: the view tests run the repeat
with the cache replaced by Django's DummyCache (it forgets everything at once, as a restarted or
evicting Redis would). We do not call ``cache.clear()``: the cache shares its Redis database
with the Celery broker, and flushing it would lose the running test worker's queue bindings.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from inventory.errors import Conflict, DomainError, NothingToRelease
from inventory.models import UserScope
from tests.concurrency import run_together
from tests.factories.inventory import SupplierFactory, WarehouseFactory
from tests.warehouse.views.inbound_scenario import sent_order
from tests.warehouse.views.outbound_scenario import allocated, outbound_site, picked_order
from tests.warehouse.views.scenario import page_text
from warehouse.models import Order, Package, PackageItem, PickBatch, Receipt, Wave
from warehouse.services.receiving import receipt_create
from warehouse.services.shipping import PackedItem, order_ship, package_close
from warehouse.services.waves import wave_release

HTMX = {"HX-Request": "true"}
KEY = "0123456789abcdef0123456789abcdef"
OTHER_KEY = "fedcba9876543210fedcba9876543210"
NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def _someone(username: str = "someone"):
    return get_user_model().objects.create_user(username=username, password="pw")


@pytest.fixture
def site(db):
    return outbound_site()


@pytest.fixture
def picked(site, floor_user):
    """SO-1: 4 bolts and 5 gloves, picked, nothing packed."""
    return picked_order(site, floor_user, (site.bolt, 4), (site.glove, 5), reference="SO-1")


def _bolts(site, quantity: int = 4) -> list[PackedItem]:
    return [PackedItem(site.bolt.pk, None, quantity)]


# --- receipts: the service ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_key_twice_makes_one_unplanned_receipt(site, floor_user):
    first = receipt_create(
        warehouse=site.warehouse, created_by_id=floor_user.pk, idempotency_key=KEY
    )
    again = receipt_create(
        warehouse=site.warehouse, created_by_id=floor_user.pk, idempotency_key=KEY
    )

    assert again.pk == first.pk
    assert again.reference == first.reference
    assert Receipt.objects.get().request_key == KEY


@pytest.mark.django_db
def test_the_same_key_twice_makes_one_receipt_of_a_purchase_order(site, floor_user):
    order = sent_order(site.warehouse, (site.bolt, 10))

    first = receipt_create(
        warehouse=site.warehouse,
        purchase_order=order,
        created_by_id=floor_user.pk,
        idempotency_key=KEY,
    )
    again = receipt_create(
        warehouse=site.warehouse,
        purchase_order=order,
        created_by_id=floor_user.pk,
        idempotency_key=KEY,
    )

    assert again.pk == first.pk
    assert Receipt.objects.filter(purchase_order=order).count() == 1
    assert first.lines.get().expected_quantity == 10  # lines made once


@pytest.mark.django_db
def test_receipts_without_a_key_are_made_each_time_as_before(site):
    receipt_create(warehouse=site.warehouse)
    receipt_create(warehouse=site.warehouse)

    assert Receipt.objects.count() == 2
    assert not Receipt.objects.exclude(request_key=None).exists()


@pytest.mark.django_db
def test_a_receipt_key_reused_by_someone_else_or_elsewhere_is_refused(site, floor_user):
    made = receipt_create(
        warehouse=site.warehouse, created_by_id=floor_user.pk, idempotency_key=KEY
    )
    west = WarehouseFactory(code="WEST")  # with its own dock

    with pytest.raises(Conflict) as by_someone:
        receipt_create(warehouse=site.warehouse, created_by_id=_someone().pk, idempotency_key=KEY)
    with pytest.raises(Conflict) as elsewhere:
        receipt_create(warehouse=west, created_by_id=floor_user.pk, idempotency_key=KEY)

    message = f"This form was already used for receipt {made.reference}"
    assert message in by_someone.value.message
    assert message in elsewhere.value.message
    assert by_someone.value.field == "key"
    assert Receipt.objects.count() == 1


@pytest.mark.django_db
def test_a_key_longer_than_the_column_is_refused_clearly(site, picked, floor_user):
    long_key = "k" * 65

    with pytest.raises(DomainError) as receipt:
        receipt_create(warehouse=site.warehouse, idempotency_key=long_key)
    with pytest.raises(DomainError) as package:
        package_close(
            order_id=picked.pk, user_id=floor_user.pk, items=_bolts(site), idempotency_key=long_key
        )
    with pytest.raises(DomainError) as wave:
        wave_release(warehouse_id=site.warehouse.pk, idempotency_key=long_key)

    for raised in (receipt, package, wave):
        assert raised.value.message == "A request key has at most 64 characters, not 65."
        assert raised.value.field == "key"
    assert not Receipt.objects.exists()
    assert not Package.objects.exists()
    # A key of exactly 64 characters fits.
    assert receipt_create(warehouse=site.warehouse, idempotency_key="k" * 64).request_key


# --- packages: the service ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_key_twice_closes_one_package(site, picked, floor_user):
    first = package_close(
        order_id=picked.pk, user_id=floor_user.pk, items=_bolts(site), idempotency_key=KEY
    )
    # The bolts are all packed now: without the key this would be refused as too many.
    again = package_close(
        order_id=picked.pk, user_id=floor_user.pk, items=_bolts(site), idempotency_key=KEY
    )

    assert again.pk == first.pk
    assert Package.objects.get().request_key == KEY
    assert PackageItem.objects.get().quantity == 4


@pytest.mark.django_db
def test_a_repeat_finds_its_package_even_after_the_order_shipped(site, picked, floor_user):
    items = [*_bolts(site), PackedItem(site.glove.pk, None, 5)]
    first = package_close(
        order_id=picked.pk, user_id=floor_user.pk, items=items, idempotency_key=KEY
    )
    order_ship(order_id=picked.pk, user_id=floor_user.pk)

    again = package_close(
        order_id=picked.pk, user_id=floor_user.pk, items=items, idempotency_key=KEY
    )

    assert again.pk == first.pk


@pytest.mark.django_db
def test_another_key_closes_another_package(site, picked, floor_user):
    one = package_close(
        order_id=picked.pk, user_id=floor_user.pk, items=_bolts(site, 2), idempotency_key=KEY
    )
    two = package_close(
        order_id=picked.pk, user_id=floor_user.pk, items=_bolts(site, 2), idempotency_key=OTHER_KEY
    )

    assert (one.number, two.number) == (1, 2)


@pytest.mark.django_db
def test_a_refused_close_leaves_its_key_free_for_the_corrected_one(site, picked, floor_user):
    with pytest.raises(DomainError):
        package_close(
            order_id=picked.pk, user_id=floor_user.pk, items=_bolts(site, 99), idempotency_key=KEY
        )

    package = package_close(
        order_id=picked.pk, user_id=floor_user.pk, items=_bolts(site), idempotency_key=KEY
    )

    assert package.request_key == KEY
    assert PackageItem.objects.get().quantity == 4


@pytest.mark.django_db
def test_a_package_key_reused_on_another_order_or_by_someone_else_is_refused(
    site, picked, floor_user
):
    other = picked_order(site, floor_user, (site.glove, 2), reference="SO-2")
    package_close(
        order_id=picked.pk, user_id=floor_user.pk, items=_bolts(site), idempotency_key=KEY
    )

    with pytest.raises(Conflict) as on_other:
        package_close(
            order_id=other.pk,
            user_id=floor_user.pk,
            items=[PackedItem(site.glove.pk, None, 2)],
            idempotency_key=KEY,
        )
    with pytest.raises(Conflict) as by_someone:
        package_close(
            order_id=picked.pk, user_id=_someone().pk, items=_bolts(site), idempotency_key=KEY
        )

    assert "This form was already used for package 1" in on_other.value.message
    assert "This form was already used for package 1" in by_someone.value.message
    assert not Package.objects.filter(order=other).exists()
    assert Package.objects.count() == 1


# --- waves: the service ---------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_key_twice_releases_one_wave(site, supervisor):
    one = allocated(site, (site.bolt, 4), reference="SO-1")
    two = allocated(site, (site.glove, 5), reference="SO-2")
    release = {
        "warehouse_id": site.warehouse.pk,
        "order_ids": [one.pk, two.pk],
        "released_by_id": supervisor.pk,
        "idempotency_key": KEY,
    }

    first = wave_release(**release)
    # The orders are in a wave now: without the key this would be NothingToRelease.
    again = wave_release(**release)

    assert again.pk == first.pk
    assert Wave.objects.get().request_key == KEY
    assert set(Order.objects.values_list("wave_id", flat=True)) == {first.pk}
    assert PickBatch.objects.filter(wave=first).count() == 1
    with pytest.raises(NothingToRelease):
        wave_release(**{**release, "idempotency_key": OTHER_KEY})


@pytest.mark.django_db
def test_a_wave_key_reused_by_someone_else_is_refused(site, supervisor):
    order = allocated(site, (site.bolt, 4), reference="SO-1")
    wave = wave_release(
        warehouse_id=site.warehouse.pk,
        order_ids=[order.pk],
        released_by_id=supervisor.pk,
        idempotency_key=KEY,
    )
    later = allocated(site, (site.glove, 1), reference="SO-2")

    with pytest.raises(Conflict) as raised:
        wave_release(
            warehouse_id=site.warehouse.pk,
            order_ids=[later.pk],
            released_by_id=_someone().pk,
            idempotency_key=KEY,
        )

    assert f"This form was already used for wave {wave.number}" in raised.value.message
    later.refresh_from_db()
    assert later.wave_id is None


# --- the same key at the same instant (the unique column is the backstop) -------------------


@pytest.mark.django_db(transaction=True)
def test_two_starts_at_once_with_one_key_make_one_receipt():
    warehouse = WarehouseFactory(code="MAIN")  # with its dock
    user = _someone("receiver")
    # No lock serialises unplanned receipts: the twin waits on the unique index, then finds
    # the first receipt. Several rounds, since the threads do not always meet.
    for round_ in range(5):
        key = f"{round_:032x}"
        results = run_together(
            [
                lambda key=key: receipt_create(
                    warehouse=warehouse, created_by_id=user.pk, idempotency_key=key
                )
            ]
            * 2
        )
        assert all(isinstance(r, Receipt) for r in results), results
        assert results[0].pk == results[1].pk
        assert Receipt.objects.filter(request_key=key).count() == 1
    assert Receipt.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_two_closes_and_two_releases_at_once_with_one_key_make_one_each(floor_user, supervisor):
    site = outbound_site()
    order = picked_order(site, floor_user, (site.bolt, 4), reference="SO-1")

    closes = run_together(
        [
            lambda: package_close(
                order_id=order.pk, user_id=floor_user.pk, items=_bolts(site), idempotency_key=KEY
            )
        ]
        * 2
    )

    assert all(isinstance(r, Package) for r in closes), closes
    assert closes[0].pk == closes[1].pk
    assert Package.objects.count() == 1

    waiting = allocated(site, (site.glove, 3), reference="SO-2")
    releases = run_together(
        [
            lambda: wave_release(
                warehouse_id=site.warehouse.pk,
                order_ids=[waiting.pk],
                released_by_id=supervisor.pk,
                idempotency_key=KEY,
            )
        ]
        * 2
    )

    assert all(isinstance(r, Wave) for r in releases), releases
    assert releases[0].pk == releases[1].pk
    assert Wave.objects.filter(request_key=KEY).count() == 1


# --- the pages: a double submit, with the cache gone in between -----------------------------


@pytest.mark.django_db
def test_a_double_tap_on_start_unplanned_makes_one_receipt_without_the_cache(
    client, floor_user, site, settings
):
    supplier = SupplierFactory()
    client.force_login(floor_user)
    page = client.get(reverse("floor-receiving"))
    key = re.search(r'name="key" value="([0-9a-f]{32})"', page.content.decode()).group(1)
    data = {"supplier": supplier.pk, "key": key}

    first = client.post(reverse("floor-receipt-start"), data, headers=HTMX)
    settings.CACHES = NO_CACHE  # Redis restarted: whatever the cache held is gone
    again = client.post(reverse("floor-receipt-start"), data, headers=HTMX)

    receipt = Receipt.objects.get()
    assert receipt.supplier == supplier
    assert receipt.request_key == key
    target = reverse("floor-receipt", args=[receipt.pk])
    assert first["HX-Redirect"] == again["HX-Redirect"] == target


@pytest.mark.django_db
def test_a_double_tap_on_start_for_a_purchase_order_makes_one_receipt_without_the_cache(
    client, floor_user, site, settings
):
    settings.CACHES = NO_CACHE
    order = sent_order(site.warehouse, (site.bolt, 10))
    client.force_login(floor_user)
    data = {"purchase_order": order.pk, "key": KEY}

    first = client.post(reverse("floor-receipt-start"), data)
    again = client.post(reverse("floor-receipt-start"), data)

    receipt = Receipt.objects.get(purchase_order=order)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == reverse("floor-receipt", args=[receipt.pk])


@pytest.mark.django_db
def test_a_start_form_replayed_by_another_user_is_refused_on_the_page(
    client, floor_user, site, settings
):
    receipt_create(warehouse=site.warehouse, created_by_id=floor_user.pk, idempotency_key=KEY)
    other = get_user_model().objects.create_user(username="floor2", password="pw")
    other.groups.set(floor_user.groups.all())
    UserScope.objects.create(user=other, all_warehouses=True)
    client.force_login(other)

    response = client.post(reverse("floor-receipt-start"), {"key": KEY}, headers=HTMX)

    assert response.status_code == 422
    assert "This form was already used for receipt" in page_text(response)
    assert Receipt.objects.count() == 1


@pytest.mark.django_db
def test_a_double_tap_on_close_package_closes_one_without_the_cache(
    client, floor_user, site, picked, settings
):
    client.force_login(floor_user)
    bench = client.get(reverse("floor-pack", args=[picked.pk]))
    key = re.search(r'name="key" value="([0-9a-f]{32})"', bench.content.decode()).group(1)
    data = {"items": f"{site.bolt.pk}::4,{site.glove.pk}::2", "key": key}
    url = reverse("floor-pack-close", args=[picked.pk])

    first = client.post(url, data, headers=HTMX)
    settings.CACHES = NO_CACHE
    again = client.post(url, data, headers=HTMX)

    assert first.status_code == again.status_code == 200
    assert "Package 1 closed: 6 units." in page_text(first)
    assert "Package 1 closed: 6 units." in page_text(again)
    package = Package.objects.get()
    assert package.request_key == key
    assert sum(item.quantity for item in package.items.all()) == 6


@pytest.mark.django_db
def test_a_double_click_on_release_makes_one_wave_without_the_cache(
    client, supervisor, site, settings
):
    one = allocated(site, (site.bolt, 4), reference="SO-1")
    two = allocated(site, (site.milk, 3), reference="SO-2")
    client.force_login(supervisor)
    page = client.get(reverse("supervisor-orders"))
    key = re.search(r'name="key" value="([0-9a-f]{32})"', page.content.decode()).group(1)
    data = {"order": [one.pk, two.pk], "by": "priority", "picks_per_batch": 20, "key": key}

    first = client.post(reverse("supervisor-wave-release"), data)
    settings.CACHES = NO_CACHE
    again = client.post(reverse("supervisor-wave-release"), data)

    wave = Wave.objects.get()
    assert wave.request_key == key
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == reverse("supervisor-wave", args=[wave.pk])
    assert set(wave.orders.values_list("reference", flat=True)) == {"SO-1", "SO-2"}


def test_the_three_views_no_longer_use_the_cache():
    views = Path(__file__).resolve().parent.parent / "warehouse" / "views"
    for name in ("receiving.py", "packing.py", "orders.py"):
        text = (views / name).read_text()
        assert "django.core.cache" not in text, name


# --- in the browser: the same rendered form sent twice at once ------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_start_unplanned_sent_twice_at_once_from_the_browser_makes_one_receipt(
    browser, login, floor_user, live_server
):
    WarehouseFactory(code="MAIN")  # with its receiving dock
    page = login(browser, "floor")
    page.goto(f"{live_server.url}{reverse('floor-receiving')}")

    # A double tap that got through: the form's data posted twice in parallel, as two taps
    # before the first answer would.
    statuses = page.evaluate(
        """async () => {
            const form = document.querySelector('form.unplanned__form');
            const send = () => fetch(form.action, {method: 'POST', body: new FormData(form)});
            const answers = await Promise.all([send(), send()]);
            return answers.map(a => [a.status, a.url]);
        }"""
    )

    receipt = Receipt.objects.get()
    target = reverse("floor-receipt", args=[receipt.pk])
    assert [status for status, _ in statuses] == [200, 200]  # fetch followed the redirect
    assert all(url.endswith(target) for _, url in statuses), statuses
    assert receipt.request_key
    assert receipt.kind == Receipt.Kind.UNPLANNED
