"""A whole delivery in one request: create its receipt and receive every line, or do nothing.

The REST API's ``POST /receipts/`` describes a delivery that has arrived. Creating the receipt
(``receipt_create``) and booking the goods (``receipt_receive``) are top-level services, each a
durable transaction of its own; run one after the other, a refused line (over-receipt, expired
lot, a product not on the order) would leave an empty receipt behind for the floor to trip over,
and a crash between them an orphan. Here both run as steps of one transaction
(``receipt_arrived_apply``: the receipt made in its final status and received without reading
back what the transaction wrote), held by this module's own durable transaction. The alternative,
cancelling the empty receipt after a failure, still leaves a cancelled receipt and a used-up
reference number behind, and nothing at all if the process dies in between.
"""

from collections.abc import Sequence

from django.db import IntegrityError, transaction

from inventory.errors import DomainError
from inventory.models import PurchaseOrder, Supplier, Warehouse
from warehouse.models import Location, Receipt
from warehouse.selectors.receipts import receipt_of_idempotency_key
from warehouse.services.receiving import ReceivedEntry, receipt_arrived_apply


def delivery_receive(
    *,
    warehouse: Warehouse,
    entries: Sequence[ReceivedEntry],
    purchase_order: PurchaseOrder | None = None,
    supplier: Supplier | None = None,
    dock: Location | None = None,
    close: bool = False,
    user_id: int | None = None,
    idempotency_key: str | None = None,
) -> Receipt:
    """Create a receipt for the delivery and receive all of ``entries`` onto its dock.

    Against ``purchase_order`` (sent or partly received) the receipt expects the order's open
    lines, else it is an unplanned delivery (from ``supplier``, if named). With ``close``, the
    receipt is closed once received. Raises what ``receipt_create`` and ``receipt_receive``
    raise (Conflict for a draft or cancelled order, NotOnOrder, OverReceipt, Expired...), and
    then nothing is left behind: no receipt, no stock, no ledger row.

    With ``idempotency_key``, a repeat returns the first call's receipt and changes nothing,
    also when the two run at the same moment: the loser collides with the winner's ledger keys
    (or, waiting on the same order, finds it received) and rolls back, then finds the winner's
    receipt.
    """
    if idempotency_key and (done := receipt_of_idempotency_key(idempotency_key=idempotency_key)):
        return done
    try:
        return _delivery_receive(
            warehouse=warehouse,
            entries=entries,
            purchase_order=purchase_order,
            supplier=supplier,
            dock=dock,
            close=close,
            user_id=user_id,
            idempotency_key=idempotency_key,
        )
    except (DomainError, IntegrityError):
        if idempotency_key and (
            done := receipt_of_idempotency_key(idempotency_key=idempotency_key)
        ):
            return done
        raise


@transaction.atomic(durable=True)
def _delivery_receive(
    *,
    warehouse: Warehouse,
    entries: Sequence[ReceivedEntry],
    purchase_order: PurchaseOrder | None,
    supplier: Supplier | None,
    dock: Location | None,
    close: bool,
    user_id: int | None,
    idempotency_key: str | None,
) -> Receipt:
    return receipt_arrived_apply(
        warehouse=warehouse,
        entries=entries,
        purchase_order=purchase_order,
        supplier=supplier,
        dock=dock,
        close=close,
        user_id=user_id,
        idempotency_key=idempotency_key,
    )
