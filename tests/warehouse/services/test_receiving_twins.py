"""One count sent twice at the same moment (a double tap on two connections): the receipt's
lock makes the second wait, then find the first's ledger rows; one move, both answers the
same items. The receive no longer asks the ledger again (``repeat_ruled_out``): this proves
the lock and the look-up after it are enough."""

import pytest

from inventory.errors import Conflict, NotFound
from inventory.models import StockLevel
from tests.concurrency import run_together
from tests.factories.inventory import ProductFactory, WarehouseFactory
from tests.warehouse.views.inbound_scenario import expected_receipt
from warehouse.models import ReceiptItem, StockMove
from warehouse.selectors.ledger import stock_drift
from warehouse.services.receiving import ReceivedEntry, receipt_receive_shown


@pytest.mark.django_db(transaction=True)
def test_one_count_sent_twice_at_once_receives_once():
    warehouse = WarehouseFactory()
    product = ProductFactory()
    receipt = expected_receipt(warehouse, (product, 10))

    def tap():
        received = receipt_receive_shown(
            receipt_id=receipt.pk,
            entries=[ReceivedEntry(product, 4)],
            idempotency_key="recv:twin-tap",
            warehouse_id=warehouse.pk,
        )
        return [item.pk for item in received.items]

    results = run_together([tap, tap, tap])

    assert all(isinstance(result, list) for result in results), results
    assert len({tuple(result) for result in results}) == 1
    assert StockMove.objects.filter(reference=receipt.reference).count() == 1
    assert ReceiptItem.objects.filter(line__receipt=receipt).count() == 1
    assert receipt.lines.get().received_quantity == 4
    assert StockLevel.objects.get(product=product, warehouse=warehouse).on_hand == 4
    assert stock_drift().is_clean


@pytest.mark.django_db
def test_a_receipt_of_another_warehouse_is_not_found():
    mine, theirs = WarehouseFactory(), WarehouseFactory()
    product = ProductFactory()
    receipt = expected_receipt(theirs, (product, 10))

    with pytest.raises(NotFound):
        receipt_receive_shown(
            receipt_id=receipt.pk, entries=[ReceivedEntry(product, 1)], warehouse_id=mine.pk
        )

    assert not StockMove.objects.filter(reference=receipt.reference).exists()


@pytest.mark.django_db
def test_a_key_replayed_on_another_receipt_is_refused_and_books_nothing():
    warehouse = WarehouseFactory()
    product = ProductFactory()
    first = expected_receipt(warehouse, (product, 10))
    second = expected_receipt(warehouse, (product, 10))
    receipt_receive_shown(
        receipt_id=first.pk,
        entries=[ReceivedEntry(product, 4)],
        idempotency_key="recv:forged",
        warehouse_id=warehouse.pk,
    )

    with pytest.raises(Conflict, match="already booked on another receipt"):
        receipt_receive_shown(
            receipt_id=second.pk,
            entries=[ReceivedEntry(product, 4)],
            idempotency_key="recv:forged",
            warehouse_id=warehouse.pk,
        )

    assert not ReceiptItem.objects.filter(line__receipt=second).exists()
    assert StockLevel.objects.get(product=product, warehouse=warehouse).on_hand == 4
    assert stock_drift().is_clean
