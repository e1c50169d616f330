"""/api/v1/purchase-orders/: create a draft, list, detail, send and cancel."""

from decimal import Decimal

import pytest

from inventory.models import PurchaseOrder, StockLevel, UserScope
from inventory.services.purchasing import (
    OrderLineInput,
    purchase_order_create,
    purchase_order_send,
)
from tests.api.fixtures import error_code, idempotency_key
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.warehouse.apis.inbound_state import inbound_state
from warehouse.services.receiving import ReceivedEntry, receipt_create, receipt_receive

URL = "/api/v1/purchase-orders/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier(db):
    return SupplierFactory(code="ACME")


def body(warehouse, supplier, *lines, **extra):
    return {
        "supplier": supplier.code,
        "warehouse": warehouse.code,
        "lines": [{"product": p.sku, "quantity": q} for p, q in lines],
        **extra,
    }


def on_order(product, warehouse) -> int:
    level = StockLevel.objects.filter(product=product, warehouse=warehouse).first()
    return level.on_order if level else 0


def draft(warehouse, supplier, *lines):
    return purchase_order_create(
        supplier=supplier,
        warehouse=warehouse,
        lines=[OrderLineInput(product, quantity) for product, quantity in lines],
    )


def test_create_makes_a_draft_with_its_lines(api, purchaser, warehouse, supplier):
    bolt, nut = ProductFactory(unit_cost="2.50"), ProductFactory(unit_cost="0.10")
    given = body(warehouse, supplier, (bolt, 40), (nut, 500), expected_date="2031-05-04")
    given["lines"][1]["unit_cost"] = "0.0800"
    given["notes"] = "Spring restock"

    response = api(purchaser).post(URL, given, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    order = PurchaseOrder.objects.get()
    assert (data["id"], data["number"], data["status"]) == (order.pk, order.number, "draft")
    assert data["number"].startswith("PO-")
    assert (data["supplier"], data["supplier_id"]) == ("ACME", supplier.pk)
    assert (data["warehouse"], data["warehouse_id"]) == (warehouse.code, warehouse.pk)
    assert (data["expected_date"], data["notes"], data["created_by"]) == (
        "2031-05-04",
        "Spring restock",
        "buyer",
    )
    assert data["sent_at"] is None
    lines = [
        (ln["product"], ln["product_id"], ln["quantity"], ln["received_quantity"], ln["unit_cost"])
        for ln in data["lines"]
    ]
    assert lines == [
        (bolt.sku, bolt.pk, 40, 0, "2.5000"),  # the product's cost by default
        (nut.sku, nut.pk, 500, 0, "0.0800"),
    ]
    assert [ln["open_quantity"] for ln in data["lines"]] == [40, 500]
    assert on_order(bolt, warehouse) == 0  # a draft is not on order yet


def test_send_puts_the_lines_on_order_and_a_second_send_changes_nothing(
    api, purchaser, warehouse, supplier
):
    product = ProductFactory()
    order = draft(warehouse, supplier, (product, 40))
    client = api(purchaser)

    response = client.post(f"{URL}{order.pk}/send/")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "sent"
    assert response.json()["sent_at"]
    assert on_order(product, warehouse) == 40
    again = client.post(f"{URL}{order.pk}/send/")
    assert again.status_code == 200
    assert again.json()["sent_at"] == response.json()["sent_at"]
    assert on_order(product, warehouse) == 40


def test_cancel_takes_what_is_open_off_order(api, purchaser, warehouse, supplier):
    product = ProductFactory()
    order = draft(warehouse, supplier, (product, 40))
    client = api(purchaser)
    client.post(f"{URL}{order.pk}/send/")
    order.refresh_from_db()
    receipt = receipt_create(warehouse=warehouse, purchase_order=order)
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 15)])
    assert on_order(product, warehouse) == 25

    response = client.post(f"{URL}{order.pk}/cancel/")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    assert response.json()["lines"][0]["received_quantity"] == 15
    assert on_order(product, warehouse) == 0
    assert client.post(f"{URL}{order.pk}/cancel/").status_code == 200


@pytest.mark.parametrize("action", ["send", "cancel"])
def test_state_changes_that_do_not_fit_are_409_and_change_nothing(
    api, purchaser, warehouse, supplier, action
):
    product = ProductFactory()
    order = draft(warehouse, supplier, (product, 4))
    client = api(purchaser)
    if action == "send":  # a cancelled order cannot be sent
        client.post(f"{URL}{order.pk}/cancel/")
    else:  # a received order cannot be cancelled
        client.post(f"{URL}{order.pk}/send/")
        order.refresh_from_db()
        receipt = receipt_create(warehouse=warehouse, purchase_order=order)
        receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 4)])
    before = inbound_state()

    response = client.post(f"{URL}{order.pk}/{action}/")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert inbound_state() == before


def test_detail_shows_received_and_open_quantities(api, supervisor, warehouse, supplier):
    product = ProductFactory()
    order = draft(warehouse, supplier, (product, 10))
    order = purchase_order_send(purchase_order_id=order.pk)
    receipt = receipt_create(warehouse=warehouse, purchase_order=order)
    receipt_receive(receipt_id=receipt.pk, entries=[ReceivedEntry(product, 11)])  # tolerance

    data = api(supervisor).get(f"{URL}{order.pk}/").json()

    assert data["status"] == "received"
    assert data["closed_at"]
    (line,) = data["lines"]
    assert (line["quantity"], line["received_quantity"], line["open_quantity"]) == (10, 11, 0)


def test_list_filters_by_status_supplier_and_warehouse(api, supervisor, warehouse, supplier):
    other_site, other_supplier = WarehouseFactory(), SupplierFactory(code="OTHER")
    product = ProductFactory()
    mine = draft(warehouse, supplier, (product, 1))
    sent = draft(warehouse, other_supplier, (product, 2))
    purchase_order_send(purchase_order_id=sent.pk)
    elsewhere = draft(other_site, supplier, (product, 3))
    client = api(supervisor)

    def ids(query: str) -> list[int]:
        response = client.get(URL + query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [elsewhere.pk, sent.pk, mine.pk]  # newest first
    assert ids("?status=draft") == [elsewhere.pk, mine.pk]
    assert ids("?status=sent") == [sent.pk]
    assert ids("?supplier=ACME") == [elsewhere.pk, mine.pk]
    assert ids(f"?warehouse={warehouse.code}") == [sent.pk, mine.pk]
    assert ids(f"?warehouse={warehouse.code}&status=draft&supplier=ACME") == [mine.pk]
    assert ids("?supplier=NOBODY") == []


def test_bad_list_filter_is_400(api, supervisor):
    response = api(supervisor).get(URL + "?status=lost")
    assert response.status_code == 400
    assert error_code(response, "status") == "invalid_choice"


def test_list_has_no_n_plus_one(
    api, supervisor, warehouse, supplier, django_assert_max_num_queries
):
    for _ in range(4):
        draft(warehouse, supplier, *[(ProductFactory(), 5) for _ in range(3)])
    with django_assert_max_num_queries(8):
        response = api(supervisor).get(URL)
    assert response.json()["count"] == 4
    assert all(len(row["lines"]) == 3 for row in response.json()["results"])


def test_orders_stay_inside_the_scope(api, scoped_supervisor, supplier):
    mine, theirs = WarehouseFactory(), WarehouseFactory()
    product = ProductFactory()
    draft(mine, supplier, (product, 1))
    foreign = draft(theirs, supplier, (product, 1))
    client = api(scoped_supervisor(mine))
    assert [row["warehouse"] for row in client.get(URL).json()["results"]] == [mine.code]
    assert client.get(f"{URL}{foreign.pk}/").status_code == 404


def test_a_purchaser_cannot_order_for_a_warehouse_outside_the_scope(
    api, purchaser, supplier, warehouse
):
    scope = UserScope.objects.get(user=purchaser)
    scope.all_warehouses = False
    scope.save(update_fields=["all_warehouses"])
    scope.warehouses.set([WarehouseFactory()])
    foreign = draft(warehouse, supplier, (ProductFactory(), 1))
    client = api(purchaser)

    response = client.post(URL, body(warehouse, supplier, (ProductFactory(), 1)), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "warehouse_out_of_scope"
    assert client.post(f"{URL}{foreign.pk}/send/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "draft"
    assert PurchaseOrder.objects.count() == 1


def test_floor_staff_read_orders_but_do_not_write_them(api, floor_user, warehouse, supplier):
    product = ProductFactory()
    order = draft(warehouse, supplier, (product, 1))
    client = api(floor_user)
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}{order.pk}/").status_code == 200

    created = client.post(URL, body(warehouse, supplier, (product, 1)), format="json")
    sent = client.post(f"{URL}{order.pk}/send/")
    cancelled = client.post(f"{URL}{order.pk}/cancel/")

    assert [created.status_code, sent.status_code, cancelled.status_code] == [403, 403, 403]
    assert created.json()["code"] == "permission_denied"
    order.refresh_from_db()
    assert order.status == "draft"
    assert PurchaseOrder.objects.count() == 1


def test_anonymous_is_401(api, warehouse, supplier):
    assert api().get(URL).status_code == 401
    assert api().post(URL, body(warehouse, supplier), format="json").status_code == 401


def test_the_same_idempotency_key_creates_one_order(api, purchaser, warehouse, supplier):
    given = body(warehouse, supplier, (ProductFactory(), 3))
    key = idempotency_key()
    client = api(purchaser)

    first = client.post(URL, given, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(URL, given, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert PurchaseOrder.objects.count() == 1


def codes_in(errors: object) -> set[str]:
    """Every error code under a field, however nested (per-line errors: {"0": {...}})."""
    if isinstance(errors, dict):
        if isinstance(errors.get("code"), str):
            return {errors["code"]}
        return set().union(*(codes_in(value) for value in errors.values()))
    if isinstance(errors, list):
        return set().union(*(codes_in(value) for value in errors))
    return set()


BAD_BODIES = [
    # (change to a good body, field, code)
    ({"lines": []}, "lines", "empty"),
    ({"lines": None}, "lines", "null"),
    ({"lines": "PO"}, "lines", "not_a_list"),
    ({"lines": [{"product": "{sku}", "quantity": -3}]}, "lines", "min_value"),
    ({"lines": [{"product": "{sku}", "quantity": 0}]}, "lines", "min_value"),
    ({"lines": [{"product": "{sku}", "quantity": "many"}]}, "lines", "invalid"),
    ({"lines": [{"product": "{sku}", "quantity": 2.5}]}, "lines", "invalid"),
    ({"lines": [{"product": "{sku}", "quantity": 10**12}]}, "lines", "max_value"),
    ({"lines": [{"product": "{sku}"}]}, "lines", "required"),
    ({"lines": [{"product": "NO-SUCH-SKU", "quantity": 1}]}, "lines", "does_not_exist"),
    ({"lines": [{"product": "{sku}", "quantity": 1, "unit_cost": "-1"}]}, "lines", "min_value"),
    ({"lines": [{"product": "{sku}", "quantity": 1, "unit_cost": "cheap"}]}, "lines", "invalid"),
    (
        {"lines": [{"product": "{sku}", "quantity": 1}, {"product": "{sku}", "quantity": 2}]},
        "lines",
        "duplicate_product",
    ),
    ({"warehouse": "NOWHERE"}, "warehouse", "does_not_exist"),
    ({"warehouse": None}, "warehouse", "null"),
    ({"supplier": "NOBODY"}, "supplier", "does_not_exist"),
    ({"supplier": ["ACME"]}, "supplier", "invalid"),
    ({"expected_date": "next tuesday"}, "expected_date", "invalid"),
    ({"expected_date": "2031-02-30"}, "expected_date", "invalid"),
    ({"notes": "x" * 2001}, "notes", "max_length"),
]


@pytest.mark.parametrize(("change", "field", "code"), BAD_BODIES)
def test_bad_input_is_400_with_a_code_and_creates_nothing(
    api, purchaser, warehouse, supplier, change, field, code
):
    product = ProductFactory()
    given = {**body(warehouse, supplier, (product, 5)), **change}
    if isinstance(given["lines"], list):
        given["lines"] = [
            {k: (v.format(sku=product.sku) if isinstance(v, str) else v) for k, v in line.items()}
            for line in given["lines"]
        ]
    before = inbound_state()

    response = api(purchaser).post(URL, given, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert code in codes_in(response.json()["fields"][field])
    assert inbound_state() == before


def test_a_price_with_too_many_decimals_is_400(api, purchaser, warehouse, supplier):
    given = body(warehouse, supplier, (ProductFactory(), 1))
    given["lines"][0]["unit_cost"] = str(Decimal("1.00001"))
    response = api(purchaser).post(URL, given, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "max_decimal_places"
    assert not PurchaseOrder.objects.exists()
