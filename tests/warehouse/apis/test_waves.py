"""/api/v1/waves/: releasing orders to the floor in routed batches, and reading the waves."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.fixtures import error_code, idempotency_key
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.warehouse.apis.outbound_state import (
    ORDERS,
    WAVES,
    allocated_order,
    codes_in,
    make_site,
    outbound_state,
    receive,
    take_order,
)
from warehouse.models import Order, Task, Wave


@pytest.fixture
def site(db):
    """Nine bins in three aisles; each of nine products stocked in one of them."""
    warehouse, bins = make_site(9)
    products = [ProductFactory() for _ in bins]
    for product, bin_ in zip(products, reversed(bins), strict=True):
        receive(bin_, product, 20)
    return warehouse, bins, products


@pytest.mark.django_db
def test_release_batches_the_picks_along_the_s_shape(api, supervisor, site):
    warehouse, _, products = site
    order = allocated_order(warehouse, *[(p, 1) for p in products], reference="SO-W")

    response = api(supervisor).post(
        WAVES, {"warehouse": warehouse.code, "picks_per_batch": 20}, format="json"
    )

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["number"].startswith("W-")
    assert (data["warehouse"], data["status"], data["released_by"]) == (
        warehouse.code,
        "released",
        "sup",
    )
    assert (data["orders"], data["order_ids"]) == (["SO-W"], [order.pk])
    (batch,) = data["batches"]
    assert batch["route"] == ["P-0", "P-1", "P-2", "P-5", "P-4", "P-3", "P-6", "P-7", "P-8"]
    by_bin = dict(Task.objects.filter(kind="pick").values_list("source_location__code", "pk"))
    assert batch["tasks"] == [by_bin[code] for code in batch["route"]]
    assert 0 < batch["route_metres"] <= batch["unrouted_metres"]
    assert (batch["sequence"], batch["assignee"]) == (1, None)
    shown = api(supervisor).get(f"{ORDERS}{order.pk}/").json()
    assert (shown["wave"], shown["wave_id"]) == (data["number"], data["id"])
    assert api(supervisor).get(f"{WAVES}{data['id']}/").json() == data


@pytest.mark.django_db
def test_batches_hold_at_most_picks_per_batch(api, supervisor, site):
    warehouse, _, products = site
    allocated_order(warehouse, *[(p, 1) for p in products[:4]], reference="SO-1")
    allocated_order(warehouse, *[(p, 1) for p in products[4:]], reference="SO-2")
    response = api(supervisor).post(
        WAVES, {"warehouse": warehouse.code, "picks_per_batch": 5}, format="json"
    )
    assert response.status_code == 201
    assert [len(b["tasks"]) for b in response.json()["batches"]] == [4, 5]


@pytest.mark.django_db
def test_release_named_orders_by_reference_or_id(api, supervisor, site):
    warehouse, _, products = site
    first = allocated_order(warehouse, (products[0], 1), reference="SO-A")
    allocated_order(warehouse, (products[1], 1), reference="SO-B")
    third = allocated_order(warehouse, (products[2], 1), reference="1234")

    response = api(supervisor).post(
        WAVES, {"warehouse": warehouse.code, "orders": ["SO-A", third.pk, "1234"]}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert sorted(response.json()["order_ids"]) == sorted([first.pk, third.pk])
    assert Order.objects.get(reference="SO-B").wave_id is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("by", "first"), [("priority", "URGENT"), ("ship_date", "EARLY"), ("cutoff", "CUTOFF")]
)
def test_release_by_priority_ship_date_or_cutoff(api, supervisor, site, by, first):
    warehouse, _, products = site
    today = timezone.localdate()
    allocated_order(warehouse, (products[0], 1), reference="URGENT", priority=1)
    allocated_order(warehouse, (products[1], 1), reference="EARLY", requested_ship_date=today)
    allocated_order(
        warehouse,
        (products[2], 1),
        reference="CUTOFF",
        carrier_cutoff_at=timezone.now() + timedelta(hours=2),
    )
    response = api(supervisor).post(
        WAVES, {"warehouse": warehouse.code, "by": by, "limit": 1}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["orders"] == [first]


@pytest.mark.django_db
def test_the_same_idempotency_key_releases_once(api, supervisor, site):
    warehouse, _, products = site
    allocated_order(warehouse, (products[0], 1), reference="SO-I")
    client = api(supervisor)
    key = idempotency_key()
    given = {"warehouse": warehouse.code}
    first = client.post(WAVES, given, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(WAVES, given, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Wave.objects.count() == 1


@pytest.fixture
def waiting(site):
    """One allocated order (SO-OK) waiting for release, one open (SO-OPEN), one elsewhere."""
    warehouse, _, products = site
    allocated_order(warehouse, (products[0], 1), reference="SO-OK")
    take_order(warehouse, (products[1], 1), reference="SO-OPEN")
    other = WarehouseFactory()
    take_order(other, (products[2], 1), reference="SO-ELSEWHERE")
    return warehouse


REFUSALS = [
    # (id, change to a good body, field, code)
    ("unknown-warehouse", {"warehouse": "NOWHERE"}, "warehouse", "does_not_exist"),
    ("no-warehouse", {"warehouse": None}, "warehouse", "null"),
    ("bad-by", {"by": "weight"}, "by", "invalid_choice"),
    ("limit-0", {"limit": 0}, "limit", "min_value"),
    ("limit-text", {"limit": "all"}, "limit", "invalid"),
    ("batch-0", {"picks_per_batch": 0}, "picks_per_batch", "min_value"),
    ("batch-201", {"picks_per_batch": 201}, "picks_per_batch", "max_value"),
    ("no-orders", {"orders": []}, "orders", "empty"),
    ("orders-not-a-list", {"orders": "SO-OK"}, "orders", "not_a_list"),
    ("order-true", {"orders": [True]}, "orders", "invalid"),
    ("order-zero", {"orders": [0]}, "orders", "invalid"),
    ("order-blank", {"orders": [" "]}, "orders", "blank"),
    ("unknown-order", {"orders": ["SO-OK", "SO-NONE"]}, "orders", "does_not_exist"),
    ("unknown-order-id", {"orders": [999_999_999]}, "orders", "does_not_exist"),
    ("order-elsewhere", {"orders": ["SO-ELSEWHERE"]}, "orders", "does_not_exist"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "code"),
    [refusal[1:] for refusal in REFUSALS],
    ids=[refusal[0] for refusal in REFUSALS],
)
def test_refused_releases_change_nothing(api, supervisor, waiting, change, field, code):
    before = outbound_state()
    response = api(supervisor).post(WAVES, {"warehouse": waiting.code, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert code in codes_in(response.json()["fields"][field])
    assert outbound_state() == before


@pytest.mark.django_db
def test_nothing_to_release_is_a_409_and_changes_nothing(api, supervisor, waiting):
    client = api(supervisor)
    assert client.post(WAVES, {"warehouse": waiting.code}, format="json").status_code == 201
    before = outbound_state()
    again = client.post(WAVES, {"warehouse": waiting.code}, format="json")
    only_open = client.post(
        WAVES, {"warehouse": waiting.code, "orders": ["SO-OPEN"]}, format="json"
    )
    for response in (again, only_open):
        assert response.status_code == 409
        assert response.json()["code"] == "nothing_to_release"
    assert outbound_state() == before


@pytest.mark.django_db
def test_who_may_release_and_read(api, supervisor, floor_user, purchaser, waiting):
    before = outbound_state()
    refused = api(floor_user).post(WAVES, {"warehouse": waiting.code}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert api(purchaser).post(WAVES, {"warehouse": waiting.code}, format="json").status_code == 403
    assert api().post(WAVES, {"warehouse": waiting.code}, format="json").status_code == 401
    assert outbound_state() == before
    assert api(floor_user).get(WAVES).status_code == 200  # whoever sees orders sees waves
    assert api(purchaser).get(WAVES).status_code == 403


@pytest.mark.django_db
def test_waves_stay_inside_the_scope(api, scoped_supervisor, supervisor, site):
    warehouse, _, products = site
    allocated_order(warehouse, (products[0], 1), reference="SO-S")
    theirs = api(supervisor).post(WAVES, {"warehouse": warehouse.code}, format="json").json()
    client = api(scoped_supervisor(WarehouseFactory()))
    before = outbound_state()

    assert client.get(WAVES).json()["count"] == 0
    assert client.get(f"{WAVES}{theirs['id']}/").status_code == 404
    response = client.post(WAVES, {"warehouse": warehouse.code}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "warehouse_out_of_scope"
    assert outbound_state() == before


@pytest.mark.django_db
def test_wave_list_filters_and_has_no_n_plus_one(api, supervisor, site):
    warehouse, _, products = site
    client = api(supervisor)

    def release(n):
        for i in range(n):
            allocated_order(
                warehouse, (products[i], 1), (products[i + 1], 1), reference=f"SO-{n}-{i}"
            )
        assert client.post(WAVES, {"warehouse": warehouse.code}, format="json").status_code == 201

    release(1)
    client.get(WAVES)  # the user's permissions are cached after the first request
    with CaptureQueriesContext(connection) as one:
        assert client.get(WAVES).json()["count"] == 1
    release(4)
    release(3)
    with CaptureQueriesContext(connection) as three:
        assert client.get(WAVES).json()["count"] == 3
    assert len(three) == len(one) <= 8
    assert client.get(f"{WAVES}?warehouse={warehouse.code}&status=released").json()["count"] == 3
    assert client.get(f"{WAVES}?status=done").json()["count"] == 0
    response = client.get(f"{WAVES}?status=later")
    assert response.status_code == 400
    assert error_code(response, "status") == "invalid_choice"
