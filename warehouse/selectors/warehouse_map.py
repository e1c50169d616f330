"""Reads for the warehouse map: every physical location of a warehouse with what it holds,
and how often it was picked from; and the contents of one bin.

The map of a whole site is one query (two when it is coloured by pick frequency), whatever the
number of bins.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from warehouse.models import Location, Quant, StockMove

# Pick frequency looks back this far.
PICK_DAYS = 30


@dataclass(frozen=True)
class MapLocation:
    id: int
    code: str
    kind: str
    zone_code: str
    zone_name: str
    aisle: str
    shelf: str
    x: float
    y: float
    capacity: int | None
    units: int
    is_blocked: bool
    picks: int = 0

    @property
    def is_bin(self) -> bool:
        return self.kind in Location.ALLOCATABLE_KINDS

    @property
    def occupancy(self) -> float | None:
        """Units over capacity (may pass 1 when a bin was overfilled); None: no capacity."""
        return self.units / self.capacity if self.capacity else None


def picks_since(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=PICK_DAYS)


def map_locations(*, warehouse_id: int, with_picks: bool = False) -> list[MapLocation]:
    """Every non-virtual location of the warehouse with ``units`` on it; with ``with_picks``
    also ``picks``: pick moves out of it in the last ``PICK_DAYS`` days (a second query)."""
    units = (
        Quant.objects.filter(location_id=OuterRef("pk"))
        .order_by()
        .values("location_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    rows = (
        Location.objects.filter(warehouse_id=warehouse_id)
        .exclude(kind__in=Location.VIRTUAL_KINDS)
        .annotate(units=Coalesce(Subquery(units, output_field=IntegerField()), 0))
        .order_by("x", "y", "shelf", "code")
        .values_list(
            "id",
            "code",
            "kind",
            "zone__code",
            "zone__name",
            "aisle",
            "shelf",
            "x",
            "y",
            "capacity_units",
            "units",
            "is_blocked",
        )
    )
    picks = _picks(warehouse_id=warehouse_id) if with_picks else {}
    return [
        MapLocation(
            id=row[0],
            code=row[1],
            kind=row[2],
            zone_code=row[3] or "",
            zone_name=row[4] or "",
            aisle=row[5],
            shelf=row[6],
            x=row[7],
            y=row[8],
            capacity=row[9],
            units=row[10],
            is_blocked=row[11],
            picks=picks.get(row[0], 0),
        )
        for row in rows
    ]


def _picks(*, warehouse_id: int) -> dict[int, int]:
    """Pick moves per source bin over the last ``PICK_DAYS`` days (move_wh_time)."""
    rows = (
        StockMove.objects.filter(
            warehouse_id=warehouse_id, kind=StockMove.Kind.PICK, created_at__gte=picks_since()
        )
        .order_by()
        .values("from_location_id")
        .annotate(picks=Count("id"))
        .values_list("from_location_id", "picks")
    )
    return dict(rows)


def map_location_get(*, warehouse_id: int, location_id: int) -> Location | None:
    """One physical location of the warehouse with ``picks`` (last ``PICK_DAYS`` days)."""
    picks = (
        StockMove.objects.filter(
            from_location_id=OuterRef("pk"), kind=StockMove.Kind.PICK, created_at__gte=picks_since()
        )
        .order_by()
        .values("from_location_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Location.objects.filter(warehouse_id=warehouse_id, pk=location_id)
        .exclude(kind__in=Location.VIRTUAL_KINDS)
        .select_related("zone", "home_product")
        .annotate(picks=Coalesce(Subquery(picks, output_field=IntegerField()), 0))
        .first()
    )


def map_location_by_code(*, warehouse_id: int, code: str) -> Location | None:
    """A physical location found by its code or barcode (the map's "find a bin")."""
    code = code.strip()
    if not code:
        return None
    found = (
        Location.objects.filter(warehouse_id=warehouse_id, code__iexact=code)
        .exclude(kind__in=Location.VIRTUAL_KINDS)
        .values_list("id", flat=True)
        .first()
    )
    if found is None:
        found = (
            Location.objects.filter(warehouse_id=warehouse_id, barcode=code)
            .exclude(kind__in=Location.VIRTUAL_KINDS)
            .values_list("id", flat=True)
            .first()
        )
    return None if found is None else map_location_get(warehouse_id=warehouse_id, location_id=found)


def bin_contents(*, location_id: int) -> QuerySet[Quant]:
    """What lies in one location: product and lot per quant, most units first."""
    return (
        Quant.objects.filter(location_id=location_id, quantity__gt=0)
        .select_related("product", "lot")
        .order_by("-quantity", "product__sku", "id")
    )
