"""The one place that changes stock.

Every change of a quant goes through ``moves_apply`` (or the reservation helpers below): in the
caller's transaction, under the global lock order, with a ledger row per move and the stock
levels updated to match. Top-level services (``stock_move``, ``stock_receive``,
``stock_adjust``, ``quant_reserve``...) own their transaction; flows in other modules call
``moves_apply`` from inside theirs.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from inventory.errors import (
    DomainError,
    InsufficientStock,
    InvalidQuantity,
    LocationBlocked,
    OverCapacity,
)
from inventory.locks import stock_levels_lock
from inventory.services.levels import stock_levels_apply
from warehouse.locks import QuantKey, locations_lock, quants_lock
from warehouse.models import Location, Quant, StockMove
from wms.db import rows_update

# Where stock sits decides which bucket of the stock level it counts in (None: available).
_BUCKET_OF_KIND = {
    Location.Kind.RECEIVING: "in_receiving",
    Location.Kind.QC: "in_qc",
    Location.Kind.QUARANTINE: "quarantined",
    Location.Kind.STAGING: "in_outbound",
    Location.Kind.SHIPPING: "in_outbound",
}


def location_bucket(location: Location) -> str | None:
    """The level bucket stock in ``location`` belongs to; None for available stock."""
    if location.kind in Location.ALLOCATABLE_KINDS:
        return "blocked" if location.is_blocked else None
    return _BUCKET_OF_KIND.get(location.kind)


@dataclass(frozen=True)
class MoveLine:
    product_id: int
    quantity: int
    from_location_id: int
    to_location_id: int
    lot_id: int | None = None
    # Units of the source quant's reservation this move consumes (a pick of allocated stock).
    consume_reserved: int = 0
    # Receipt time for stock entering the building; defaults to now.
    received_at: datetime | None = None


def moves_apply(
    *,
    lines: Sequence[MoveLine],
    kind: str,
    actor_id: int | None = None,
    task_id: int | None = None,
    reason: str = "",
    reference: str = "",
    idempotency_key: str | None = None,
    occurred_at: datetime | None = None,
    repeat_ruled_out: bool = False,
) -> list[StockMove]:
    """Move stock and write the ledger. Caller is in a transaction and holds its document lock.

    ``occurred_at`` back-dates the ledger rows (imports of history, the demo's past 90 days);
    by default the database clock stamps them.

    Takes the StockLevel, Location and Quant locks itself, in the global order. With an
    ``idempotency_key``, a repeat of an applied call returns the moves it made and changes
    nothing. ``repeat_ruled_out``: the caller has already ruled a repeat out under its document
    lock (a task it found not done), so the look-up is skipped and the key's UNIQUE constraint
    is only the backstop. Raises InvalidQuantity, InsufficientStock, OverCapacity,
    LocationBlocked.
    """
    if not lines:
        return []
    locations = {
        loc.pk: loc
        for loc in Location.objects.filter(
            pk__in={ln.from_location_id for ln in lines} | {ln.to_location_id for ln in lines}
        )
    }
    _check_lines(lines, locations)
    stock_levels_lock(
        keys={(ln.product_id, locations[ln.from_location_id].warehouse_id) for ln in lines}
    )
    keys = [f"{idempotency_key}:{i}" for i in range(len(lines))] if idempotency_key else []
    if (
        keys
        and not repeat_ruled_out
        and (done := list(StockMove.objects.filter(idempotency_key__in=keys)))
    ):
        return sorted(done, key=lambda move: keys.index(move.idempotency_key))  # a repeat
    limited = {
        ln.to_location_id for ln in lines if locations[ln.to_location_id].capacity_units is not None
    }
    locations = locations_lock(shared_ids=set(locations) - limited, exclusive_ids=limited)
    quants = quants_lock(keys=_quant_keys(lines, locations))

    _check_capacity(lines, locations)
    now = occurred_at or timezone.now()
    level_deltas: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    moves = []
    for index, line in enumerate(lines):
        source, target = locations[line.from_location_id], locations[line.to_location_id]
        arriving_at = line.received_at or now
        if not source.is_virtual:
            quant = quants[(line.product_id, source.pk, line.lot_id)]
            _take(quant, line, source)
            arriving_at = quant.received_at
        if not target.is_virtual:
            _put(quants[(line.product_id, target.pk, line.lot_id)], line.quantity, arriving_at)
        _level_effect(level_deltas[(line.product_id, source.warehouse_id)], line, source, target)
        moves.append(
            StockMove(
                warehouse_id=source.warehouse_id,
                kind=kind,
                product_id=line.product_id,
                lot_id=line.lot_id,
                from_location_id=source.pk,
                to_location_id=target.pk,
                quantity=line.quantity,
                actor_id=actor_id,
                task_id=task_id,
                reason=reason,
                reference=reference,
                idempotency_key=keys[index] if keys else None,
                **({"created_at": occurred_at} if occurred_at else {}),
            )
        )
    _quants_write(quants.values())
    stock_levels_apply(deltas=level_deltas)
    return StockMove.objects.bulk_create(moves)


def _quants_write(quants: Iterable[Quant]) -> None:
    """Write the new state of locked quants in one statement, however many lines moved."""
    rows = list({q.pk: q for q in quants}.values())
    rows_update(
        table="warehouse_quant",
        ids=[q.pk for q in rows],
        columns={
            "quantity": ("integer", [q.quantity for q in rows]),
            "reserved": ("integer", [q.reserved for q in rows]),
            "received_at": ("timestamptz", [q.received_at for q in rows]),
        },
    )


def _check_lines(lines: Sequence[MoveLine], locations: dict[int, Location]) -> None:
    for line in lines:
        if line.quantity <= 0:
            raise InvalidQuantity("Quantity must be a positive whole number.", field="quantity")
        if not 0 <= line.consume_reserved <= line.quantity:
            raise InvalidQuantity("Reserved units consumed must be between 0 and the quantity.")
        if line.from_location_id not in locations or line.to_location_id not in locations:
            raise DomainError("Unknown location.", field="location")
        source, target = locations[line.from_location_id], locations[line.to_location_id]
        if source.pk == target.pk:
            raise DomainError("Source and destination are the same location.", field="location")
        if source.warehouse_id != target.warehouse_id:
            raise DomainError("Both locations must be in the same warehouse.", field="location")
        if source.is_virtual and target.is_virtual:
            raise DomainError("A move must touch a real location.", field="location")


def _quant_keys(lines: Sequence[MoveLine], locations: dict[int, Location]) -> set[QuantKey]:
    keys: set[QuantKey] = set()
    for line in lines:
        for loc_id in (line.from_location_id, line.to_location_id):
            if not locations[loc_id].is_virtual:
                keys.add((line.product_id, loc_id, line.lot_id))
    return keys


def _check_capacity(lines: Sequence[MoveLine], locations: dict[int, Location]) -> None:
    """Caller holds the destination bins exclusively, so their occupancy cannot change."""
    incoming: dict[int, int] = defaultdict(int)
    for line in lines:
        target = locations[line.to_location_id]
        # A count may find stock in a blocked bin (from the virtual adjustment location);
        # nothing else may put stock into one.
        if target.is_blocked and not locations[line.from_location_id].is_virtual:
            raise LocationBlocked(
                f"Bin {target.code} is blocked: {target.blocked_reason or 'no reason given'}.",
                field="destination_location",
            )
        # Capacity plans putaway; a count or receipt records what physically is there.
        if target.capacity_units is not None and not locations[line.from_location_id].is_virtual:
            incoming[target.pk] += line.quantity
    if not incoming:
        return
    occupied = dict(
        Quant.objects.filter(location_id__in=incoming)
        .values_list("location_id")
        .annotate(total=Sum("quantity"))
    )
    for loc_id, quantity in incoming.items():
        target = locations[loc_id]
        room = target.capacity_units - occupied.get(loc_id, 0)
        if quantity > room:
            raise OverCapacity(
                f"Bin {target.code} has room for {max(room, 0)} more units, not {quantity}.",
                field="destination_location",
                location=target.code,
                room=max(room, 0),
            )


def _take(quant: Quant, line: MoveLine, source: Location) -> None:
    free = quant.quantity - quant.reserved
    if line.consume_reserved > quant.reserved or line.quantity - line.consume_reserved > free:
        raise InsufficientStock(
            f"{source.code} holds {free} unreserved units of this product"
            f"{' and lot' if line.lot_id else ''}; {line.quantity} were asked for.",
            field="quantity",
            location=source.code,
            available=free,
        )
    quant.quantity -= line.quantity
    quant.reserved -= line.consume_reserved


def _put(quant: Quant, quantity: int, received_at: datetime) -> None:
    # FIFO stays honest: a bin's quant is as old as the oldest units in it.
    if quant.quantity == 0 or received_at < quant.received_at:
        quant.received_at = received_at
    quant.quantity += quantity


def _level_effect(
    deltas: dict[str, int], line: MoveLine, source: Location, target: Location
) -> None:
    """Bucket changes of one move. Reserved units never sit outside allocatable bins."""
    if not source.is_virtual:
        deltas["on_hand"] -= line.quantity
        deltas["reserved"] -= line.consume_reserved
        if bucket := location_bucket(source):
            # In a blocked bin only the unreserved units count as blocked.
            unreserved = line.quantity - line.consume_reserved
            deltas[bucket] -= unreserved if bucket == "blocked" else line.quantity
    if not target.is_virtual:
        deltas["on_hand"] += line.quantity
        if bucket := location_bucket(target):
            deltas[bucket] += line.quantity


@transaction.atomic(durable=True)
def stock_move(
    *,
    product_id: int,
    quantity: int,
    from_location_id: int,
    to_location_id: int,
    lot_id: int | None = None,
    kind: str = StockMove.Kind.TRANSFER,
    actor_id: int | None = None,
    reason: str = "",
    idempotency_key: str | None = None,
) -> StockMove:
    """Move unreserved stock between two locations of one warehouse (a transfer)."""
    (move,) = moves_apply(
        lines=[MoveLine(product_id, quantity, from_location_id, to_location_id, lot_id)],
        kind=kind,
        actor_id=actor_id,
        reason=reason,
        idempotency_key=idempotency_key,
    )
    return move
