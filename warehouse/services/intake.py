"""Stock entering the building from a supplier, onto a dock or straight into a location."""

from datetime import datetime

from django.db import transaction

from inventory.errors import DomainError
from warehouse.models import Location, StockMove
from warehouse.services.moves import MoveLine, moves_apply
from warehouse.services.virtual import virtual_location


def stock_receive_apply(
    *,
    location: Location,
    product_id: int,
    quantity: int,
    lot_id: int | None = None,
    received_at: datetime | None = None,
    actor_id: int | None = None,
    reference: str = "",
    idempotency_key: str | None = None,
) -> StockMove:
    """Book ``quantity`` from the virtual supplier location into ``location``.

    Caller is in a transaction (the receipt flow holds its document's lock).
    """
    if location.is_virtual:
        raise DomainError("Goods are received into a real location.", field="location")
    supplier = virtual_location(warehouse_id=location.warehouse_id, kind=Location.Kind.SUPPLIER)
    (move,) = moves_apply(
        lines=[
            MoveLine(
                product_id, quantity, supplier.pk, location.pk, lot_id, received_at=received_at
            )
        ],
        kind=StockMove.Kind.RECEIPT,
        actor_id=actor_id,
        reference=reference,
        idempotency_key=idempotency_key,
    )
    return move


@transaction.atomic(durable=True)
def stock_receive(
    *,
    location: Location,
    product_id: int,
    quantity: int,
    lot_id: int | None = None,
    received_at: datetime | None = None,
    actor_id: int | None = None,
    reference: str = "",
    idempotency_key: str | None = None,
) -> StockMove:
    """Receive goods into one location in a transaction of its own."""
    return stock_receive_apply(
        location=location,
        product_id=product_id,
        quantity=quantity,
        lot_id=lot_id,
        received_at=received_at,
        actor_id=actor_id,
        reference=reference,
        idempotency_key=idempotency_key,
    )
