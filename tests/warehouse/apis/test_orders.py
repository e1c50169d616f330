"""/api/v1/orders/: take orders (idempotent by reference), read their progress, ship, cancel."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import DemandRecord, StockLevel
from tests.api.fixtures import error_code, idempotency_key
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.warehouse.apis.outbound_state import (
    ORDERS,
    allocated_order,
    codes_in,
    make_site,
    outbound_state,
    receive,
    take_order,
)
from warehouse.models import Lot, Order, StockMove, Task
from warehouse.selectors.ledger import stock_drift
from warehouse.services.picking import pick_task_complete
from warehouse.services.tasks import task_claim
from warehouse.services.waves import wave_release


@pytest.fixture
def site(db):
    return make_site()


def body(warehouse, *lines, reference="SO-1", **extra) -> dict:
    return {
        "reference": reference,
        "warehouse": warehouse.code,
        "lines": [{"product": product.sku, "quantity": quantity} for product, quantity in lines],
        **extra,
    }


def detail(order) -> str:
    return f"{ORDERS}{order.pk}/"


def pick_everything(warehouse, order, picker) -> None:
    """Release the order's wave and pick every task in full, as a floor worker would."""
    wave_release(warehouse_id=warehouse.pk, order_ids=[order.pk])
    while task := task_claim(user_id=picker.pk, warehouse_id=warehouse.pk, kinds=["pick"]):
        pick_task_complete(
            task_id=task.pk,
            user_id=picker.pk,
            scanned_location=task.source_location.code,
            scanned_product=task.product.sku,
        )


# --- taking orders ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_posting_an_order_takes_it_with_its_lines(
    api, supervisor, site, django_capture_on_commit_callbacks
):
    warehouse, _ = site
    bolt, nut = ProductFactory(), ProductFactory()
    given = body(
        warehouse,
        (bolt, 4),
        reference="SO-100",
        priority=2,
        requested_ship_date="2031-05-04",
        customer="Acme Ltd",
        carrier="DHL",
        carrier_cutoff_at="2031-05-04T16:00:00Z",
    )
    given["lines"].append({"product": nut.barcode, "quantity": 7})  # by barcode

    with django_capture_on_commit_callbacks() as callbacks:
        response = api(supervisor).post(ORDERS, given, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["reference"], data["warehouse"], data["warehouse_id"]) == (
        "SO-100",
        warehouse.code,
        warehouse.pk,
    )
    assert (data["status"], data["priority"], data["requested_ship_date"]) == (
        "open",
        2,
        "2031-05-04",
    )
    assert (data["customer"], data["carrier"], data["created_by"]) == ("Acme Ltd", "DHL", "sup")
    assert data["carrier_cutoff_at"].startswith("2031-05-04T")
    assert (data["wave"], data["pick_tasks"], data["packages"]) == (None, [], [])
    assert [
        (line["product"], line["product_id"], line["quantity"], line["allocated_quantity"])
        for line in data["lines"]
    ] == [(bolt.sku, bolt.pk, 4, 0), (nut.sku, nut.pk, 7, 0)]
    assert data["lines"][0]["backordered_quantity"] == 4
    assert len(callbacks) == 1  # allocation goes to the worker once the order is committed
    order = Order.objects.get(reference="SO-100")
    assert (order.created_by, order.lines.count()) == (supervisor, 2)


@pytest.mark.django_db
def test_priority_defaults_to_5_and_extras_are_optional(api, supervisor, site):
    warehouse, _ = site
    response = api(supervisor).post(ORDERS, body(warehouse, (ProductFactory(), 1)), format="json")
    assert response.status_code == 201
    data = response.json()
    assert (data["priority"], data["requested_ship_date"], data["carrier_cutoff_at"]) == (
        5,
        None,
        None,
    )


@pytest.mark.django_db
def test_posting_a_known_reference_answers_the_order_taken_first(api, supervisor, site):
    warehouse, _ = site
    bolt, nut = ProductFactory(), ProductFactory()
    client = api(supervisor)
    first = client.post(ORDERS, body(warehouse, (bolt, 3), reference="SO-7"), format="json")
    before = outbound_state()

    again = client.post(ORDERS, body(warehouse, (nut, 9), reference="SO-7"), format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()  # the first order, its lines untouched
    assert outbound_state() == before


@pytest.mark.django_db
def test_the_same_idempotency_key_gives_one_order(api, supervisor, site):
    warehouse, _ = site
    product = ProductFactory()
    client = api(supervisor)
    key = idempotency_key()
    given = body(warehouse, (product, 2), reference="SO-K")

    first = client.post(ORDERS, given, format="json", HTTP_IDEMPOTENCY_KEY=key)
    replay = client.post(ORDERS, given, format="json", HTTP_IDEMPOTENCY_KEY=key)
    other = client.post(
        ORDERS,
        body(warehouse, (product, 3), reference="SO-L"),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )

    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 400
    assert error_code(other, "Idempotency-Key") == "idempotency_key_reused"
    assert list(Order.objects.values_list("reference", flat=True)) == ["SO-K"]


@pytest.fixture
def catalog(site):
    warehouse, _ = site
    return {"warehouse": warehouse, "bolt": ProductFactory(), "nut": ProductFactory()}


def _lines(*pairs) -> dict:
    return {"lines": [{"product": product, "quantity": quantity} for product, quantity in pairs]}


REFUSALS = [
    # (id, change to a good body, field, code)
    ("no-lines", lambda c: {"lines": []}, "lines", "empty"),
    ("null-lines", lambda c: {"lines": None}, "lines", "null"),
    ("lines-not-a-list", lambda c: {"lines": "bolt"}, "lines", "not_a_list"),
    ("zero", lambda c: _lines((c["bolt"].sku, 0)), "lines", "min_value"),
    ("negative", lambda c: _lines((c["bolt"].sku, -2)), "lines", "min_value"),
    ("text-quantity", lambda c: _lines((c["bolt"].sku, "ten")), "lines", "invalid"),
    ("fraction", lambda c: _lines((c["bolt"].sku, 1.5)), "lines", "invalid"),
    ("huge", lambda c: _lines((c["bolt"].sku, 10**12)), "lines", "max_value"),
    ("no-quantity", lambda c: {"lines": [{"product": c["bolt"].sku}]}, "lines", "required"),
    ("no-product", lambda c: {"lines": [{"quantity": 1}]}, "lines", "required"),
    ("unknown-sku", lambda c: _lines(("NO-SUCH", 1)), "lines", "does_not_exist"),
    (
        "unknown-second-line",
        lambda c: _lines((c["bolt"].sku, 1), ("NO-SUCH", 1)),
        "lines",
        "does_not_exist",
    ),
    ("bad-gs1", lambda c: _lines(("(01)02000000000019", 1)), "lines", "invalid_barcode"),
    (
        "duplicate-sku",
        lambda c: _lines((c["bolt"].sku, 1), (c["nut"].sku, 1), (c["bolt"].sku, 2)),
        "lines",
        "duplicate_product",
    ),
    (
        "duplicate-by-barcode",
        lambda c: _lines((c["bolt"].sku, 1), (c["bolt"].barcode, 2)),
        "lines",
        "duplicate_product",
    ),
    ("no-reference", lambda c: {"reference": None}, "reference", "null"),
    ("blank-reference", lambda c: {"reference": "  "}, "reference", "blank"),
    ("long-reference", lambda c: {"reference": "R" * 61}, "reference", "max_length"),
    (
        "nul-reference",
        lambda c: {"reference": "SO\x00"},
        "reference",
        "null_characters_not_allowed",
    ),
    ("unknown-warehouse", lambda c: {"warehouse": "NOWHERE"}, "warehouse", "does_not_exist"),
    ("no-warehouse", lambda c: {"warehouse": None}, "warehouse", "null"),
    ("priority-0", lambda c: {"priority": 0}, "priority", "min_value"),
    ("priority-10", lambda c: {"priority": 10}, "priority", "max_value"),
    ("priority-text", lambda c: {"priority": "urgent"}, "priority", "invalid"),
    ("bad-date", lambda c: {"requested_ship_date": "04/05/2031"}, "requested_ship_date", "invalid"),
    (
        "impossible-date",
        lambda c: {"requested_ship_date": "2031-02-30"},
        "requested_ship_date",
        "invalid",
    ),
    ("bad-cutoff", lambda c: {"carrier_cutoff_at": "tonight"}, "carrier_cutoff_at", "invalid"),
    ("long-customer", lambda c: {"customer": "C" * 201}, "customer", "max_length"),
    ("long-carrier", lambda c: {"carrier": "C" * 61}, "carrier", "max_length"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "code"),
    [refusal[1:] for refusal in REFUSALS],
    ids=[refusal[0] for refusal in REFUSALS],
)
def test_refused_orders_change_nothing(api, supervisor, catalog, change, field, code):
    given = {
        **body(catalog["warehouse"], (catalog["bolt"], 1), reference="SO-BAD"),
        **change(catalog),
    }
    before = outbound_state()

    response = api(supervisor).post(ORDERS, given, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert code in codes_in(response.json()["fields"][field])
    assert outbound_state() == before


@pytest.mark.django_db
def test_malformed_json_is_400(api, supervisor):
    response = api(supervisor).post(ORDERS, "{reference:", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.django_db
def test_a_bad_repost_of_a_known_reference_is_still_refused(api, supervisor, catalog):
    warehouse, bolt = catalog["warehouse"], catalog["bolt"]
    client = api(supervisor)
    client.post(ORDERS, body(warehouse, (bolt, 1), reference="SO-9"), format="json")
    before = outbound_state()
    response = client.post(ORDERS, body(warehouse, (bolt, 0), reference="SO-9"), format="json")
    assert response.status_code == 400
    assert outbound_state() == before


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_detail_shows_allocations_by_bin_and_lot_and_the_pick_tasks(api, floor_user, site):
    warehouse, bins = site
    milk = ProductFactory(tracking="lot_expiry")
    bolt = ProductFactory()
    soon = Lot.objects.create(
        product=milk, code="SOON", expiry_date=timezone.localdate() + timedelta(days=20)
    )
    late = Lot.objects.create(
        product=milk, code="LATE", expiry_date=timezone.localdate() + timedelta(days=90)
    )
    receive(bins[1], milk, 3, days_ago=9, lot=late)
    receive(bins[4], milk, 2, days_ago=1, lot=soon)
    receive(bins[2], bolt, 5)
    order = allocated_order(warehouse, (milk, 4), (bolt, 8), reference="SO-D")

    response = api(floor_user).get(detail(order))

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "partially_allocated"
    milk_line, bolt_line = data["lines"]
    assert (
        milk_line["allocated_quantity"],
        milk_line["picked_quantity"],
        milk_line["shipped_quantity"],
        milk_line["backordered_quantity"],
    ) == (4, 0, 0, 0)
    assert [
        (a["location"], a["lot"], a["expiry"], a["quantity"], a["picked_quantity"])
        for a in milk_line["allocations"]
    ] == [
        ("P-4", "SOON", str(soon.expiry_date), 2, 0),  # FEFO: the earliest expiry first
        ("P-1", "LATE", str(late.expiry_date), 2, 0),
    ]
    assert (bolt_line["allocated_quantity"], bolt_line["backordered_quantity"]) == (5, 3)
    assert [(a["location"], a["lot"], a["expiry"]) for a in bolt_line["allocations"]] == [
        ("P-2", None, None)
    ]
    assert sorted(
        (t["source_location"], t["quantity"], t["status"], t["assignee"])
        for t in data["pick_tasks"]
    ) == [("P-1", 2, "open", None), ("P-2", 5, "open", None), ("P-4", 2, "open", None)]
    assert all(t["destination_location"] == "STAGE-01" for t in data["pick_tasks"])


@pytest.mark.django_db
def test_list_filters(api, supervisor, site):
    warehouse, bins = site
    other = WarehouseFactory()
    product = ProductFactory()
    receive(bins[0], product, 5)
    allocated = allocated_order(warehouse, (product, 2), reference="SO-A")
    waiting = take_order(warehouse, (product, 1), reference="SO-B")
    elsewhere = take_order(other, (product, 1), reference="SO-C")
    wave = wave_release(warehouse_id=warehouse.pk)
    client = api(supervisor)

    def refs(query):
        response = client.get(ORDERS + query)
        assert response.status_code == 200, response.json()
        return {row["reference"] for row in response.json()["results"]}

    assert refs("") == {"SO-A", "SO-B", "SO-C"}
    assert refs(f"?warehouse={warehouse.code}") == {"SO-A", "SO-B"}
    assert refs("?status=open") == {waiting.reference, elsewhere.reference}
    assert refs("?status=allocated") == {allocated.reference}
    assert refs("?reference=SO-B") == {"SO-B"}
    assert refs("?reference=SO") == set()
    assert refs(f"?wave={wave.number}") == {"SO-A"}
    assert refs(f"?wave={wave.pk}") == {"SO-A"}
    assert refs("?wave=W-999999") == set()
    assert client.get(detail(allocated)).json()["wave"] == wave.number
    response = client.get(ORDERS + "?status=lost")
    assert response.status_code == 400
    assert error_code(response, "status") == "invalid_choice"


@pytest.mark.django_db
def test_list_has_no_n_plus_one(api, supervisor, site):
    warehouse, bins = site
    client = api(supervisor)
    products = [ProductFactory() for _ in range(3)]
    for product, bin_ in zip(products, bins, strict=False):
        receive(bin_, product, 50)

    def orders(n, start):
        for i in range(start, start + n):
            allocated_order(warehouse, *[(p, 1) for p in products], reference=f"SO-{i}")
        wave_release(warehouse_id=warehouse.pk)

    orders(1, 0)
    client.get(ORDERS)  # the user's permissions are cached after the first request
    with CaptureQueriesContext(connection) as one:
        assert client.get(ORDERS).json()["count"] == 1
    orders(6, 1)
    with CaptureQueriesContext(connection) as seven:
        assert client.get(ORDERS).json()["count"] == 7
    assert len(seven) == len(one) <= 12


@pytest.mark.django_db
def test_orders_stay_inside_the_scope(api, scoped_supervisor, site):
    mine, _ = site
    theirs = WarehouseFactory()
    product = ProductFactory()
    take_order(mine, (product, 1), reference="SO-MINE")
    foreign = take_order(theirs, (product, 1), reference="SO-THEIRS")
    client = api(scoped_supervisor(mine))
    before = outbound_state()

    assert [row["reference"] for row in client.get(ORDERS).json()["results"]] == ["SO-MINE"]
    assert client.get(detail(foreign)).status_code == 404
    assert client.post(f"{detail(foreign)}ship/").status_code == 404
    assert client.post(f"{detail(foreign)}cancel/").status_code == 404
    assert client.post(f"{detail(foreign)}packages/", {}, format="json").status_code == 404
    posted = client.post(ORDERS, body(theirs, (product, 1), reference="SO-X"), format="json")
    assert posted.status_code == 403
    assert posted.json()["code"] == "warehouse_out_of_scope"
    taken = client.post(ORDERS, body(mine, (product, 1), reference="SO-THEIRS"), format="json")
    assert taken.status_code == 409
    assert taken.json()["code"] == "reference_taken"
    assert theirs.code not in taken.content.decode()  # nothing about the order it names
    assert outbound_state() == before


@pytest.mark.django_db
def test_who_may_do_what(api, supervisor, floor_user, purchaser, site):
    warehouse, _ = site
    order = take_order(warehouse, (ProductFactory(), 1), reference="SO-P")
    before = outbound_state()

    assert api(floor_user).get(ORDERS).status_code == 200
    assert api(floor_user).get(detail(order)).status_code == 200
    floor_post = api(floor_user).post(ORDERS, body(warehouse, (ProductFactory(), 1)), format="json")
    assert floor_post.status_code == 403
    assert floor_post.json()["code"] == "permission_denied"
    assert api(floor_user).post(f"{detail(order)}cancel/").status_code == 403
    for url in (ORDERS, detail(order)):
        assert api(purchaser).get(url).status_code == 403
    assert api(purchaser).post(f"{detail(order)}ship/").status_code == 403
    assert api().get(ORDERS).status_code == 401
    assert api().post(ORDERS, {}, format="json").status_code == 401
    assert outbound_state() == before


# --- shipping --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ship_sends_the_picked_goods_out_and_a_repeat_changes_nothing(api, floor_user, site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[3], product, 10)
    order = allocated_order(warehouse, (product, 6), reference="SO-S")
    pick_everything(warehouse, order, _user("picker", "floor"))
    client = api(floor_user)

    first = client.post(f"{detail(order)}ship/")
    moves = StockMove.objects.count()
    again = client.post(f"{detail(order)}ship/")

    assert first.status_code == 200, first.json()
    data = first.json()
    assert data["status"] == "shipped"
    assert data["shipped_at"]
    assert [(ln["picked_quantity"], ln["shipped_quantity"]) for ln in data["lines"]] == [(6, 6)]
    assert again.status_code == 200
    assert again.json() == data
    assert StockMove.objects.count() == moves
    assert StockMove.objects.get(kind="ship").quantity == 6
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (level.on_hand, level.reserved, level.available) == (4, 0, 4)
    assert DemandRecord.objects.get(product=product).quantity == 6
    assert stock_drift().is_clean


@pytest.mark.django_db
def test_ship_is_refused_while_picks_are_open(api, supervisor, site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[0], product, 5)
    order = allocated_order(warehouse, (product, 2), reference="SO-O")
    before = outbound_state()

    response = api(supervisor).post(f"{detail(order)}ship/")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert outbound_state() == before


@pytest.mark.django_db
def test_ship_with_nothing_picked_is_refused(api, supervisor, site):
    warehouse, _ = site
    order = allocated_order(warehouse, (ProductFactory(), 2), reference="SO-N")  # no stock
    assert order.status == "backordered"
    before = outbound_state()

    response = api(supervisor).post(f"{detail(order)}ship/")

    assert response.status_code == 409
    assert outbound_state() == before


# --- cancelling ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cancel_releases_the_stock_and_the_picks(api, supervisor, site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[0], product, 5)
    order = allocated_order(warehouse, (product, 3), reference="SO-X")
    client = api(supervisor)

    response = client.post(f"{detail(order)}cancel/", {"reason": "customer called"}, format="json")
    again = client.post(f"{detail(order)}cancel/", {}, format="json")

    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["status"], data["lines"][0]["allocated_quantity"]) == ("cancelled", 0)
    assert data["cancelled_at"]
    assert [t["status"] for t in data["pick_tasks"]] == ["cancelled"]
    assert Task.objects.get(kind="pick").notes == "order cancelled customer called"
    assert again.status_code == 200
    assert again.json()["cancelled_at"] == data["cancelled_at"]
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (level.reserved, level.available) == (0, 5)
    assert stock_drift().is_clean


@pytest.mark.django_db
def test_cancel_after_picking_sends_the_picked_goods_back_to_storage(api, supervisor, site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[1], product, 5)
    order = allocated_order(warehouse, (product, 4), reference="SO-BACK")
    pick_everything(warehouse, order, _user("picker", "floor"))

    response = api(supervisor).post(f"{detail(order)}cancel/")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    back = Task.objects.get(kind="putaway")
    assert (back.source_location.code, back.quantity, back.reference) == (
        "STAGE-01",
        4,
        "order:SO-BACK",
    )
    assert stock_drift().is_clean


@pytest.mark.django_db
def test_a_shipped_order_cannot_be_cancelled_nor_a_cancelled_one_shipped(api, supervisor, site):
    warehouse, bins = site
    product = ProductFactory()
    receive(bins[0], product, 5)
    shipped = allocated_order(warehouse, (product, 1), reference="SO-1")
    pick_everything(warehouse, shipped, _user("picker", "floor"))
    client = api(supervisor)
    assert client.post(f"{detail(shipped)}ship/").status_code == 200
    cancelled = take_order(warehouse, (product, 1), reference="SO-2")
    assert client.post(f"{detail(cancelled)}cancel/").status_code == 200
    before = outbound_state()

    no_cancel = client.post(f"{detail(shipped)}cancel/", {"reason": "too late"}, format="json")
    no_ship = client.post(f"{detail(cancelled)}ship/")

    assert (no_cancel.status_code, no_ship.status_code) == (409, 409)
    assert no_cancel.json()["code"] == no_ship.json()["code"] == "conflict"
    assert outbound_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "code"), [({"reason": "x" * 201}, "max_length"), ({"reason": ["a"]}, "invalid")]
)
def test_a_bad_cancel_reason_is_400_and_cancels_nothing(api, supervisor, site, given, code):
    warehouse, _ = site
    order = take_order(warehouse, (ProductFactory(), 1), reference="SO-R")
    before = outbound_state()
    response = api(supervisor).post(f"{detail(order)}cancel/", given, format="json")
    assert response.status_code == 400
    assert error_code(response, "reason") == code
    assert outbound_state() == before


# --- with the real worker --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_worker_allocates_a_posted_order_and_makes_its_picks(api, celery_worker_process):
    warehouse, bins = make_site()
    product = ProductFactory()
    receive(bins[2], product, 3, days_ago=4)
    receive(bins[5], product, 9, days_ago=1)
    client = api(_user("sup-worker", "supervisor"))

    response = client.post(
        ORDERS, body(warehouse, (product, 5), reference="SO-LIVE"), format="json"
    )
    assert response.status_code == 201, response.json()
    url = detail(Order.objects.get(reference="SO-LIVE"))

    deadline = time.monotonic() + 20
    while len((data := client.get(url).json())["pick_tasks"]) < 2:
        assert time.monotonic() < deadline, "see test-artifacts/celery-worker.log"
        time.sleep(0.05)
    assert data["status"] == "allocated"
    assert [(a["location"], a["quantity"]) for a in data["lines"][0]["allocations"]] == [
        ("P-2", 3),  # FIFO: the older receipt first
        ("P-5", 2),
    ]
    assert sorted(t["source_location"] for t in data["pick_tasks"]) == ["P-2", "P-5"]
    assert stock_drift().is_clean
