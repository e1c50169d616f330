"""Counting: a counter's blind count of a bin, the recount it may ask for, and the supervisor's
approval (or rejection) of the difference.

The counter scans the bin and the product and says how many are there; the books' quantity
at that moment is kept with the count (``BinCount.expected_quantity``) and never shown to
them. No difference closes the count. A difference within tolerance
(``WMS_COUNT_TOLERANCE_UNITS`` or ``WMS_COUNT_TOLERANCE_PERCENT`` of the books, whichever is
larger) waits for a supervisor; a bigger one first gets one blind recount (a new count task),
whose result then stands. Approval adjusts the bin **by the count's difference** from what it
holds at approval time, through ``stock_adjust``: units picked or put away between the count
and the approval stay picked or put away, and a difference that would now take the bin below
zero (or below its reservations) is refused, to be counted again.

Lock order: the count task (parent document) -> the BinCount rows it supersedes -> the
product's StockLevel -> quants (inside ``stock_adjust_apply``) -> ledger.
"""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from inventory.errors import (
    Conflict,
    DomainError,
    InvalidQuantity,
    NotFound,
    WrongLocation,
    WrongLot,
    WrongProduct,
)
from inventory.gs1 import InvalidBarcode, scan_text
from inventory.locks import stock_levels_lock
from inventory.models import Product
from warehouse.locks import task_lock
from warehouse.models import BinCount, Lot, Quant, Task
from warehouse.selectors.scan import scan_location, scan_product
from warehouse.services.adjustments import stock_adjust_apply
from warehouse.services.allocation import SHORT_PICK_COUNT_PREFIX, backorders_retry_on_commit
from warehouse.services.count_planning import OPEN_KEY_PREFIX, closed_key
from warehouse.services.lots import lot_resolve
from warehouse.services.tasks import task_create, task_for_worker

COUNT_QUANTITY_LIMIT = 2**31 - 1  # a PostgreSQL integer
RECOUNT_PRIORITY = 2  # the bin's stock is in doubt until it is settled


@transaction.atomic(durable=True)
def count_task_complete(
    *,
    task_id: int,
    user_id: int,
    scanned_location: str,
    scanned_product: str,
    quantity: int | None,
    lot_code: str | None = None,
) -> BinCount:
    """Record a blind count: the counter scanned ``scanned_location`` and ``scanned_product``
    and found ``quantity`` units (of lot ``lot_code``, for lot-tracked products).

    The task is done, and the count is EXACT, PENDING (a supervisor decides) or RECOUNT (a
    recount task follows). An open count of the same bin and product that nobody holds is
    closed with it, and older counts of it still waiting for a decision are superseded. A short
    pick's count that is settled lets allocation use the bin again; if units were found there,
    waiting backorders are retried. Wrong scans and bad quantities raise and change nothing;
    completing a done task again returns its count.
    """
    task = task_for_worker(task_id=task_id, user_id=user_id, kinds=[Task.Kind.COUNT])
    if task.status == Task.Status.DONE:
        done = BinCount.objects.filter(task_id=task.pk).first()
        if done is None:
            raise Conflict(f"Task {task.pk} was closed by another count.", field="status")
        return done
    if quantity is None:
        raise InvalidQuantity("Enter how many you counted.", field="quantity")
    if quantity < 0:
        raise InvalidQuantity("The counted quantity cannot be negative.", field="quantity")
    if quantity > COUNT_QUANTITY_LIMIT:
        raise InvalidQuantity("That is more than any bin holds; count again.", field="quantity")
    _check_location(task, scanned_location)
    product, lot = _counted_product(task, scanned_product, lot_code, quantity)
    now = timezone.now()
    # Newer information than a count still waiting for its decision: it is set aside, so one
    # difference is never applied twice.
    BinCount.objects.filter(
        location_id=task.source_location_id,
        product_id=product.pk,
        lot=lot,
        status=BinCount.Status.PENDING,
    ).update(
        status=BinCount.Status.REJECTED,
        decided_at=now,
        decision_reason=f"Superseded by the count of task #{task.pk}.",
        updated_at=now,
    )
    # The level lock orders this snapshot with every stock change of the product here.
    stock_levels_lock(keys=[(product.pk, task.warehouse_id)])
    expected = _books(location_id=task.source_location_id, product_id=product.pk, lot=lot)
    first = _first_count(task)
    count = BinCount.objects.create(
        task=task,
        warehouse_id=task.warehouse_id,
        location_id=task.source_location_id,
        product=product,
        lot=lot,
        expected_quantity=expected,
        counted_quantity=quantity,
        counted_by_id=user_id,
        counted_at=now,
        recount_of=first,
        status=_outcome(difference=quantity - expected, expected=expected, is_recount=bool(first)),
    )
    _task_done(task, now)
    released = _siblings_close(task, product_id=product.pk, lot=lot, now=now)
    if count.status == BinCount.Status.RECOUNT:
        _recount_plan(task, count)
    elif _was_held_back(task):
        released = True
    if released and quantity and task.source_location.is_allocatable:
        backorders_retry_on_commit(product_id=product.pk, warehouse_id=task.warehouse_id)
    return count


def _check_location(task: Task, scanned: str) -> None:
    location = scan_location(warehouse_id=task.warehouse_id, raw=scanned or "")
    if location is None or location.pk != task.source_location_id:
        shown = location.code if location else scan_text(scanned or "") or "nothing"
        raise WrongLocation(
            f"You scanned {shown}; count {task.source_location.code}.", field="location"
        )


def _counted_product(
    task: Task, scanned: str, lot_code: str | None, quantity: int
) -> tuple[Product, Lot | None]:
    """The product (and lot) the counter counted, checked against the task's."""
    try:
        found = scan_product(raw=scanned or "")
    except InvalidBarcode as error:
        raise InvalidBarcode(error.message, field="product") from error
    if found is None:
        shown = scan_text(scanned or "") or "nothing"
        raise WrongProduct(f"No product matches {shown}.", field="product")
    product = found.product
    if task.product_id and product.pk != task.product_id:
        raise WrongProduct(
            f"You scanned {product.sku}; this count is for {task.product.sku} "
            f"({task.product.name}).",
            field="product",
        )
    code = (lot_code or "").strip() or (found.lot_code if product.is_lot_tracked else None)
    if task.lot_id:
        if code and code != task.lot.code:
            raise WrongLot(f"You scanned lot {code}; count lot {task.lot.code}.", field="lot")
        return product, task.lot
    lot = lot_resolve(product=product, code=code, expiry_date=found.expiry, create=quantity > 0)
    return product, lot


def _books(*, location_id: int, product_id: int, lot: Lot | None) -> int:
    quantity = (
        Quant.objects.filter(location_id=location_id, product_id=product_id, lot=lot)
        .values_list("quantity", flat=True)
        .first()
    )
    return quantity or 0


def _first_count(task: Task) -> BinCount | None:
    """The count this task recounts, if it is a recount."""
    if task.parent_id is None:
        return None
    return BinCount.objects.filter(task_id=task.parent_id, status=BinCount.Status.RECOUNT).first()


def count_over_tolerance(*, difference: int, expected: int) -> bool:
    """Whether a difference is too big to take without a recount: beyond both the units and
    the percentage of the books allowed."""
    units = settings.WMS_COUNT_TOLERANCE_UNITS
    percent = settings.WMS_COUNT_TOLERANCE_PERCENT
    return abs(difference) > units and abs(difference) * 100 > percent * expected


def _outcome(*, difference: int, expected: int, is_recount: bool) -> str:
    if difference == 0:
        return BinCount.Status.EXACT
    if not is_recount and count_over_tolerance(difference=difference, expected=expected):
        return BinCount.Status.RECOUNT
    return BinCount.Status.PENDING


def _task_done(task: Task, now) -> None:
    task.status = Task.Status.DONE
    task.started_at = task.started_at or now
    task.completed_at = now
    fields = ["status", "started_at", "completed_at", "updated_at"]
    if task.origin_key and task.origin_key.startswith(OPEN_KEY_PREFIX):
        task.origin_key = closed_key(task.pk)  # the bin and product may be planned again
        fields.append("origin_key")
    task.save(update_fields=fields)


def _siblings_close(task: Task, *, product_id: int, lot: Lot | None, now) -> bool:
    """Open count tasks of the same bin and product (a short pick's that came after ours was
    planned) are answered by this count. Only open ones: a task another counter holds is
    theirs to finish, and waiting for its lock here could deadlock with them. True when one
    of them kept allocation away from the bin."""
    siblings = Task.objects.filter(
        kind=Task.Kind.COUNT,
        status=Task.Status.OPEN,
        source_location_id=task.source_location_id,
        product_id=product_id,
    ).exclude(pk=task.pk)
    if lot is not None:  # another lot of the product here is not what was counted
        siblings = siblings.filter(Q(lot__isnull=True) | Q(lot_id=lot.pk))
    released = False
    for pk, key in siblings.values_list("pk", "origin_key"):
        fields = {
            "status": Task.Status.DONE,
            "completed_at": now,
            "updated_at": now,
            "notes": f"Counted with task #{task.pk}.",
        }
        if key and key.startswith(OPEN_KEY_PREFIX):
            fields["origin_key"] = closed_key(pk)
        closed = Task.objects.filter(pk=pk, status=Task.Status.OPEN).update(**fields)
        released |= bool(closed and key and key.startswith(SHORT_PICK_COUNT_PREFIX))
    return released


def _was_held_back(task: Task) -> bool:
    """Whether allocation kept away from the bin until this count (a short pick's count)."""
    return bool(task.origin_key and task.origin_key.startswith(SHORT_PICK_COUNT_PREFIX))


def _recount_plan(task: Task, count: BinCount) -> Task:
    """A second blind count of the same bin, product and lot, ideally by someone else.

    A short pick's recount keeps its key's prefix, so allocation stays away from the bin
    until the recount settles it.
    """
    held = _was_held_back(task)
    key = f"{task.origin_key}:recount" if held else f"count:recount:{task.pk}"
    return task_create(
        warehouse_id=task.warehouse_id,
        kind=Task.Kind.COUNT,
        product_id=count.product_id,
        lot_id=count.lot_id,
        source_location=task.source_location,
        priority=min(task.priority, RECOUNT_PRIORITY),
        reference=task.reference,
        origin_key=key,
        parent_id=task.pk,
        created_by_id=count.counted_by_id,
        notes="Recount: a second, blind count (best by another counter).",
    )


# --- the supervisor's decision ---------------------------------------------------------------


@transaction.atomic(durable=True)
def count_approve(*, count_id: int, user_id: int, reason: str) -> BinCount:
    """Accept a count's difference: the bin changes by (counted - expected) from what it holds
    now, with one ADJUSTMENT ledger row (reason "Count #id: <reason>") and its stock level.

    Raises NotFound, DomainError (no reason), Conflict (decided already, or superseded) and
    InsufficientStock (the bin now holds too little for the difference, or the units are
    reserved): nothing changes then. Stock found retries waiting backorders.
    """
    reason = _reason(reason)
    count = _decidable(count_id)
    now = timezone.now()
    adjusted = stock_adjust_apply(
        location=count.location,
        product=count.product,
        counted_quantity=count.counted_quantity,
        expected_quantity=count.expected_quantity,
        reason=f"Count #{count.pk}: {reason}"[:200],
        lot_code=count.lot.code if count.lot_id else None,
        actor_id=user_id,
        idempotency_key=f"count:{count.pk}",
    )
    count.status = BinCount.Status.APPROVED
    count.decided_by_id, count.decided_at, count.decision_reason = user_id, now, reason
    count.adjusted_quantity = adjusted.difference
    count.adjustment = adjusted.move
    count.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "adjusted_quantity",
            "adjustment",
            "updated_at",
        ]
    )
    return count


@transaction.atomic(durable=True)
def count_reject(*, count_id: int, user_id: int, reason: str) -> BinCount:
    """Refuse a count's difference: the books stay as they are. Raises like ``count_approve``."""
    reason = _reason(reason)
    count = _decidable(count_id)
    count.status = BinCount.Status.REJECTED
    count.decided_by_id, count.decided_at, count.decision_reason = user_id, timezone.now(), reason
    count.save(
        update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"]
    )
    return count


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for your decision.", field="reason")
    if len(reason) > 150:
        raise DomainError("Keep the reason under 150 characters.", field="reason")
    return reason


def _decidable(count_id: int) -> BinCount:
    """The count, under its task's lock, if it still waits for a decision."""
    task_id = BinCount.objects.filter(pk=count_id).values_list("task_id", flat=True).first()
    if task_id is None:
        raise NotFound(f"No count {count_id}.", field="count")
    task_lock(task_id=task_id)  # the parent document: decisions on it queue up here
    # The UPDATE takes the count's row lock as well: a newer count superseding this one waits
    # for the decision, or the decision finds it superseded.
    still_pending = BinCount.objects.filter(pk=count_id, status=BinCount.Status.PENDING).update(
        updated_at=timezone.now()
    )
    count = BinCount.objects.select_related("location", "product", "lot", "decided_by").get(
        pk=count_id
    )
    if not still_pending:
        raise CountDecided(_decided_text(count), field="count")
    return count


def recount_withdrawn_apply(*, task: Task) -> None:
    """A count task was cancelled: if it was a recount, the first count goes to the supervisor
    as it stands (else it would wait for a recount that never comes). Caller holds the task's
    lock, inside its transaction."""
    if task.kind == Task.Kind.COUNT and task.parent_id is not None:
        BinCount.objects.filter(task_id=task.parent_id, status=BinCount.Status.RECOUNT).update(
            status=BinCount.Status.PENDING
        )


def _decided_text(count: BinCount) -> str:
    if count.status == BinCount.Status.EXACT:
        return f"Count #{count.pk} matched the books: there is nothing to decide."
    if count.status == BinCount.Status.RECOUNT:
        return f"Count #{count.pk} is being recounted; decide on the recount."
    who = f" by {count.decided_by.username}" if count.decided_by else ""
    return f"Count #{count.pk} was {count.get_status_display().lower()} already{who}."


class CountDecided(Conflict):
    code = "count_decided"
