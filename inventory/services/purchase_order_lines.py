"""Draft purchase orders line by line: set a product's quantity (adding the line), remove one.

Only drafts change: once sent, a line is on order and the supplier has it. Each service takes
the order's lock (``inventory.locks.purchase_order_lock``, the parent document) before it reads
the status, so a send or a cancel racing an edit is seen. Approving suggestions locks suppliers
and then drafts, never a draft and then anything else here: no lock cycle.

A draft's lines count in the reorder review's position (what already waits on drafts), so a
change enqueues a review of that product on commit: a lowered or removed line can reopen its
suggestion at once instead of at the next periodic review.
"""

from decimal import Decimal

from django.db import transaction

from inventory.errors import Conflict, DomainError, InvalidQuantity, NotFound
from inventory.locks import purchase_order_lock
from inventory.models import Product, PurchaseOrder, PurchaseOrderLine, SupplierProduct
from inventory.services.levels import reorder_review_on_commit

# Far beyond any order; keeps sums of quantities inside the database's integer range.
MAX_QUANTITY = 100_000_000


def _quantity_check(quantity: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity("Give the quantity as a whole number.", field="quantity")
    if quantity <= 0:
        raise InvalidQuantity(
            f"The quantity must be at least 1, not {quantity}; remove the line instead.",
            field="quantity",
        )
    if quantity > MAX_QUANTITY:
        raise InvalidQuantity(f"The quantity must be at most {MAX_QUANTITY:,}.", field="quantity")
    return quantity


def _draft_lock(purchase_order_id: int) -> PurchaseOrder:
    """Lock the order and check it is a draft (NotFound, Conflict otherwise)."""
    try:
        order = purchase_order_lock(purchase_order_id=purchase_order_id)
    except PurchaseOrder.DoesNotExist:
        raise NotFound(
            f"There is no purchase order {purchase_order_id}.", field="purchase_order"
        ) from None
    if order.status != PurchaseOrder.Status.DRAFT:
        raise Conflict(
            f"{order.number} is {order.get_status_display().lower()}; only draft lines can "
            "be changed.",
            field="status",
        )
    return order


def _unit_cost(*, product: Product, supplier_id: int) -> Decimal:
    """The supplier's active offer for the product, else the product's own cost."""
    offer = (
        SupplierProduct.objects.filter(supplier_id=supplier_id, product=product, is_active=True)
        .values_list("unit_cost", flat=True)
        .first()
    )
    return offer if offer is not None else product.unit_cost


@transaction.atomic(durable=True)
def purchase_order_line_set(
    *, purchase_order_id: int, product_id: int, quantity: int
) -> PurchaseOrderLine:
    """Set the quantity of a product on a draft order, adding the line when it is not there.

    A new line takes the supplier's offer price for the product, else the product's unit cost;
    an existing line keeps its price. Raises InvalidQuantity (not a whole number from 1),
    NotFound (no such order or product), DomainError (an inactive product, field ``product``)
    and Conflict (the order is not a draft). Setting the quantity a line already has changes
    nothing.
    """
    quantity = _quantity_check(quantity)
    order = _draft_lock(purchase_order_id)
    line = PurchaseOrderLine.objects.filter(purchase_order=order, product_id=product_id).first()
    if line is not None:
        if line.quantity != quantity:
            line.quantity = quantity
            line.save(update_fields=["quantity"])
            reorder_review_on_commit(pairs=[(product_id, order.warehouse_id)])
        return line
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise NotFound(f"There is no product {product_id}.", field="product")
    if not product.is_active:
        raise DomainError(
            f"{product.sku} is inactive; it cannot be ordered.", field="product", sku=product.sku
        )
    line = PurchaseOrderLine.objects.create(
        purchase_order=order,
        product=product,
        quantity=quantity,
        unit_cost=_unit_cost(product=product, supplier_id=order.supplier_id),
    )
    order.save(update_fields=["updated_at"])
    reorder_review_on_commit(pairs=[(product_id, order.warehouse_id)])
    return line


@transaction.atomic(durable=True)
def purchase_order_line_remove(*, purchase_order_id: int, product_id: int) -> PurchaseOrder:
    """Take a product's line off a draft order.

    Raises NotFound (no such order, or the product is not on it), Conflict (not a draft) and
    DomainError when it is the order's only line: an order without lines is cancelled instead.
    """
    order = _draft_lock(purchase_order_id)
    lines = {
        row.product_id: row
        for row in PurchaseOrderLine.objects.filter(purchase_order=order).select_related("product")
    }
    line = lines.get(product_id)
    if line is None:
        raise NotFound(f"{order.number} has no line for this product.", field="product")
    if len(lines) == 1:
        raise DomainError(
            f"{line.product.sku} is the only line of {order.number}: cancel the order instead.",
            field="product",
        )
    line.delete()
    order.save(update_fields=["updated_at"])
    reorder_review_on_commit(pairs=[(product_id, order.warehouse_id)])
    return order
