"""Movement history of a bin or a product: who did what, when, newest first.

Paged by key, not by offset: a page is the moves before a given move in (time, id) order, read
through the ledger's (column, -created_at) indexes (``move_product_time``; ``move_from_time``
and ``move_to_time`` for a bin, one bounded read per side merged here). So the thousandth page
costs what the first does, and no page counts the whole ledger.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import Warehouse
from warehouse.models import Location, Lot, StockMove
from warehouse.selectors.trace import lots_list

PAGE_SIZE = 50


@dataclass(frozen=True)
class HistoryFilters:
    kind: str = ""
    since: date | None = None  # from this day on (local time)
    until: date | None = None  # up to and including this day
    before_id: int | None = None  # the page after this move


@dataclass(frozen=True)
class HistoryPage:
    moves: list[StockMove]
    next_before: int | None  # ``before`` of the next (older) page; None on the last page


class UnknownCursor(ValueError):
    """The ``before`` move does not exist (or is not in this history)."""


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(moves: QuerySet[StockMove], filters: HistoryFilters) -> QuerySet[StockMove]:
    if filters.kind:
        moves = moves.filter(kind=filters.kind)
    if filters.since:
        moves = moves.filter(created_at__gte=_day_start(filters.since))
    if filters.until:
        moves = moves.filter(created_at__lt=_day_start(filters.until + timedelta(days=1)))
    return moves


def _before(moves: QuerySet[StockMove], cursor: StockMove | None) -> QuerySet[StockMove]:
    if cursor is None:
        return moves
    at = cursor.created_at
    return moves.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=cursor.pk))


def _cursor(history: QuerySet[StockMove], before_id: int | None) -> StockMove | None:
    if before_id is None:
        return None
    cursor = history.filter(pk=before_id).only("id", "created_at").first()
    if cursor is None:
        raise UnknownCursor(f"No move {before_id} in this history.")
    return cursor


def _page(rows: list[StockMove], size: int) -> HistoryPage:
    rows.sort(key=lambda move: (move.created_at, move.pk), reverse=True)
    more = len(rows) > size
    rows = rows[:size]
    return HistoryPage(moves=rows, next_before=rows[-1].pk if more and rows else None)


def _rows(moves: QuerySet[StockMove], size: int) -> list[StockMove]:
    return list(
        moves.select_related("product", "lot", "from_location", "to_location", "actor").order_by(
            "-created_at", "-id"
        )[: size + 1]
    )


def bin_history(
    *, location: Location, filters: HistoryFilters, size: int = PAGE_SIZE
) -> HistoryPage:
    """Moves into and out of one location. Raises UnknownCursor."""
    history = StockMove.objects.filter(
        Q(from_location_id=location.pk) | Q(to_location_id=location.pk)
    )
    cursor = _cursor(history, filters.before_id)
    rows = []
    # One indexed read per side: an OR of the two columns would sort every move of the bin.
    for side in ("from_location_id", "to_location_id"):
        moves = StockMove.objects.filter(**{side: location.pk})
        rows += _rows(_before(_filtered(moves, filters), cursor), size)
    return _page(rows, size)


def product_history(
    *,
    product_id: int,
    warehouses: QuerySet[Warehouse],
    filters: HistoryFilters,
    size: int = PAGE_SIZE,
) -> HistoryPage:
    """Moves of one product in the user's warehouses. Raises UnknownCursor."""
    history = StockMove.objects.filter(product_id=product_id, warehouse__in=warehouses)
    cursor = _cursor(history, filters.before_id)
    return _page(_rows(_before(_filtered(history, filters), cursor), size), size)


def product_lots(
    *, product_id: int, warehouses: QuerySet[Warehouse], limit: int = 100
) -> list[Lot]:
    """The product's lots that moved in the user's warehouses, newest first, each with
    ``on_hand`` there now: the way into their traces."""
    lots = lots_list(warehouses=warehouses, product_id=product_id).annotate(
        on_hand=Coalesce(Sum("quant__quantity", filter=Q(quant__warehouse__in=warehouses)), 0)
    )
    return list(lots[:limit])
