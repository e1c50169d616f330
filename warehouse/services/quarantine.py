"""A supervisor's decision on quarantined goods: release them to storage, or scrap them.

Both write a ledger row with the reason at once: scrapping moves the units to the virtual
scrap location; releasing moves them out of the quarantine cage to the dock, from where the
worker plans their putaway like any delivery.
"""

from django.db import transaction

from inventory.errors import DomainError, InvalidQuantity
from warehouse.models import Location, Quant, StockMove
from warehouse.services.moves import MoveLine, moves_apply
from warehouse.services.virtual import virtual_location
from wms.outbox import enqueue_on_commit


def _quarantined(quant_id: int, quantity: int, reason: str) -> Quant:
    quant = Quant.objects.select_related("location", "product", "lot").get(pk=quant_id)
    if quant.location.kind != Location.Kind.QUARANTINE:
        raise DomainError(f"{quant.location.code} is not a quarantine location.", field="location")
    if not reason.strip():
        raise DomainError("Give the reason for the decision.", field="reason")
    if not 1 <= quantity <= quant.quantity:
        raise InvalidQuantity(
            f"Between 1 and {quant.quantity} units are in quarantine here.", field="quantity"
        )
    return quant


def _decided_before(idempotency_key: str) -> StockMove | None:
    """A repeat of a decision returns its ledger row, even once the units have moved on."""
    return StockMove.objects.filter(idempotency_key=f"{idempotency_key}:0").first()


@transaction.atomic(durable=True)
def quarantine_scrap(
    *, quant_id: int, quantity: int, reason: str, actor_id: int, idempotency_key: str | None = None
) -> StockMove:
    if idempotency_key and (done := _decided_before(idempotency_key)):
        return done
    quant = _quarantined(quant_id, quantity, reason)
    scrap = virtual_location(warehouse_id=quant.warehouse_id, kind=Location.Kind.SCRAP)
    (move,) = moves_apply(
        lines=[MoveLine(quant.product_id, quantity, quant.location_id, scrap.pk, quant.lot_id)],
        kind=StockMove.Kind.SCRAP,
        actor_id=actor_id,
        reason=f"scrapped from quarantine: {reason.strip()}",
        idempotency_key=idempotency_key,
    )
    return move


@transaction.atomic(durable=True)
def quarantine_release(
    *, quant_id: int, quantity: int, reason: str, actor_id: int, idempotency_key: str | None = None
) -> StockMove:
    """Release units to the dock; their putaway is planned by the worker after commit."""
    if idempotency_key and (done := _decided_before(idempotency_key)):
        return done
    quant = _quarantined(quant_id, quantity, reason)
    dock = (
        Location.objects.filter(warehouse_id=quant.warehouse_id, kind=Location.Kind.RECEIVING)
        .order_by("code")
        .first()
    )
    if dock is None:
        raise DomainError("This warehouse has no receiving dock to release to.", field="location")
    (move,) = moves_apply(
        lines=[MoveLine(quant.product_id, quantity, quant.location_id, dock.pk, quant.lot_id)],
        kind=StockMove.Kind.QUARANTINE,
        actor_id=actor_id,
        reason=f"released from quarantine: {reason.strip()}",
        idempotency_key=idempotency_key,
    )
    from warehouse.tasks import release_plan_task  # the tasks module imports services

    enqueue_on_commit(release_plan_task, move_id=move.pk)
    return move
