"""/api/v1/reorder-rules/ and /api/v1/reorder-suggestions/: list and filter, approve (the
draft purchase order's id), dismiss, review, permissions, warehouse scope, bad input."""

import pytest

from inventory.models import PurchaseOrder, ReorderRule, ReorderSuggestion
from inventory.services.replenishment import reorder_review
from tests.api.fixtures import error_code, idempotency_key
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.inventory.replenishment_setup import level_set, offer, rule

RULES = "/api/v1/reorder-rules/"
SUGGESTIONS = "/api/v1/reorder-suggestions/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    return SupplierFactory(code="ACME", lead_time_days=5)


@pytest.fixture
def two_sites(db, acme):
    """Two warehouses, each with three products needing stock (ACME offers two of them)."""
    north, south = WarehouseFactory(code="NORTH"), WarehouseFactory(code="SOUTH")
    products = [ProductFactory(sku=f"P{n}") for n in range(3)]
    offer(acme, products[0], "1.00")
    offer(acme, products[1], "2.00")
    for wh in (north, south):
        for n, product in enumerate(products):
            rule(product, wh, 10, 40 + n)
            level_set(product, wh, available=n * 4)  # 0, 4, 8
    reorder_review()
    return north, south, products


def suggestion(product, warehouse) -> ReorderSuggestion:
    return ReorderSuggestion.objects.get(product=product, warehouse=warehouse, status="open")


# --- suggestions: reading ---------------------------------------------------------------------


def test_list_most_urgent_first_with_the_figures(api, purchaser, two_sites):
    north, _, products = two_sites

    response = api(purchaser).get(SUGGESTIONS, {"warehouse": "NORTH"})

    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["count"] == 3
    first = data["results"][0]
    assert (first["product"], first["warehouse"], first["supplier"]) == ("P0", "NORTH", "ACME")
    assert (first["status"], first["suggested_quantity"], first["order_quantity"]) == (
        "open",
        40,
        40,
    )
    assert (first["available"], first["on_order"], first["reorder_point"]) == (0, 0, 10)
    assert (first["urgency"], first["purchase_order"], first["quantity"]) == (
        "critical",
        None,
        None,
    )
    assert first["reason"].startswith("Available 0 + on order 0 is at or below the minimum 10.")
    assert first["id"] == suggestion(products[0], north).pk


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"supplier": "ACME"},
            {("P0", "NORTH"), ("P1", "NORTH"), ("P0", "SOUTH"), ("P1", "SOUTH")},
        ),
        ({"product": "P2", "warehouse": "SOUTH"}, {("P2", "SOUTH")}),
        ({"status": "approved"}, set()),
        ({"supplier": "NOBODY"}, set()),
        ({"urgency": "critical", "warehouse": "NORTH"}, {("P0", "NORTH")}),
    ],
)
def test_list_filters(api, purchaser, two_sites, params, expected):
    response = api(purchaser).get(SUGGESTIONS, params)

    assert response.status_code == 200, response.json()
    assert {(r["product"], r["warehouse"]) for r in response.json()["results"]} == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "pending"}, "status"), ({"urgency": "now"}, "urgency"), ({"order": "x"}, "order")],
)
def test_bad_filters_are_400_naming_the_parameter(api, purchaser, two_sites, params, field):
    response = api(purchaser).get(SUGGESTIONS, params)

    assert response.status_code == 400
    assert error_code(response, field) == "invalid_choice"


def test_a_scoped_user_sees_only_their_warehouses(api, scoped_supervisor, two_sites):
    north, south, products = two_sites
    user = scoped_supervisor(north)
    client = api(user)

    listed = client.get(SUGGESTIONS).json()
    assert {r["warehouse"] for r in listed["results"]} == {"NORTH"}
    hidden = suggestion(products[0], south).pk
    assert client.get(f"{SUGGESTIONS}{hidden}/").status_code == 404
    assert client.post(f"{SUGGESTIONS}{hidden}/approve/").status_code == 404
    assert client.post(f"{SUGGESTIONS}{hidden}/dismiss/").status_code == 404
    response = client.post(f"{SUGGESTIONS}approve/", {"suggestions": [hidden]}, format="json")
    assert response.status_code == 404
    assert {r["warehouse"] for r in client.get(RULES).json()["results"]} == {"NORTH"}
    response = client.post(f"{SUGGESTIONS}review/", {"warehouse": "SOUTH"}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "warehouse_out_of_scope")
    assert suggestion(products[0], south).status == "open"


# --- suggestions: deciding ---------------------------------------------------------------------


def test_approve_returns_the_draft_purchase_order(api, purchaser, two_sites):
    north, _, products = two_sites
    s = suggestion(products[1], north)

    response = api(purchaser).post(f"{SUGGESTIONS}{s.pk}/approve/", {"quantity": 45}, format="json")

    assert response.status_code == 200, response.json()
    data = response.json()
    order = PurchaseOrder.objects.get()
    assert (data["purchase_order"], data["purchase_order_number"]) == (order.pk, order.number)
    assert (data["status"], data["quantity"], data["decided_by"]) == ("approved", 45, "buyer")
    assert (order.status, order.supplier.code, order.warehouse_id) == ("draft", "ACME", north.pk)
    assert [(ln.product_id, ln.quantity) for ln in order.lines.all()] == [(products[1].pk, 45)]

    again = api(purchaser).post(f"{SUGGESTIONS}{s.pk}/approve/")
    assert (again.status_code, again.json()["code"]) == (409, "suggestion_decided")


def test_approve_many_makes_one_draft_per_supplier_and_warehouse(api, purchaser, two_sites):
    north, south, products = two_sites
    ids = [suggestion(p, wh).pk for p in products[:2] for wh in (north, south)]

    response = api(purchaser).post(
        f"{SUGGESTIONS}approve/",
        {"suggestions": ids, "quantities": {str(ids[0]): 7}},
        format="json",
    )

    assert response.status_code == 200, response.json()
    data = response.json()
    assert len(data["purchase_orders"]) == 2  # ACME for NORTH, ACME for SOUTH
    assert {r["status"] for r in data["suggestions"]} == {"approved"}
    assert ReorderSuggestion.objects.get(pk=ids[0]).quantity == 7


def test_approving_a_suggestion_without_a_supplier_is_400_naming_it(api, purchaser, two_sites):
    north, _, products = two_sites
    s = suggestion(products[2], north)  # nobody offers P2

    response = api(purchaser).post(f"{SUGGESTIONS}{s.pk}/approve/")

    assert response.status_code == 400
    assert response.json()["code"] == "no_supplier"
    assert "P2" in response.json()["detail"]
    assert error_code(response, "supplier") == "no_supplier"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"quantity": 0}, "quantity", "invalid_quantity"),
        ({"quantity": -5}, "quantity", "invalid_quantity"),
        ({"quantity": "many"}, "quantity", "invalid"),
    ],
)
def test_bad_approvals_are_400(api, purchaser, two_sites, body, field, code):
    north, _, products = two_sites
    s = suggestion(products[0], north)

    response = api(purchaser).post(f"{SUGGESTIONS}{s.pk}/approve/", body, format="json")

    assert response.status_code == 400
    assert error_code(response, field) == code
    assert not PurchaseOrder.objects.exists()


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "suggestions", "required"),
        ({"suggestions": []}, "suggestions", "empty"),
        ({"suggestions": ["a"]}, "suggestions", "invalid"),
        ({"suggestions": "OWN", "quantities": {"x": 3}}, "quantities", "invalid"),
    ],
)
def test_bad_bulk_approvals_are_400(api, purchaser, two_sites, body, field, code):
    north, _, products = two_sites
    if body.get("suggestions") == "OWN":
        body["suggestions"] = [suggestion(products[0], north).pk]

    response = api(purchaser).post(f"{SUGGESTIONS}approve/", body, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == code
    assert field in response.json()["fields"]


def test_edit_the_quantity_then_dismiss_with_a_reason(api, purchaser, two_sites):
    north, _, products = two_sites
    s = suggestion(products[0], north)
    client = api(purchaser)

    edited = client.patch(f"{SUGGESTIONS}{s.pk}/", {"quantity": 33}, format="json")
    assert edited.status_code == 200, edited.json()
    assert (edited.json()["quantity"], edited.json()["order_quantity"]) == (33, 33)
    bad = client.patch(f"{SUGGESTIONS}{s.pk}/", {"quantity": 0}, format="json")
    assert (bad.status_code, error_code(bad, "quantity")) == (400, "invalid_quantity")

    response = client.post(
        f"{SUGGESTIONS}{s.pk}/dismiss/", {"reason": "overstocked"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["dismiss_reason"]) == (
        "dismissed",
        "overstocked",
    )
    again = client.post(f"{SUGGESTIONS}{s.pk}/dismiss/")
    assert again.status_code == 409
    too_long = client.post(
        f"{SUGGESTIONS}{suggestion(products[1], north).pk}/dismiss/",
        {"reason": "x" * 301},
        format="json",
    )
    assert (too_long.status_code, error_code(too_long, "reason")) == (400, "max_length")


def test_review_runs_now_for_a_warehouse_or_all(api, purchaser, two_sites, acme):
    north, south, products = two_sites
    extra = ProductFactory()
    offer(acme, extra)
    rule(extra, south, 5, 10)
    level_set(products[0], north, available=100)
    client = api(purchaser)

    response = client.post(f"{SUGGESTIONS}review/", {"warehouse": "NORTH"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"opened": 0, "updated": 0, "closed": 1}

    response = client.post(f"{SUGGESTIONS}review/")
    assert response.json() == {"opened": 1, "updated": 0, "closed": 0}

    unknown = client.post(f"{SUGGESTIONS}review/", {"warehouse": "EAST"}, format="json")
    assert (unknown.status_code, error_code(unknown, "warehouse")) == (400, "does_not_exist")


def test_a_scoped_users_review_covers_their_warehouses_only(api, scoped_supervisor, two_sites):
    north, south, products = two_sites
    level_set(products[0], north, available=100)
    level_set(products[0], south, available=100)

    response = api(scoped_supervisor(north)).post(f"{SUGGESTIONS}review/")

    assert response.json() == {"opened": 0, "updated": 0, "closed": 1}
    assert suggestion(products[0], south).status == "open"


def test_floor_staff_cannot_write_or_read_replenishment(api, floor_user, two_sites):
    north, _, products = two_sites
    s = suggestion(products[0], north)
    client = api(floor_user)

    for url, body in [
        (f"{SUGGESTIONS}{s.pk}/approve/", {}),
        (f"{SUGGESTIONS}{s.pk}/dismiss/", {}),
        (f"{SUGGESTIONS}approve/", {"suggestions": [s.pk]}),
        (f"{SUGGESTIONS}review/", {}),
        (RULES, {"product": "P0", "warehouse": "SOUTH", "min_quantity": 1, "max_quantity": 2}),
    ]:
        response = client.post(url, body, format="json")
        assert response.status_code == 403, url
    assert client.patch(f"{SUGGESTIONS}{s.pk}/", {"quantity": 3}, format="json").status_code == 403
    rule_id = ReorderRule.objects.first().pk
    assert client.patch(f"{RULES}{rule_id}/", {"min_quantity": 3}, format="json").status_code == 403
    assert client.get(SUGGESTIONS).status_code == 403
    assert client.get(RULES).status_code == 403
    assert suggestion(products[0], north).status == "open"


def test_anonymous_is_401(client):
    assert client.get(SUGGESTIONS).status_code == 401
    assert client.post(f"{SUGGESTIONS}review/").status_code == 401


# --- rules ---------------------------------------------------------------------------------------


def test_create_a_rule_and_change_it(api, purchaser, acme):
    wh, product = WarehouseFactory(code="MAIN"), ProductFactory(sku="BOLT")
    client = api(purchaser)

    response = client.post(
        RULES,
        {
            "product": "BOLT",
            "warehouse": "MAIN",
            "policy": "forecast",
            "min_quantity": 10,
            "max_quantity": 60,
            "supplier": "ACME",
            "pack_multiple": 12,
            "service_level": "0.97",
        },
        format="json",
        headers={"Idempotency-Key": idempotency_key()},
    )

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["product"], data["warehouse"], data["supplier"], data["policy"]) == (
        "BOLT",
        "MAIN",
        "ACME",
        "forecast",
    )
    assert (data["min_quantity"], data["max_quantity"], data["pack_multiple"]) == (10, 60, 12)
    assert (data["min_order_quantity"], data["service_level"]) == (None, "0.9700")
    rule_ = ReorderRule.objects.get(product=product, warehouse=wh)

    changed = client.patch(
        f"{RULES}{rule_.pk}/", {"max_quantity": 80, "supplier": None}, format="json"
    )
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["max_quantity"], changed.json()["supplier"]) == (80, None)
    listed = client.get(RULES, {"warehouse": "MAIN", "policy": "forecast"}).json()
    assert [r["id"] for r in listed["results"]] == [rule_.pk]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"min_quantity": 50, "max_quantity": 20}, "max_quantity", "invalid_quantity"),
        ({"min_quantity": -1}, "min_quantity", "invalid_quantity"),
        ({"max_quantity": -5}, "max_quantity", "invalid_quantity"),
        ({"min_order_quantity": 0}, "min_order_quantity", "invalid_quantity"),
        ({"pack_multiple": 0}, "pack_multiple", "invalid_quantity"),
        ({"supplier": "NOBODY"}, "supplier", "does_not_exist"),
        ({"supplier": "GONE"}, "supplier", "supplier_inactive"),
        ({"service_level": "1.0"}, "service_level", "invalid"),
        ({"service_level": "0.3"}, "service_level", "invalid"),
        ({"policy": "guess"}, "policy", "invalid_choice"),
        ({"min_quantity": "ten"}, "min_quantity", "invalid"),
        ({"min_quantity": 10**12}, "min_quantity", "invalid_quantity"),
        ({"product": "NOPE"}, "product", "does_not_exist"),
        ({"warehouse": "NOPE"}, "warehouse", "does_not_exist"),
    ],
)
def test_bad_rules_are_400_naming_the_field(api, purchaser, change, field, code):
    SupplierFactory(code="GONE", is_active=False)
    WarehouseFactory(code="MAIN")
    ProductFactory(sku="BOLT")
    body = {"product": "BOLT", "warehouse": "MAIN", "min_quantity": 10, "max_quantity": 30}

    response = api(purchaser).post(RULES, {**body, **change}, format="json")

    assert response.status_code == 400, response.json()
    assert error_code(response, field) == code
    assert response.json()["fields"][field][0]["message"]
    assert not ReorderRule.objects.exists()


def test_min_above_max_says_so(api, purchaser):
    WarehouseFactory(code="MAIN")
    ProductFactory(sku="BOLT")
    body = {"product": "BOLT", "warehouse": "MAIN", "min_quantity": 50, "max_quantity": 20}

    response = api(purchaser).post(RULES, body, format="json")

    assert response.json()["detail"] == "The maximum (20) must not be below the minimum (50)."


def test_a_second_rule_for_the_pair_is_409(api, purchaser):
    wh, product = WarehouseFactory(code="MAIN"), ProductFactory(sku="BOLT")
    existing = rule(product, wh, 1, 2)
    body = {"product": "BOLT", "warehouse": "MAIN", "min_quantity": 10, "max_quantity": 30}

    response = api(purchaser).post(RULES, body, format="json")

    assert response.status_code == 409
    assert (response.json()["code"], response.json()["rule"]) == ("rule_exists", existing.pk)


def test_a_patch_is_validated_against_the_rules_other_values(api, purchaser):
    existing = rule(ProductFactory(), WarehouseFactory(), 10, 30)
    client = api(purchaser)

    low = client.patch(f"{RULES}{existing.pk}/", {"max_quantity": 5}, format="json")
    assert (low.status_code, error_code(low, "max_quantity")) == (400, "invalid_quantity")
    moved = client.patch(f"{RULES}{existing.pk}/", {"warehouse": "X"}, format="json")
    assert (moved.status_code, error_code(moved, "warehouse")) == (400, "read_only")
    existing.refresh_from_db()
    assert existing.max_quantity == 30


def test_a_scoped_user_cannot_make_rules_elsewhere(api, scoped_supervisor):
    mine, other = WarehouseFactory(code="MINE"), WarehouseFactory(code="OTHER")
    ProductFactory(sku="BOLT")
    elsewhere = rule(ProductFactory(), other, 1, 2)
    client = api(scoped_supervisor(mine))

    body = {"product": "BOLT", "warehouse": "OTHER", "min_quantity": 1, "max_quantity": 2}
    response = client.post(RULES, body, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "warehouse_out_of_scope")
    assert (
        client.patch(f"{RULES}{elsewhere.pk}/", {"max_quantity": 9}, format="json").status_code
        == 404
    )
