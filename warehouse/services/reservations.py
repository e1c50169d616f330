"""Promising stock in a bin to an order (allocation) and taking the promise back."""

from django.db import transaction

from inventory.errors import InsufficientStock, InvalidQuantity, LocationBlocked
from inventory.locks import stock_levels_lock
from inventory.services.levels import stock_level_apply
from warehouse.locks import locations_lock, quants_lock
from warehouse.models import Quant


def quant_reserve_apply(*, quant_id: int, quantity: int) -> Quant:
    """Reserve ``quantity`` units of one quant. Caller is in a transaction.

    Takes the level, location and quant locks in order. Only allocatable, unblocked bins can
    be reserved from. Raises InsufficientStock, LocationBlocked, InvalidQuantity.
    """
    return _reservation_change(quant_id=quant_id, delta=quantity)


def quant_unreserve_apply(*, quant_id: int, quantity: int) -> Quant:
    """Release ``quantity`` reserved units of one quant. Caller is in a transaction."""
    return _reservation_change(quant_id=quant_id, delta=-quantity)


def _reservation_change(*, quant_id: int, delta: int) -> Quant:
    if delta == 0:
        raise InvalidQuantity("Quantity must be a positive whole number.", field="quantity")
    product_id, location_id, lot_id, warehouse_id = Quant.objects.values_list(
        "product_id", "location_id", "lot_id", "warehouse_id"
    ).get(pk=quant_id)
    stock_levels_lock(keys=[(product_id, warehouse_id)])
    location = locations_lock(shared_ids=[location_id])[location_id]
    key = (product_id, location_id, lot_id)
    quant = quants_lock(keys=[key])[key]
    if delta > 0:
        if not location.is_allocatable:
            raise LocationBlocked(f"Stock in {location.code} cannot be reserved.", field="location")
        if quant.quantity - quant.reserved < delta:
            raise InsufficientStock(
                f"{location.code} has {quant.quantity - quant.reserved} unreserved units; "
                f"{delta} were asked for.",
                field="quantity",
            )
    elif quant.reserved < -delta:
        raise InvalidQuantity(
            f"Only {quant.reserved} units are reserved in {location.code}.", field="quantity"
        )
    Quant.objects.filter(pk=quant.pk).update(reserved=quant.reserved + delta)
    quant.reserved += delta
    deltas = {"reserved": delta}
    if location.is_blocked:
        # Units released in a blocked bin become blocked rather than available.
        deltas["blocked"] = -delta
    stock_level_apply(product_id=product_id, warehouse_id=warehouse_id, deltas=deltas)
    return quant


@transaction.atomic(durable=True)
def quant_reserve(*, quant_id: int, quantity: int) -> Quant:
    return quant_reserve_apply(quant_id=quant_id, quantity=quantity)


@transaction.atomic(durable=True)
def quant_unreserve(*, quant_id: int, quantity: int) -> Quant:
    return quant_unreserve_apply(quant_id=quant_id, quantity=quantity)
