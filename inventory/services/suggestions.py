"""Purchasers' decisions on reorder suggestions: edit the quantity, approve, dismiss.

Approving adds each suggestion's quantity to the draft purchase order of its (supplier,
warehouse), created when there is none; a product already on that draft gets its line's
quantity raised. Lock order: the suggestions lock (shared) -> suggestion rows by pk ->
supplier rows by pk -> draft purchase orders by pk (``inventory.locks``).
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from inventory.errors import Conflict, DomainError, InvalidQuantity, NotFound
from inventory.locks import (
    draft_purchase_orders_lock,
    suggestions_lock,
    suggestions_review_lock,
    suppliers_lock,
)
from inventory.models import PurchaseOrder, ReorderSuggestion

# Far beyond any order; keeps sums of quantities inside the database's integer range.
MAX_QUANTITY = 100_000_000
DISMISS_REASON_LENGTH = 300


class SuggestionDecided(Conflict):
    code = "suggestion_decided"


class NoSupplier(DomainError):
    code = "no_supplier"


def _quantity_check(quantity: object, **extra: object) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantity("Give the quantity as a whole number.", field="quantity", **extra)
    if quantity <= 0:
        raise InvalidQuantity(
            f"The quantity must be at least 1, not {quantity}.", field="quantity", **extra
        )
    if quantity > MAX_QUANTITY:
        raise InvalidQuantity(
            f"The quantity must be at most {MAX_QUANTITY:,}.", field="quantity", **extra
        )
    return quantity


def _open_suggestion(suggestion: ReorderSuggestion | None, suggestion_id: int) -> ReorderSuggestion:
    if suggestion is None:
        raise NotFound(f"There is no reorder suggestion {suggestion_id}.", field="suggestion")
    if suggestion.status != ReorderSuggestion.Status.OPEN:
        raise SuggestionDecided(
            f"The suggestion for {suggestion.product.sku} is already "
            f"{suggestion.get_status_display().lower()}.",
            field="status",
            suggestion=suggestion.pk,
        )
    return suggestion


@transaction.atomic(durable=True)
def suggestion_quantity_set(
    *, suggestion_id: int, quantity: int, user_id: int
) -> ReorderSuggestion:
    """Set the quantity the purchaser wants instead of the suggested one (open ones only).

    Raises InvalidQuantity (not a positive whole number), NotFound, SuggestionDecided (409).
    Later reviews update the suggested quantity and keep this one.
    """
    quantity = _quantity_check(quantity)
    suggestions_review_lock(shared=True)
    suggestion = _open_suggestion(
        suggestions_lock(suggestion_ids=[suggestion_id]).get(suggestion_id), suggestion_id
    )
    suggestion.quantity = quantity
    suggestion.save(update_fields=["quantity", "updated_at"])
    return suggestion


@transaction.atomic(durable=True)
def suggestion_dismiss(*, suggestion_id: int, user_id: int, reason: str = "") -> ReorderSuggestion:
    """Dismiss an open suggestion, with the purchaser's reason (up to 300 characters).

    A later review opens a new suggestion if the product is still needed.
    """
    reason = (reason or "").strip()
    if len(reason) > DISMISS_REASON_LENGTH:
        raise DomainError(
            f"Keep the reason within {DISMISS_REASON_LENGTH} characters.", field="reason"
        )
    suggestions_review_lock(shared=True)
    suggestion = _open_suggestion(
        suggestions_lock(suggestion_ids=[suggestion_id]).get(suggestion_id), suggestion_id
    )
    suggestion.status = ReorderSuggestion.Status.DISMISSED
    suggestion.dismiss_reason = reason
    suggestion.decided_by_id = user_id
    suggestion.decided_at = timezone.now()
    suggestion.save(
        update_fields=["status", "dismiss_reason", "decided_by", "decided_at", "updated_at"]
    )
    return suggestion


@transaction.atomic(durable=True)
def suggestions_approve(
    *,
    suggestion_ids: Sequence[int],
    user_id: int,
    quantities: Mapping[int, int] | None = None,
) -> list[PurchaseOrder]:
    """Approve open suggestions into draft purchase orders, one per (supplier, warehouse).

    Each suggestion's quantity (``quantities[id]``, else its edited quantity, else the
    suggested one) is added to the oldest draft order of its supplier and warehouse, or to a
    new draft; a product already on that draft has its line raised. All or nothing: an unknown
    id (NotFound), a decided suggestion (SuggestionDecided, 409), one without a supplier
    (NoSupplier, naming the product) or a bad quantity (InvalidQuantity) changes nothing.
    Returns the draft orders touched, in id order.
    """
    ids = list(dict.fromkeys(suggestion_ids))
    if not ids:
        raise DomainError("Choose at least one suggestion to approve.", field="suggestions")
    quantities = dict(quantities or {})
    strays = sorted(set(quantities) - set(ids))
    if strays:
        raise DomainError(
            f"Quantities given for suggestions not being approved: {strays}.", field="quantities"
        )
    for suggestion_id, quantity in quantities.items():
        _quantity_check(quantity, suggestion=suggestion_id)
    suggestions_review_lock(shared=True)
    locked = suggestions_lock(suggestion_ids=ids)
    chosen = [_open_suggestion(locked.get(i), i) for i in ids]
    for suggestion in chosen:
        if suggestion.supplier_id is None:
            raise NoSupplier(
                f"No supplier for {suggestion.product.sku} in {suggestion.warehouse.code}: "
                "choose one on its reorder rule first.",
                field="supplier",
                suggestion=suggestion.pk,
            )
    wanted: dict[tuple[int, int], list[ReorderSuggestion]] = defaultdict(list)
    for suggestion in chosen:
        suggestion.quantity = quantities.get(suggestion.pk, suggestion.order_quantity)
        wanted[(suggestion.supplier_id, suggestion.warehouse_id)].append(suggestion)
    suppliers_lock(supplier_ids={supplier for supplier, _ in wanted})
    drafts = draft_purchase_orders_lock(keys=wanted)
    orders = {
        key: drafts.get(key) or _draft_create(key=key, user_id=user_id) for key in sorted(wanted)
    }
    _lines_add(
        lines=[
            (orders[key].pk, s.product_id, s.quantity, s.unit_cost)
            for key, group in wanted.items()
            for s in group
        ]
    )
    now = timezone.now()
    for suggestion in chosen:
        suggestion.status = ReorderSuggestion.Status.APPROVED
        suggestion.purchase_order = orders[(suggestion.supplier_id, suggestion.warehouse_id)]
        suggestion.decided_by_id = user_id
        suggestion.decided_at = now
        suggestion.updated_at = now
    ReorderSuggestion.objects.bulk_update(
        chosen, ["status", "purchase_order", "quantity", "decided_by", "decided_at", "updated_at"]
    )
    PurchaseOrder.objects.filter(pk__in=[o.pk for o in orders.values()]).update(updated_at=now)
    return sorted(orders.values(), key=lambda order: order.pk)


def _draft_create(*, key: tuple[int, int], user_id: int) -> PurchaseOrder:
    """A new draft order for (supplier_id, warehouse_id). Caller holds the supplier's lock."""
    supplier_id, warehouse_id = key
    order = PurchaseOrder.objects.create(
        number=f"~{timezone.now().timestamp()}",  # replaced below, once the id is known
        supplier_id=supplier_id,
        warehouse_id=warehouse_id,
        notes="From approved reorder suggestions.",
        created_by_id=user_id,
    )
    order.number = f"PO-{order.pk:06d}"
    order.save(update_fields=["number"])
    return order


def _lines_add(*, lines: Sequence[tuple[int, int, int, Decimal]]) -> None:
    """Add (purchase_order_id, product_id, quantity, unit_cost) to draft orders, in one
    statement: a product already on its order gets that line raised (its price kept), a new one
    gets a line at ``unit_cost``. Caller holds the drafts' locks."""
    merged: dict[tuple[int, int], list] = {}
    for order_id, product_id, quantity, unit_cost in lines:
        if (order_id, product_id) in merged:
            merged[(order_id, product_id)][0] += quantity
        else:
            merged[(order_id, product_id)] = [quantity, unit_cost]
    keys = sorted(merged)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO inventory_purchaseorderline AS line
                (purchase_order_id, product_id, quantity, received_quantity, unit_cost)
            SELECT o, p, q, 0, c
            FROM unnest(%s::bigint[], %s::bigint[], %s::integer[], %s::numeric[]) AS t(o, p, q, c)
            ON CONFLICT (purchase_order_id, product_id)
            DO UPDATE SET quantity = line.quantity + EXCLUDED.quantity
            """,
            [
                [o for o, _ in keys],
                [p for _, p in keys],
                [merged[k][0] for k in keys],
                [merged[k][1] for k in keys],
            ],
        )
