"""The stock-moving service: ledger rows, level buckets, FIFO dates, idempotency, refusals."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from inventory.errors import DomainError, InsufficientStock, LocationBlocked, OverCapacity
from inventory.models import StockLevel
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.factories.warehouse import LocationFactory, dock
from warehouse.models import Location, Quant, StockMove
from warehouse.services.adjustments import stock_adjust
from warehouse.services.intake import stock_receive
from warehouse.services.layout import location_set_blocked, location_update
from warehouse.services.moves import stock_move
from warehouse.services.reservations import quant_reserve


def level(product, warehouse) -> StockLevel:
    return StockLevel.objects.get(product=product, warehouse=warehouse)


@pytest.fixture
def site(db):
    warehouse = WarehouseFactory()
    return warehouse, ProductFactory(), LocationFactory(warehouse=warehouse)


def test_receipt_on_the_dock_is_on_hand_but_not_available(site):
    warehouse, product, _ = site
    move = stock_receive(location=dock(warehouse), product_id=product.pk, quantity=12)

    assert move.kind == StockMove.Kind.RECEIPT
    assert move.from_location.kind == Location.Kind.SUPPLIER
    stock = level(product, warehouse)
    assert (stock.on_hand, stock.in_receiving, stock.available) == (12, 12, 0)


def test_putaway_into_a_bin_makes_stock_available(site):
    warehouse, product, bin_ = site
    stock_receive(location=dock(warehouse), product_id=product.pk, quantity=12)
    stock_move(
        product_id=product.pk,
        quantity=5,
        from_location_id=dock(warehouse).pk,
        to_location_id=bin_.pk,
        kind=StockMove.Kind.PUTAWAY,
    )

    stock = level(product, warehouse)
    assert (stock.on_hand, stock.in_receiving, stock.available) == (12, 7, 5)


def test_a_bin_quant_keeps_the_oldest_receipt_time_for_fifo(site):
    warehouse, product, bin_ = site
    old = timezone.now() - timedelta(days=20)
    stock_receive(location=bin_, product_id=product.pk, quantity=3, received_at=old)
    stock_receive(location=bin_, product_id=product.pk, quantity=3)

    assert Quant.objects.get(location=bin_).received_at == old


def test_repeating_a_move_with_its_idempotency_key_moves_once(site):
    warehouse, product, bin_ = site
    stock_receive(location=dock(warehouse), product_id=product.pk, quantity=10)
    kwargs = {
        "product_id": product.pk,
        "quantity": 4,
        "from_location_id": dock(warehouse).pk,
        "to_location_id": bin_.pk,
        "idempotency_key": "scan-123",
    }

    first, second = stock_move(**kwargs), stock_move(**kwargs)

    assert first.pk == second.pk
    assert Quant.objects.get(location=bin_).quantity == 4


def test_moving_more_than_unreserved_stock_is_refused_and_changes_nothing(site):
    warehouse, product, bin_ = site
    stock_receive(location=bin_, product_id=product.pk, quantity=10)
    quant_reserve(quant_id=Quant.objects.get(location=bin_).pk, quantity=8)
    other = LocationFactory(warehouse=warehouse)

    with pytest.raises(InsufficientStock) as error:
        stock_move(
            product_id=product.pk, quantity=3, from_location_id=bin_.pk, to_location_id=other.pk
        )

    assert "2 unreserved" in error.value.message
    assert Quant.objects.get(location=bin_).quantity == 10
    assert StockMove.objects.filter(kind=StockMove.Kind.TRANSFER).count() == 0


def test_over_capacity_is_refused_with_the_room_left(site):
    warehouse, product, _ = site
    small = LocationFactory(warehouse=warehouse, capacity_units=5)
    stock_receive(location=dock(warehouse), product_id=product.pk, quantity=10)

    with pytest.raises(OverCapacity) as error:
        stock_move(
            product_id=product.pk,
            quantity=6,
            from_location_id=dock(warehouse).pk,
            to_location_id=small.pk,
        )

    assert error.value.extra["room"] == 5


def test_blocking_a_bin_moves_its_unreserved_stock_out_of_available(site):
    warehouse, product, bin_ = site
    stock_receive(location=bin_, product_id=product.pk, quantity=10)
    quant_reserve(quant_id=Quant.objects.get(location=bin_).pk, quantity=4)

    location_set_blocked(location_id=bin_.pk, blocked=True, reason="rack damaged")
    stock = level(product, warehouse)
    assert (stock.on_hand, stock.reserved, stock.blocked, stock.available) == (10, 4, 6, 0)
    stock_receive(location=dock(warehouse), product_id=product.pk, quantity=1)
    with pytest.raises(LocationBlocked):
        stock_move(
            product_id=product.pk,
            quantity=1,
            from_location_id=dock(warehouse).pk,
            to_location_id=bin_.pk,
        )

    location_set_blocked(location_id=bin_.pk, blocked=False)
    stock = level(product, warehouse)
    assert (stock.blocked, stock.available) == (0, 6)


def test_adjustment_writes_the_difference_and_refuses_counting_below_reserved(site):
    warehouse, product, bin_ = site
    stock_receive(location=bin_, product_id=product.pk, quantity=10)
    result = stock_adjust(location=bin_, product=product, counted_quantity=7, reason="count")
    assert (result.previous_quantity, result.difference) == (10, -3)
    assert result.move.to_location.kind == Location.Kind.ADJUSTMENT

    quant_reserve(quant_id=Quant.objects.get(location=bin_).pk, quantity=5)
    with pytest.raises(InsufficientStock):
        stock_adjust(location=bin_, product=product, counted_quantity=4, reason="count")
    with pytest.raises(DomainError) as missing_reason:
        stock_adjust(location=bin_, product=product, counted_quantity=9, reason="  ")
    assert missing_reason.value.field == "reason"
    assert Quant.objects.get(location=bin_).quantity == 7


def test_a_lot_tracked_product_needs_its_lot(site):
    warehouse, _, bin_ = site
    tracked = ProductFactory(tracking="lot")
    with pytest.raises(DomainError) as error:
        stock_adjust(location=bin_, product=tracked, counted_quantity=3, reason="found")
    assert error.value.field == "lot"
    stock_adjust(location=bin_, product=tracked, counted_quantity=3, reason="found", lot_code="L-1")
    assert Quant.objects.get(location=bin_, product=tracked).lot.code == "L-1"


def test_kind_of_a_bin_holding_stock_cannot_change(site):
    warehouse, product, bin_ = site
    stock_receive(location=bin_, product_id=product.pk, quantity=1)
    with pytest.raises(DomainError):
        location_update(location=bin_, kind=Location.Kind.QC)


def test_the_ledger_refuses_update_and_delete(site):
    warehouse, product, bin_ = site
    move = stock_receive(location=bin_, product_id=product.pk, quantity=1)
    for statement in (
        "UPDATE warehouse_stockmove SET quantity = 5 WHERE id = %s",
        "DELETE FROM warehouse_stockmove WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [move.pk])
    assert StockMove.objects.get(pk=move.pk).quantity == 1
