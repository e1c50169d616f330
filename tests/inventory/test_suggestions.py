"""Purchasers' decisions: approve (one draft purchase order per supplier and warehouse, extended
when it exists), edit the quantity, dismiss with a reason; decided suggestions are a conflict."""

from decimal import Decimal

import pytest

from inventory.errors import Conflict, DomainError, InvalidQuantity, NotFound
from inventory.models import PurchaseOrder, PurchaseOrderLine, ReorderSuggestion
from inventory.services.purchasing import OrderLineInput, purchase_order_create
from inventory.services.replenishment import reorder_review
from inventory.services.suggestions import (
    suggestion_dismiss,
    suggestion_quantity_set,
    suggestions_approve,
)
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.inventory.replenishment_setup import level_set, offer, rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def wh():
    return WarehouseFactory()


def suggest(product, warehouse, supplier=None, *, need=50, cost="1.00") -> ReorderSuggestion:
    """An open suggestion of ``need`` units (rule 10..need, nothing in stock)."""
    if supplier is not None:
        offer(supplier, product, cost)
    rule(product, warehouse, 10, need)
    reorder_review(product_ids=[product.pk], warehouse_id=warehouse.pk)
    return ReorderSuggestion.objects.get(product=product, warehouse=warehouse, status="open")


def lines(order: PurchaseOrder) -> dict[str, int]:
    return {line.product.sku: line.quantity for line in order.lines.select_related("product")}


def test_bulk_approval_across_two_suppliers_makes_two_drafts(wh, purchaser):
    acme, bolt = SupplierFactory(code="ACME"), SupplierFactory(code="BOLT")
    a1, a2, b1 = ProductFactory(sku="A1"), ProductFactory(sku="A2"), ProductFactory(sku="B1")
    chosen = [
        suggest(a1, wh, acme, need=40, cost="1.50"),
        suggest(a2, wh, acme, need=30),
        suggest(b1, wh, bolt, need=20),
    ]

    orders = suggestions_approve(suggestion_ids=[s.pk for s in chosen], user_id=purchaser.pk)

    assert len(orders) == 2
    by_supplier = {order.supplier.code: order for order in orders}
    assert {o.status for o in orders} == {"draft"}
    assert {o.warehouse_id for o in orders} == {wh.pk}
    assert lines(by_supplier["ACME"]) == {"A1": 40, "A2": 30}
    assert lines(by_supplier["BOLT"]) == {"B1": 20}
    assert PurchaseOrderLine.objects.get(product=a1).unit_cost == Decimal("1.5000")
    assert by_supplier["ACME"].created_by_id == purchaser.pk
    assert by_supplier["ACME"].number.startswith("PO-")
    for s in chosen:
        s.refresh_from_db()
        assert s.status == "approved"
        assert s.purchase_order_id == by_supplier[s.supplier.code].pk
        assert (s.decided_by_id, s.quantity) == (purchaser.pk, s.suggested_quantity)
        assert s.decided_at is not None


def test_approving_into_an_existing_draft_extends_it(wh, purchaser):
    acme = SupplierFactory()
    on_draft, fresh = ProductFactory(sku="ON-DRAFT"), ProductFactory(sku="FRESH")
    draft = purchase_order_create(
        supplier=acme, warehouse=wh, lines=[OrderLineInput(on_draft, 7, Decimal("3.00"))]
    )
    first = suggest(on_draft, wh, acme, need=25)  # 25 - 7 on the draft = 18
    second = suggest(fresh, wh, acme, need=12)
    assert first.suggested_quantity == 18

    (order,) = suggestions_approve(suggestion_ids=[first.pk, second.pk], user_id=purchaser.pk)

    assert order.pk == draft.pk
    assert lines(order) == {"ON-DRAFT": 25, "FRESH": 12}  # 7 + 18: the line grew
    assert PurchaseOrderLine.objects.get(product=on_draft).unit_cost == Decimal("3.0000")


def test_another_warehouse_or_a_sent_order_is_not_extended(wh, purchaser):
    from inventory.services.purchasing import purchase_order_send

    acme = SupplierFactory()
    product = ProductFactory()
    purchase_order_create(
        supplier=acme, warehouse=WarehouseFactory(), lines=[OrderLineInput(product, 1)]
    )
    sent = purchase_order_create(supplier=acme, warehouse=wh, lines=[OrderLineInput(product, 1)])
    purchase_order_send(purchase_order_id=sent.pk)
    s = suggest(product, wh, acme, need=30)

    (order,) = suggestions_approve(suggestion_ids=[s.pk], user_id=purchaser.pk)

    assert PurchaseOrder.objects.filter(supplier=acme).count() == 3
    assert (order.warehouse_id, order.status, lines(order)) == (wh.pk, "draft", {product.sku: 29})


def test_the_edited_quantity_is_ordered_and_a_given_one_wins(wh, purchaser):
    acme = SupplierFactory()
    edited, given = ProductFactory(sku="EDITED"), ProductFactory(sku="GIVEN")
    s1, s2 = suggest(edited, wh, acme), suggest(given, wh, acme)
    suggestion_quantity_set(suggestion_id=s1.pk, quantity=64, user_id=purchaser.pk)
    suggestion_quantity_set(suggestion_id=s2.pk, quantity=64, user_id=purchaser.pk)

    (order,) = suggestions_approve(
        suggestion_ids=[s1.pk, s2.pk], user_id=purchaser.pk, quantities={s2.pk: 5}
    )

    assert lines(order) == {"EDITED": 64, "GIVEN": 5}
    s2.refresh_from_db()
    assert (s2.suggested_quantity, s2.quantity, s2.order_quantity) == (50, 5, 5)


def test_approving_twice_is_a_conflict_and_changes_nothing(wh, purchaser):
    s = suggest(ProductFactory(), wh, SupplierFactory())
    suggestions_approve(suggestion_ids=[s.pk], user_id=purchaser.pk)

    with pytest.raises(Conflict) as raised:
        suggestions_approve(suggestion_ids=[s.pk], user_id=purchaser.pk)

    assert raised.value.http_status == 409
    assert "already approved" in raised.value.message
    assert PurchaseOrderLine.objects.get().quantity == 50


def test_approval_is_all_or_nothing(wh, purchaser):
    good = suggest(ProductFactory(), wh, SupplierFactory())
    orphan = suggest(ProductFactory(sku="NO-OFFER"), wh)  # no supplier offers it

    with pytest.raises(DomainError) as raised:
        suggestions_approve(suggestion_ids=[good.pk, orphan.pk], user_id=purchaser.pk)

    assert raised.value.code == "no_supplier"
    assert raised.value.field == "supplier"
    assert "NO-OFFER" in raised.value.message
    good.refresh_from_db()
    assert good.status == "open"
    assert not PurchaseOrder.objects.exists()


@pytest.mark.parametrize(
    ("ids", "quantities", "error"),
    [
        ([], None, DomainError),
        ([999_999], None, NotFound),
        ("mine", {"mine": 0}, InvalidQuantity),
        ("mine", {"mine": -3}, InvalidQuantity),
        ("mine", {12345: 3}, DomainError),
    ],
)
def test_bad_approvals_are_refused(wh, purchaser, ids, quantities, error):
    s = suggest(ProductFactory(), wh, SupplierFactory())
    ids = [s.pk] if ids == "mine" else ids
    if quantities and "mine" in quantities:
        quantities = {s.pk: quantities["mine"]}

    with pytest.raises(error):
        suggestions_approve(suggestion_ids=ids, user_id=purchaser.pk, quantities=quantities)

    assert not PurchaseOrder.objects.exists()


def test_dismiss_with_a_reason(wh, purchaser):
    s = suggest(ProductFactory(), wh, SupplierFactory())

    dismissed = suggestion_dismiss(
        suggestion_id=s.pk, user_id=purchaser.pk, reason="  discontinued by the brand "
    )

    assert dismissed.status == "dismissed"
    assert dismissed.dismiss_reason == "discontinued by the brand"
    assert dismissed.decided_by_id == purchaser.pk
    assert dismissed.decided_at is not None
    with pytest.raises(Conflict):
        suggestion_dismiss(suggestion_id=s.pk, user_id=purchaser.pk)
    with pytest.raises(Conflict):
        suggestions_approve(suggestion_ids=[s.pk], user_id=purchaser.pk)


def test_a_too_long_reason_is_refused(wh, purchaser):
    s = suggest(ProductFactory(), wh, SupplierFactory())
    with pytest.raises(DomainError) as raised:
        suggestion_dismiss(suggestion_id=s.pk, user_id=purchaser.pk, reason="x" * 301)
    assert raised.value.field == "reason"


@pytest.mark.parametrize("quantity", [0, -1, 2.5, "12", True, 100_000_001])
def test_the_quantity_must_be_a_positive_whole_number(wh, purchaser, quantity):
    s = suggest(ProductFactory(), wh, SupplierFactory())
    with pytest.raises(InvalidQuantity) as raised:
        suggestion_quantity_set(suggestion_id=s.pk, quantity=quantity, user_id=purchaser.pk)
    assert raised.value.field == "quantity"


def test_only_open_suggestions_take_a_quantity(wh, purchaser):
    s = suggest(ProductFactory(), wh, SupplierFactory())
    suggestion_dismiss(suggestion_id=s.pk, user_id=purchaser.pk)
    with pytest.raises(Conflict):
        suggestion_quantity_set(suggestion_id=s.pk, quantity=3, user_id=purchaser.pk)
    with pytest.raises(NotFound):
        suggestion_quantity_set(suggestion_id=999_999, quantity=3, user_id=purchaser.pk)


def test_approval_takes_a_handful_of_statements(django_assert_max_num_queries, wh, purchaser):
    suppliers = [SupplierFactory(), SupplierFactory()]
    chosen = [suggest(ProductFactory(), wh, suppliers[n % 2]) for n in range(20)]
    level_set(chosen[0].product, wh, available=0)

    with django_assert_max_num_queries(14):
        suggestions_approve(suggestion_ids=[s.pk for s in chosen], user_id=purchaser.pk)


# --- concurrency -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_for_one_supplier_share_one_draft_and_reviews_wait_their_turn():
    from tests.concurrency import run_together
    from tests.conftest import _user

    purchaser = _user("buyer", "purchaser")
    wh, acme = WarehouseFactory(), SupplierFactory()
    chosen = [suggest(ProductFactory(), wh, acme, need=10 + n) for n in range(6)]

    results = run_together(
        [
            lambda s=s: suggestions_approve(suggestion_ids=[s.pk], user_id=purchaser.pk)
            for s in chosen
        ]
        + [lambda: reorder_review(), lambda: reorder_review(warehouse_id=wh.pk)]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    (draft,) = PurchaseOrder.objects.filter(supplier=acme, warehouse=wh)
    assert sorted(lines(draft).values()) == [10, 11, 12, 13, 14, 15]
    assert set(ReorderSuggestion.objects.values_list("status", flat=True)) == {"approved"}
