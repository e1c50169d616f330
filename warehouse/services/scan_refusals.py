"""Recording scans the handheld refused, so the dashboard can count them.

Called after the refused request's own work rolled back: the refusal is the only thing that
request leaves behind, in a small transaction of its own.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from inventory.errors import DomainError
from warehouse.models.exceptions import ScanRefusal

# The errors that mean "you scanned the wrong thing" (or a label nobody can read); a full bin
# or a blocked one is the warehouse's state, not a wrong scan, and is not counted.
WRONG_SCAN_CODES = frozenset({"wrong_location", "wrong_product", "wrong_lot", "invalid_barcode"})


@transaction.atomic(durable=True)
def scan_refusal_record(
    *,
    warehouse_id: int,
    user_id: int | None,
    code: str,
    scanned: str = "",
    field: str = "",
    task_id: int | None = None,
    task_kind: str = "",
) -> ScanRefusal:
    """Write one refused scan. ``scanned`` is cut to ``ScanRefusal.SCANNED_MAX_LENGTH``
    characters (control characters a scanner may send are dropped first).

    Must run outside the refused request's transaction (durable), so that its rollback cannot
    take the record with it.
    """
    text = "".join(ch for ch in (scanned or "") if ch.isprintable()).strip()
    return ScanRefusal.objects.create(
        warehouse_id=warehouse_id,
        user_id=user_id,
        task_id=task_id,
        task_kind=task_kind or "",
        code=code[:30],
        field=(field or "")[:30],
        scanned=text[: ScanRefusal.SCANNED_MAX_LENGTH],
    )


def scan_refusal_of_error(
    *, error: DomainError, warehouse_id: int, user_id: int | None, scanned: str = "", task=None
) -> ScanRefusal | None:
    """Record ``error`` if it is a wrong scan (``WRONG_SCAN_CODES``); other errors are not
    refusals of a scan and are left alone (None)."""
    if error.code not in WRONG_SCAN_CODES:
        return None
    return scan_refusal_record(
        warehouse_id=warehouse_id,
        user_id=user_id,
        code=error.code,
        scanned=scanned,
        field=error.field or "",
        task_id=task.pk if task is not None else None,
        task_kind=task.kind if task is not None else "",
    )


@contextmanager
def scan_refusals_recorded(
    *, task: Any, user_id: int | None, scans: Mapping[str, Any]
) -> Iterator[None]:
    """Run the block (a service call checking ``task``'s scans); a wrong scan it raises is
    recorded, with what was scanned taken from ``scans`` by the error's field, and raised on.

    The block's own transaction has rolled back by then: the record is written after it.
    """
    try:
        yield
    except DomainError as error:
        scanned = scans.get(error.field or "") or ""
        scan_refusal_of_error(
            error=error,
            warehouse_id=task.warehouse_id,
            user_id=user_id,
            scanned=str(scanned),
            task=task,
        )
        raise
