"""/api/v1/receipts/: a delivery received in one request (all or nothing), and reading them."""

from datetime import timedelta

import pytest
import yaml
from django.utils import timezone

from inventory.gs1 import parse_scan
from inventory.models import PurchaseOrder, StockLevel
from inventory.services.purchasing import (
    OrderLineInput,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_send,
)
from tests.api.fixtures import error_code, idempotency_key
from tests.concurrency import run_together
from tests.conftest import _user
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, dock
from tests.inventory.apis.test_purchase_orders import codes_in
from tests.warehouse.apis.inbound_state import inbound_state
from warehouse.models import Location, Receipt, ReceiptItem, StockMove
from warehouse.selectors.ledger import stock_drift
from warehouse.selectors.receipts import products_by_scans
from warehouse.selectors.scan import scan_product
from warehouse.services.inbound_planning import receipt_plan
from warehouse.services.layout import location_create
from warehouse.services.receipt_api import delivery_receive
from warehouse.services.receiving import ReceivedEntry

URL = "/api/v1/receipts/"


def level(product, warehouse) -> StockLevel:
    return StockLevel.objects.get(product=product, warehouse=warehouse)


def sent_order(warehouse, *lines, supplier=None) -> PurchaseOrder:
    order = purchase_order_create(
        supplier=supplier or SupplierFactory(),
        warehouse=warehouse,
        lines=[OrderLineInput(product, quantity) for product, quantity in lines],
    )
    return purchase_order_send(purchase_order_id=order.pk)


def delivery(warehouse, *lines, **extra) -> dict:
    return {
        "warehouse": warehouse.code,
        "lines": [{"product": p.sku, "quantity": q} for p, q in lines],
        **extra,
    }


def gs1(product, *, lot: str, expiry) -> str:
    """A GS1-128 label as printed under the bars: GTIN, expiry, lot."""
    return f"(01)0{product.barcode}(17){expiry:%y%m%d}(10){lot}"


@pytest.mark.django_db
def test_an_unplanned_delivery_lands_on_the_dock_at_once(api, floor_user, warehouse):
    bolt, nut = ProductFactory(), ProductFactory()

    response = api(floor_user).post(URL, delivery(warehouse, (bolt, 12), (nut, 30)), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    receipt = Receipt.objects.get()
    assert (data["id"], data["reference"]) == (receipt.pk, receipt.reference)
    assert (data["kind"], data["status"], data["purchase_order"]) == (
        "unplanned",
        "receiving",
        None,
    )
    assert (data["warehouse"], data["dock"], data["dock_id"]) == (
        warehouse.code,
        "RECV-01",
        dock(warehouse).pk,
    )
    assert [
        (ln["product"], ln["expected_quantity"], ln["received_quantity"]) for ln in data["lines"]
    ] == [(bolt.sku, 0, 12), (nut.sku, 0, 30)]
    assert [
        (i["product"], i["quantity"], i["location"], i["lot"], i["planned"], i["needs_qc"])
        for i in data["items"]
    ] == [
        (bolt.sku, 12, "RECV-01", None, False, False),
        (nut.sku, 30, "RECV-01", None, False, False),
    ]
    stock = level(bolt, warehouse)
    assert (stock.on_hand, stock.in_receiving, stock.available) == (12, 12, 0)
    move = StockMove.objects.get(product=bolt)
    assert (move.kind, move.to_location, move.actor, move.reference) == (
        "receipt",
        dock(warehouse),
        floor_user,
        receipt.reference,
    )


@pytest.mark.django_db
def test_a_delivery_against_a_po_updates_the_order_and_on_order(api, floor_user, warehouse):
    bolt, nut = ProductFactory(), ProductFactory()
    order = sent_order(warehouse, (bolt, 40), (nut, 10))

    response = api(floor_user).post(
        URL, delivery(warehouse, (bolt, 25), purchase_order=order.pk), format="json"
    )

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["kind"], data["purchase_order"], data["purchase_order_number"]) == (
        "purchase_order",
        order.pk,
        order.number,
    )
    assert data["supplier"] == order.supplier.code
    assert [
        (ln["product"], ln["expected_quantity"], ln["received_quantity"]) for ln in data["lines"]
    ] == [(bolt.sku, 40, 25), (nut.sku, 10, 0)]
    order.refresh_from_db()
    assert order.status == "partially_received"
    assert order.lines.get(product=bolt).received_quantity == 25
    assert (level(bolt, warehouse).on_order, level(nut, warehouse).on_order) == (15, 10)
    assert (level(bolt, warehouse).on_hand, level(bolt, warehouse).available) == (25, 0)


@pytest.mark.django_db
def test_lots_and_expiry_come_typed_or_from_a_gs1_label(api, floor_user, warehouse):
    milk = ProductFactory(tracking="lot_expiry")
    soap = ProductFactory(tracking="lot")
    expiry = timezone.localdate() + timedelta(days=30)
    given = {
        "warehouse": warehouse.code,
        "lines": [
            {"product": gs1(milk, lot="M-7", expiry=expiry), "quantity": 6},
            {"product": milk.barcode, "quantity": 4, "lot": "M-8", "expiry": f"{expiry}"},
            {"product": soap.sku.lower(), "quantity": 9, "lot": "S-1"},
        ],
    }

    response = api(floor_user).post(URL, given, format="json")

    assert response.status_code == 201, response.json()
    items = [(i["product"], i["lot"], i["expiry"], i["quantity"]) for i in response.json()["items"]]
    assert items == [
        (milk.sku, "M-7", f"{expiry}", 6),
        (milk.sku, "M-8", f"{expiry}", 4),
        (soap.sku, "S-1", None, 9),
    ]
    assert [ln["received_quantity"] for ln in response.json()["lines"]] == [10, 9]


@pytest.mark.django_db
def test_a_labels_lot_on_an_untracked_product_is_not_a_reason_to_refuse(api, floor_user, warehouse):
    bolt = ProductFactory()
    label = gs1(bolt, lot="L9", expiry=timezone.localdate() + timedelta(days=9))

    response = api(floor_user).post(
        URL,
        {"warehouse": warehouse.code, "lines": [{"product": label, "quantity": 2}]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert [(i["product"], i["lot"], i["expiry"]) for i in response.json()["items"]] == [
        (bolt.sku, None, None)
    ]


@pytest.mark.django_db
def test_qc_products_and_suppliers_are_marked_for_inspection(api, floor_user, warehouse):
    checked, plain = ProductFactory(requires_qc=True), ProductFactory()
    strict = SupplierFactory(requires_qc=True)
    client = api(floor_user)

    own = client.post(URL, delivery(warehouse, (checked, 2), (plain, 3)), format="json").json()
    theirs = client.post(
        URL, delivery(warehouse, (plain, 1), supplier=strict.code), format="json"
    ).json()

    assert [i["needs_qc"] for i in own["items"]] == [True, False]
    assert theirs["supplier"] == strict.code
    assert [i["needs_qc"] for i in theirs["items"]] == [True]


@pytest.mark.django_db
def test_planned_items_show_as_planned(api, floor_user, warehouse):
    LocationFactory(warehouse=warehouse, capacity_units=100)
    product = ProductFactory()
    client = api(floor_user)
    receipt = client.post(URL, delivery(warehouse, (product, 5)), format="json").json()

    receipt_plan(receipt_id=receipt["id"])  # what the worker runs after the commit

    assert [i["planned"] for i in client.get(f"{URL}{receipt['id']}/").json()["items"]] == [True]


@pytest.mark.django_db
def test_close_closes_the_receipt_once_received(api, floor_user, warehouse):
    product = ProductFactory()
    order = sent_order(warehouse, (product, 10))

    response = api(floor_user).post(
        URL, delivery(warehouse, (product, 6), purchase_order=order.pk, close=True), format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "closed"
    assert response.json()["closed_at"]
    order.refresh_from_db()
    assert order.status == "partially_received"  # the rest stays open on the order


@pytest.mark.django_db
def test_another_dock_can_be_named(api, floor_user, warehouse):
    second = location_create(warehouse=warehouse, code="RECV-02", kind=Location.Kind.RECEIVING)
    product = ProductFactory()
    client = api(floor_user)

    response = client.post(URL, delivery(warehouse, (product, 1), dock="RECV-02"), format="json")
    refused = client.post(URL, delivery(warehouse, (product, 1), dock="QC-01"), format="json")

    assert response.json()["dock"] == "RECV-02"
    assert ReceiptItem.objects.get().location == second
    assert refused.status_code == 400
    assert error_code(refused, "dock") == "invalid"
    assert Receipt.objects.count() == 1


@pytest.mark.django_db
def test_a_delivery_finds_products_as_a_single_scan_does():
    # One query for all lines must match what the handheld's one scan at a time finds.
    bolt = ProductFactory(sku="BOLT-M8")
    other = ProductFactory()
    digits = ProductFactory(sku=other.barcode)  # a SKU that is another product's barcode
    raws = [
        "BOLT-M8",
        "bolt-m8",
        bolt.barcode,
        f"(01)0{bolt.barcode}(10)L1",
        f"]C1010{bolt.barcode}",
        other.barcode,
        digits.sku.lower(),
        "(00)000000000000000000",  # an SSCC: a pallet, not a product
        "NO-SUCH",
        "12345670",
    ]
    one_by_one = [found.product if (found := scan_product(raw=raw)) else None for raw in raws]

    together = products_by_scans(scans=[parse_scan(raw) for raw in raws])

    assert together == one_by_one
    assert together[:6] == [bolt, bolt, bolt, bolt, bolt, other]


# --- refusals: 400 (or 409) with a code, and nothing changed ---------------------------------


@pytest.fixture
def inbound(db):
    """A warehouse with a sent PO (plain product, 40 ordered), a draft and a cancelled one."""
    warehouse = WarehouseFactory()
    plain, milk, other = (
        ProductFactory(),
        ProductFactory(tracking="lot_expiry"),
        ProductFactory(),
    )
    order = sent_order(warehouse, (plain, 40), (milk, 10))
    draft = purchase_order_create(
        supplier=order.supplier, warehouse=warehouse, lines=[OrderLineInput(plain, 5)]
    )
    cancelled = purchase_order_cancel(purchase_order_id=sent_order(warehouse, (plain, 5)).pk)
    return {
        "warehouse": warehouse,
        "plain": plain,
        "milk": milk,
        "other": other,
        "order": order,
        "draft": draft,
        "cancelled": cancelled,
        "foreign_order": sent_order(WarehouseFactory(), (plain, 5)),
    }


def _line(product, quantity=1, **extra) -> dict:
    return {"product": product.sku, "quantity": quantity, **extra}


TOMORROW = timezone.localdate() + timedelta(days=1)
YESTERDAY = timezone.localdate() - timedelta(days=1)

REFUSALS = [
    # (id, body maker, status, field, code)
    ("negative", lambda s: {"lines": [_line(s["plain"], -3)]}, 400, "lines", "min_value"),
    ("zero", lambda s: {"lines": [_line(s["plain"], 0)]}, 400, "lines", "min_value"),
    ("text", lambda s: {"lines": [_line(s["plain"], "ten")]}, 400, "lines", "invalid"),
    ("fraction", lambda s: {"lines": [_line(s["plain"], 1.5)]}, 400, "lines", "invalid"),
    ("huge", lambda s: {"lines": [_line(s["plain"], 10**10)]}, 400, "lines", "max_value"),
    (
        "unknown-sku",
        lambda s: {"lines": [{"product": "NO-SUCH", "quantity": 1}]},
        400,
        "lines",
        "does_not_exist",
    ),
    (
        "bad-gs1",
        lambda s: {"lines": [{"product": "(01)02000000000019", "quantity": 1}]},
        400,
        "lines",
        "invalid_barcode",
    ),
    ("no-product", lambda s: {"lines": [{"quantity": 1}]}, 400, "lines", "required"),
    ("empty-lines", lambda s: {"lines": []}, 400, "lines", "empty"),
    ("no-lines", lambda s: {"lines": None}, 400, "lines", "null"),
    (
        "duplicate",
        lambda s: {"lines": [_line(s["plain"], 1), _line(s["plain"], 2)]},
        400,
        "lines",
        "duplicate_line",
    ),
    ("unknown-warehouse", lambda s: {"warehouse": "NOWHERE"}, 400, "warehouse", "does_not_exist"),
    (
        "bad-date",
        lambda s: {"lines": [_line(s["milk"], 1, lot="L1", expiry="31/12/2030")]},
        400,
        "lines",
        "invalid",
    ),
    (
        "impossible-date",
        lambda s: {"lines": [_line(s["milk"], 1, lot="L1", expiry="2030-02-30")]},
        400,
        "lines",
        "invalid",
    ),
    (
        "expired",
        lambda s: {
            "lines": [_line(s["plain"], 1), _line(s["milk"], 1, lot="L1", expiry=YESTERDAY)]
        },
        400,
        "expiry",
        "expired",
    ),
    (
        "no-lot",
        lambda s: {"lines": [_line(s["milk"], 1, expiry=TOMORROW)]},
        400,
        "lot",
        "invalid",
    ),
    (
        "no-expiry",
        lambda s: {"lines": [_line(s["milk"], 1, lot="NEW-LOT")]},
        400,
        "expiry",
        "invalid",
    ),
    (
        "lot-on-untracked",
        lambda s: {"lines": [_line(s["plain"], 1, lot="X")]},
        400,
        "lot",
        "invalid",
    ),
    (
        "over-receipt",
        lambda s: {"purchase_order": s["order"].pk, "lines": [_line(s["plain"], 45)]},
        400,
        "quantity",
        "over_receipt",
    ),
    (
        "not-on-order",
        lambda s: {
            "purchase_order": s["order"].pk,
            "lines": [_line(s["plain"], 1), _line(s["other"], 1)],
        },
        400,
        "product",
        "not_on_order",
    ),
    (
        "draft-order",
        lambda s: {"purchase_order": s["draft"].pk, "lines": [_line(s["plain"], 1)]},
        409,
        "purchase_order",
        "conflict",
    ),
    (
        "cancelled-order",
        lambda s: {"purchase_order": s["cancelled"].pk, "lines": [_line(s["plain"], 1)]},
        409,
        "purchase_order",
        "conflict",
    ),
    (
        "unknown-order",
        lambda s: {"purchase_order": 999_999, "lines": [_line(s["plain"], 1)]},
        400,
        "purchase_order",
        "does_not_exist",
    ),
    (
        "order-of-another-warehouse",
        lambda s: {"purchase_order": s["foreign_order"].pk, "lines": [_line(s["plain"], 1)]},
        400,
        "purchase_order",
        "invalid",
    ),
    (
        "order-id-text",
        lambda s: {"purchase_order": "PO-1", "lines": [_line(s["plain"], 1)]},
        400,
        "purchase_order",
        "invalid",
    ),
    (
        "wrong-supplier",
        lambda s: {
            "purchase_order": s["order"].pk,
            "supplier": SupplierFactory().code,
            "lines": [_line(s["plain"], 1)],
        },
        400,
        "supplier",
        "invalid",
    ),
    (
        "unknown-dock",
        lambda s: {"dock": "D-99", "lines": [_line(s["plain"])]},
        400,
        "dock",
        "does_not_exist",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "status", "field", "code"),
    [refusal[1:] for refusal in REFUSALS],
    ids=[refusal[0] for refusal in REFUSALS],
)
def test_refused_deliveries_change_nothing(api, floor_user, inbound, make, status, field, code):
    given = {"warehouse": inbound["warehouse"].code, "lines": [], **make(inbound)}
    for line in given["lines"] or []:
        if "expiry" in line:
            line["expiry"] = str(line["expiry"])
    before = inbound_state()

    response = api(floor_user).post(URL, given, format="json")

    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert code in codes_in(response.json()["fields"][field])
    assert inbound_state() == before  # no receipt left behind, no stock, no lot, no PO change
    assert stock_drift().is_clean


@pytest.mark.django_db
def test_a_refusal_after_earlier_deliveries_keeps_them(api, floor_user, inbound):
    client = api(floor_user)
    order, plain = inbound["order"], inbound["plain"]
    first = client.post(
        URL, delivery(inbound["warehouse"], (plain, 38), purchase_order=order.pk), format="json"
    )
    assert first.status_code == 201
    before = inbound_state()

    # 38 of 40 in; the tolerance (10%: up to 44) leaves room for 6 more, not 7.
    refused = client.post(
        URL, delivery(inbound["warehouse"], (plain, 7), purchase_order=order.pk), format="json"
    )
    allowed = client.post(
        URL, delivery(inbound["warehouse"], (plain, 6), purchase_order=order.pk), format="json"
    )

    assert refused.status_code == 400
    assert refused.json()["code"] == "over_receipt"
    assert allowed.status_code == 201
    assert inbound_state() != before
    assert Receipt.objects.count() == 2
    assert level(plain, inbound["warehouse"]).on_hand == 44


@pytest.mark.django_db
def test_a_received_order_takes_no_new_delivery(api, floor_user, warehouse):
    product = ProductFactory()
    order = sent_order(warehouse, (product, 3))
    client = api(floor_user)
    client.post(URL, delivery(warehouse, (product, 3), purchase_order=order.pk), format="json")
    before = inbound_state()

    response = client.post(
        URL, delivery(warehouse, (product, 1), purchase_order=order.pk), format="json"
    )

    assert response.status_code == 409
    assert inbound_state() == before


@pytest.mark.django_db
def test_a_warehouse_outside_the_scope_is_403(api, scoped_supervisor):
    mine, theirs = WarehouseFactory(), WarehouseFactory()
    before = inbound_state()
    response = api(scoped_supervisor(mine)).post(
        URL, delivery(theirs, (ProductFactory(), 1)), format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "warehouse_out_of_scope"
    assert inbound_state() == before


@pytest.mark.django_db
def test_an_order_outside_the_scope_does_not_exist(api, scoped_supervisor):
    mine, theirs = WarehouseFactory(), WarehouseFactory()
    product = ProductFactory()
    foreign = sent_order(theirs, (product, 5))
    response = api(scoped_supervisor(mine)).post(
        URL, delivery(mine, (product, 1), purchase_order=foreign.pk), format="json"
    )
    assert response.status_code == 400
    assert error_code(response, "purchase_order") == "does_not_exist"
    assert foreign.number not in response.content.decode()


@pytest.mark.django_db
def test_purchasers_cannot_receive(api, purchaser, warehouse):
    before = inbound_state()
    response = api(purchaser).post(URL, delivery(warehouse, (ProductFactory(), 1)), format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert inbound_state() == before
    assert api(purchaser).get(URL).status_code == 200  # but they may read receipts


@pytest.mark.django_db
def test_anonymous_is_401(api, warehouse):
    assert (
        api().post(URL, delivery(warehouse, (ProductFactory(), 1)), format="json").status_code
        == 401
    )
    assert api().get(URL).status_code == 401


# --- idempotency -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_same_idempotency_key_receives_once(api, floor_user, warehouse):
    product = ProductFactory()
    given = delivery(warehouse, (product, 7))
    key = idempotency_key()
    client = api(floor_user)

    first = client.post(URL, given, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(URL, given, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Receipt.objects.count() == 1
    assert level(product, warehouse).on_hand == 7


@pytest.mark.django_db
def test_the_service_returns_the_first_receipt_for_a_key_the_cache_forgot(warehouse):
    # The database layer alone (as when Redis lost the replay entry): one receipt, stock once.
    product = ProductFactory()
    entries = [ReceivedEntry(product, 7)]
    first = delivery_receive(warehouse=warehouse, entries=entries, idempotency_key="k-1")
    again = delivery_receive(warehouse=warehouse, entries=entries, idempotency_key="k-1")
    assert again.pk == first.pk
    assert Receipt.objects.count() == 1
    assert level(product, warehouse).on_hand == 7


@pytest.mark.django_db(transaction=True)
def test_simultaneous_deliveries_with_one_key_receive_once():
    warehouse = WarehouseFactory()
    product = ProductFactory()
    order = sent_order(warehouse, (product, 10))
    entries = [ReceivedEntry(product, 6)]

    def receive():
        return delivery_receive(
            warehouse=warehouse, purchase_order=order, entries=entries, idempotency_key="twin"
        ).pk

    results = run_together([receive, receive, receive])

    assert all(isinstance(result, int) for result in results), results
    assert len(set(results)) == 1
    assert Receipt.objects.count() == 1
    assert level(product, warehouse).on_hand == 6
    order.refresh_from_db()
    assert order.lines.get().received_quantity == 6
    assert stock_drift().is_clean


@pytest.mark.django_db(transaction=True)
def test_simultaneous_api_posts_with_one_key_receive_once(api):
    floor = _user("floor-twins", "floor")
    warehouse = WarehouseFactory()
    product = ProductFactory()
    given = delivery(warehouse, (product, 4))
    key = idempotency_key()

    def post():
        response = api(floor).post(URL, given, format="json", HTTP_IDEMPOTENCY_KEY=key)
        return response.status_code, response.json()

    results = run_together([post, post, post])

    statuses = sorted(status for status, _ in results)
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    assert len({data["id"] for status, data in results if status == 201}) == 1
    assert Receipt.objects.count() == 1
    assert level(product, warehouse).on_hand == 4


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_filters(api, supervisor, warehouse):
    product = ProductFactory()
    order = sent_order(warehouse, (product, 10))
    client = api(supervisor)
    against = client.post(
        URL, delivery(warehouse, (product, 2), purchase_order=order.pk), format="json"
    ).json()
    unplanned = client.post(
        URL, delivery(warehouse, (product, 1), close=True), format="json"
    ).json()
    other = WarehouseFactory()
    elsewhere = client.post(URL, delivery(other, (product, 1)), format="json").json()

    def ids(query: str) -> list[int]:
        response = client.get(URL + query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [elsewhere["id"], unplanned["id"], against["id"]]  # newest first
    assert ids(f"?warehouse={warehouse.code}") == [unplanned["id"], against["id"]]
    assert ids("?status=closed") == [unplanned["id"]]
    assert ids("?status=receiving") == [elsewhere["id"], against["id"]]
    assert ids(f"?purchase_order={order.pk}") == [against["id"]]
    assert ids("?kind=unplanned") == [elsewhere["id"], unplanned["id"]]
    assert client.get(f"{URL}{against['id']}/").json() == against


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ("?status=lost", "status", "invalid_choice"),
        ("?kind=parcel", "kind", "invalid_choice"),
        ("?purchase_order=PO-1", "purchase_order", "invalid"),
    ],
)
def test_bad_list_filters_are_400(api, supervisor, query, field, code):
    response = api(supervisor).get(URL + query)
    assert response.status_code == 400
    assert error_code(response, field) == code


@pytest.mark.django_db
def test_receipts_stay_inside_the_scope(api, scoped_supervisor, supervisor):
    mine, theirs = WarehouseFactory(), WarehouseFactory()
    product = ProductFactory()
    everywhere = api(supervisor)
    everywhere.post(URL, delivery(mine, (product, 1)), format="json")
    foreign = everywhere.post(URL, delivery(theirs, (product, 1)), format="json").json()
    client = api(scoped_supervisor(mine))
    assert [row["warehouse"] for row in client.get(URL).json()["results"]] == [mine.code]
    assert client.get(f"{URL}{foreign['id']}/").status_code == 404


@pytest.mark.django_db
def test_list_has_no_n_plus_one(api, supervisor, warehouse, django_assert_max_num_queries):
    client = api(supervisor)
    for _ in range(4):
        lines = [(ProductFactory(), 3) for _ in range(3)]
        client.post(URL, delivery(warehouse, *lines), format="json")
    with django_assert_max_num_queries(9):
        response = client.get(URL)
    assert response.json()["count"] == 4
    assert all(len(row["items"]) == 3 for row in response.json()["results"])


@pytest.mark.django_db
def test_the_inbound_endpoints_are_in_the_schema(client):
    paths = yaml.safe_load(client.get("/api/schema/").content)["paths"]
    for path, method in [
        ("/api/v1/purchase-orders/", "post"),
        ("/api/v1/purchase-orders/{id}/send/", "post"),
        ("/api/v1/purchase-orders/{id}/cancel/", "post"),
        ("/api/v1/receipts/", "post"),
        ("/api/v1/receipts/{id}/", "get"),
        ("/api/v1/tasks/{id}/complete/", "post"),
    ]:
        assert method in paths[path], path
    for path in ["/api/v1/purchase-orders/", "/api/v1/receipts/", "/api/v1/tasks/{id}/complete/"]:
        names = {p["name"] for p in paths[path]["post"]["parameters"] or []}
        assert "Idempotency-Key" in names, path
