"""Setting a bin's stock to what was counted, with a reason, through the ledger."""

from dataclasses import dataclass

from django.db import transaction

from inventory.errors import DomainError, InsufficientStock, InvalidQuantity
from inventory.locks import stock_levels_lock
from inventory.models import Product
from warehouse.locks import locations_lock, quants_lock
from warehouse.models import Location, StockMove
from warehouse.services.allocation import backorders_retry_on_commit
from warehouse.services.lots import lot_resolve
from warehouse.services.moves import MoveLine, moves_apply
from warehouse.services.virtual import virtual_location


@dataclass(frozen=True)
class AdjustmentResult:
    location: Location
    product: Product
    lot_code: str | None
    previous_quantity: int
    counted_quantity: int
    move: StockMove | None

    @property
    def difference(self) -> int:
        return self.counted_quantity - self.previous_quantity


@transaction.atomic(durable=True)
def stock_adjust(
    *,
    location: Location,
    product: Product,
    counted_quantity: int,
    reason: str,
    lot_code: str | None = None,
    actor_id: int | None = None,
    idempotency_key: str | None = None,
    expected_quantity: int | None = None,
) -> AdjustmentResult:
    """Make the quant of (location, product, lot) equal ``counted_quantity``.

    Writes one ADJUSTMENT move from or to the warehouse's virtual adjustment location for the
    difference (none when the count matches). Refuses a count below the reserved units: those
    are promised to orders and must be released first. Idempotent by ``idempotency_key``.

    With ``expected_quantity`` (what the books said when the count was taken), the bin changes
    by the count's difference (counted - expected) from what it holds now instead, so stock
    moved in or out since the count stays moved (a cycle count approved later).
    """
    return stock_adjust_apply(
        location=location,
        product=product,
        counted_quantity=counted_quantity,
        reason=reason,
        lot_code=lot_code,
        actor_id=actor_id,
        idempotency_key=idempotency_key,
        expected_quantity=expected_quantity,
    )


def stock_adjust_apply(
    *,
    location: Location,
    product: Product,
    counted_quantity: int,
    reason: str,
    lot_code: str | None = None,
    actor_id: int | None = None,
    idempotency_key: str | None = None,
    expected_quantity: int | None = None,
) -> AdjustmentResult:
    """``stock_adjust`` inside the caller's transaction (a count's approval holds its task's
    lock, the parent document, before the stock locks taken here)."""
    reason = reason.strip()
    if not reason:
        raise DomainError("Give the reason for the adjustment.", field="reason")
    if counted_quantity < 0:
        raise InvalidQuantity("The counted quantity cannot be negative.", field="counted_quantity")
    if location.is_virtual:
        raise DomainError("Only real locations can be counted.", field="location")
    lot = lot_resolve(product=product, code=lot_code, create=counted_quantity > 0)
    lot_id = lot.pk if lot else None

    stock_levels_lock(keys=[(product.pk, location.warehouse_id)])
    if idempotency_key and (
        done := StockMove.objects.filter(idempotency_key=f"{idempotency_key}:0").first()
    ):
        return AdjustmentResult(location, product, lot_code, 0, counted_quantity, done)
    locations_lock(shared_ids=[location.pk])
    quant = quants_lock(keys=[(product.pk, location.pk, lot_id)])[(product.pk, location.pk, lot_id)]
    if expected_quantity is not None:
        counted_quantity = quant.quantity + counted_quantity - expected_quantity
        if counted_quantity < 0:
            raise InsufficientStock(
                f"Since the count the bin went down to {quant.quantity}; the count's difference "
                f"of {counted_quantity - quant.quantity} would leave it below zero. Count again.",
                field="counted_quantity",
            )
    if counted_quantity < quant.reserved:
        raise InsufficientStock(
            f"{quant.reserved} units here are reserved for orders; release them before "
            f"counting fewer.",
            field="counted_quantity",
        )
    difference = counted_quantity - quant.quantity
    move = None
    if difference:
        outside = virtual_location(
            warehouse_id=location.warehouse_id, kind=Location.Kind.ADJUSTMENT
        )
        source, target = (outside, location) if difference > 0 else (location, outside)
        (move,) = moves_apply(
            lines=[MoveLine(product.pk, abs(difference), source.pk, target.pk, lot_id)],
            kind=StockMove.Kind.ADJUSTMENT,
            actor_id=actor_id,
            reason=reason,
            idempotency_key=idempotency_key,
        )
    if difference > 0 and location.is_allocatable:
        backorders_retry_on_commit(product_id=product.pk, warehouse_id=location.warehouse_id)
    return AdjustmentResult(location, product, lot_code, quant.quantity, counted_quantity, move)
