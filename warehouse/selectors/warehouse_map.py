"""Reads for the warehouse map: the physical locations of a warehouse with what they hold,
and how often they were picked from; and the contents of one bin.

A big site is drawn a section at a time: strips of the floor along x, each of at most
``SECTION_LOCATIONS`` locations, never splitting the bins that share an x (an aisle). Drawing
20,000 bins at once took a second and 4 MB of SVG; a section of 1,000 about 0.1 s. The sections
are one query, a section's map one more (two when coloured by pick frequency), whatever the
number of bins.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from warehouse.models import Location, Quant, StockMove

# Pick frequency looks back this far.
PICK_DAYS = 30
# The most locations drawn at once (a section of the floor).
SECTION_LOCATIONS = 1_000


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


@dataclass(frozen=True)
class MapSection:
    """A strip of the floor: every location with ``x_from <= x <= x_to``."""

    number: int  # from 1, left to right
    x_from: float
    x_to: float
    first_aisle: str
    last_aisle: str
    locations: int

    @property
    def label(self) -> str:
        if not self.first_aisle:
            return f"Section {self.number}"
        if self.first_aisle == self.last_aisle:
            return f"Aisle {self.first_aisle}"
        return f"Aisles {self.first_aisle}–{self.last_aisle}"


def map_sections(*, warehouse_id: int, size: int | None = None) -> list[MapSection]:
    """The warehouse's floor cut into sections of at most ``size`` (``SECTION_LOCATIONS``)
    locations along x (a single x holding more is a section of its own); one row per distinct
    x is read."""
    rows = (
        Location.objects.filter(warehouse_id=warehouse_id)
        .exclude(kind__in=Location.VIRTUAL_KINDS)
        .order_by()
        .values("x")
        .annotate(
            n=Count("id"),
            first=Min("aisle", filter=~Q(aisle="")),
            last=Max("aisle", filter=~Q(aisle="")),
        )
        .order_by("x")
        .values_list("x", "n", "first", "last")
    )
    return sections_cut(list(rows), size=size or SECTION_LOCATIONS)


def sections_cut(
    columns: list[tuple[float, int, str | None, str | None]], *, size: int
) -> list[MapSection]:
    """Greedy left to right: (x, locations, first aisle, last aisle) per distinct x, in x
    order, into sections of at most ``size`` locations each."""
    if size < 1:
        raise ValueError(f"a map section holds at least one location, not {size}")
    sections: list[MapSection] = []
    group: list[tuple[float, int, str | None, str | None]] = []

    def close() -> None:
        aisles = sorted({a for _x, _n, first, last in group for a in (first, last) if a})
        sections.append(
            MapSection(
                number=len(sections) + 1,
                x_from=group[0][0],
                x_to=group[-1][0],
                first_aisle=aisles[0] if aisles else "",
                last_aisle=aisles[-1] if aisles else "",
                locations=sum(n for _x, n, _f, _l in group),
            )
        )
        group.clear()

    for column in columns:
        if group and sum(n for _x, n, _f, _l in group) + column[1] > size:
            close()
        group.append(column)
    if group:
        close()
    return sections


def picks_since(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=PICK_DAYS)


def map_locations(
    *, warehouse_id: int, with_picks: bool = False, section: MapSection | None = None
) -> list[MapLocation]:
    """Every non-virtual location of the warehouse (of the ``section`` if given) with ``units``
    on it; with ``with_picks`` also ``picks``: pick moves out of it in the last ``PICK_DAYS``
    days (a second query)."""
    where = Q(warehouse_id=warehouse_id)
    if section is not None:
        where &= Q(x__gte=section.x_from, x__lte=section.x_to)
    units = (
        Quant.objects.filter(location_id=OuterRef("pk"))
        .order_by()
        .values("location_id")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    rows = (
        Location.objects.filter(where)
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
    rows = list(rows)
    picks = {}
    if with_picks:  # a section's bins by id: move_from_time reads only their moves
        ids = [row[0] for row in rows] if section is not None else None
        picks = _picks(warehouse_id=warehouse_id, location_ids=ids)
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


def _picks(*, warehouse_id: int, location_ids: list[int] | None = None) -> dict[int, int]:
    """Pick moves per source bin over the last ``PICK_DAYS`` days (move_wh_time; of the
    ``location_ids`` only, move_from_time)."""
    moves = StockMove.objects.filter(
        warehouse_id=warehouse_id, kind=StockMove.Kind.PICK, created_at__gte=picks_since()
    )
    if location_ids is not None:
        moves = moves.filter(from_location_id__in=location_ids)
    rows = (
        moves.order_by()
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
