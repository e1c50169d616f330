"""Draft purchase orders line by line: set a quantity (adding the line), remove a line; only
drafts, every bad input refused with nothing changed, a review of the product on commit."""

from decimal import Decimal

import pytest

from inventory.errors import Conflict, DomainError, InvalidQuantity, NotFound
from inventory.models import PurchaseOrder, PurchaseOrderLine
from inventory.services.catalog import product_update
from inventory.services.purchase_order_lines import (
    purchase_order_line_remove,
    purchase_order_line_set,
)
from inventory.services.purchasing import (
    OrderLineInput,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_send,
)
from tests.factories.inventory import ProductFactory, SupplierFactory, WarehouseFactory
from tests.inventory.replenishment_setup import offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    supplier = SupplierFactory(code="ACME")
    bolt = ProductFactory(sku="BOLT", unit_cost="0.10")
    return purchase_order_create(
        supplier=supplier,
        warehouse=WarehouseFactory(code="MAIN"),
        lines=[OrderLineInput(bolt, 100, Decimal("0.08"))],
    )


def _lines(order: PurchaseOrder) -> dict[str, tuple[int, Decimal]]:
    return {
        line.product.sku: (line.quantity, line.unit_cost)
        for line in PurchaseOrderLine.objects.filter(purchase_order=order).select_related("product")
    }


def test_set_changes_a_lines_quantity_and_keeps_its_price(draft):
    line = purchase_order_line_set(
        purchase_order_id=draft.pk, product_id=draft.lines.get().product_id, quantity=250
    )

    assert line.quantity == 250
    assert _lines(draft) == {"BOLT": (250, Decimal("0.0800"))}


def test_set_adds_a_line_at_the_suppliers_offer_price(draft):
    nut = ProductFactory(sku="NUT", unit_cost="0.05")
    offer(draft.supplier, nut, "0.0325")
    washer = ProductFactory(sku="WASHER", unit_cost="0.02")  # no offer: the product's cost

    purchase_order_line_set(purchase_order_id=draft.pk, product_id=nut.pk, quantity=40)
    purchase_order_line_set(purchase_order_id=draft.pk, product_id=washer.pk, quantity=10)

    assert _lines(draft) == {
        "BOLT": (100, Decimal("0.0800")),
        "NUT": (40, Decimal("0.0325")),
        "WASHER": (10, Decimal("0.0200")),
    }


def test_an_inactive_offer_is_not_used(draft):
    nut = ProductFactory(sku="NUT", unit_cost="0.05")
    offer(draft.supplier, nut, "0.01", active=False)

    purchase_order_line_set(purchase_order_id=draft.pk, product_id=nut.pk, quantity=1)

    assert _lines(draft)["NUT"] == (1, Decimal("0.0500"))


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "The quantity must be at least 1, not 0; remove the line instead."),
        (-5, "The quantity must be at least 1, not -5; remove the line instead."),
        ("7", "Give the quantity as a whole number."),
        (2.5, "Give the quantity as a whole number."),
        (True, "Give the quantity as a whole number."),
        (100_000_001, "The quantity must be at most 100,000,000."),
    ],
)
def test_a_bad_quantity_is_refused(draft, quantity, message):
    with pytest.raises(InvalidQuantity, match=message.replace("(", r"\(")) as refused:
        purchase_order_line_set(
            purchase_order_id=draft.pk, product_id=draft.lines.get().product_id, quantity=quantity
        )

    assert refused.value.field == "quantity"
    assert _lines(draft) == {"BOLT": (100, Decimal("0.0800"))}


@pytest.mark.parametrize("action", ["send", "cancel"])
def test_only_drafts_change(draft, action):
    {"send": purchase_order_send, "cancel": purchase_order_cancel}[action](
        purchase_order_id=draft.pk
    )
    nut = ProductFactory(sku="NUT")
    bolt_id = draft.lines.get().product_id

    for call in (
        lambda: purchase_order_line_set(purchase_order_id=draft.pk, product_id=bolt_id, quantity=5),
        lambda: purchase_order_line_set(purchase_order_id=draft.pk, product_id=nut.pk, quantity=5),
        lambda: purchase_order_line_remove(purchase_order_id=draft.pk, product_id=bolt_id),
    ):
        with pytest.raises(Conflict, match="only draft lines can be changed"):
            call()
    assert _lines(draft) == {"BOLT": (100, Decimal("0.0800"))}


def test_unknown_order_or_product_is_not_found(draft):
    with pytest.raises(NotFound, match="There is no purchase order 999999"):
        purchase_order_line_set(purchase_order_id=999999, product_id=1, quantity=1)
    with pytest.raises(NotFound, match="There is no product 999999"):
        purchase_order_line_set(purchase_order_id=draft.pk, product_id=999999, quantity=1)


def test_an_inactive_product_cannot_be_added(draft):
    old = ProductFactory(sku="OLD")
    product_update(product=old, is_active=False)

    with pytest.raises(DomainError, match="OLD is inactive; it cannot be ordered."):
        purchase_order_line_set(purchase_order_id=draft.pk, product_id=old.pk, quantity=1)
    assert "OLD" not in _lines(draft)


def test_remove_a_line(draft):
    nut = ProductFactory(sku="NUT")
    purchase_order_line_set(purchase_order_id=draft.pk, product_id=nut.pk, quantity=5)

    purchase_order_line_remove(purchase_order_id=draft.pk, product_id=nut.pk)

    assert set(_lines(draft)) == {"BOLT"}
    with pytest.raises(NotFound, match=f"{draft.number} has no line for this product."):
        purchase_order_line_remove(purchase_order_id=draft.pk, product_id=nut.pk)


def test_the_only_line_is_not_removed(draft):
    with pytest.raises(DomainError, match="BOLT is the only line of .*: cancel the order instead"):
        purchase_order_line_remove(
            purchase_order_id=draft.pk, product_id=draft.lines.get().product_id
        )
    assert set(_lines(draft)) == {"BOLT"}


def test_a_change_reviews_the_product_on_commit(draft, django_capture_on_commit_callbacks):
    bolt_id = draft.lines.get().product_id

    with django_capture_on_commit_callbacks() as changed:
        purchase_order_line_set(purchase_order_id=draft.pk, product_id=bolt_id, quantity=60)
    with django_capture_on_commit_callbacks() as unchanged:
        purchase_order_line_set(purchase_order_id=draft.pk, product_id=bolt_id, quantity=60)

    assert len(changed) == 1
    assert changed[0].func.__self__.name == "inventory.tasks.reorder_review_task"
    assert changed[0].keywords == {"warehouse_id": draft.warehouse_id, "product_ids": [bolt_id]}
    assert unchanged == []  # the same quantity again changes nothing
